package otelcli

import (
	"context"
	"os"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

type commandSpanKey struct{}

// SetAttributes adds attributes to the span of the command running in ctx
// (the command's cmd.Context()), such as the kind of database or the auth
// method in use. They pass the same allowlist as everything else: declare
// them with [WithFields], or they are dropped.
func SetAttributes(ctx context.Context, kv ...attribute.KeyValue) {
	if s, ok := ctx.Value(commandSpanKey{}).(trace.Span); ok {
		s.SetAttributes(kv...)
	}
}

// The environment variables that carry W3C trace context between processes
// (OpenTelemetry's environment-variable carrier).
const (
	envTraceParent = "TRACEPARENT"
	envTraceState  = "TRACESTATE"
)

var traceContext = propagation.TraceContext{}

// extractEnvParent makes the command span a child of the trace in
// TRACEPARENT/TRACESTATE, so a CI pipeline or a wrapper script that traces
// itself sees the CLI inside its trace.
func extractEnvParent(ctx context.Context, env func(string) (string, bool)) context.Context {
	tp, _ := env(envTraceParent)
	if tp == "" {
		return ctx
	}
	ts, _ := env(envTraceState)
	carrier := propagation.MapCarrier{"traceparent": tp}
	if ts != "" {
		carrier["tracestate"] = ts
	}
	return traceContext.Extract(ctx, carrier)
}

// Environ returns env (os.Environ() when nil) with TRACEPARENT and
// TRACESTATE set to the span in ctx, replacing any already there, for
// starting a child process inside the command's trace:
//
//	c := exec.CommandContext(ctx, "terraform", "apply")
//	c.Env = otelcli.Environ(ctx, nil)
//
// With no valid span in ctx, the variables are removed rather than passed
// on stale.
func Environ(ctx context.Context, env []string) []string {
	if env == nil {
		env = os.Environ()
	}
	out := make([]string, 0, len(env)+2)
	for _, kv := range env {
		if strings.HasPrefix(kv, envTraceParent+"=") || strings.HasPrefix(kv, envTraceState+"=") {
			continue
		}
		out = append(out, kv)
	}
	carrier := propagation.MapCarrier{}
	traceContext.Inject(ctx, carrier)
	if v := carrier["traceparent"]; v != "" {
		out = append(out, envTraceParent+"="+v)
	}
	if v := carrier["tracestate"]; v != "" {
		out = append(out, envTraceState+"="+v)
	}
	return out
}
