package upload

import (
	"context"
	"encoding/binary"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cli-telemetry/otelcli/internal/e2e"
	"github.com/cli-telemetry/otelcli/internal/otlp"
	"github.com/cli-telemetry/otelcli/internal/spool"
)

// Attacks on the uploader: what any process of the user's can put in the
// spool or the state directory, what a backend can answer, what the
// environment can hold.

func kv(k, v string) otlp.KeyValue {
	return otlp.KeyValue{Key: k, Value: otlp.Value{Kind: otlp.String, Str: v}}
}

// TestPolicyReappliedToSpool: a crafted spool file is filtered by the
// policy before it leaves, as the SDK's own spans are.
func TestPolicyReappliedToSpool(t *testing.T) {
	rcv := newReceiver(t, http.StatusOK)
	cfg, sp, _ := setup(t, rcv.URL)
	nested := otlp.KeyValue{Key: "cli.command.path", Value: otlp.Value{Kind: otlp.KVList, KVList: []otlp.KeyValue{kv("user.email", "bob@example.com")}}}
	s := span("clusterctl cluster list")
	s.TraceState = "sess=hunter2"
	s.Attributes = []otlp.KeyValue{kv("url.full", "https://x/?token=hunter2"), kv("user.email", "bob@example.com"), kv("cli.command.path", "clusterctl cluster list"), nested}
	s.Status = otlp.Status{Code: otlp.StatusError, Message: "open /home/bob/hunter2: denied"}
	s.Events = []otlp.Event{{Name: "exception", Attributes: []otlp.KeyValue{kv("exception.message", "hunter2")}}, {Name: "hunter2 happened"}}
	link := span("")
	s.Links = []otlp.Link{{TraceID: link.TraceID, SpanID: link.SpanID, TraceState: "k=hunter2", Attributes: []otlp.KeyValue{kv("host.name", "hunter2")}}}
	noIDs := otlp.Span{Name: "/home/bob/hunter2"} // zero ids: not a span the SDK makes
	rs := []otlp.ResourceSpans{{
		SchemaURL: "https://evil.example/hunter2",
		Resource:  otlp.Resource{Attributes: []otlp.KeyValue{kv("service.name", "clusterctl"), kv("host.name", "hunter2-laptop")}},
		ScopeSpans: []otlp.ScopeSpans{{
			Scope: otlp.Scope{Name: "github.com/cli-telemetry/otelcli", Attributes: []otlp.KeyValue{kv("secret", "hunter2")}},
			Spans: []otlp.Span{s, span("/home/bob/hunter2"), noIDs},
		}},
	}}
	b := spool.Encode(rs)
	// Unknown fields are never sent on: the request is rebuilt from the
	// model, not copied.
	b = binary.AppendUvarint(b, 99<<3|2)
	b = append(append(b, byte(len("hunter2"))), "hunter2"...)
	sp.Write(b, "crafted")
	// A file that does not decode is damaged, and dropped whole.
	bad := invocation(span("hunter2"))
	sp.Write(bad[:len(bad)-3], "truncated")
	if err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if len(rcv.requests) != 1 {
		t.Fatalf("%d requests", len(rcv.requests))
	}
	if wire := string(rcv.requests[0]); strings.Contains(wire, "hunter2") || strings.Contains(wire, "bob") {
		t.Fatalf("crafted content left the machine: %q", wire)
	}
	got := rcv.decoded(t, 0)[0]
	spans := got.ScopeSpans[0].Spans
	if len(spans) != 2 || spans[0].Name != "clusterctl cluster list" || spans[1].Name != "redacted" {
		t.Fatalf("spans %+v", spans)
	}
	if len(spans[0].Attributes) != 1 || spans[0].DroppedAttributesCount != 3 || len(spans[0].Events) != 1 || spans[0].DroppedEventsCount != 1 {
		t.Fatalf("span %+v", spans[0])
	}
	if spans[0].Status != (otlp.Status{Code: otlp.StatusError}) || len(got.Resource.Attributes) != 1 || spans[0].TraceState != "" || got.SchemaURL != "" {
		t.Fatalf("status %+v, resource %+v", spans[0].Status, got.Resource)
	}
	if pending(sp) != 0 {
		t.Fatal("the damaged file was kept")
	}
}

func TestUndecodableFilesDropped(t *testing.T) {
	rcv := newReceiver(t, http.StatusOK)
	cfg, sp, _ := setup(t, rcv.URL)
	fill(t, sp, 2)
	sp.Write([]byte("\xff\xff\xff\x07garbage"), "junk")
	empty := invocation(otlp.Span{Name: "no ids"})
	sp.Write(empty, "noids")
	Run(context.Background(), cfg)
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
		Run(context.Background(), cfg)
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
			err := Run(context.Background(), cfg)
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
	Run(context.Background(), cfg)
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
	if err := Run(context.Background(), cfg); err != nil {
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
	Run(context.Background(), cfg)
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
			e2e.Within(t, 30*time.Second, "the uploader", func() { Run(context.Background(), cfg) })
			if pending(sp) != c.kept {
				t.Fatalf("%d pending, want %d", pending(sp), c.kept)
			}
		})
	}
}
