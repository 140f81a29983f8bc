package main_test

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cli-telemetry/otelcli/internal/e2e"

	"github.com/cli-telemetry/otelcli/internal/otlp"
)

// target is the instrumented binary the hostile tests attack:
// OTELCLI_HOSTILE_BIN runs them against another build (an older one, to
// see each test fail before its fix).
func target() string {
	if b := os.Getenv("OTELCLI_HOSTILE_BIN"); b != "" {
		return b
	}
	return instrumented
}

func (u *user) configDir() string {
	return filepath.Join(u.home, ".config", "clusterctl", "telemetry")
}

func (u *user) spoolDir() string { return filepath.Join(u.cacheDir(), "spool") }

// waitUploaderGone waits (up to d) until no process holds the uploader's
// lock, without killing it.
func (u *user) waitUploaderGone(d time.Duration) bool {
	path := filepath.Join(u.cacheDir(), "upload.lock")
	return e2e.WaitFor(d, func() bool {
		f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
		if err != nil {
			return true
		}
		defer f.Close()
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
			return false
		}
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		return true
	})
}

// waitUploaderRan waits until an uploader a run started has taken the lock
// (its pid is in the lock file) and let it go.
func (u *user) waitUploaderRan(d time.Duration) bool {
	path := filepath.Join(u.cacheDir(), "upload.lock")
	return e2e.WaitFor(d, func() bool {
		// Never blocking: a FIFO may sit there.
		f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
		if err != nil {
			return false
		}
		defer f.Close()
		if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
			return false
		}
		b, _ := io.ReadAll(io.LimitReader(f, 64))
		return len(strings.TrimSpace(string(b))) > 0
	}) && u.waitUploaderGone(d)
}

// measured is a run with its peak memory.
type measured struct {
	runResult
	maxRSSKiB int64
}

// runBounded runs bin with a hard bound on its wall time (a hang fails the
// test instead of blocking it) and reports its peak memory.
func (u *user) runBounded(bin string, env []string, args ...string) measured {
	u.t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(append([]string(nil), u.env...), env...)
	cmd.Dir = u.home
	stdout, stderr, code, err := e2e.Run(cmd, 30*time.Second)
	if errors.Is(err, e2e.ErrTimeout) {
		u.t.Fatalf("clusterctl %s hangs", strings.Join(args, " "))
	}
	if err != nil {
		u.t.Fatal(err)
	}
	m := measured{runResult: runResult{stdout, stderr, code}}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.maxRSSKiB = ru.Maxrss
	}
	return m
}

// backend is a loopback HTTP server whose answers a test chooses, and
// which records every request it gets.
type backend struct {
	srv  *http.Server
	addr string
	mu   sync.Mutex
	reqs []*http.Request
	body [][]byte
	// onBody, when set, sees each request body before the handler runs.
	onBody func([]byte)
}

func startBackend(t *testing.T, h http.HandlerFunc) *backend {
	t.Helper()
	l := e2e.Listen(t, "127.0.0.1:0")
	b := &backend{addr: l.Addr().String()}
	b.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
		b.mu.Lock()
		b.reqs = append(b.reqs, r)
		b.body = append(b.body, body)
		onBody := b.onBody
		b.mu.Unlock()
		if onBody != nil {
			onBody(body)
		}
		h(w, r)
	})}
	go b.srv.Serve(l)
	t.Cleanup(func() { b.srv.Close() })
	return b
}

func (b *backend) url() string { return "http://" + b.addr }

func (b *backend) requests() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.reqs)
}

func (b *backend) header(i int) http.Header {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.reqs[i].Header
}

// plantInvocation writes an OTLP file into the spool under a name this
// library would use, dated at, as any process of the user's could.
func plantInvocation(t *testing.T, u *user, at time.Time, rs []otlp.ResourceSpans) string {
	t.Helper()
	b := otlp.Marshal(rs)
	os.MkdirAll(u.spoolDir(), 0o700)
	p := filepath.Join(u.spoolDir(), fmt.Sprintf("%020d-%d-planted%d.pb", at.UnixNano(), len(b), at.UnixNano()%1000))
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(p, at, at)
	return p
}

func randomID(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func str(k, v string) otlp.KeyValue {
	return otlp.KeyValue{Key: k, Value: otlp.Value{Kind: otlp.String, Str: v}}
}

// invocation is one span of clusterctl, with the execution id the
// receiver counts by and the attributes given.
func invocation(execID string, res []otlp.KeyValue, attrs ...otlp.KeyValue) []otlp.ResourceSpans {
	s := otlp.Span{
		Name: "clusterctl cluster list",
		Kind: otlp.KindInternal, Attributes: append([]otlp.KeyValue{str("cli.command.path", "clusterctl cluster list")}, attrs...),
		StartTimeUnixNano: uint64(time.Now().UnixNano()), EndTimeUnixNano: uint64(time.Now().UnixNano()),
	}
	copy(s.TraceID[:], randomID(16))
	copy(s.SpanID[:], randomID(8))
	return []otlp.ResourceSpans{{
		Resource: otlp.Resource{Attributes: append([]otlp.KeyValue{str("service.name", "clusterctl"), str("cli.execution.id", execID)}, res...)},
		ScopeSpans: []otlp.ScopeSpans{{
			Scope: otlp.Scope{Name: "github.com/cli-telemetry/otelcli"},
			Spans: []otlp.Span{s},
		}},
	}}
}

func uuid() string {
	b := randomID(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
