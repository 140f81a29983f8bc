package upload

import (
	"context"
	"crypto/rand"
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

	"github.com/cli-telemetry/otelcli/internal/e2e"

	"github.com/cli-telemetry/otelcli/internal/otlp"
	"github.com/cli-telemetry/otelcli/internal/spool"
	"github.com/cli-telemetry/otelcli/internal/store"
	"github.com/cli-telemetry/otelcli/processors"
)

// fakeClock moves only when the uploader sleeps: backoffs and lingering
// take no real time, and every schedule is exact.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	slept   []time.Duration
	onSleep func(now time.Time)
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Now().Round(0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) bool {
	if ctx.Err() != nil {
		return false
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.slept = append(c.slept, d)
	now, hook := c.now, c.onSleep
	c.mu.Unlock()
	if hook != nil {
		hook(now)
	}
	return ctx.Err() == nil
}

// receiver is a loopback OTLP/HTTP endpoint that answers with status and
// records every request, decoded as TracesData (the same wire form as
// ExportTraceServiceRequest).
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	status   int
	header   http.Header
	body     []byte
	requests [][]byte
}

func newReceiver(t *testing.T, status int) *receiver {
	r := &receiver{status: status}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		if _, err := otlp.Unmarshal(b); err != nil {
			t.Errorf("receiver: %v", err)
		}
		r.mu.Lock()
		r.requests = append(r.requests, b)
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

func (r *receiver) setStatus(s int) {
	r.mu.Lock()
	r.status = s
	r.mu.Unlock()
}

// got is the span names of each request.
func (r *receiver) got() [][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out [][]string
	for _, b := range r.requests {
		var names []string
		rss, _ := otlp.Unmarshal(b)
		for _, rs := range rss {
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					names = append(names, s.Name)
				}
			}
		}
		out = append(out, names)
	}
	return out
}

// decoded is request i as the backend read it.
func (r *receiver) decoded(t *testing.T, i int) []otlp.ResourceSpans {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	rs, err := otlp.Unmarshal(r.requests[i])
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func span(name string) otlp.Span {
	s := otlp.Span{Name: name}
	rand.Read(s.TraceID[:])
	rand.Read(s.SpanID[:])
	return s
}

// invocation is one spooled run of one span.
func invocation(s otlp.Span) []byte {
	return spool.Encode([]otlp.ResourceSpans{{ScopeSpans: []otlp.ScopeSpans{{Spans: []otlp.Span{s}}}}})
}

func fill(t *testing.T, sp *spool.Spool, n int) {
	t.Helper()
	for i := range n {
		b := invocation(span(fmt.Sprint("inv", i)))
		if _, err := sp.Write(b, fmt.Sprint("id", i)); err != nil {
			t.Fatal(err)
		}
	}
}

func testPolicy(t *testing.T) *processors.Policy {
	p, err := processors.NewPolicy()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func setup(t *testing.T, endpoint string) (Config, *spool.Spool, *fakeClock) {
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	sp := spool.New(filepath.Join(dir, "spool"))
	if err := sp.Ensure(); err != nil {
		t.Fatal(err)
	}
	clock := newFakeClock()
	return Config{
		Spool: sp, StateDir: dir, Endpoint: endpoint + "/v1/traces",
		Policy:   testPolicy(t),
		Env:      func(k string) (string, bool) { return "", false },
		Lifetime: 10 * time.Second, MaxBackoff: 30 * time.Second,
		Clock: clock,
		Logf:  t.Logf,
	}, sp, clock
}

func pending(sp *spool.Spool) int { f, _ := sp.Files(); return len(f) }

func TestSendsEverythingInGrowingBatches(t *testing.T) {
	rcv := newReceiver(t, http.StatusOK)
	cfg, sp, _ := setup(t, rcv.URL)
	fill(t, sp, 40)
	if err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	var sizes []int
	total := 0
	for _, r := range rcv.got() {
		sizes = append(sizes, len(r))
		total += len(r)
	}
	want := []int{2, 4, 8, 16, 10}
	if fmt.Sprint(sizes) != fmt.Sprint(want) || total != 40 || pending(sp) != 0 {
		t.Fatalf("request sizes %v (want %v), %d pending", sizes, want, pending(sp))
	}
}

func TestMaxRequestSize(t *testing.T) {
	rcv := newReceiver(t, http.StatusOK)
	cfg, sp, _ := setup(t, rcv.URL)
	fill(t, sp, 10)
	files, _ := sp.Files()
	cfg.MaxRequestBytes = int(files[0].Size * 3)
	cfg.MaxBatch = 100
	if err := Run(context.Background(), cfg); err != nil {
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
	cfg, sp, _ := setup(t, rcv.URL)
	fill(t, sp, 2)
	Run(context.Background(), cfg)
	if pending(sp) != 0 || len(rcv.got()) != 1 {
		t.Fatalf("400: %d pending, %d requests", pending(sp), len(rcv.got()))
	}
}

// TestRetryableKeepsAndBacksOff: on the fake clock the schedule is exact:
// attempts at 0, 1, 3 and 7 s; the next (15 s) is past the 10 s lifetime.
func TestRetryableKeepsAndBacksOff(t *testing.T) {
	for _, status := range []int{http.StatusServiceUnavailable, http.StatusInternalServerError, http.StatusTooManyRequests, http.StatusTemporaryRedirect} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			rcv := newReceiver(t, status)
			cfg, sp, clock := setup(t, rcv.URL)
			fill(t, sp, 2)
			Run(context.Background(), cfg)
			if pending(sp) != 2 {
				t.Fatalf("%d: files dropped", status)
			}
			if n := len(rcv.got()); n != 4 {
				t.Fatalf("%d attempts, want 4", n)
			}
			if fmt.Sprint(clock.slept) != "[1s 2s 4s]" {
				t.Fatalf("slept %v", clock.slept)
			}
			st := ReadState(cfg.StateDir)
			if st.Failures != 4 || !st.NextAttempt.Equal(clock.Now().Add(8*time.Second)) {
				t.Fatalf("state %+v", st)
			}
			// The backend recovers: the next uploader waits out the backoff
			// and sends everything once.
			rcv.setStatus(http.StatusOK)
			Run(context.Background(), cfg)
			if pending(sp) != 0 || ReadState(cfg.StateDir) != (State{}) || len(rcv.got()) != 5 {
				t.Fatal("not drained after recovery")
			}
		})
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	rcv := newReceiver(t, http.StatusTooManyRequests)
	rcv.header = http.Header{"Retry-After": {"120"}}
	cfg, sp, clock := setup(t, rcv.URL)
	fill(t, sp, 1)
	start := clock.Now()
	Run(context.Background(), cfg)
	st := ReadState(cfg.StateDir)
	if d := st.NextAttempt.Sub(start); d != 120*time.Second {
		t.Fatalf("next attempt in %s, want 120s", d)
	}
	if len(rcv.got()) != 1 || pending(sp) != 1 {
		t.Fatal("retried before Retry-After")
	}
	if Due(cfg.StateDir, clock.Now()) {
		t.Fatal("due while backing off")
	}
}

// TestFutureNextAttemptIsCapped: an upload-state.json whose next attempt is
// years ahead (a clock set back, a planted file) does not stop delivery
// until then.
func TestFutureNextAttemptIsCapped(t *testing.T) {
	rcv := newReceiver(t, http.StatusOK)
	cfg, sp, _ := setup(t, rcv.URL)
	fill(t, sp, 1)
	os.WriteFile(filepath.Join(cfg.StateDir, stateFile), []byte(`{"next_attempt":"2099-01-01T00:00:00Z","failures":3}`), 0o600)
	if !Due(cfg.StateDir, time.Now()) {
		t.Fatal("not due: a far-future next attempt was believed")
	}
	Run(context.Background(), cfg)
	if pending(sp) != 0 {
		t.Fatal("delivery stopped by a far-future next attempt")
	}
}

func TestPartialSuccessDeletes(t *testing.T) {
	rcv := newReceiver(t, http.StatusOK)
	// ExportTraceServiceResponse{partial_success: {rejected_spans: 1,
	// error_message: "span too old"}}, written out.
	msg := "span too old"
	inner := append([]byte{0x08, 1, 0x12, byte(len(msg))}, msg...)
	rcv.body = append([]byte{0x0a, byte(len(inner))}, inner...)
	cfg, sp, _ := setup(t, rcv.URL)
	fill(t, sp, 2)
	Run(context.Background(), cfg)
	if pending(sp) != 0 || len(rcv.got()) != 1 {
		t.Fatal("partial success not treated as delivered")
	}
}

func TestRefusedAndHung(t *testing.T) {
	// Refused: a port nobody listens on.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	cfg, sp, _ := setup(t, "http://"+addr)
	fill(t, sp, 1)
	Run(context.Background(), cfg)
	if pending(sp) != 1 || ReadState(cfg.StateDir).Failures == 0 {
		t.Fatal("refused connection not kept for retry")
	}

	// Hung: accepts, never answers; bounded by OTEL_EXPORTER_OTLP_TIMEOUT.
	hung, _ := net.Listen("tcp", "127.0.0.1:0")
	defer hung.Close()
	e2e.Hang(hung)
	cfg, sp, _ = setup(t, "http://"+hung.Addr().String())
	cfg.Env = func(k string) (string, bool) { return "100", k == "OTEL_EXPORTER_OTLP_TIMEOUT" }
	fill(t, sp, 1)
	e2e.Within(t, 30*time.Second, "the uploader against a hung backend", func() { Run(context.Background(), cfg) })
	if pending(sp) != 1 || ReadState(cfg.StateDir).Failures != 4 {
		t.Fatalf("against a hung backend: %d pending, state %+v", pending(sp), ReadState(cfg.StateDir))
	}
}

func TestOneUploaderAtATime(t *testing.T) {
	rcv := newReceiver(t, http.StatusOK)
	cfg, sp, clock := setup(t, rcv.URL)
	fill(t, sp, 1)
	d := openState(t, cfg.StateDir)
	lk, ok, err := acquire(d, time.Now(), time.Now().Add(time.Minute))
	if !ok || err != nil {
		t.Fatal("lock", err)
	}
	if !Locked(cfg.StateDir) || Due(cfg.StateDir, time.Now()) {
		t.Fatal("lock not seen")
	}
	Run(context.Background(), cfg)
	if len(rcv.got()) != 0 {
		t.Fatal("second uploader ran")
	}
	lk.release()
	_ = clock
	Run(context.Background(), cfg)
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
}

// TestLinger: after emptying the spool a background uploader stays, holding
// the lock (commands see it and start no other), and sends what arrives.
func TestLinger(t *testing.T) {
	rcv := newReceiver(t, http.StatusOK)
	cfg, sp, clock := setup(t, rcv.URL)
	cfg.Linger, cfg.Poll = 3*time.Second, 200*time.Millisecond
	fill(t, sp, 1)
	sleeps := 0
	var lockedMeanwhile, dueMeanwhile bool
	clock.onSleep = func(time.Time) {
		sleeps++
		if sleeps == 4 {
			lockedMeanwhile, dueMeanwhile = Locked(cfg.StateDir), Due(cfg.StateDir, time.Now())
			b := invocation(span("late"))
			sp.Write(b, "late")
		}
	}
	start := clock.Now()
	if err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if !lockedMeanwhile || dueMeanwhile {
		t.Fatal("a lingering uploader is not seen by commands")
	}
	if got := rcv.got(); len(got) != 2 || got[1][0] != "late" {
		t.Fatalf("requests %v", got)
	}
	// 4 polls before the late file, then a whole linger after it.
	if d := clock.Now().Sub(start); d != 4*200*time.Millisecond+3*time.Second {
		t.Fatalf("lingered %s", d)
	}
	cfg.Linger = 0
	sleeps = 100
	clock.slept = nil
	fill(t, sp, 1)
	Run(context.Background(), cfg)
	if len(clock.slept) != 0 {
		t.Fatal("lingered without Linger (inline uploads must not)")
	}
}

func openState(t *testing.T, dir string) *store.Dir {
	d, err := store.OpenDir(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}
