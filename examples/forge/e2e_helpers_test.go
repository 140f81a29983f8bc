package main_test

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cli-telemetry/otelcli/internal/e2e"

	"github.com/cli-telemetry/otelcli/internal/otlp"
)

var instrumented, plain string

func TestMain(m *testing.M) { e2e.Main(m, "forge", raceEnabled, &instrumented, &plain) }

// user is one user's machine: a HOME with XDG dirs, forge's configuration
// moved out of them by FORGE_CONFIG_DIR, and the environment their shell
// passes to forge.
type user struct {
	t         *testing.T
	home      string
	configDir string // FORGE_CONFIG_DIR
	env       []string
}

// newUser makes a user whose forge configuration is in home/<dirName>.
func newUser(t *testing.T, dirName string, extra ...string) *user {
	t.Helper()
	home := filepath.Join(t.TempDir(), "home")
	u := &user{t: t, home: home, configDir: filepath.Join(home, dirName)}
	if err := os.MkdirAll(u.configDir, 0o700); err != nil {
		t.Fatal(err)
	}
	u.env = []string{
		"HOME=" + home,
		"PATH=" + os.Getenv("PATH"),
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"FORGE_CONFIG_DIR=" + u.configDir,
		// Every uploader a test starts gives up within this.
		"OTELCLI_UPLOAD_LIFETIME=15s",
	}
	if raceEnabled {
		// The race runtime sleeps a second before exiting by default.
		u.env = append(u.env, "GORACE=atexit_sleep_ms=50")
	}
	u.env = append(u.env, extra...)
	t.Cleanup(u.stopUploader)
	return u
}

// seed gives the user what a user of forge 1.1 has: a version 1
// configuration (aliases under "alias"), a host with one repository, two
// extensions, and a note from the update check that 1.3.0 is out. aliases
// and extensions are added to the default ones.
func (u *user) seed(aliases map[string]string, extensions map[string]string) {
	u.t.Helper()
	a := map[string]string{"co": "pr checkout"}
	for k, v := range aliases {
		a[k] = v
	}
	cfg, _ := json.Marshal(map[string]any{"alias": a, "default_repo": "acme/widgets"})
	u.write("config.json", string(cfg))
	u.write("repos.json", `{"acme/widgets": {
  "issues": [
    {"number": 1, "title": "Crash on start", "state": "open", "labels": ["bug"], "body": "It crashes."},
    {"number": 2, "title": "Old question", "state": "closed"},
    {"number": 3, "title": "Docs typo", "state": "open", "labels": ["docs"]}
  ],
  "pulls": [
    {"number": 7, "title": "Fix crash", "checks": "pending"},
    {"number": 8, "title": "Fix docs", "checks": "pass"}
  ]}}`)
	u.write("state.json", `{"latest_version": "1.3.0"}`)
	exts := map[string]string{
		"hello": "#!/bin/sh\necho \"hello from an extension: $*\"\n",
		"fail":  "#!/bin/sh\necho 'the extension failed' >&2\nexit 3\n",
	}
	for k, v := range extensions {
		exts[k] = v
	}
	for name, script := range exts {
		p := filepath.Join("extensions", "forge-"+name)
		u.write(p, script)
		os.Chmod(filepath.Join(u.configDir, p), 0o755)
	}
}

// noticeShown marks otelcli's first-run notice as shown, as it is for
// everyone but a new user.
func (u *user) noticeShown() { u.write(filepath.Join("telemetry", "notice-shown"), "x") }

func (u *user) write(rel, content string) {
	u.t.Helper()
	p := filepath.Join(u.configDir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		u.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		u.t.Fatal(err)
	}
}

func (u *user) exists(rel string) bool {
	_, err := os.Stat(filepath.Join(u.configDir, rel))
	return err == nil
}

type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

func (u *user) run(bin string, args ...string) result {
	u.t.Helper()
	return u.runIn(bin, "", args...)
}

// runIn runs forge with stdin.
func (u *user) runIn(bin, stdin string, args ...string) result {
	u.t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = u.env
	cmd.Dir = u.home
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	stdout, stderr, code, err := e2e.Run(cmd, 0)
	if err != nil {
		u.t.Fatal(err)
	}
	return result{stdout, stderr, code}
}

// telemetryDir and cacheDir are where otelcli keeps its files for this
// user: inside forge's own (relocated) directories.
func (u *user) telemetryDir() string { return filepath.Join(u.configDir, "telemetry") }
func (u *user) cacheDir() string     { return filepath.Join(u.configDir, "cache", "telemetry") }

// lastSpan is the span `forge telemetry show` prints: what the last
// recorded run sent.
func (u *user) lastSpan() (name string, attrs map[string]any) {
	u.t.Helper()
	r := u.run(instrumented, "telemetry", "show")
	var shown []struct {
		Spans []struct {
			Name       string         `json:"name"`
			Attributes map[string]any `json:"attributes"`
		} `json:"spans"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &shown); err != nil || len(shown) != 1 || len(shown[0].Spans) != 1 {
		u.t.Fatalf("telemetry show: %v\n%s", err, r)
	}
	s := shown[0].Spans[0]
	return s.Name, s.Attributes
}

// stopUploader ends every background uploader the test's runs started, so
// that every process a test starts stops with it.
func (u *user) stopUploader() {
	e2e.WaitFor(10*time.Second, func() bool {
		pids := u.uploaders()
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		return len(pids) == 0
	})
}

// waitUploaderDone waits until every uploader the user's runs started has
// exited by itself.
func (u *user) waitUploaderDone(d time.Duration) bool {
	return e2e.WaitFor(d, func() bool { return len(u.uploaders()) == 0 })
}

// uploaders are the live uploader processes of this user: forge started
// with otelcli's hidden argument and this user's FORGE_CONFIG_DIR. A
// spawned uploader exists as soon as the run that started it has returned.
func (u *user) uploaders() []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		environ, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if bytes.Contains(cmdline, []byte("\x00__otelcli_upload")) &&
			slices.Contains(strings.Split(string(environ), "\x00"), "FORGE_CONFIG_DIR="+u.configDir) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// receiver is a loopback OTLP/HTTP backend. It decodes each request body
// as TracesData, which has the wire form of ExportTraceServiceRequest.
type receiver struct {
	srv  *http.Server
	addr string
	mu   sync.Mutex
	raw  [][]byte
	recs []record
}

// record is one span as it arrived.
type record struct {
	execID string
	name   string
	start  uint64
	attrs  map[string]string
	code   int64
}

func startReceiver(t *testing.T) *receiver {
	t.Helper()
	l := e2e.Listen(t, "127.0.0.1:0")
	r := &receiver{addr: l.Addr().String()}
	r.srv = &http.Server{Handler: http.HandlerFunc(r.handle)}
	go r.srv.Serve(l)
	t.Cleanup(func() { r.srv.Shutdown(context.Background()) })
	return r
}

func (r *receiver) url() string { return "http://" + r.addr }

func (r *receiver) handle(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	rss, err := otlp.Unmarshal(b)
	if req.URL.Path != "/v1/traces" || err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.raw = append(r.raw, b)
	for _, rs := range rss {
		var id string
		for _, kv := range rs.Resource.Attributes {
			if kv.Key == "cli.execution.id" {
				id = kv.Value.Str
			}
		}
		for _, ss := range rs.ScopeSpans {
			for _, sp := range ss.Spans {
				rec := record{execID: id, name: sp.Name, start: sp.StartTimeUnixNano, attrs: map[string]string{}, code: -1}
				for _, kv := range sp.Attributes {
					rec.attrs[kv.Key] = anyValue(kv.Value)
					if kv.Key == "process.exit.code" {
						rec.code = kv.Value.Int
					}
				}
				r.recs = append(r.recs, rec)
			}
		}
	}
	w.WriteHeader(http.StatusOK)
}

func anyValue(v otlp.Value) string {
	switch v.Kind {
	case otlp.String:
		return v.Str
	case otlp.Int:
		return strconv.FormatInt(v.Int, 10)
	case otlp.Array:
		var parts []string
		for _, e := range v.Array {
			parts = append(parts, anyValue(e))
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	return fmt.Sprint(v)
}

// records are the spans received so far, in the order they started.
func (r *receiver) records() []record {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := slices.Clone(r.recs)
	slices.SortStableFunc(out, func(a, b record) int { return cmp.Compare(a.start, b.start) })
	return out
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.recs)
}

func (r *receiver) bytes() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return bytes.Join(r.raw, nil)
}

func canary() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "cnry" + hex.EncodeToString(b) + "z"
}

// withoutTelemetryCommand removes the one deliberate difference between
// the builds: the instrumented one lists its "telemetry" command in help,
// in the usage printed after an unknown command, and in completions.
func withoutTelemetryCommand(s string) string {
	var out []string
	for _, l := range strings.SplitAfter(s, "\n") {
		t := strings.TrimSpace(l)
		if !strings.HasPrefix(t, "telemetry ") && !strings.HasPrefix(t, "telemetry\t") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "")
}
