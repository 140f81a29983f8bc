package otelcli

// Version is the version of this package, sent as the instrumentation scope
// version of the command spans.
const Version = "0.2.0"

// ScopeName is the instrumentation scope of the command spans.
const ScopeName = "github.com/cli-telemetry/otelcli"
