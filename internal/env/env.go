package env

import (
	"strconv"
	"strings"
	"time"
)

// Lookup is os.LookupEnv, or a fake in tests.
type Lookup func(string) (string, bool)

// Variables every CLI shares. Names that start with "_" are suffixes of the
// CLI's own prefix (CLUSTERCTL + _TELEMETRY_DISABLED).
const (
	// SDKDisabled is OpenTelemetry's standard switch; the Go SDK ignores it,
	// otelcli does not.
	SDKDisabled = "OTEL_SDK_DISABLED"
	// DoNotTrack is the console do-not-track convention.
	DoNotTrack = "DO_NOT_TRACK"
	// TracesExporter turns telemetry off when it lists "none".
	TracesExporter = "OTEL_TRACES_EXPORTER"
	// TraceParent makes the command span a child of the caller's trace (W3C
	// trace context in the environment). TRACESTATE is never read: it is free
	// text that would be sent as it is.
	TraceParent = "TRACEPARENT"
	// TelemetryDisabled turns one CLI's telemetry off.
	TelemetryDisabled = "_TELEMETRY_DISABLED"
	// TelemetryDebug writes what is recorded, and every telemetry problem, to
	// stderr.
	TelemetryDebug = "_TELEMETRY_DEBUG"
	// TelemetryDelivery overrides the delivery mode: background, inline or
	// none.
	TelemetryDelivery = "_TELEMETRY_DELIVERY"
	// TelemetrySampleRate overrides the author's sample rate (0 to 1).
	TelemetrySampleRate = "_TELEMETRY_SAMPLE_RATE"
	// Endpoint points one CLI's telemetry elsewhere, over the standard
	// OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT.
	Endpoint = "_OTEL_EXPORTER_OTLP_ENDPOINT"
	// CI is the generic "running in CI" variable; vendor variables are read
	// by internal/detect's table.
	CI = "CI"
	// UploadLifetime bounds how long a background uploader keeps retrying
	// (a Go duration); tests shorten it so no process outlives them.
	UploadLifetime = "OTELCLI_UPLOAD_LIFETIME"
	// UploadLinger is how long a background uploader stays after emptying
	// the spool (a Go duration; 0 to leave at once), for tests.
	UploadLinger = "OTELCLI_UPLOAD_LINGER"
)

// Var documents one variable for the README.
type Var struct {
	Name string // a suffix of the CLI's prefix when it starts with "_"
	Type string
	Doc  string
}

// Vars lists the variables above, in the README's order. The OTLP exporter
// variables (OTEL_EXPORTER_OTLP_*) are read by the uploader with the
// standard exporter's semantics and documented there.
var Vars = []Var{
	{SDKDisabled, "bool", "`true` (or any value that is not a boolean) turns telemetry off"},
	{DoNotTrack, "bool", "any non-empty value other than `0`/`false` turns telemetry off"},
	{TracesExporter, "list", "telemetry is off when the list holds `none`"},
	{TelemetryDisabled, "bool", "a true value (or any value that is not a boolean) turns this CLI's telemetry off"},
	{TelemetryDebug, "bool", "a true value writes each recorded span and every telemetry problem to stderr"},
	{TelemetryDelivery, "enum", "`background`, `inline` or `none` overrides the delivery mode"},
	{TelemetrySampleRate, "float", "a number in [0, 1] replaces the author's sample rate"},
	{Endpoint, "URL", "this CLI's OTLP/HTTP endpoint, over `OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT`"},
	{TraceParent, "W3C traceparent", "the command span joins this trace"},
	{CI, "bool", "a value other than `0`/`false`/`no`/`off` means CI (as do the CI vendors' own variables)"},
}

// ParseBool accepts the spellings people use: 1/0, t/f, true/false, y/n,
// yes/no, on/off, in any case. ok is false for anything else, which callers
// that decide consent treat as "off": a value nobody can read is no consent.
func ParseBool(v string) (b, ok bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "t", "true", "y", "yes", "on":
		return true, true
	case "0", "f", "false", "n", "no", "off":
		return false, true
	}
	return false, false
}

// Get returns the variable's value, "" when unset.
func (l Lookup) Get(name string) string {
	if v, ok := l(name); ok {
		return v
	}
	return ""
}

// Bool reads a boolean; unset, empty or unreadable is false.
func (l Lookup) Bool(name string) bool {
	b, _ := ParseBool(l.Get(name))
	return b
}

// SaysOff reports whether a variable that can only turn something off does:
// set, not empty, and either true or not a boolean at all.
func (l Lookup) SaysOff(name string) bool {
	v := l.Get(name)
	if v == "" {
		return false
	}
	b, ok := ParseBool(v)
	return b || !ok
}

// Rate reads a number in [0, 1].
func (l Lookup) Rate(name string) (float64, bool) {
	v := strings.TrimSpace(l.Get(name))
	if v == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !(f >= 0 && f <= 1) {
		return 0, false
	}
	return f, true
}

// Duration reads a Go duration; ok is false when unset or unreadable.
func (l Lookup) Duration(name string) (time.Duration, bool) {
	v := strings.TrimSpace(l.Get(name))
	if v == "" {
		return 0, false
	}
	d, err := time.ParseDuration(v)
	return d, err == nil && d > 0
}

// Prefixed returns the full name of a CLI variable: the prefix (ending in
// "_" or empty) and a name from the table that starts with "_".
func Prefixed(prefix, name string) string {
	return strings.TrimSuffix(prefix, "_") + name
}
