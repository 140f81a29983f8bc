// Package render turns OTLP spans into the JSON a person reads: in debug
// output, in "telemetry show" and in the demo. It shows exactly what is
// sent (after sanitization), with ids in hex and attributes as plain values.
package render
