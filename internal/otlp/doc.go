// Package otlp is the part of the OTLP trace data model otelcli sends, with
// its protobuf wire form written and read by hand: TracesData (the spool's
// file format, and the body of an OTLP/HTTP export request, which has the
// same wire form), ResourceSpans, ScopeSpans, Span, events, links, status,
// attributes, and the export response's partial success.
//
// It exists so that otelcli links neither the protobuf runtime nor the
// generated OTLP packages (go.opentelemetry.io/proto/otlp brings gRPC into
// a CLI's module graph, and the protobuf runtime costs every run of every
// instrumented CLI its package initialisation). The encoding follows
// opentelemetry-proto's trace.proto field numbers; tests in the compat
// module check it against the canonical generated code, and the bundled
// collector's tests send it to a real collector.
//
// Reading is hostile-input safe: a file or response that is truncated, uses
// wire types OTLP does not, nests values deeper than MaxDepth or holds more
// than MaxItems values is an error, never a panic or an unbounded
// allocation.
package otlp
