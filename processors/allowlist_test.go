package processors

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/cli-telemetry/otelcli/internal/otlp"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// pipeline returns a provider whose spans pass an allowlist into a recorder.
func pipeline(t testing.TB, res *resource.Resource, opts ...Option) (*sdktrace.TracerProvider, *tracetest.SpanRecorder) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	al, err := NewAllowlist(rec, opts...)
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(al), sdktrace.WithResource(res))
	t.Cleanup(func() { tp.Shutdown(context.Background()) })
	return tp, rec
}

func attrMap(kvs []attribute.KeyValue) map[string]attribute.Value {
	m := map[string]attribute.Value{}
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value
	}
	return m
}

func TestAllowlistRules(t *testing.T) {
	fields := []Field{
		{Key: "cli.flag.provider", Type: attribute.STRING, Rule: OneOf("AWS", "GCP")},
		{Key: "cli.flag.region", Type: attribute.STRING, Rule: Matching(`[A-Z0-9_]{2,8}`)},
		{Key: "app.note", Type: attribute.STRING, Rule: All(MaxLen(40), Sanitized(Redact()))},
		{Key: "app.", Prefix: true, Type: attribute.INT64},
		{Key: "app.names", Type: attribute.STRINGSLICE, Rule: All(MaxItems(2), EachOf(OneOf("a", "b")))},
	}
	tests := []struct {
		name string
		kv   attribute.KeyValue
		want *attribute.Value
	}{
		{"fixed set in", attribute.String("cli.flag.provider", "AWS"), ptr(attribute.StringValue("AWS"))},
		{"fixed set out", attribute.String("cli.flag.provider", "aws"), nil},
		{"regexp whole value", attribute.String("cli.flag.region", "US_EAST"), ptr(attribute.StringValue("US_EAST"))},
		{"regexp partial match rejected", attribute.String("cli.flag.region", "US_EAST bob@x.io"), nil},
		{"wrong type", attribute.Int("cli.flag.provider", 1), nil},
		{"sanitized", attribute.String("app.note", "ask bob@example.com"), ptr(attribute.StringValue("ask <email>"))},
		{"too long", attribute.String("app.note", strings.Repeat("x", 41)), nil},
		{"prefix typed", attribute.Int("app.count", 3), ptr(attribute.IntValue(3))},
		{"prefix wrong type", attribute.String("app.count", "3"), nil},
		{"prefix alone is not a key", attribute.Int("app.", 3), nil},
		{"slice each", attribute.StringSlice("app.names", []string{"a", "b"}), ptr(attribute.StringSliceValue([]string{"a", "b"}))},
		{"slice one bad", attribute.StringSlice("app.names", []string{"a", "zz"}), nil},
		{"slice too long", attribute.StringSlice("app.names", []string{"a", "b", "a"}), nil},
		{"undeclared", attribute.String("user.name", "bob"), nil},
		{"default field", attribute.Int("process.exit.code", 1), ptr(attribute.IntValue(1))},
		{"url.full denied", attribute.String("url.full", "https://x.io/?token=abc"), nil},
		{"db.query.text denied", attribute.String("db.query.text", "SELECT * FROM users"), nil},
	}
	p, err := NewPolicy(WithFields(fields...))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := p.CheckAttribute(tt.kv, OnSpan)
			switch {
			case tt.want == nil && ok:
				t.Fatalf("kept %v", got)
			case tt.want != nil && !ok:
				t.Fatalf("dropped %v", tt.kv)
			case tt.want != nil && got.Value != *tt.want:
				t.Fatalf("got %v, want %v", got.Value.AsInterface(), tt.want.AsInterface())
			}
		})
	}
}

func ptr(v attribute.Value) *attribute.Value { return &v }

func TestPolicyConstructorErrors(t *testing.T) {
	for name, opt := range map[string]Option{
		"bad regexp":     WithFields(Field{Key: "a", Rule: Matching("(")}),
		"empty key":      WithFields(Field{Key: " "}),
		"empty oneof":    WithFields(Field{Key: "a", Rule: OneOf()}),
		"bad span rule":  WithSpanNames(Matching("[")),
		"empty fallback": WithFallbackSpanName(""),
		"bad nested":     WithFields(Field{Key: "a", Rule: All(MaxLen(0))}),
	} {
		if _, err := NewAllowlist(tracetest.NewSpanRecorder(), opt); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestFilteredViewIsConsistent(t *testing.T) {
	res := resource.NewSchemaless(attribute.String("service.name", "cli"), attribute.String("host.name", "bobs-laptop"))
	tp, rec := pipeline(t, res)
	tr := tp.Tracer("github.com/acme/cli")
	_, s := tr.Start(context.Background(), "GET /users/12345/profile", trace.WithLinks(trace.Link{
		SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: [16]byte{1}, SpanID: [8]byte{1}}),
		Attributes:  []attribute.KeyValue{attribute.String("user.email", "bob@example.com")},
	}))
	s.SetAttributes(attribute.Int("process.exit.code", 1), attribute.String("url.full", "https://x/?t=1"))
	s.AddEvent("exception", trace.WithAttributes(attribute.String("exception.type", "panic"), attribute.String("exception.message", "secret")))
	s.AddEvent("log line with bob@example.com")
	s.SetStatus(codes.Error, "open /home/bob/x: denied")
	s.End()

	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans", len(spans))
	}
	f := spans[0]
	if f.Name() != "redacted" {
		t.Errorf("name %q", f.Name())
	}
	if got := attrMap(f.Attributes()); len(got) != 1 || got["process.exit.code"].AsInt64() != 1 {
		t.Errorf("attributes %v", got)
	}
	if f.DroppedAttributes() != 1 {
		t.Errorf("dropped attributes %d", f.DroppedAttributes())
	}
	if ev := f.Events(); len(ev) != 1 || len(ev[0].Attributes) != 1 || ev[0].DroppedAttributeCount != 1 {
		t.Errorf("events %+v", ev)
	}
	if f.DroppedEvents() != 1 {
		t.Errorf("dropped events %d", f.DroppedEvents())
	}
	if l := f.Links(); len(l) != 1 || len(l[0].Attributes) != 0 || l[0].DroppedAttributeCount != 1 {
		t.Errorf("links %+v", l)
	}
	if st := f.Status(); st.Code != codes.Error || st.Description != "" {
		t.Errorf("status %+v", st)
	}
	if r := attrMap(f.Resource().Attributes()); len(r) != 1 || r["service.name"].AsString() != "cli" {
		t.Errorf("resource %v", r)
	}
	if f.InstrumentationScope().Name != "github.com/acme/cli" || f.InstrumentationLibrary().Name != "github.com/acme/cli" {
		t.Errorf("scope %+v", f.InstrumentationScope())
	}
	// Each call returns a fresh copy: a caller cannot change the view.
	a := f.Attributes()
	a[0] = attribute.String("x", "y")
	if attrMap(f.Attributes())["x"].Type() != anyType {
		t.Error("view changed through a returned slice")
	}
}

func TestAllowlistOddSpans(t *testing.T) {
	tp, rec := pipeline(t, nil)
	tr := tp.Tracer("")
	_, s := tr.Start(context.Background(), "\xff\xfe")
	many := make([]attribute.KeyValue, 10000)
	for i := range many {
		many[i] = attribute.String("k"+strings.Repeat("x", i%50), strings.Repeat("\xff", 1<<10))
	}
	s.SetAttributes(many...)
	s.SetAttributes(attribute.String("cli.command.path", strings.Repeat("a", 1<<20)))
	s.End()
	f := rec.Ended()[0]
	if f.Name() != "redacted" || len(f.Attributes()) != 0 {
		t.Fatalf("odd span passed: %q %v", f.Name(), f.Attributes())
	}
	al, _ := NewAllowlist(rec)
	al.OnEnd(nil) // must not panic
}

// FuzzAllowlist checks the property the allowlist exists for: whatever a
// span holds, the filtered view holds only keys the policy declares, with
// values the policy accepts unchanged.
func FuzzAllowlist(f *testing.F) {
	f.Add("cli.flag.provider", "AWS", "clusterctl cluster create", int64(1))
	f.Add("user.email", "bob@example.com", "GET /x?token=1", int64(0))
	f.Add("cli.command.path", "a b c", "\xff", int64(-1))
	f.Add("error.type", "*fs.PathError", "x", int64(2))
	p, err := NewPolicy(WithFields(Field{Key: "cli.flag.provider", Type: attribute.STRING, Rule: OneOf("AWS")}))
	if err != nil {
		f.Fatal(err)
	}
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(NewAllowlistFromPolicy(rec, p)))
	f.Fuzz(func(t *testing.T, key, val, name string, n int64) {
		_, s := tp.Tracer(name).Start(context.Background(), name)
		s.SetAttributes(attribute.String(key, val), attribute.Int64(key+"i", n), attribute.StringSlice(key, []string{val, name}))
		s.AddEvent(name, trace.WithAttributes(attribute.String(key, val)))
		s.End()
		ended := rec.Ended()
		got := ended[len(ended)-1]
		for _, kv := range got.Attributes() {
			if again, ok := p.CheckAttribute(kv, OnSpan); !ok || again.Value != kv.Value {
				t.Fatalf("view holds %v, which the policy rejects", kv)
			}
		}
		for _, e := range got.Events() {
			if !p.EventAllowed(e.Name) {
				t.Fatalf("event %q kept", e.Name)
			}
		}
		if got.Name() != "redacted" && p.SpanName(got.Name()) != got.Name() {
			t.Fatalf("name %q kept", got.Name())
		}
	})
}

func canary(t testing.TB) string {
	b := make([]byte, 8)
	rand.Read(b)
	return "canary" + hex.EncodeToString(b)
}

// TestCanaryThroughRealExporter puts a unique string in every place a span
// can carry one, exports through the allowlist with otelcli's own OTLP
// encoding (what the spool holds and the uploader posts) to a loopback
// server, and reads the request bytes. The compat module runs the same with
// the standard otlptracehttp exporter.
func TestCanaryThroughRealExporter(t *testing.T) {
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

	exp := postExporter{url: srv.URL + "/v1/traces"}
	dropped := map[string]string{}
	drop := func(where string) string { c := canary(t); dropped[where] = c; return c }
	kept := map[string]string{}

	keepProvider := "AWS"
	p := []Option{WithFields(
		Field{Key: "cli.flag.provider", Type: attribute.STRING, Rule: OneOf(keepProvider)},
		Field{Key: "app.kind", Type: attribute.STRING, Rule: Matching(`canary[0-9a-f]{16}`)},
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
	al, err := NewAllowlist(sdktrace.NewSimpleSpanProcessor(exp), p...)
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

// postExporter posts each batch as otelcli's uploader does: OTLP protobuf
// written by internal/otlp.
type postExporter struct{ url string }

func (e postExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	resp, err := http.Post(e.url, "application/x-protobuf", bytes.NewReader(otlp.Marshal(otlp.FromSDK(spans))))
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

func (postExporter) Shutdown(context.Context) error { return nil }

func benchSpan(tr trace.Tracer) {
	_, s := tr.Start(context.Background(), "clusterctl cluster create")
	s.SetAttributes(
		attribute.String("cli.command.path", "clusterctl cluster create"),
		attribute.String("process.executable.name", "clusterctl"),
		attribute.Int("process.pid", 4242),
		attribute.Int("process.exit.code", 0),
		attribute.StringSlice("cli.command.flags", []string{"name", "provider", "region"}),
		attribute.Int("cli.command.args.count", 0),
		attribute.String("cli.flag.provider", "AWS"),
		attribute.String("cli.flag.region", "US_EAST_1"),
		attribute.String("error.type", "cluster_not_found"),
		attribute.StringSlice("cli.error.chain", []string{"*cli.NotFoundError"}),
		attribute.String("url.full", "https://api/x?token=1"),
		attribute.String("db.query.text", "select 1"),
		attribute.String("user.name", "bob"),
		attribute.String("host.name", "laptop"),
		attribute.String("a1", "x"), attribute.String("a2", "x"), attribute.String("a3", "x"),
		attribute.String("a4", "x"), attribute.String("a5", "x"), attribute.String("a6", "x"),
	)
	s.End()
}

// BenchmarkAllowlistOnEnd measures the allowlist's OnEnd for a span of 20
// attributes (span creation is measured separately and subtracted by
// comparing with BenchmarkSpanNoAllowlist).
func BenchmarkAllowlistOnEnd(b *testing.B) {
	p, err := NewPolicy(WithFields(
		Field{Key: "cli.flag.provider", Type: attribute.STRING, Rule: OneOf("AWS", "GCP", "AZURE")},
		Field{Key: "cli.flag.region", Type: attribute.STRING, Rule: Matching(`[A-Z0-9_]{2,32}`)},
	))
	if err != nil {
		b.Fatal(err)
	}
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	benchSpan(tp.Tracer("x"))
	span := rec.Ended()[0]
	al := NewAllowlistFromPolicy(nopProcessor{}, p)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		al.OnEnd(span)
	}
}

// BenchmarkConsentGateDisabled must report 0 allocs/op.
func BenchmarkConsentGateDisabled(b *testing.B) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	benchSpan(tp.Tracer("x"))
	span := rec.Ended()[0]
	g := NewConsentGate(NewConsentSwitch(false), rec)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		g.OnEnd(span)
	}
}

type nopProcessor struct{}

func (nopProcessor) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (nopProcessor) OnEnd(sdktrace.ReadOnlySpan)                     {}
func (nopProcessor) Shutdown(context.Context) error                  { return nil }
func (nopProcessor) ForceFlush(context.Context) error                { return nil }

func TestChars(t *testing.T) {
	r := Chars("A-Za-z", "A-Za-z0-9_. :-", 1, 10)
	for s, want := range map[string]bool{"app sub": true, "a-b:c.d_e": true, "9a": false, "": false, "abcdefghijk": false, "a/b": false, "a\xff": false} {
		if _, ok := r.Apply(attribute.StringValue(s)); ok != want {
			t.Errorf("Chars(%q) = %v, want %v", s, ok, want)
		}
	}
	if _, err := NewPolicy(WithFields(Field{Key: "x", Rule: Chars("a", "a", 0, 1)})); err == nil {
		t.Error("bad bounds accepted")
	}
}
