// Package semconv holds the OpenTelemetry semantic-convention attribute keys
// otelcli sends. They are written out here, not imported from
// go.opentelemetry.io/otel/semconv/vX: each of those packages exists only
// from some OpenTelemetry release on, and importing one would force every
// CLI that adopts otelcli up to that release. The names are stable across
// the convention versions otelcli's schema URL covers.
package semconv

import "go.opentelemetry.io/otel/attribute"

// SchemaURL is the version of the conventions the keys below follow.
const SchemaURL = "https://opentelemetry.io/schemas/1.26.0"

// Keys otelcli sets, by where they go.
const (
	ServiceNameKey           = attribute.Key("service.name")
	ServiceVersionKey        = attribute.Key("service.version")
	OSTypeKey                = attribute.Key("os.type")
	OSVersionKey             = attribute.Key("os.version")
	HostArchKey              = attribute.Key("host.arch")
	ProcessRuntimeNameKey    = attribute.Key("process.runtime.name")
	ProcessRuntimeVersionKey = attribute.Key("process.runtime.version")
	TelemetrySDKNameKey      = attribute.Key("telemetry.sdk.name")
	TelemetrySDKLanguageKey  = attribute.Key("telemetry.sdk.language")
	TelemetrySDKVersionKey   = attribute.Key("telemetry.sdk.version")

	ProcessExecutableNameKey = attribute.Key("process.executable.name")
	ProcessPIDKey            = attribute.Key("process.pid")
	ProcessExitCodeKey       = attribute.Key("process.exit.code")
	ErrorTypeKey             = attribute.Key("error.type")

	ExceptionTypeKey       = attribute.Key("exception.type")
	ExceptionStacktraceKey = attribute.Key("exception.stacktrace")
)
