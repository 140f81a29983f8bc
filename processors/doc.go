// Package processors holds OpenTelemetry span processors that decide what may
// leave a process at all, so that privacy does not depend on every piece of
// instrumentation behaving well.
//
// Two processors wrap the next one in the chain:
//
//   - [ConsentGate] forwards nothing while the user has not consented, and can
//     be switched off mid-run (a "telemetry disable" command must not report
//     itself).
//   - [Allowlist] passes every ended span on as a filtered view: attributes,
//     resource attributes, events, links, the instrumentation scope, the status
//     description and the span name go through one default-deny [Policy].
//
// The policy is built from [Field] declarations: a key (or key prefix), its type,
// a value [Rule] and why it is collected. [DefaultFields] declares exactly what
// the otelcli package produces, and is the single table from which the README
// and the bundled collector configuration are generated.
//
// The sanitizers ([RedactEmails], [RedactSecrets], [Redact], …) and the keyed
// hash ([KeyedHash]) are usable in rules or on their own.
//
// These processors work with any [go.opentelemetry.io/otel/sdk/trace.TracerProvider];
// nothing here depends on cobra.
package processors
