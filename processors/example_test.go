package processors_test

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/cli-telemetry/otelcli/processors"
)

// An allowlist in front of any span processor: only declared attributes
// leave, and declared values must pass their rule.
func ExampleNewAllowlist() {
	exported := tracetest.NewSpanRecorder() // stands in for a batch processor and exporter
	allow, err := processors.NewAllowlist(exported, processors.WithFields(
		processors.Field{Key: "app.region", Type: attribute.STRING, Rule: processors.Matching(`[a-z]{2}-[a-z]+-[0-9]`)},
		processors.Field{Key: "app.note", Type: attribute.STRING, Rule: processors.Sanitized(processors.Redact())},
	))
	if err != nil {
		panic(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(allow))
	_, span := tp.Tracer("app").Start(context.Background(), "deploy")
	span.SetAttributes(
		attribute.String("app.region", "eu-west-1"),
		attribute.String("app.note", "ask bob@example.com"),
		attribute.String("user.name", "bob"),
		attribute.String("url.full", "https://api.example.com/?token=s3cr3t"),
	)
	span.End()

	s := exported.Ended()[0]
	for _, kv := range s.Attributes() {
		fmt.Printf("%s=%s\n", kv.Key, kv.Value.Emit())
	}
	fmt.Println("dropped:", s.DroppedAttributes())
	// Output:
	// app.region=eu-west-1
	// app.note=ask <email>
	// dropped: 2
}

// A consent gate that a "telemetry disable" command can close mid-run.
func ExampleNewConsentGate() {
	exported := tracetest.NewSpanRecorder()
	consent := processors.NewConsentSwitch(true)
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSampler(processors.ConsentSampler(consent, sdktrace.AlwaysSample())),
		sdktrace.WithSpanProcessor(processors.NewConsentGate(consent, exported)),
	)
	_, span := tp.Tracer("app").Start(context.Background(), "telemetry disable")
	consent.Set(false) // the command turns telemetry off before it returns
	span.End()
	fmt.Println("exported:", len(exported.Ended()))
	// Output: exported: 0
}

func ExampleRedact() {
	fmt.Println(processors.Redact().Sanitize("open /home/bob/.kube/config for bob@example.com at 10.0.0.7 with token=abc123"))
	// Output: open <path> for <email> at <ip> with token=<redacted>
}

// Counting distinct values without learning them: the key stays on the
// user's machine.
func ExampleKeyedHash() {
	h, err := processors.KeyedHash([]byte("per-install-secret-from-disk"))
	if err != nil {
		panic(err)
	}
	a, b := h.Sanitize("prod-db"), h.Sanitize("prod-db")
	fmt.Println(a == b, len(a))
	// Output: true 26
}
