package otelcli

import (
	"context"
	"errors"
	"strings"
	"testing"

	"go.opentelemetry.io/otel"
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

type recordingHandler struct{ errs []error }

func (h *recordingHandler) Handle(err error) { h.errs = append(h.errs, err) }

// TestAuthorErrorHandlerKept: an error handler the author set before the
// first command is theirs, and keeps receiving OpenTelemetry's errors. Only
// an OpenTelemetry that tells which handler is set (v1.25 and later) lets
// this be honoured; before, GetErrorHandler returns its delegator whatever
// was set, and otelcli's replaces the author's (the README says so).
func TestAuthorErrorHandlerKept(t *testing.T) {
	prev := otel.GetErrorHandler()
	probe := &recordingHandler{}
	otel.SetErrorHandler(probe)
	defer otel.SetErrorHandler(prev)
	if otel.GetErrorHandler() != otel.ErrorHandler(probe) {
		t.Skipf("OpenTelemetry %s cannot say which error handler is set", otel.Version())
	}
	set := errorHandlerSet.Load()
	errorHandlerSet.Store(false) // as in a fresh process
	defer errorHandlerSet.Store(set)

	newHome(t, "app", false)
	if r := execute(t, testTree(), []string{"cluster", "list"}, nil, appOpts...); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	otel.Handle(errors.New("after the command"))
	if len(probe.errs) != 1 || probe.errs[0].Error() != "after the command" {
		t.Errorf("the author's handler got %v", probe.errs)
	}
}
