package upload

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/cli-telemetry/otelcli/internal/spool"
)

// Attacks on the uploader: what any process of the user's can put in the
// spool or the state directory, what a backend can answer, what the
// environment can hold.

func kv(k, v string) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}}}
}

// TestPolicyReappliedToSpool: a crafted spool file is filtered by the
// policy before it leaves, as the SDK's own spans are.
func TestPolicyReappliedToSpool(t *testing.T) {
	rcv := newReceiver(t, http.StatusOK)
	cfg, sp, _ := setup(t, rcv.URL)
	nested := &commonpb.KeyValue{Key: "cli.command.path", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_KvlistValue{
		KvlistValue: &commonpb.KeyValueList{Values: []*commonpb.KeyValue{kv("user.email", "bob@example.com")}}}}}
	s := span("clusterctl cluster list")
	s.TraceState = "sess=hunter2"
	s.Attributes = []*commonpb.KeyValue{kv("url.full", "https://x/?token=hunter2"), kv("user.email", "bob@example.com"), kv("cli.command.path", "clusterctl cluster list"), nested}
	s.Status = &tracepb.Status{Code: tracepb.Status_STATUS_CODE_ERROR, Message: "open /home/bob/hunter2: denied"}
	s.Events = []*tracepb.Span_Event{{Name: "exception", Attributes: []*commonpb.KeyValue{kv("exception.message", "hunter2")}}, {Name: "hunter2 happened"}}
	s.Links = []*tracepb.Span_Link{{TraceId: id(16), SpanId: id(8), TraceState: "k=hunter2", Attributes: []*commonpb.KeyValue{kv("host.name", "hunter2")}}}
	bad := span("/home/bob/hunter2")
	bad.TraceId = []byte("hunter2") // not a trace id
	rs := []*tracepb.ResourceSpans{{
		SchemaUrl: "https://evil.example/hunter2",
		Resource:  &resourcepb.Resource{Attributes: []*commonpb.KeyValue{kv("service.name", "clusterctl"), kv("host.name", "hunter2-laptop")}},
		ScopeSpans: []*tracepb.ScopeSpans{{
			Scope: &commonpb.InstrumentationScope{Name: "github.com/cli-telemetry/otelcli", Attributes: []*commonpb.KeyValue{kv("secret", "hunter2")}},
			Spans: []*tracepb.Span{s, span("/home/bob/hunter2"), bad},
		}},
	}}
	b, _ := spool.Encode(rs)
	// Unknown fields survive a decode and would be sent again verbatim.
	b = protowire.AppendTag(b, 99, protowire.BytesType)
	b = protowire.AppendString(b, "hunter2")
	sp.Write(b, "crafted")
	if err := Run(t.Context(), cfg); err != nil {
		t.Fatal(err)
	}
	if len(rcv.requests) != 1 {
		t.Fatalf("%d requests", len(rcv.requests))
	}
	wire, _ := proto.Marshal(rcv.requests[0])
	if strings.Contains(string(wire), "hunter2") || strings.Contains(string(wire), "bob") {
		t.Fatalf("crafted content left the machine: %v", rcv.requests[0])
	}
	got := rcv.requests[0].ResourceSpans[0]
	spans := got.ScopeSpans[0].Spans
	if len(spans) != 2 || spans[0].Name != "clusterctl cluster list" || spans[1].Name != "redacted" {
		t.Fatalf("spans %v", spans)
	}
	if len(spans[0].Attributes) != 1 || spans[0].DroppedAttributesCount != 3 || len(spans[0].Events) != 1 || spans[0].DroppedEventsCount != 1 {
		t.Fatalf("span %v", spans[0])
	}
	if spans[0].Status.Code != tracepb.Status_STATUS_CODE_ERROR || len(got.Resource.Attributes) != 1 {
		t.Fatalf("status %v, resource %v", spans[0].Status, got.Resource)
	}
}

func TestUndecodableFilesDropped(t *testing.T) {
	rcv := newReceiver(t, http.StatusOK)
	cfg, sp, _ := setup(t, rcv.URL)
	fill(t, sp, 2)
	sp.Write([]byte("\xff\xff\xff\x07garbage"), "junk")
	empty, _ := spool.Encode([]*tracepb.ResourceSpans{{ScopeSpans: []*tracepb.ScopeSpans{{Spans: []*tracepb.Span{{Name: "no ids"}}}}}})
	sp.Write(empty, "noids")
	Run(t.Context(), cfg)
	if pending(sp) != 0 {
		t.Fatal("undecodable files kept")
	}
	n := 0
	for _, r := range rcv.got() {
		n += len(r)
	}
	if n != 2 {
		t.Fatalf("%d spans sent, want the 2 real ones", n)
	}
}

// TestRedirectsAreNotFollowed: a 3xx keeps the files and backs off; the
// request (and its API key) never reaches the other server.
func TestRedirectsAreNotFollowed(t *testing.T) {
	var mu sync.Mutex
	var elsewhere int
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		elsewhere++
		mu.Unlock()
	}))
	defer other.Close()
	for _, code := range []int{301, 302, 303, 307, 308} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+"/v1/traces", code)
		}))
		cfg, sp, _ := setup(t, srv.URL)
		cfg.Env = func(k string) (string, bool) { return "x-api-key=secret", k == "OTEL_EXPORTER_OTLP_HEADERS" }
		cfg.Lifetime = time.Second
		fill(t, sp, 2)
		Run(t.Context(), cfg)
		srv.Close()
		if pending(sp) != 2 || ReadState(cfg.StateDir).Failures == 0 {
			t.Errorf("%d: files dropped or no backoff", code)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if elsewhere != 0 {
		t.Fatalf("%d requests followed a redirect", elsewhere)
	}
}

// TestMalformedEnvironmentSendsNothing: a malformed header, endpoint or
// timeout means no request, the files kept, a backoff, and an error that
// names the variable, not its value.
func TestMalformedEnvironmentSendsNothing(t *testing.T) {
	rcv := newReceiver(t, http.StatusOK)
	for name, vars := range map[string]map[string]string{
		"headers":  {"OTEL_EXPORTER_OTLP_HEADERS": "x-api-key: hunter2"},
		"endpoint": {"OTEL_EXPORTER_OTLP_ENDPOINT": "::::"},
		"userinfo": {"OTEL_EXPORTER_OTLP_ENDPOINT": "https://bob:hunter2@[::1"},
		"timeout":  {"OTEL_EXPORTER_OTLP_TIMEOUT": "hunter2"},
	} {
		t.Run(name, func(t *testing.T) {
			cfg, sp, _ := setup(t, rcv.URL)
			if name == "endpoint" || name == "userinfo" {
				cfg.Endpoint = ""
			}
			cfg.Env = func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
			var logs []string
			cfg.Logf = func(f string, a ...any) { logs = append(logs, f) }
			fill(t, sp, 1)
			err := Run(t.Context(), cfg)
			if err == nil || strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "::::") {
				t.Fatalf("error %v", err)
			}
			if pending(sp) != 1 || ReadState(cfg.StateDir).Failures != 1 {
				t.Fatal("files not kept, or no backoff")
			}
		})
	}
	if len(rcv.got()) != 0 {
		t.Fatal("sent with a malformed configuration")
	}
}

func TestSymlinkedLockFile(t *testing.T) {
	rcv := newReceiver(t, http.StatusOK)
	cfg, sp, _ := setup(t, rcv.URL)
	fill(t, sp, 1)
	victim := filepath.Join(t.TempDir(), ".bashrc")
	os.WriteFile(victim, []byte("alias ll='ls -l'\n"), 0o600)
	os.Symlink(victim, filepath.Join(cfg.StateDir, lockFile))
	Run(t.Context(), cfg)
	Due(cfg.StateDir, time.Now())
	Locked(cfg.StateDir)
	if b, _ := os.ReadFile(victim); string(b) != "alias ll='ls -l'\n" {
		t.Fatalf("the lock was written through a link: %q", b)
	}
	if pending(sp) != 0 {
		t.Fatal("a link in place of the lock stops delivery")
	}
}

// TestStaleLockHolder: a holder past its lease (a SIGSTOPped uploader) does
// not block delivery; when it resumes it sees that it lost the lock and
// stops before sending.
func TestStaleLockHolder(t *testing.T) {
	rcv := newReceiver(t, http.StatusOK)
	cfg, sp, _ := setup(t, rcv.URL)
	fill(t, sp, 2)
	d := openState(t, cfg.StateDir)
	// The stopped uploader: it holds the flock; its lease ended a minute ago.
	now := time.Now()
	stale, ok, err := acquire(d, now.Add(-3*time.Minute), now.Add(-time.Minute))
	if !ok || err != nil {
		t.Fatal(err)
	}
	defer stale.release()
	if !Due(cfg.StateDir, now) {
		t.Fatal("a holder past its lease blocks the spawning of an uploader")
	}
	if err := Run(t.Context(), cfg); err != nil {
		t.Fatal(err)
	}
	if pending(sp) != 0 || len(rcv.got()) != 1 {
		t.Fatalf("a stale holder blocked delivery: %d pending", pending(sp))
	}
	// The stopped uploader resumes.
	u := &uploader{cfg: cfg, clock: realClock{}, state: d, lock: stale, deadline: time.Now().Add(time.Minute)}
	if u.alive() {
		t.Fatal("a resumed stale uploader would go on sending")
	}

	// A live holder is respected.
	live, ok, _ := acquire(d, time.Now(), time.Now().Add(time.Minute))
	if !ok {
		t.Fatal("lock not taken")
	}
	defer live.release()
	fill(t, sp, 1)
	Run(t.Context(), cfg)
	if pending(sp) != 1 {
		t.Fatal("ran beside a live uploader")
	}
	// A lease implausibly far ahead is no lease.
	d.Chtimes(lockFile, time.Now().Add(48*time.Hour), time.Now().Add(48*time.Hour))
	if !Due(cfg.StateDir, time.Now()) {
		t.Fatal("a lease two days ahead is believed")
	}
}

// TestHostileBackendAtUpload: bodies without end, slow drips and bad TLS
// neither hang the uploader nor lose files.
func TestHostileBackendAtUpload(t *testing.T) {
	endless := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-protobuf")
		chunk := make([]byte, 64<<10)
		for end := time.Now().Add(20 * time.Second); r.Context().Err() == nil && time.Now().Before(end); {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer endless.Close()
	drip := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(503)
		for end := time.Now().Add(20 * time.Second); r.Context().Err() == nil && time.Now().Before(end); {
			w.Write([]byte{'x'})
			w.(http.Flusher).Flush()
			time.Sleep(50 * time.Millisecond)
		}
	}))
	defer drip.Close()
	badTLS := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer badTLS.Close()
	for _, c := range []struct {
		name, url string
		kept      int
	}{{"endless body", endless.URL, 0}, {"slow drip", drip.URL, 1}, {"untrusted TLS", badTLS.URL, 1}} {
		t.Run(c.name, func(t *testing.T) {
			cfg, sp, _ := setup(t, c.url)
			cfg.Env = func(k string) (string, bool) { return "500", k == "OTEL_EXPORTER_OTLP_TIMEOUT" }
			cfg.Lifetime = 2 * time.Second
			fill(t, sp, 1)
			done := make(chan struct{})
			go func() { Run(context.Background(), cfg); close(done) }()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("uploader hangs")
			}
			if pending(sp) != c.kept {
				t.Fatalf("%d pending, want %d", pending(sp), c.kept)
			}
		})
	}
}
