package otelcli

import (
	"context"
	"os"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"

	"github.com/cli-telemetry/otelcli/internal/env"
)

// SetAttributes adds attributes to the span of the command running in ctx
// (the command's cmd.Context()), such as the kind of database or the auth
// method in use. They pass the same allowlist as everything else: declare
// them with [WithFields], or they are dropped.
func SetAttributes(ctx context.Context, kv ...attribute.KeyValue) {
	if s, ok := ctx.Value(sessionKey{}).(*session); ok {
		s.span.SetAttributes(kv...)
	}
}

// TRACESTATE is the W3C trace state variable: never read, and removed from
// a child's environment, because it is free text (vendor key-value pairs)
// that would leave as it is.
const envTraceState = "TRACESTATE"

var traceContext = propagation.TraceContext{}

// extractEnvParent makes the command span a child of the trace in
// TRACEPARENT (OpenTelemetry's environment-variable carrier), so a CI
// pipeline or a wrapper script that traces itself sees the CLI inside its
// trace. Only the trace and parent ids and the sampled flag are taken.
func extractEnvParent(ctx context.Context, e env.Lookup) context.Context {
	tp := e.Get(env.TraceParent)
	if tp == "" {
		return ctx
	}
	return traceContext.Extract(ctx, propagation.MapCarrier{"traceparent": tp})
}

// Environ returns env (os.Environ() when nil) with TRACEPARENT set to the
// span in ctx and TRACESTATE removed, replacing any already there, for
// starting a child process inside the command's trace:
//
//	c := exec.CommandContext(ctx, "terraform", "apply")
//	c.Env = otelcli.Environ(ctx, nil)
//
// With no valid span in ctx, the variables are removed rather than passed
// on stale.
func Environ(ctx context.Context, environ []string) []string {
	if environ == nil {
		environ = os.Environ()
	}
	out := make([]string, 0, len(environ)+1)
	for _, kv := range environ {
		if strings.HasPrefix(kv, env.TraceParent+"=") || strings.HasPrefix(kv, envTraceState+"=") {
			continue
		}
		out = append(out, kv)
	}
	carrier := propagation.MapCarrier{}
	traceContext.Inject(ctx, carrier)
	if v := carrier["traceparent"]; v != "" {
		out = append(out, env.TraceParent+"="+v)
	}
	return out
}
