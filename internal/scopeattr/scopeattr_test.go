package scopeattr

import (
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
)

func TestGetSet(t *testing.T) {
	var s instrumentation.Scope
	if Get(s) != nil {
		t.Fatal("attributes of an empty scope")
	}
	Set(&s, []attribute.KeyValue{attribute.String("k", "v")})
	got := Get(s)
	if len(got) != 1 || got[0].Value.AsString() != "v" {
		t.Fatalf("%v", got)
	}
}
