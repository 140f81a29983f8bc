package main_test

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
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
)

// session is what a user types in a sitting, the same for both builds.
var session = [][]string{
	{"version"},
	{"cluster", "list"},
	{"cluster", "list", "-o", "json"},
	{"cluster", "create", "--provider", "AWS", "--region", "US_EAST_1", "--name", "alpha", "--tier", "M20"},
	{"cluster", "create", "--provider", "GCP", "--name", "beta"},
	{"cluster", "create", "--provider=AZURE", "--region=EU_WEST", "-n", "gamma"},
	{"cluster", "list"},
	{"cluster", "delete", "nope"},
	{"cluster", "rm", "gamma"},
	{"clustr", "list"},
	{"cluster", "create", "--bogus"},
	{"login", "--api-key", "short"},
	{"login", "--api-key", "0123456789abcdef"},
	{"--help"},
	{"cluster", "--help"},
	{"completion", "bash"},
	{"__complete", "cluster", ""},
}

func TestSameOutputAsUninstrumented(t *testing.T) {
	rcv := startReceiver(t, "")
	on := newUser(t, true, "OTEL_EXPORTER_OTLP_ENDPOINT="+rcv.url())
	off := newUser(t, true)
	for _, args := range session {
		got, want := on.run(instrumented, args...), off.run(plain, args...)
		// The one deliberate difference: the instrumented CLI has a
		// "telemetry" command, listed in its help.
		got.stdout = withoutTelemetryCommand(got.stdout)
		if got != want {
			t.Errorf("clusterctl %s:\ninstrumented: %+v\nplain:        %+v", strings.Join(args, " "), got, want)
		}
	}
	if !e2e.WaitFor(60*time.Second, func() bool { return rcv.invocations() >= 13 }) {
		t.Fatalf("backend got %d invocations", rcv.invocations())
	}
}

// Malformed OpenTelemetry variables make the SDK report errors through its
// global handler, whose default writes to stderr: the user must not see
// them.
func TestMalformedOTelEnvironment(t *testing.T) {
	bad := []string{"OTEL_RESOURCE_ATTRIBUTES=garbage,%zz=1", "OTEL_EXPORTER_OTLP_HEADERS=;;;", "OTEL_EXPORTER_OTLP_TIMEOUT=soon",
		"OTEL_EXPORTER_OTLP_ENDPOINT=::not a url", "OTEL_TRACES_SAMPLER=bogus", "OTEL_BSP_MAX_QUEUE_SIZE=-1"}
	on := newUser(t, true, bad...)
	off := newUser(t, true, bad...)
	for _, args := range session[:9] {
		if got, want := on.run(instrumented, args...), off.run(plain, args...); got != want {
			t.Errorf("clusterctl %s:\ninstrumented: %+v\nplain:        %+v", strings.Join(args, " "), got, want)
		}
	}
}

func canary() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "cnry" + hex.EncodeToString(b) + "z"
}

// TestCanariesNeverLeave puts a unique string in every argument, flag value,
// environment variable and path the CLI sees, runs it against a real
// loopback backend through the real uploader, and checks the bytes on the
// wire.
func TestCanariesNeverLeave(t *testing.T) {
	rcv := startReceiver(t, "")
	c := map[string]string{}
	for _, k := range []string{"home", "cwd", "env", "user", "host", "resattr", "name", "apikey", "region", "positional", "command", "flagvalue", "xdg"} {
		c[k] = canary()
	}
	u := newUser(t, true,
		"CLUSTERCTL_OTEL_EXPORTER_OTLP_ENDPOINT="+rcv.url(),
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:9", // the app-scoped variable wins
		"SOME_TOKEN="+c["env"], "USER="+c["user"], "LOGNAME="+c["user"], "HOSTNAME="+c["host"],
		"OTEL_RESOURCE_ATTRIBUTES=host.name="+c["resattr"]+",deployment="+c["resattr"],
		"OTEL_SERVICE_NAME="+c["resattr"],
	)
	// The user's paths carry canaries too.
	newHome := filepath.Join(filepath.Dir(u.home), c["home"])
	os.Rename(u.home, newHome)
	u.home = newHome
	for i, kv := range u.env {
		u.env[i] = strings.ReplaceAll(kv, filepath.Dir(newHome)+"/home", newHome)
	}
	u.env = append(u.env, "XDG_DATA_HOME="+filepath.Join(newHome, c["xdg"]))
	invocations := [][]string{
		{"cluster", "create", "--provider", "AWS", "--region", "US_EAST_1", "--name", c["name"], "--tier", "M20"},
		{"cluster", "create", "--provider", "GCP", "--region", c["region"], "--name", c["name"] + "2"},
		{"cluster", "delete", c["positional"]},
		{"login", "--api-key", c["apikey"]},
		{c["command"]},
		{"cluster", "list", "--" + c["flagvalue"]},
		{"cluster", "list", "-o", c["flagvalue"]},
	}
	for _, args := range invocations {
		u.run(instrumented, args...)
	}
	if !e2e.WaitFor(60*time.Second, func() bool { return rcv.invocations() == len(invocations) }) {
		t.Fatalf("backend got %d of %d invocations", rcv.invocations(), len(invocations))
	}
	wire := string(rcv.bytes())
	for where, v := range c {
		if strings.Contains(wire, v) {
			t.Errorf("canary from %s reached the backend", where)
		}
	}
	for _, want := range []string{"AWS", "US_EAST_1", "M20", "GCP", "cluster_not_found", "unknown_command", "unknown_flag", "clusterctl cluster create", "api_key"} {
		if !strings.Contains(wire, want) {
			t.Errorf("allowed value %q missing on the wire", want)
		}
	}
	for _, dir := range []string{filepath.Join(u.home, ".config"), filepath.Join(u.home, ".cache")} {
		if strings.Contains(dir, u.home) && strings.Contains(wire, u.home) {
			t.Errorf("home path on the wire")
		}
	}
}

func TestOptedOutMakesNoConnection(t *testing.T) {
	rcv := startReceiver(t, "")
	for _, optOut := range []string{"DO_NOT_TRACK=1", "OTEL_SDK_DISABLED=true", "CLUSTERCTL_TELEMETRY_DISABLED=1", "CLUSTERCTL_NO_ANON_TELEMETRY=true", "OTEL_TRACES_EXPORTER=none"} {
		u := newUser(t, false, "OTEL_EXPORTER_OTLP_ENDPOINT="+rcv.url(), optOut)
		for _, args := range session[:8] {
			u.run(instrumented, args...)
		}
		for _, d := range []string{".config", ".cache"} {
			if _, err := os.Stat(filepath.Join(u.home, d)); err == nil {
				t.Errorf("%s: %s created", optOut, d)
			}
		}
	}
	time.Sleep(time.Second)
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if rcv.conns != 0 {
		t.Fatalf("%d connections while opted out", rcv.conns)
	}
}

// TestDeliveryThroughOutage: 20 runs while the backend is down, then hung,
// then up; every run arrives exactly once, soon after it is back.
func TestDeliveryThroughOutage(t *testing.T) {
	probe := startReceiver(t, "")
	addr := probe.addr
	probe.stop()
	u := newUser(t, true, "OTEL_EXPORTER_OTLP_ENDPOINT=http://"+addr, "OTEL_EXPORTER_OTLP_TIMEOUT=1000")
	runs := 0
	phase := func(n int) {
		for range n {
			if r := u.run(instrumented, "cluster", "list"); r.code != 0 {
				t.Fatalf("run failed: %+v", r)
			}
			runs++
			time.Sleep(250 * time.Millisecond)
		}
	}
	phase(7) // down: connection refused
	hung, accepted := hungListener(t, addr)
	phase(7) // hung: accepts, never answers
	hung.Close()
	if accepted.Load() == 0 {
		t.Log("the uploader was backing off through the whole hung phase")
	}
	rcv := startReceiver(t, addr)
	up := time.Now()
	phase(6)
	if !e2e.WaitFor(30*time.Second, func() bool { return rcv.invocations() == runs }) {
		t.Fatalf("%d of %d runs arrived within 30s of the backend coming back", rcv.invocations(), runs)
	}
	t.Logf("all %d runs delivered %s after the backend came back", runs, time.Since(up).Round(time.Millisecond))
	time.Sleep(500 * time.Millisecond)
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	for id, n := range rcv.ids {
		if n != 1 {
			t.Errorf("invocation %s arrived %d times", id, n)
		}
	}
	if u.spooled() != 0 {
		t.Errorf("%d invocations left in the spool", u.spooled())
	}
}

func TestConcurrentInvocations(t *testing.T) {
	rcv := startReceiver(t, "")
	u := newUser(t, true, "OTEL_EXPORTER_OTLP_ENDPOINT="+rcv.url(), "CLUSTERCTL_TELEMETRY_DELIVERY=none")
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r := u.run(instrumented, "cluster", "list"); r.code != 0 || r.stderr != "" {
				t.Errorf("run: %+v", r)
			}
		}()
	}
	wg.Wait()
	if n := u.spooled(); n != 50 {
		t.Fatalf("%d of 50 invocations spooled", n)
	}
	ids, _ := os.ReadFile(filepath.Join(u.home, ".config", "clusterctl", "telemetry", "install-id"))
	if len(strings.TrimSpace(string(ids))) != 36 {
		t.Fatalf("install id %q", ids)
	}
	// Two uploaders at once: the lock lets one send, nothing is sent twice.
	var up sync.WaitGroup
	for range 2 {
		up.Add(1)
		go func() { defer up.Done(); u.run(instrumented, "__otelcli_upload") }()
	}
	up.Wait()
	u.run(instrumented, "__otelcli_upload")
	if rcv.invocations() != 50 || u.spooled() != 0 {
		t.Fatalf("%d of 50 delivered, %d left", rcv.invocations(), u.spooled())
	}
	for id, n := range rcv.ids {
		if n != 1 {
			t.Errorf("%s delivered %d times", id, n)
		}
	}
}

// TestKilledUploader: an uploader killed mid-request leaves its files whole;
// the next one sends each invocation once.
func TestKilledUploader(t *testing.T) {
	probe := startReceiver(t, "")
	addr := probe.addr
	probe.stop()
	hung, accepted := hungListener(t, addr)
	u := newUser(t, true, "OTEL_EXPORTER_OTLP_ENDPOINT=http://"+addr, "OTEL_EXPORTER_OTLP_TIMEOUT=60000")
	for range 3 {
		u.run(instrumented, "cluster", "list")
	}
	if !e2e.WaitFor(10*time.Second, func() bool { return accepted.Load() > 0 }) {
		t.Fatal("the uploader never connected")
	}
	u.stopUploader()
	hung.Close()
	if n := u.spooled(); n != 3 {
		t.Fatalf("%d invocations spooled after the kill", n)
	}
	rcv := startReceiver(t, addr)
	// Another run's uploader may have started meanwhile and be backing off:
	// stop whichever holds the lock, then drain.
	if !e2e.WaitFor(30*time.Second, func() bool {
		u.stopUploader()
		u.run(instrumented, "__otelcli_upload")
		return rcv.invocations() == 3
	}) || u.spooled() != 0 {
		t.Fatalf("%d delivered, %d left", rcv.invocations(), u.spooled())
	}
	for id, n := range rcv.ids {
		if n != 1 {
			t.Errorf("%s delivered %d times", id, n)
		}
	}
}

// TestInterrupt: Ctrl-C during a command is recorded as interrupted and the
// process still dies of the signal, as the uninstrumented CLI does.
func TestInterrupt(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			rcv := startReceiver(t, "")
			u := newUser(t, true, "OTEL_EXPORTER_OTLP_ENDPOINT="+rcv.url())
			states := map[string]string{}
			for _, bin := range []string{plain, instrumented} {
				cmd := exec.Command(bin, "cluster", "create", "--provider", "AWS", "--region", "US_EAST_1", "--name", fmt.Sprint("w", bin == plain), "--wait", "30s")
				cmd.Env = u.env
				out := &e2e.SyncBuffer{}
				cmd.Stdout = out
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				if !e2e.WaitFor(10*time.Second, func() bool { return strings.Contains(out.String(), "Waiting") }) {
					cmd.Process.Kill()
					t.Fatal("command did not start waiting")
				}
				// Signals are watched once a command has run for 50 ms.
				time.Sleep(200 * time.Millisecond)
				cmd.Process.Signal(sig)
				err := cmd.Wait()
				states[bin] = fmt.Sprint(err)
			}
			if states[plain] != states[instrumented] {
				t.Fatalf("exit differs: plain %s, instrumented %s", states[plain], states[instrumented])
			}
			r := u.run(instrumented, "telemetry", "show")
			code := map[syscall.Signal]string{syscall.SIGINT: "130", syscall.SIGTERM: "143"}[sig]
			if !strings.Contains(r.stdout, `"error.type": "interrupted"`) || !strings.Contains(r.stdout, `"process.exit.code": `+code) {
				t.Fatalf("interrupted run not recorded:\n%s", r.stdout)
			}
			// The uploader started on the way out delivers it.
			if !e2e.WaitFor(20*time.Second, func() bool { return strings.Contains(string(rcv.bytes()), "interrupted") }) {
				t.Fatal("the interrupted run was not delivered")
			}
		})
	}
}

func withoutTelemetryCommand(s string) string {
	var out []string
	for _, l := range strings.SplitAfter(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "telemetry ") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "")
}

// TestUploaderKeepsNoInheritedFile: `clusterctl cluster list 3>&1 | cat`
// returns when clusterctl does, although the background uploader it starts
// lives on (here against a backend that never answers): the uploader closes
// the descriptors it inherited beyond stdio, which the caller waits on.
// Found by running the built example by hand: the pipeline took 91 s.
func TestUploaderKeepsNoInheritedFile(t *testing.T) {
	l := e2e.Listen(t, "127.0.0.1:0")
	defer l.Close()
	accepted := e2e.Hang(l)
	u := newUser(t, true, "OTEL_EXPORTER_OTLP_ENDPOINT=http://"+l.Addr().String(), "OTEL_EXPORTER_OTLP_TIMEOUT=60000")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command(instrumented, "cluster", "list")
	cmd.Env, cmd.Dir = u.env, u.home
	cmd.ExtraFiles = []*os.File{w} // fd 3, as a shell's 3>&1 passes it
	if _, stderr, code, err := e2e.Run(cmd, 30*time.Second); err != nil || code != 0 {
		t.Fatalf("exit %d, %v: %s", code, err, stderr)
	}
	w.Close()
	eof := make(chan struct{})
	go func() {
		io.Copy(io.Discard, r)
		close(eof)
	}()
	if !e2e.WaitFor(10*time.Second, func() bool { return accepted.Load() > 0 }) {
		t.Fatal("no uploader connected")
	}
	// The uploader waits on the backend for its whole lifetime (40 s): an
	// end of file before that is its doing.
	select {
	case <-eof:
	case <-time.After(20 * time.Second):
		t.Fatal("fd 3 is still open: the uploader holds what the command inherited")
	}
	b, err := os.ReadFile(filepath.Join(u.cacheDir(), "upload.lock"))
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 || syscall.Kill(pid, 0) != nil {
		t.Fatalf("no uploader running (lock %q, %v): the end of file proves nothing", b, err)
	}
}
