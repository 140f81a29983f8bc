package otelcli

import (
	"context"
	"reflect"
	"sync/atomic"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/embedded"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/cli-telemetry/otelcli/processors"
)

// globalProvider is installed once as the global TracerProvider, when no one
// else has set one, and forwards to the provider of the current invocation.
// The CLI's own instrumentation (otelhttp, database clients) thereby makes
// child spans that pass the same consent gate and allowlist; and a program
// that runs more than once (tests, REPL-style CLIs) does not leave its
// instrumentation talking to a finished provider.
type globalProvider struct {
	embedded.TracerProvider
	cur atomic.Pointer[sdktrace.TracerProvider]
}

var global = &globalProvider{}

// The types of OpenTelemetry's own global placeholders: the tracer provider
// and error handler in place until someone sets theirs. Whether the author
// set one is told by comparing with these (a test pins them, so that an
// OpenTelemetry upgrade that changes them fails loudly).
var (
	defaultProvider     = reflect.TypeOf(otel.GetTracerProvider())
	defaultErrorHandler = reflect.TypeOf(otel.GetErrorHandler())
)

// useAsGlobal makes tp the target of the global provider, installing the
// global provider first if nobody has set one. A provider the author set is
// theirs and is left alone.
func useAsGlobal(tp *sdktrace.TracerProvider) {
	switch cur := otel.GetTracerProvider(); {
	case cur == trace.TracerProvider(global):
		global.cur.Store(tp)
	case reflect.TypeOf(cur) == defaultProvider:
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

// otelLog is the session whose debug output receives OpenTelemetry's own
// error reports and log lines, when otelcli installed their sinks.
var otelLog atomic.Pointer[session]

// errorHandlerSet is set once otelcli's error handler is OpenTelemetry's:
// it forwards to otelLog, so one is enough for the process.
var errorHandlerSet atomic.Bool

// quietOTel makes OpenTelemetry's own reports (a malformed
// OTEL_RESOURCE_ATTRIBUTES, an exporter's errors) go to otelcli's debug
// output, masked, instead of its default handler and logger, which print
// to the user's terminal. A handler the author set is left alone (from
// OpenTelemetry v1.25: before, GetErrorHandler returns its delegator
// whatever was set, so otelcli's replaces the author's), and so is the
// logger when the author set a tracer provider of their own (the logger's
// current value cannot be read).
func quietOTel(s *session, debug bool) {
	otelLog.Store(s)
	if !errorHandlerSet.Load() && reflect.TypeOf(otel.GetErrorHandler()) == defaultErrorHandler {
		otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
			otelDebug("opentelemetry: %s", err.Error())
		}))
		errorHandlerSet.Store(true)
	}
	if cur := otel.GetTracerProvider(); reflect.TypeOf(cur) == defaultProvider {
		if !debug {
			// Nothing to show: the cheapest logger (funcr's first use in
			// a process costs more than the rest of this function).
			otel.SetLogger(logr.Discard())
			return
		}
		otel.SetLogger(funcr.New(func(prefix, args string) {
			otelDebug("opentelemetry: %s %s", prefix, args)
		}, funcr.Options{}))
	}
}

// otelDebug writes a report from OpenTelemetry to debug output, with
// anything that looks like a secret, a URL's credentials or a path masked:
// these reports quote variables such as OTEL_EXPORTER_OTLP_HEADERS.
func otelDebug(format string, args ...any) {
	if s := otelLog.Load(); s != nil {
		for i, a := range args {
			if str, ok := a.(string); ok {
				args[i] = processors.Redact().Sanitize(str)
			}
		}
		s.logf(format, args...)
	}
}
