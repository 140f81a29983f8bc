package main_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cli-telemetry/otelcli/internal/e2e"

	"github.com/cli-telemetry/otelcli/internal/otlp"
)

var instrumented, plain string

func TestMain(m *testing.M) { e2e.Main(m, "clusterctl", raceEnabled, &instrumented, &plain) }

// user is one user's machine: a HOME with XDG dirs, and the environment
// their shell passes to the CLI.
type user struct {
	t    *testing.T
	home string
	env  []string
}

func newUser(t *testing.T, noticeShown bool, extra ...string) *user {
	t.Helper()
	home := filepath.Join(t.TempDir(), "home")
	os.MkdirAll(home, 0o700)
	u := &user{t: t, home: home, env: []string{
		"HOME=" + home,
		"PATH=" + os.Getenv("PATH"),
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"XDG_DATA_HOME=" + filepath.Join(home, ".local", "share"),
		"OTELCLI_UPLOAD_LIFETIME=40s",
	}}
	u.env = append(u.env, extra...)
	if noticeShown {
		p := filepath.Join(home, ".config", "clusterctl", "telemetry", "notice-shown")
		os.MkdirAll(filepath.Dir(p), 0o700)
		os.WriteFile(p, []byte("x"), 0o600)
	}
	t.Cleanup(u.stopUploader)
	return u
}

type runResult struct {
	stdout, stderr string
	code           int
}

func (u *user) run(bin string, args ...string) runResult {
	return u.runEnv(bin, nil, args...)
}

func (u *user) runEnv(bin string, env []string, args ...string) runResult {
	u.t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(append([]string(nil), u.env...), env...)
	cmd.Dir = u.home
	stdout, stderr, code, err := e2e.Run(cmd, 0)
	if err != nil {
		u.t.Fatal(err)
	}
	return runResult{stdout, stderr, code}
}

func (u *user) cacheDir() string {
	return filepath.Join(u.home, ".cache", "clusterctl", "telemetry")
}

func (u *user) spooled() int {
	files, _ := filepath.Glob(filepath.Join(u.cacheDir(), "spool", "*.pb"))
	return len(files)
}

// stopUploader ends a background uploader left by the test, so that every
// process a test starts stops with it, and waits until its lock is free. An
// uploader that a last run spawned may take the lock only now: look a few
// times.
func (u *user) stopUploader() {
	for range 3 {
		u.stopOneUploader()
		time.Sleep(150 * time.Millisecond)
	}
}

func (u *user) stopOneUploader() {
	path := filepath.Join(u.cacheDir(), "upload.lock")
	b, err := os.ReadFile(path)
	if err != nil {
		return
	}
	if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	u.waitUploaderGone(10 * time.Second)
}

// receiver is a loopback OTLP/HTTP backend that records raw request bodies
// and the execution id of every invocation it receives.
type receiver struct {
	srv   *http.Server
	addr  string
	mu    sync.Mutex
	raw   [][]byte
	ids   map[string]int
	conns int
}

func startReceiver(t *testing.T, addr string) *receiver {
	t.Helper()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	l := e2e.Listen(t, addr)
	r := &receiver{addr: l.Addr().String(), ids: map[string]int{}}
	r.srv = &http.Server{
		Handler: http.HandlerFunc(r.handle),
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				r.mu.Lock()
				r.conns++
				r.mu.Unlock()
			}
		},
	}
	go r.srv.Serve(l)
	t.Cleanup(r.stop)
	return r
}

func (r *receiver) stop() { r.srv.Shutdown(context.Background()) }

func (r *receiver) url() string { return "http://" + r.addr }

func (r *receiver) handle(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	rss, err := otlp.Unmarshal(b)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.raw = append(r.raw, b)
	for _, rs := range rss {
		for _, kv := range rs.Resource.Attributes {
			if kv.Key == "cli.execution.id" {
				r.ids[kv.Value.Str]++
			}
		}
	}
	w.WriteHeader(http.StatusOK)
}

func (r *receiver) invocations() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.ids)
}

func (r *receiver) bytes() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return bytes.Join(r.raw, nil)
}

// hungListener accepts connections and never answers.
func hungListener(t *testing.T, addr string) (net.Listener, *atomic.Int64) {
	t.Helper()
	l := e2e.Listen(t, addr)
	return l, e2e.Hang(l)
}
