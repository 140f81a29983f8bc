package main_test

import (
	"fmt"
	mathrand "math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cli-telemetry/otelcli/internal/e2e"

	"github.com/cli-telemetry/otelcli/internal/otlp"
)

// The adversarial suite, against the built binary: a hostile environment,
// hostile local state and a hostile backend. Each test is an attack that
// worked before it was fixed (run them against an older build with
// OTELCLI_HOSTILE_BIN=/path/to/clusterctl to see).

// deliveryModes are the ways a run hands its spans on.
var deliveryModes = map[string][]string{
	"background": nil,
	"inline":     {"CLUSTERCTL_TELEMETRY_DELIVERY=inline"},
	"ci":         {"CI=true"}, // inline, automatically
}

// TestNoSecretOnTheTerminal: malformed OTEL_EXPORTER_OTLP_* values holding
// a secret print nothing (the output is the plain build's), in every
// delivery mode; nothing is uploaded and the run is kept; with debug output
// on, the message names the variable and never shows the secret.
func TestNoSecretOnTheTerminal(t *testing.T) {
	const secret = "hunter2SECRET"
	cases := map[string][]string{
		"headers":        {"OTEL_EXPORTER_OTLP_HEADERS=x-api-key: " + secret},
		"traces headers": {"OTEL_EXPORTER_OTLP_TRACES_HEADERS=x-api-key=" + secret + "%zz"},
		"endpoint":       {"OTEL_EXPORTER_OTLP_ENDPOINT=https://bob:" + secret + "@[::1"},
		"traces endpoint": {
			"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=https://bob:" + secret + "@host:99999/v1/traces",
		},
		"timeout": {"OTEL_EXPORTER_OTLP_TIMEOUT=" + secret},
	}
	for name, bad := range cases {
		for mode, modeEnv := range deliveryModes {
			t.Run(name+"/"+mode, func(t *testing.T) {
				u := newUser(t, true, append(bad, "OTELCLI_UPLOAD_LIFETIME=3s")...)
				p := newUser(t, true, bad...)
				got := u.runBounded(target(), modeEnv, "cluster", "list")
				want := p.runEnv(plain, modeEnv, "cluster", "list")
				if got.runResult != want {
					t.Fatalf("instrumented %+v\nplain        %+v", got.runResult, want)
				}
				ran := mode != "background" || u.waitUploaderRan(15*time.Second)
				if !ran || u.spooled() != 1 {
					t.Fatalf("%d runs spooled after a failed upload (want the run kept)", u.spooled())
				}
				if mode == "background" {
					return
				}
				dbg := u.runBounded(target(), append(modeEnv, "CLUSTERCTL_TELEMETRY_DEBUG=1"), "cluster", "list")
				if strings.Contains(dbg.stderr, secret) || strings.Contains(dbg.stderr, "hunter2") {
					t.Fatalf("debug output shows the secret:\n%s", dbg.stderr)
				}
				if !strings.Contains(dbg.stderr, "OTEL_EXPORTER_OTLP_") {
					t.Fatalf("debug output does not say which variable is wrong:\n%s", dbg.stderr)
				}
			})
		}
	}
}

// TestRedirectsAreNotFollowed: a backend answering with a redirect to
// another server gets neither the runs nor the API key there; 301 and 302
// (which turn the POST into a GET) do not make the runs count as sent.
func TestRedirectsAreNotFollowed(t *testing.T) {
	elsewhere := startBackend(t, func(w http.ResponseWriter, r *http.Request) {})
	for _, code := range []int{301, 302, 307, 308} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			redirector := startBackend(t, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, elsewhere.url()+"/v1/traces", code)
			})
			u := newUser(t, true, "OTEL_EXPORTER_OTLP_ENDPOINT="+redirector.url(),
				"OTEL_EXPORTER_OTLP_HEADERS=x-api-key=secret", "OTELCLI_UPLOAD_LIFETIME=2s")
			u.runBounded(target(), nil, "cluster", "list")
			if !e2e.WaitFor(15*time.Second, func() bool { return redirector.requests() > 0 }) {
				t.Fatal("the uploader never tried")
			}
			u.waitUploaderRan(15 * time.Second)
			if n := elsewhere.requests(); n > 0 {
				t.Fatalf("the redirect was followed: %d requests elsewhere, API key %q", n, elsewhere.header(0).Get("X-Api-Key"))
			}
			if u.spooled() != 1 {
				t.Fatal("the run was dropped after a redirect")
			}
		})
	}
}

// TestLinksAndSpecialFiles: what can sit where otelcli keeps its state.
// Every run ends (bounded), prints what the plain build prints, never
// writes through or deletes through a link, and never reads a special file
// or an unbounded one.
func TestLinksAndSpecialFiles(t *testing.T) {
	type check func(t *testing.T, u *user, m measured)
	cases := map[string]struct {
		plant func(t *testing.T, u *user)
		check check
		// delivers: the run is recorded and delivered despite what was
		// planted (otherwise telemetry is off for the run: fail closed).
		delivers bool
		// linkedSpool: spooled() would count the link's target.
		linkedSpool bool
	}{
		"symlinked upload.lock": {
			plant: func(t *testing.T, u *user) {
				os.WriteFile(filepath.Join(u.home, ".bashrc"), []byte("alias ll='ls -l'\n"), 0o600)
				os.MkdirAll(u.cacheDir(), 0o700)
				os.Symlink(filepath.Join(u.home, ".bashrc"), filepath.Join(u.cacheDir(), "upload.lock"))
			},
			check: func(t *testing.T, u *user, m measured) {
				if b, _ := os.ReadFile(filepath.Join(u.home, ".bashrc")); string(b) != "alias ll='ls -l'\n" {
					t.Fatalf("~/.bashrc written through the lock link: %q", b)
				}
			},
			delivers: true,
		},
		"symlinked spool directory": {
			plant: func(t *testing.T, u *user) {
				precious := filepath.Join(u.home, "precious")
				os.MkdirAll(precious, 0o700)
				old := time.Now().Add(-30 * 24 * time.Hour)
				p := filepath.Join(precious, fmt.Sprintf("%020d-5-mine.pb", old.UnixNano()))
				os.WriteFile(p, []byte("mine!"), 0o600)
				os.Chtimes(p, old, old)
				os.MkdirAll(u.cacheDir(), 0o700)
				os.Symlink(precious, u.spoolDir())
			},
			check: func(t *testing.T, u *user, m measured) {
				des, _ := os.ReadDir(filepath.Join(u.home, "precious"))
				if len(des) != 1 || !strings.HasSuffix(des[0].Name(), "-5-mine.pb") {
					t.Fatalf("files deleted or written through the spool link: %v", des)
				}
			},
			linkedSpool: true,
		},
		"fifo as settings.json": {plant: fifoAt(func(u *user) string { return filepath.Join(u.configDir(), "settings.json") })},
		"fifo as install-id":    {plant: fifoAt(func(u *user) string { return filepath.Join(u.configDir(), "install-id") })},
		"fifo as upload-state":  {plant: fifoAt(func(u *user) string { return filepath.Join(u.cacheDir(), "upload-state.json") }), delivers: true},
		"fifo as upload.lock":   {plant: fifoAt(func(u *user) string { return filepath.Join(u.cacheDir(), "upload.lock") }), delivers: true},
		"fifo as a spooled run": {plant: fifoAt(func(u *user) string {
			return filepath.Join(u.spoolDir(), fmt.Sprintf("%020d-9-fifo.pb", time.Now().UnixNano()))
		}), delivers: true},
		"/dev/zero as settings": {plant: linkAt("/dev/zero", func(u *user) string { return filepath.Join(u.configDir(), "settings.json") }), check: smallMemory},
		"/dev/zero as a spooled run": {plant: linkAt("/dev/zero", func(u *user) string {
			return filepath.Join(u.spoolDir(), fmt.Sprintf("%020d-9-zero.pb", time.Now().UnixNano()))
		}), check: smallMemory, delivers: true},
		"200 MB settings.json": {
			plant: func(t *testing.T, u *user) {
				os.MkdirAll(u.configDir(), 0o700)
				f, _ := os.Create(filepath.Join(u.configDir(), "settings.json"))
				f.Truncate(200 << 20)
				f.Close()
			},
			check: func(t *testing.T, u *user, m measured) {
				smallMemory(t, u, m)
				if u.spooled() != 0 {
					t.Fatal("an unreadable settings file did not mean off")
				}
			},
		},
		"world-writable config directory": {
			plant: func(t *testing.T, u *user) { os.Chmod(u.configDir(), 0o777) },
			check: func(t *testing.T, u *user, m measured) {
				if u.spooled() != 0 {
					t.Fatal("recorded with a config directory others can write")
				}
			},
		},
		"world-writable spool directory": {
			plant: func(t *testing.T, u *user) { os.MkdirAll(u.spoolDir(), 0o700); os.Chmod(u.spoolDir(), 0o777) },
			check: func(t *testing.T, u *user, m measured) {
				if u.spooled() != 0 {
					t.Fatal("spooled into a directory others can write")
				}
			},
		},
		"foreign-owned cache directory": {
			plant: func(t *testing.T, u *user) {
				if os.Geteuid() != 0 {
					t.Skip("a directory of another user cannot be made here without root")
				}
				os.MkdirAll(u.cacheDir(), 0o700)
				os.Chown(u.cacheDir(), 65534, 65534)
			},
			check: func(t *testing.T, u *user, m measured) {
				if u.spooled() != 0 {
					t.Fatal("used a state directory of another user")
				}
			},
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			rcv := startReceiver(t, "")
			u := newUser(t, true, "OTEL_EXPORTER_OTLP_ENDPOINT="+rcv.url(), "OTELCLI_UPLOAD_LIFETIME=3s", "OTELCLI_UPLOAD_LINGER=0s")
			p := newUser(t, true)
			c.plant(t, u)
			got := u.runBounded(target(), nil, "cluster", "list")
			if want := p.run(plain, "cluster", "list"); got.runResult != want {
				t.Fatalf("instrumented %+v\nplain        %+v", got.runResult, want)
			}
			if c.delivers {
				if !e2e.WaitFor(20*time.Second, func() bool { return rcv.invocations() == 1 }) {
					t.Fatal("the run was not delivered")
				}
				// Whatever the uploader made of it, it ends.
				if !u.waitUploaderRan(20 * time.Second) {
					t.Fatal("the uploader hangs")
				}
			} else if !c.linkedSpool && u.spooled() != 0 {
				t.Fatal("recorded although its state cannot be trusted")
			}
			if c.check != nil {
				c.check(t, u, got)
			}
		})
	}
}

func fifoAt(path func(*user) string) func(*testing.T, *user) {
	return func(t *testing.T, u *user) {
		p := path(u)
		os.MkdirAll(filepath.Dir(p), 0o700)
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			t.Skip(err)
		}
	}
}

func linkAt(target string, path func(*user) string) func(*testing.T, *user) {
	return func(t *testing.T, u *user) {
		p := path(u)
		os.MkdirAll(filepath.Dir(p), 0o700)
		os.Symlink(target, p)
	}
}

// smallMemory: the run did not read a device or a huge file into memory.
func smallMemory(t *testing.T, u *user, m measured) {
	t.Helper()
	if m.maxRSSKiB > 100<<10 {
		t.Fatalf("peak memory %d MiB: a file was read without a bound", m.maxRSSKiB>>10)
	}
}

// TestUploaderReappliesThePolicy: a file planted in the spool (any process
// of the user's can) goes through the allowlist like the CLI's own spans.
func TestUploaderReappliesThePolicy(t *testing.T) {
	rcv := startReceiver(t, "")
	u := newUser(t, true, "OTEL_EXPORTER_OTLP_ENDPOINT="+rcv.url(), "OTELCLI_UPLOAD_LINGER=0s")
	canaries := []string{canary(), canary(), canary(), canary()}
	rs := invocation(uuid(),
		[]otlp.KeyValue{str("host.name", canaries[0])},
		str("user.email", canaries[1]+"@example.com"), str("url.full", "https://x/?token="+canaries[2]))
	rs[0].ScopeSpans[0].Spans[0].TraceState = "sess=" + canaries[3]
	plantInvocation(t, u, time.Now().Add(-time.Minute), rs)
	plantInvocation(t, u, time.Now().Add(-time.Minute), nil) // does not decode to anything
	os.WriteFile(filepath.Join(u.spoolDir(), fmt.Sprintf("%020d-4-junk.pb", time.Now().UnixNano())), []byte("\xff\xff\xff\x07"), 0o600)
	u.runBounded(target(), nil, "cluster", "list")
	if !e2e.WaitFor(20*time.Second, func() bool { return rcv.invocations() == 2 }) {
		t.Fatalf("%d invocations delivered", rcv.invocations())
	}
	wire := string(rcv.bytes())
	for _, c := range canaries {
		if strings.Contains(wire, c) {
			t.Fatal("a planted attribute left the machine")
		}
	}
	u.waitUploaderRan(15 * time.Second)
	if u.spooled() != 0 {
		t.Fatalf("%d files left (undecodable files must be dropped)", u.spooled())
	}
}

// TestFutureClocks: state dated in the future stops nothing forever.
func TestFutureClocks(t *testing.T) {
	t.Run("next attempt in 2099", func(t *testing.T) {
		rcv := startReceiver(t, "")
		u := newUser(t, true, "OTEL_EXPORTER_OTLP_ENDPOINT="+rcv.url())
		os.MkdirAll(u.cacheDir(), 0o700)
		os.WriteFile(filepath.Join(u.cacheDir(), "upload-state.json"), []byte(`{"next_attempt":"2099-01-01T00:00:00Z","failures":9}`), 0o600)
		u.runBounded(target(), nil, "cluster", "list")
		if !e2e.WaitFor(20*time.Second, func() bool { return rcv.invocations() == 1 }) {
			t.Fatal("delivery stopped until 2099")
		}
	})
	t.Run("runs dated next year", func(t *testing.T) {
		u := newUser(t, true, "CLUSTERCTL_TELEMETRY_DELIVERY=none")
		next := time.Now().Add(365 * 24 * time.Hour)
		for range 3 {
			p := plantInvocation(t, u, next, invocation(uuid(), nil))
			os.Chtimes(p, next, next)
		}
		u.runBounded(target(), nil, "cluster", "list")
		if n := u.spooled(); n != 1 {
			t.Fatalf("%d runs spooled: future-dated files are kept", n)
		}
	})
}

// TestStoppedUploader: an uploader stopped with SIGSTOP while it holds the
// lock blocks delivery only until its lifetime is over; resumed, it stops
// without sending anything twice.
func TestStoppedUploader(t *testing.T) {
	probe := startReceiver(t, "")
	addr := probe.addr
	probe.stop()
	hung, accepted := hungListener(t, addr)
	u := newUser(t, true, "OTEL_EXPORTER_OTLP_ENDPOINT=http://"+addr, "OTEL_EXPORTER_OTLP_TIMEOUT=60000", "OTELCLI_UPLOAD_LIFETIME=2s")
	u.runBounded(target(), nil, "cluster", "list")
	if !e2e.WaitFor(10*time.Second, func() bool { return accepted.Load() > 0 }) {
		t.Fatal("the uploader never connected")
	}
	b, _ := os.ReadFile(filepath.Join(u.cacheDir(), "upload.lock"))
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if pid <= 0 {
		t.Fatal("no uploader pid")
	}
	syscall.Kill(pid, syscall.SIGSTOP)
	defer syscall.Kill(pid, syscall.SIGKILL)
	defer syscall.Kill(pid, syscall.SIGCONT)
	hung.Close()
	rcv := startReceiver(t, addr)
	// Past the stopped uploader's lifetime (and the grace), a run starts a
	// new uploader that delivers everything.
	ok := e2e.WaitFor(40*time.Second, func() bool {
		u.runEnv(target(), nil, "cluster", "list")
		time.Sleep(time.Second)
		return rcv.invocations() >= 2
	})
	if !ok {
		t.Fatalf("delivery blocked by a stopped uploader: %d delivered", rcv.invocations())
	}
	// The stopped one resumes: it must stop, not send again.
	syscall.Kill(pid, syscall.SIGCONT)
	gone := e2e.WaitFor(20*time.Second, func() bool { return syscall.Kill(pid, 0) != nil || isZombie(pid) })
	if !gone {
		t.Fatal("the resumed uploader went on")
	}
	time.Sleep(500 * time.Millisecond)
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	for id, n := range rcv.ids {
		if n != 1 {
			t.Errorf("invocation %s delivered %d times", id, n)
		}
	}
}

func isZombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	f := strings.Fields(string(b))
	return len(f) > 2 && f[2] == "Z"
}

// TestMalformedEndpoint: "::::" is no URL: nothing is sent (not to the
// default https://localhost:4318 either) and the run is kept.
func TestMalformedEndpoint(t *testing.T) {
	var local *backend
	if l, err := net.Listen("tcp", "127.0.0.1:4318"); err == nil {
		l.Close()
		local = startBackendAt(t, "127.0.0.1:4318")
	} else {
		t.Log("127.0.0.1:4318 is taken: only checking that the run is kept")
	}
	for _, v := range []string{"CLUSTERCTL_OTEL_EXPORTER_OTLP_ENDPOINT=::::", "OTEL_EXPORTER_OTLP_ENDPOINT=::::", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=::::"} {
		t.Run(v, func(t *testing.T) {
			u := newUser(t, true, v, "OTEL_EXPORTER_OTLP_INSECURE=true", "OTELCLI_UPLOAD_LIFETIME=2s")
			u.runBounded(target(), nil, "cluster", "list")
			if !u.waitUploaderRan(15 * time.Second) {
				t.Fatal("no uploader, or it hangs")
			}
			if u.spooled() != 1 {
				t.Fatal("run not kept")
			}
			if local != nil && local.requests() > 0 {
				t.Fatal("sent to the default endpoint")
			}
		})
	}
}

func startBackendAt(t *testing.T, addr string) *backend {
	b := startBackend(t, func(w http.ResponseWriter, r *http.Request) {})
	b.srv.Close()
	l := e2e.Listen(t, addr)
	b.addr = l.Addr().String()
	b.srv = &http.Server{Handler: b.srv.Handler}
	go b.srv.Serve(l)
	t.Cleanup(func() { b.srv.Close() })
	return b
}

// TestCredentialsInEndpointURL: user:pass@ is sent as Basic authentication,
// not dropped (a 401 would then drop the runs).
func TestCredentialsInEndpointURL(t *testing.T) {
	be := startBackend(t, func(w http.ResponseWriter, r *http.Request) {
		if _, _, ok := r.BasicAuth(); !ok {
			w.WriteHeader(http.StatusUnauthorized)
		}
	})
	u := newUser(t, true, "OTEL_EXPORTER_OTLP_ENDPOINT=http://alice:s3cret@"+be.addr, "OTELCLI_UPLOAD_LIFETIME=3s")
	u.runBounded(target(), nil, "cluster", "list")
	if !e2e.WaitFor(15*time.Second, func() bool { return be.requests() > 0 }) {
		t.Fatal("nothing sent")
	}
	req, _ := http.NewRequest("GET", "/", nil)
	req.Header = be.header(0)
	if user, pass, ok := req.BasicAuth(); !ok || user != "alice" || pass != "s3cret" {
		t.Fatalf("credentials in the URL lost: %q %q %v", user, pass, ok)
	}
}

// TestHostileBackend: a backend that answers forever, or with a
// certificate nobody vouches for, neither hangs the uploader nor loses runs.
func TestHostileBackend(t *testing.T) {
	endless := startBackend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-protobuf")
		chunk := make([]byte, 64<<10)
		for end := time.Now().Add(20 * time.Second); time.Now().Before(end); {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	badTLS := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer badTLS.Close()
	for name, c := range map[string]struct {
		url  string
		kept int
	}{"endless body": {endless.url(), 0}, "untrusted certificate": {badTLS.URL, 1}} {
		t.Run(name, func(t *testing.T) {
			u := newUser(t, true, "OTEL_EXPORTER_OTLP_ENDPOINT="+c.url, "OTEL_EXPORTER_OTLP_TIMEOUT=1000", "OTELCLI_UPLOAD_LIFETIME=3s", "OTELCLI_UPLOAD_LINGER=0s")
			u.runBounded(target(), nil, "cluster", "list")
			if !u.waitUploaderRan(20 * time.Second) {
				t.Fatal("no uploader, or it hangs")
			}
			if u.spooled() != c.kept {
				t.Fatalf("%d runs left, want %d", u.spooled(), c.kept)
			}
		})
	}
}

// TestForeignFilesInTheSpool: 20 000 foreign files cost each run a bounded
// listing and are cleaned a few hundred per run; real runs are kept.
func TestForeignFilesInTheSpool(t *testing.T) {
	u := newUser(t, true, "CLUSTERCTL_TELEMETRY_DELIVERY=none")
	p := newUser(t, true)
	os.MkdirAll(u.spoolDir(), 0o700)
	for i := range 20000 {
		os.WriteFile(filepath.Join(u.spoolDir(), fmt.Sprintf("foreign-%05d", i)), nil, 0o600)
	}
	for range 10 {
		got := u.runBounded(target(), nil, "cluster", "list")
		if want := p.run(plain, "cluster", "list"); got.runResult != want {
			t.Fatalf("instrumented %+v\nplain        %+v", got.runResult, want)
		}
	}
	des, _ := os.ReadDir(u.spoolDir())
	if len(des) > 20000+10-10*256 {
		t.Fatalf("%d entries left after 10 runs: foreign files are never cleaned", len(des))
	}
	if u.spooled() != 10 {
		t.Fatalf("%d of 10 runs spooled", u.spooled())
	}
}

// TestMeasureDuplicatesPerKill measures, it does not assert: how many
// invocations reach the backend twice when uploaders are killed (SIGKILL)
// with a request in flight, i.e. after the backend got the request and
// before the uploader saw the answer, which is when a kill costs
// duplicates. A spool of 150 runs (an outage's worth); each uploader is
// killed during its n-th request, n drawn from 1..4 (fixed seed); the spool
// is refilled with 150 runs whenever an uploader empties it; after 100
// kills a last uploader drains it. Run with OTELCLI_MEASURE=1 (and
// OTELCLI_HOSTILE_BIN for another build).
func TestMeasureDuplicatesPerKill(t *testing.T) {
	if os.Getenv("OTELCLI_MEASURE") == "" {
		t.Skip("a measurement: OTELCLI_MEASURE=1")
	}
	var mu sync.Mutex
	var pid, requests, killAt int
	seen := map[string]int{}
	killed := false
	be := startBackend(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		requests++
		if killAt > 0 && requests == killAt && pid > 0 {
			// The backend has the request: the uploader dies before the
			// answer.
			syscall.Kill(pid, syscall.SIGKILL)
			killed = true
			time.Sleep(50 * time.Millisecond)
		}
	})
	be.mu.Lock()
	be.onBody = func(body []byte) {
		rss, err := otlp.Unmarshal(body)
		if err != nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for _, rs := range rss {
			for _, kv := range rs.Resource.Attributes {
				if kv.Key == "cli.execution.id" {
					seen[kv.Value.Str]++
				}
			}
		}
	}
	be.mu.Unlock()
	u := newUser(t, true, "OTEL_EXPORTER_OTLP_ENDPOINT="+be.url())
	planted := 0
	refill := func() {
		for range 150 {
			plantInvocation(t, u, time.Now().Add(-time.Minute), invocation(uuid(), nil))
			planted++
		}
	}
	upload := func() {
		cmd := exec.Command(target(), "__otelcli_upload")
		cmd.Env = u.env
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		pid = cmd.Process.Pid
		mu.Unlock()
		cmd.Wait()
		mu.Lock()
		pid = 0
		mu.Unlock()
	}
	rng := mathrand.New(mathrand.NewPCG(1, 2))
	kills, want := 0, 100
	if n, err := strconv.Atoi(os.Getenv("OTELCLI_MEASURE_KILLS")); err == nil {
		want = n
	}
	refill()
	for kills < want {
		if u.spooled() == 0 {
			refill()
		}
		mu.Lock()
		requests, killAt, killed = 0, 1+rng.IntN(4), false
		mu.Unlock()
		start := time.Now()
		upload()
		mu.Lock()
		if killed {
			kills++
		}
		if testing.Verbose() {
			t.Logf("kill at request %d: %d requests, killed %v, %d spooled, %s", killAt, requests, killed, u.spooled(), time.Since(start).Round(time.Millisecond))
		}
		mu.Unlock()
	}
	mu.Lock()
	killAt = 0
	mu.Unlock()
	for u.spooled() > 0 {
		upload()
	}
	mu.Lock()
	defer mu.Unlock()
	total, dups := 0, 0
	for _, n := range seen {
		total += n
		dups += n - 1
	}
	t.Logf("%d runs planted, %d distinct delivered, %d deliveries, %d duplicates over %d kills (%.1f per kill)",
		planted, len(seen), total, dups, kills, float64(dups)/float64(kills))
	if len(seen) != planted {
		t.Errorf("%d of %d runs delivered", len(seen), planted)
	}
}
