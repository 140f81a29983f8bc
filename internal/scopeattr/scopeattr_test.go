package scopeattr

import (
	"reflect"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
)

// With the OpenTelemetry release in use: scopes with attributes (1.32 on)
// keep what is set; older ones have none, and setting is a no-op.
func TestGetSet(t *testing.T) {
	var s instrumentation.Scope
	if Get(s) != nil {
		t.Fatal("attributes of an empty scope")
	}
	Set(&s, []attribute.KeyValue{attribute.String("k", "v")})
	got := Get(s)
	_, has := reflect.TypeOf(s).FieldByName(field)
	switch {
	case has && (len(got) != 1 || got[0].Value.AsString() != "v"):
		t.Fatalf("%v", got)
	case !has && got != nil:
		t.Fatalf("attributes on a scope without the field: %v", got)
	}
}
