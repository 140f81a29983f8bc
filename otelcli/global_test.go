package otelcli

import (
	"context"
	"strings"
	"testing"
)

// otelcli recognises OpenTelemetry's placeholders (the global tracer
// provider and error handler nobody has set) by their types, read at start.
// If an upgrade of OpenTelemetry changes what the placeholders are, this
// fails loudly instead of otelcli silently replacing an author's provider
// or handler.
func TestOTelPlaceholdersRecognised(t *testing.T) {
	for _, typ := range []string{defaultProvider.String(), defaultErrorHandler.String()} {
		if !strings.HasPrefix(typ, "*global.") && !strings.HasPrefix(typ, "*errorhandler.") {
			t.Errorf("placeholder type %s is not one of OpenTelemetry's internal placeholders", typ)
		}
	}
	if errorString.String() != "*errors.errorString" {
		t.Errorf("errors.New's type is %s", errorString)
	}
}

func TestIDGenerator(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		tid, sid := idGenerator{}.NewIDs(context.Background())
		if !tid.IsValid() || !sid.IsValid() || seen[tid.String()] {
			t.Fatalf("ids %s %s", tid, sid)
		}
		seen[tid.String()] = true
	}
}
