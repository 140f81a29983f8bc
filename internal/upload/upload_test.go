package upload

import (
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/cli-telemetry/otelcli/internal/spool"
)

// receiver is a loopback OTLP/HTTP endpoint that answers with status and
// records the span names of every request.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	status   int
	header   http.Header
	body     []byte
	requests [][]string
}

func newReceiver(t *testing.T, status int) *receiver {
	r := &receiver{status: status}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		var ex coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(b, &ex); err != nil {
			t.Errorf("receiver: %v", err)
		}
		var names []string
		for _, rs := range ex.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					names = append(names, s.Name)
				}
			}
		}
		r.mu.Lock()
		r.requests = append(r.requests, names)
		for k, v := range r.header {
			w.Header()[k] = v
		}
		status, body := r.status, r.body
		r.mu.Unlock()
		if body != nil {
			w.Header().Set("Content-Type", "application/x-protobuf")
		}
		w.WriteHeader(status)
		w.Write(body)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) got() [][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]string(nil), r.requests...)
}

func fill(t *testing.T, sp *spool.Spool, n int) {
	t.Helper()
	for i := range n {
		b, _ := spool.Encode([]*tracepb.ResourceSpans{{ScopeSpans: []*tracepb.ScopeSpans{{Spans: []*tracepb.Span{{Name: fmt.Sprint("inv", i)}}}}}})
		if _, err := sp.Write(b, fmt.Sprint("id", i)); err != nil {
			t.Fatal(err)
		}
	}
}

func setup(t *testing.T, endpoint string) (Config, *spool.Spool) {
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	sp := spool.New(filepath.Join(dir, "spool"))
	sp.Ensure()
	return Config{
		Spool: sp, StateDir: dir, Endpoint: endpoint + "/v1/traces",
		Env:      func(k string) (string, bool) { return "", false },
		Lifetime: 3 * time.Second, MaxBackoff: 200 * time.Millisecond,
		Logf: t.Logf,
	}, sp
}

func pending(sp *spool.Spool) int { f, _ := sp.Files(); return len(f) }

func TestSendsManyInvocationsInOneRequest(t *testing.T) {
	rcv := newReceiver(t, http.StatusOK)
	cfg, sp := setup(t, rcv.URL)
	fill(t, sp, 30)
	if err := Run(t.Context(), cfg); err != nil {
		t.Fatal(err)
	}
	if got := rcv.got(); len(got) != 1 || len(got[0]) != 30 {
		t.Fatalf("requests %v", got)
	}
	if pending(sp) != 0 {
		t.Fatal("spool not drained")
	}
}

func TestMaxRequestSize(t *testing.T) {
	rcv := newReceiver(t, http.StatusOK)
	cfg, sp := setup(t, rcv.URL)
	fill(t, sp, 10)
	files, _ := sp.Files()
	cfg.MaxRequestBytes = int(files[0].Size * 3)
	if err := Run(t.Context(), cfg); err != nil {
		t.Fatal(err)
	}
	got := rcv.got()
	total := 0
	for _, r := range got {
		if len(r) > 3 {
			t.Fatalf("request of %d invocations over the size limit", len(r))
		}
		total += len(r)
	}
	if total != 10 || pending(sp) != 0 {
		t.Fatalf("sent %d in %d requests", total, len(got))
	}
}

func TestPermanentRejectionDrops(t *testing.T) {
	rcv := newReceiver(t, http.StatusBadRequest)
	cfg, sp := setup(t, rcv.URL)
	fill(t, sp, 3)
	Run(t.Context(), cfg)
	if pending(sp) != 0 || len(rcv.got()) != 1 {
		t.Fatalf("400: %d pending, %d requests", pending(sp), len(rcv.got()))
	}
}

func TestRetryableKeepsAndBacksOff(t *testing.T) {
	for _, status := range []int{http.StatusServiceUnavailable, http.StatusInternalServerError, http.StatusTooManyRequests} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			rcv := newReceiver(t, status)
			cfg, sp := setup(t, rcv.URL)
			cfg.Lifetime = 700 * time.Millisecond
			fill(t, sp, 2)
			Run(t.Context(), cfg)
			if pending(sp) != 2 {
				t.Fatalf("%d: files dropped", status)
			}
			n := len(rcv.got())
			if n < 2 || n > 4 {
				t.Fatalf("%d attempts in 700ms with backoff 1s capped at 200ms", n)
			}
			st := ReadState(cfg.StateDir)
			if st.Failures != n || st.NextAttempt.IsZero() {
				t.Fatalf("state %+v", st)
			}
			// The backend recovers: the next uploader sends everything once.
			rcv.mu.Lock()
			rcv.status = http.StatusOK
			rcv.mu.Unlock()
			cfg.Lifetime = 2 * time.Second
			Run(t.Context(), cfg)
			if pending(sp) != 0 || ReadState(cfg.StateDir) != (State{}) {
				t.Fatal("not drained after recovery")
			}
		})
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	rcv := newReceiver(t, http.StatusTooManyRequests)
	rcv.header = http.Header{"Retry-After": {"120"}}
	cfg, sp := setup(t, rcv.URL)
	fill(t, sp, 1)
	before := time.Now()
	Run(t.Context(), cfg)
	st := ReadState(cfg.StateDir)
	if d := st.NextAttempt.Sub(before); d < 119*time.Second || d > 122*time.Second {
		t.Fatalf("next attempt in %s, want 120s", d)
	}
	if len(rcv.got()) != 1 || pending(sp) != 1 {
		t.Fatal("retried before Retry-After")
	}
	if Due(cfg.StateDir, time.Now()) {
		t.Fatal("due while backing off")
	}
}

func TestPartialSuccessDeletes(t *testing.T) {
	rcv := newReceiver(t, http.StatusOK)
	rcv.body, _ = proto.Marshal(&coltracepb.ExportTraceServiceResponse{
		PartialSuccess: &coltracepb.ExportTracePartialSuccess{RejectedSpans: 1, ErrorMessage: "span too old"},
	})
	cfg, sp := setup(t, rcv.URL)
	fill(t, sp, 2)
	Run(t.Context(), cfg)
	if pending(sp) != 0 || len(rcv.got()) != 1 {
		t.Fatal("partial success not treated as delivered")
	}
}

func TestRefusedAndHung(t *testing.T) {
	// Refused: a port nobody listens on.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	cfg, sp := setup(t, "http://"+addr)
	cfg.Lifetime = 300 * time.Millisecond
	fill(t, sp, 1)
	Run(t.Context(), cfg)
	if pending(sp) != 1 || ReadState(cfg.StateDir).Failures == 0 {
		t.Fatal("refused connection not kept for retry")
	}

	// Hung: accepts, never answers; bounded by OTEL_EXPORTER_OTLP_TIMEOUT.
	hung, _ := net.Listen("tcp", "127.0.0.1:0")
	defer hung.Close()
	go func() {
		for {
			c, err := hung.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	cfg, sp = setup(t, "http://"+hung.Addr().String())
	cfg.Env = func(k string) (string, bool) { return "300", k == "OTEL_EXPORTER_OTLP_TIMEOUT" }
	cfg.Lifetime = 2 * time.Second
	fill(t, sp, 1)
	done := make(chan struct{})
	go func() { Run(context.Background(), cfg); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("uploader not bounded by its lifetime against a hung backend")
	}
	if pending(sp) != 1 {
		t.Fatal("file lost against a hung backend")
	}
}

func TestOneUploaderAtATime(t *testing.T) {
	rcv := newReceiver(t, http.StatusOK)
	cfg, sp := setup(t, rcv.URL)
	fill(t, sp, 1)
	lk, ok, err := tryLock(filepath.Join(cfg.StateDir, lockFile))
	if !ok || err != nil {
		t.Fatal("lock")
	}
	if !Locked(cfg.StateDir) || Due(cfg.StateDir, time.Now()) {
		t.Fatal("lock not seen")
	}
	Run(t.Context(), cfg)
	if len(rcv.got()) != 0 {
		t.Fatal("second uploader ran")
	}
	lk.unlock()
	Run(t.Context(), cfg)
	if len(rcv.got()) != 1 {
		t.Fatal("uploader did not run after the lock was released")
	}
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second}
	for i, w := range want {
		if got := backoff(i+1, 30*time.Second); got != w {
			t.Errorf("backoff(%d) = %s, want %s", i+1, got, w)
		}
	}
	if parseRetryAfter("7", time.Now()) != 7*time.Second || parseRetryAfter("soon", time.Now()) != 0 {
		t.Error("Retry-After parsing")
	}
}

// TestHonoursOTLPEnvironment: headers and compression are applied by the
// exporter from the environment; the CA certificate (and the timeout) by
// the uploader, which hands the exporter its own HTTP client.
func TestHonoursOTLPEnvironment(t *testing.T) {
	var mu sync.Mutex
	var gotKey, gotEncoding string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		gotKey, gotEncoding = r.Header.Get("X-Api-Key"), r.Header.Get("Content-Encoding")
		mu.Unlock()
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=secret-key")
	t.Setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")
	cfg, sp := setup(t, srv.URL)
	cfg.Env = func(k string) (string, bool) {
		v, ok := map[string]string{"OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE": ca}[k]
		return v, ok
	}
	fill(t, sp, 2)
	if err := Run(t.Context(), cfg); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if pending(sp) != 0 || gotKey != "secret-key" || gotEncoding != "gzip" {
		t.Fatalf("pending %d, header %q, encoding %q", pending(sp), gotKey, gotEncoding)
	}

	// Without the CA the TLS handshake fails and the files stay.
	cfg2, sp2 := setup(t, srv.URL)
	cfg2.Lifetime = 300 * time.Millisecond
	fill(t, sp2, 1)
	Run(t.Context(), cfg2)
	if pending(sp2) != 1 {
		t.Fatal("sent to an untrusted server")
	}
}
