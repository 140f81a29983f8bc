package render

import (
	"encoding/json"
	"strings"
	"testing"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
)

func str(k, v string) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}}}
}

func TestJSON(t *testing.T) {
	rs := []*tracepb.ResourceSpans{{
		Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{str("service.name", "app")}},
		ScopeSpans: []*tracepb.ScopeSpans{{Spans: []*tracepb.Span{{
			Name: "app run", TraceId: []byte{0xab, 1}, SpanId: []byte{0xcd}, Kind: tracepb.Span_SPAN_KIND_INTERNAL,
			StartTimeUnixNano: 1_000_000, EndTimeUnixNano: 3_500_000,
			Status: &tracepb.Status{Code: tracepb.Status_STATUS_CODE_ERROR},
			Attributes: []*commonpb.KeyValue{
				str("error.type", "unknown_flag"),
				{Key: "n", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: 2}}},
				{Key: "l", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{
					Values: []*commonpb.AnyValue{{Value: &commonpb.AnyValue_StringValue{StringValue: "a"}}}}}}},
			},
		}}}},
	}}
	b, err := JSON(rs)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"trace_id": "ab01"`, `"span_id": "cd"`, `"kind": "internal"`, `"status": "error"`,
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
