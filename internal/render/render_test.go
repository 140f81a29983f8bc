package render

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cli-telemetry/otelcli/internal/otlp"
)

func str(k, v string) otlp.KeyValue {
	return otlp.KeyValue{Key: k, Value: otlp.Value{Kind: otlp.String, Str: v}}
}

func TestJSON(t *testing.T) {
	rs := []otlp.ResourceSpans{{
		Resource: otlp.Resource{Attributes: []otlp.KeyValue{str("service.name", "app")}},
		ScopeSpans: []otlp.ScopeSpans{{Spans: []otlp.Span{{
			Name: "app run", TraceID: [16]byte{0xab, 1}, SpanID: [8]byte{0xcd}, Kind: otlp.KindInternal,
			StartTimeUnixNano: 1_000_000, EndTimeUnixNano: 3_500_000,
			Status: otlp.Status{Code: otlp.StatusError},
			Attributes: []otlp.KeyValue{
				str("error.type", "unknown_flag"),
				{Key: "n", Value: otlp.Value{Kind: otlp.Int, Int: 2}},
				{Key: "l", Value: otlp.Value{Kind: otlp.Array, Array: []otlp.Value{{Kind: otlp.String, Str: "a"}}}},
			},
		}}}},
	}}
	b, err := JSON(rs)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"trace_id": "ab010000000000000000000000000000"`, `"span_id": "cd00000000000000"`, `"kind": "internal"`, `"status": "error"`,
		`"duration_ms": 2.5`, `"error.type": "unknown_flag"`, `"n": 2`, `"service.name": "app"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("missing %s in\n%s", want, b)
		}
	}
	var back []Resource
	if err := json.Unmarshal(b, &back); err != nil || len(back[0].Spans) != 1 {
		t.Fatalf("not round-trippable: %v", err)
	}
}
