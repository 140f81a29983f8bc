package otelcli

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/embedded"
	"go.opentelemetry.io/otel/trace/noop"
)

// globalProvider is installed once as the global TracerProvider, when no one
// else has set one, and forwards to the provider of the current invocation.
// The CLI's own instrumentation (otelhttp, database clients) thereby makes
// child spans that pass the same consent gate and allowlist; and a program
// that calls Execute more than once (tests, REPL-style CLIs) does not leave
// its instrumentation talking to a finished provider.
type globalProvider struct {
	embedded.TracerProvider
	cur atomic.Pointer[sdktrace.TracerProvider]
}

var global = &globalProvider{}

// useAsGlobal makes tp the target of the global provider, installing the
// global provider first if nobody has set one. A provider the author set is
// theirs and is left alone.
func useAsGlobal(tp *sdktrace.TracerProvider) {
	switch cur := otel.GetTracerProvider(); {
	case cur == trace.TracerProvider(global):
		global.cur.Store(tp)
	case isDefaultGlobal(cur):
		global.cur.Store(tp)
		otel.SetTracerProvider(global)
	}
}

func (p *globalProvider) Tracer(name string, opts ...trace.TracerOption) trace.Tracer {
	return &globalTracer{p: p, name: name, opts: opts}
}

type globalTracer struct {
	embedded.Tracer
	p    *globalProvider
	name string
	opts []trace.TracerOption
}

var noopTracer = noop.NewTracerProvider().Tracer("")

func (t *globalTracer) Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	tp := t.p.cur.Load()
	if tp == nil {
		return noopTracer.Start(ctx, name, opts...)
	}
	return tp.Tracer(t.name, t.opts...).Start(ctx, name, opts...)
}

// currentRun receives the errors OpenTelemetry reports through its global
// error handler, when otelcli installed it.
var currentRun atomic.Pointer[run]

// quietErrors makes OpenTelemetry's own error reports (a malformed
// OTEL_RESOURCE_ATTRIBUTES, say) go to otelcli's debug output instead of the
// default handler, which logs to the user's terminal. A handler the author
// set is left alone.
func quietErrors(r *run) {
	currentRun.Store(r)
	if strings.HasSuffix(fmt.Sprintf("%T", otel.GetErrorHandler()), "errorhandler.ErrDelegator") {
		otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
			if r := currentRun.Load(); r != nil {
				r.debugf("opentelemetry: %v", err)
			}
		}))
	}
}
