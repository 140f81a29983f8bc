package main_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cli-telemetry/otelcli/internal/e2e"

	"github.com/cli-telemetry/otelcli/internal/otlp"
)

// received is one span as the backend got it.
type received struct {
	name  string
	attrs map[string]string
	res   map[string]string
}

// spans decodes everything the receiver got (an export request has the
// wire form of TracesData).
func (r *receiver) spans(t *testing.T) []received {
	t.Helper()
	r.mu.Lock()
	raw := append([][]byte(nil), r.raw...)
	r.mu.Unlock()
	var out []received
	for _, b := range raw {
		rss, err := otlp.Unmarshal(b)
		if err != nil {
			t.Fatal(err)
		}
		for _, rs := range rss {
			res := map[string]string{}
			for _, kv := range rs.Resource.Attributes {
				res[kv.Key] = anyString(kv.Value)
			}
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					a := map[string]string{}
					for _, kv := range s.Attributes {
						a[kv.Key] = anyString(kv.Value)
					}
					out = append(out, received{name: s.Name, attrs: a, res: res})
				}
			}
		}
	}
	return out
}

func anyString(v otlp.Value) string {
	switch v.Kind {
	case otlp.String:
		return v.Str
	case otlp.Int:
		return fmt.Sprint(v.Int)
	case otlp.Bool:
		return fmt.Sprint(v.Bool)
	case otlp.Double:
		return fmt.Sprint(v.Double)
	}
	return fmt.Sprint(v)
}

// A user who opted out in clusterctl's own settings before it used otelcli
// stays out; so does a run with --enable-telemetry=false.
func TestOwnConsentSettingAndFlag(t *testing.T) {
	rcv := startReceiver(t, "")
	u := newUser(t, true, "OTEL_EXPORTER_OTLP_ENDPOINT="+rcv.url())
	if r, p := u.run(instrumented, "config", "set", "telemetry_enabled", "false"), newUser(t, true).run(plain, "config", "set", "telemetry_enabled", "false"); r != p {
		t.Fatalf("config set: %+v vs plain %+v", r, p)
	}
	for range 3 {
		u.run(instrumented, "cluster", "list")
	}
	if r := u.run(instrumented, "telemetry", "status"); !strings.Contains(r.stdout, "disabled by clusterctl config (telemetry_enabled)") {
		t.Fatalf("status: %q", r.stdout)
	}
	if u.spooled() != 0 {
		t.Fatal("spooled while the CLI's own setting says off")
	}

	v := newUser(t, true, "OTEL_EXPORTER_OTLP_ENDPOINT="+rcv.url())
	for range 3 {
		if r := v.run(instrumented, "--enable-telemetry=false", "cluster", "list"); r.code != 0 {
			t.Fatalf("%+v", r)
		}
	}
	if _, err := os.Stat(filepath.Join(v.home, ".cache")); err == nil {
		t.Fatal("a run with --enable-telemetry=false wrote state")
	}
	time.Sleep(500 * time.Millisecond)
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if rcv.conns != 0 {
		t.Fatalf("%d connections", rcv.conns)
	}
}

// serving is a `clusterctl serve` process and what it printed.
type serving struct {
	cmd  *exec.Cmd
	out  *e2e.SyncBuffer
	addr string
}

func startServe(t *testing.T, u *user, bin string, args ...string) *serving {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--port", "0"}, args...)...)
	cmd.Env = u.env
	cmd.Dir = u.home
	out := &e2e.SyncBuffer{}
	pr, pw := io.Pipe()
	cmd.Stdout = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait(); pw.Close() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		re := regexp.MustCompile(`http://(127\.0\.0\.1:\d+)`)
		for sc.Scan() {
			fmt.Fprintln(out, sc.Text())
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	select {
	case a := <-addr:
		return &serving{cmd: cmd, out: out, addr: a}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not start")
	}
	return nil
}

// The two-stage Ctrl-C of `serve` behaves as in the plain build: one
// SIGINT shuts down cleanly (report printed, lock released, exit 0), a
// second one forces the exit (lock left, exit 1). The CLI handles the
// signal itself, so otelcli records the exit code the process really exits
// with.
func TestServeCtrlC(t *testing.T) {
	for _, signals := range []int{1, 2} {
		t.Run(fmt.Sprint(signals, " SIGINT"), func(t *testing.T) {
			rcv := startReceiver(t, "")
			got := map[string]string{}
			users := map[string]*user{}
			for _, bin := range []string{plain, instrumented} {
				u := newUser(t, true, "OTEL_EXPORTER_OTLP_ENDPOINT="+rcv.url())
				users[bin] = u
				s := startServe(t, u, bin)
				time.Sleep(300 * time.Millisecond) // past otelcli's 50 ms
				for range signals {
					s.cmd.Process.Signal(syscall.SIGINT)
					time.Sleep(30 * time.Millisecond)
				}
				err := s.cmd.Wait()
				time.Sleep(100 * time.Millisecond)
				out := regexp.MustCompile(`127\.0\.0\.1:\d+`).ReplaceAllString(s.out.String(), "ADDR")
				_, lockErr := os.Stat(filepath.Join(u.home, ".local", "share", "clusterctl", "serve.lock"))
				got[bin] = fmt.Sprintf("exit=%v lock=%v\n%s", err, lockErr == nil, out)
			}
			if got[plain] != got[instrumented] {
				t.Fatalf("plain:\n%s\ninstrumented:\n%s", got[plain], got[instrumented])
			}
			if signals == 1 {
				r := users[instrumented].run(instrumented, "telemetry", "show")
				if !strings.Contains(r.stdout, `"name": "clusterctl serve"`) || !strings.Contains(r.stdout, `"process.exit.code": 0`) {
					t.Fatalf("the clean shutdown was not recorded with its real exit code:\n%s", r.stdout)
				}
			}
		})
	}
}

// A server running 3 periods yields 3 snapshots at the backend, while it
// runs; killed with SIGKILL, it loses at most the period in progress.
func TestServeSnapshots(t *testing.T) {
	rcv := startReceiver(t, "")
	u := newUser(t, true, "OTEL_EXPORTER_OTLP_ENDPOINT="+rcv.url())
	u.run(instrumented, "cluster", "create", "--provider", "AWS", "--region", "US_EAST_1", "--name", "snap")
	s := startServe(t, u, instrumented, "--report-interval", "300ms")
	snapshots := func() []received {
		var out []received
		for _, sp := range rcv.spans(t) {
			if sp.name == "clusterctl serve snapshot" {
				out = append(out, sp)
			}
		}
		return out
	}
	if !e2e.WaitFor(30*time.Second, func() bool { return len(snapshots()) >= 3 }) {
		t.Fatalf("%d snapshots arrived while serving", len(snapshots()))
	}
	first := snapshots()[0]
	if first.attrs["cli.snapshot.sequence"] != "1" || first.attrs["clusterctl.clusters.count"] != "1" || first.attrs["clusterctl.requests.served"] == "" {
		t.Fatalf("snapshot %+v", first.attrs)
	}
	started := time.Now()
	time.Sleep(time.Second)
	s.cmd.Process.Signal(syscall.SIGKILL)
	s.cmd.Wait()
	// Whatever was spooled before the kill is delivered by the next run's
	// uploader.
	u.stopUploader()
	u.run(instrumented, "__otelcli_upload")
	got := snapshots()
	seqs := map[string]bool{}
	for _, sp := range got {
		seqs[sp.attrs["cli.snapshot.sequence"]] = true
	}
	last := 0
	for n := 1; seqs[fmt.Sprint(n)]; n++ {
		last = n
	}
	// Every snapshot taken before the kill was spooled when it was taken:
	// the sequence has no gap, and the second of serving before the kill
	// (three periods) added at least one more to the three seen earlier,
	// however slow this machine is.
	want := 4
	_ = started
	if last < want || len(seqs) != last {
		t.Fatalf("snapshots 1..%d arrived (%d distinct), want at least 1..%d", last, len(seqs), want)
	}
}

// Facts about the server the CLI talks to: its version as it is, its id
// as a keyed hash, never the id itself.
func TestServerFacts(t *testing.T) {
	rcv := startReceiver(t, "")
	srvUser := newUser(t, true)
	s := startServe(t, srvUser, plain)
	id, _ := os.ReadFile(filepath.Join(srvUser.home, ".local", "share", "clusterctl", "server-id"))
	u := newUser(t, true, "OTEL_EXPORTER_OTLP_ENDPOINT="+rcv.url())
	if r := u.run(instrumented, "server", "info", "--url", "http://"+s.addr); r.code != 0 {
		t.Fatalf("%+v", r)
	}
	if !e2e.WaitFor(30*time.Second, func() bool { return rcv.invocations() == 1 }) {
		t.Fatal("not delivered")
	}
	sp := rcv.spans(t)[0]
	if sp.attrs["clusterctl.server.version"] != "0.3.1" || !strings.HasPrefix(sp.attrs["clusterctl.server.id"], "h:") {
		t.Fatalf("server facts %+v", sp.attrs)
	}
	if strings.Contains(string(rcv.bytes()), strings.TrimSpace(string(id))) {
		t.Fatal("the server's id left as it is")
	}
}

// Anonymous while logged out; the account id, hashed, while logged in.
func TestIdentifiedMode(t *testing.T) {
	rcv := startReceiver(t, "")
	u := newUser(t, true, "OTEL_EXPORTER_OTLP_ENDPOINT="+rcv.url(), "CLUSTERCTL_TELEMETRY_DELIVERY=none")
	steps := []struct {
		args     []string
		loggedIn bool
	}{
		{[]string{"cluster", "list"}, false},
		{[]string{"login", "--api-key", "0123456789abcdef"}, true},
		{[]string{"cluster", "list"}, true},
		{[]string{"logout"}, false},
		{[]string{"cluster", "list"}, false},
	}
	for _, st := range steps {
		u.run(instrumented, st.args...)
		r := u.run(instrumented, "telemetry", "show")
		has := strings.Contains(r.stdout, `"clusterctl.account.id": "h:`)
		if has != st.loggedIn || strings.Contains(r.stdout, "acct_") {
			t.Fatalf("after %v: account attached %v, want %v:\n%s", st.args, has, st.loggedIn, r.stdout)
		}
		if st.loggedIn && !strings.Contains(r.stderr, "carried your account id") {
			t.Fatalf("show does not say so: %q", r.stderr)
		}
		status := u.run(instrumented, "telemetry", "status").stdout
		if want := map[bool]string{true: "You are logged in", false: "runs are anonymous"}[st.loggedIn]; !strings.Contains(status, want) {
			t.Fatalf("status %q lacks %q", status, want)
		}
	}
	u.run(instrumented, "__otelcli_upload")
	_ = rcv
}

// A flag the CLI fills in from its settings is not one the user typed: only
// the flags on the command line are reported.
func TestFlagsFromSettingsNotReported(t *testing.T) {
	u := newUser(t, true, "CLUSTERCTL_TELEMETRY_DELIVERY=none")
	p := newUser(t, true)
	for _, v := range []*user{u, p} {
		v.run(map[*user]string{u: instrumented, p: plain}[v], "config", "set", "output", "json")
	}
	if got, want := u.run(instrumented, "cluster", "list"), p.run(plain, "cluster", "list"); got != want || got.stdout != "[]\n" {
		t.Fatalf("instrumented %+v, plain %+v", got, want)
	}
	if show := u.run(instrumented, "telemetry", "show").stdout; strings.Contains(show, `"output"`) || !strings.Contains(show, `"clusterctl cluster list"`) {
		t.Fatalf("a flag set from the settings was reported:\n%s", show)
	}
	u.run(instrumented, "cluster", "list", "-o", "table")
	if show := u.run(instrumented, "telemetry", "show").stdout; !regexp.MustCompile(`"cli.command.flags": \[\s*"output"\s*\]`).MatchString(show) {
		t.Fatalf("the typed flag was not reported:\n%s", show)
	}
}
