package otelcli

import (
	"runtime"
	"strings"

	"go.opentelemetry.io/otel/trace"

	"github.com/cli-telemetry/otelcli/internal/semconv"
	"github.com/cli-telemetry/otelcli/processors"
)

// recordPanic adds an exception event to the span. It runs in a deferred
// call while the goroutine panics, without recovering: the stack below it
// still holds the frames that panicked. Only function names are kept; the
// panic value (which may hold user data) is never read.
func (s *session) recordPanic() {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(2, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	var names []string
	afterPanic := false
	for {
		f, more := frames.Next()
		if f.Function == "runtime.gopanic" {
			// Frames above gopanic are this deferred call; the story starts
			// below it.
			afterPanic, names = true, names[:0]
		} else if f.Function != "" && (afterPanic || !strings.HasPrefix(f.Function, "runtime.")) {
			names = append(names, f.Function)
		}
		if !more || len(names) >= processors.MaxStackFrames {
			break
		}
	}
	s.span.AddEvent("exception", trace.WithAttributes(
		semconv.ExceptionTypeKey.String(ErrTypePanic),
		semconv.ExceptionStacktraceKey.String(strings.Join(names, "\n")),
	))
}
