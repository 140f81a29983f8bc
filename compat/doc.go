// Package compat holds tests of otelcli next to the modules a CLI that adopts
// it may already use: the canonical OTLP protobuf packages and the standard
// OTLP/HTTP exporter (which bring gRPC). It is a module of its own so that
// these dependencies never enter the module graph of otelcli's users.
//
//   - wire_test.go: otelcli's hand-written OTLP encoding against the canonical
//     generated code, both ways.
//   - link_test.go: a program linking otelcli and otlptracehttp starts, and
//     WithExporter sends through the standard exporter.
//   - adopt_test.go: adding otelcli to a CLI on older cobra, OpenTelemetry and
//     gRPC releases changes none of its other requirements, nor its go line.
package compat
