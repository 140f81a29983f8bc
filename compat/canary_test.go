package compat

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/cli-telemetry/otelcli/processors"
)

func canary(t testing.TB) string {
	b := make([]byte, 8)
	rand.Read(b)
	return "canary" + hex.EncodeToString(b)
}

// TestCanaryThroughStandardExporter puts a unique string in every place a span
// can carry one, exports through the allowlist with the standard OTLP/HTTP
// exporter (otlptracehttp, as an author may hand in with WithExporter) to a loopback server, and reads the request bytes.
func TestCanaryThroughStandardExporter(t *testing.T) {
	var mu sync.Mutex
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		body = append(body, b...)
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()

	exp, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpointURL(srv.URL+"/v1/traces"))
	if err != nil {
		t.Fatal(err)
	}
	dropped := map[string]string{}
	drop := func(where string) string { c := canary(t); dropped[where] = c; return c }
	kept := map[string]string{}

	keepProvider := "AWS"
	p := []processors.Option{processors.WithFields(
		processors.Field{Key: "cli.flag.provider", Type: attribute.STRING, Rule: processors.OneOf(keepProvider)},
		processors.Field{Key: "app.kind", Type: attribute.STRING, Rule: processors.Matching(`canary[0-9a-f]{16}`)},
	)}
	keptKind := canary(t)
	kept["allowlisted value"] = keptKind
	kept["provider"] = keepProvider

	res := resource.NewSchemaless(
		attribute.String("service.name", "clusterctl"),
		attribute.String("host.name", drop("resource host.name")),
		attribute.String("user.name", drop("resource user.name")),
		attribute.String("process.command_args", drop("resource args")),
	)
	al, err := processors.NewAllowlist(sdktrace.NewSimpleSpanProcessor(exp), p...)
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(al), sdktrace.WithResource(res))
	tr := tp.Tracer(drop("scope name")+"/x y", trace.WithInstrumentationAttributes(attribute.String("scope.attr", drop("scope attr"))))
	_, s := tr.Start(context.Background(), "GET /"+drop("span name"), trace.WithLinks(trace.Link{
		SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: [16]byte{9}, SpanID: [8]byte{9}}),
		Attributes:  []attribute.KeyValue{attribute.String("link.attr", drop("link attr"))},
	}))
	s.SetAttributes(
		attribute.String("cli.flag.provider", keepProvider),
		attribute.String("cli.flag.name", drop("flag value")),
		attribute.String("app.kind", keptKind),
		attribute.String("url.full", "https://x.io/?token="+drop("url token")),
		attribute.String("db.query.text", "SELECT "+drop("query")),
		attribute.String("cli.command.path", "clusterctl "+drop("command path typed")+"@x"),
		attribute.StringSlice("cli.command.flags", []string{"ok", drop("flag name") + " x"}),
	)
	s.AddEvent("exception", trace.WithAttributes(
		attribute.String("exception.message", drop("exception message")),
		attribute.String("exception.stacktrace", "main.run\n\t/home/"+drop("stack path")+"/main.go:1"),
	))
	s.AddEvent(drop("event name"))
	s.SetStatus(codes.Error, drop("status description"))
	s.End()
	if err := tp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(body) == 0 {
		t.Fatal("nothing exported")
	}
	for where, c := range dropped {
		if strings.Contains(string(body), c) {
			t.Errorf("canary from %s reached the wire", where)
		}
	}
	for where, c := range kept {
		if !strings.Contains(string(body), c) {
			t.Errorf("allowed %s did not reach the wire", where)
		}
	}
}
