package main_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cli-telemetry/otelcli/internal/e2e"
)

// step is one invocation of a session.
type step struct {
	args  []string
	stdin string
	code  int    // what both builds exit with
	span  string // the span the instrumented build sends; "" for none
	only  bool   // otelcli's telemetry command: the instrumented build only
}

func s(code int, span string, args ...string) step { return step{args: args, code: code, span: span} }

// tel is a run of otelcli's telemetry command, which the plain build does
// not have.
func tel(args ...string) step {
	return step{args: append([]string{"telemetry"}, args...), only: true}
}

// session is what a user types in a sitting, from a first run with an old
// configuration (migrated by main) while logged out, to logging out again.
var session = []step{
	s(0, "forge version", "version"),
	s(0, "forge", "--version"),
	s(0, "forge"),
	s(4, "forge issue list", "issue", "list"),    // auth required
	s(4, "forge pr checks", "pr", "checks", "7"), // auth required
	s(1, "forge auth status", "auth", "status"),
	s(0, "forge config list", "config", "list"),
	tel("status"),
	s(0, "forge auth login", "auth", "login", "--user", "octo"),
	s(0, "forge auth status", "auth", "status"),
	s(0, "forge issue list", "issue", "list"),
	s(0, "forge issue list", "issue", "list", "--state", "closed"),
	s(0, "forge issue list", "issue", "list", "-s", "all", "-L", "2"),
	s(0, "forge issue list", "issue", "list", "--label", "nosuch"), // no results
	s(0, "forge issue view", "issue", "view", "1"),
	s(1, "forge issue view", "issue", "view"), // missing argument: message and usage
	s(1, "forge issue view", "issue", "view", "99"),
	s(1, "forge issue view", "issue", "view", "abc"),
	s(1, "forge issue list", "issue", "list", "--bogus"), // unknown flag: message and usage
	s(1, "forge issue list", "issue", "list", "--limit"),
	s(1, "forge issue list", "issue", "list", "--limit", "many"),
	s(1, "forge issue list", "issue", "list", "--state", "weird"),
	s(1, "forge", "isue", "list"), // unknown command: suggestions and usage
	s(1, "forge issue create", "issue", "create"),
	s(0, "forge issue create", "issue", "create", "--title", "Crash when offline"),
	{args: []string{"issue", "delete", "4"}, stdin: "n\n", code: 2, span: "forge issue delete"}, // declined: cancelled
	s(0, "forge issue delete", "issue", "delete", "4", "--yes"),
	s(0, "forge pr list", "pr", "list"),
	s(8, "forge pr checks", "pr", "checks", "7"), // pending
	s(0, "forge pr checks", "pr", "checks", "8"),
	s(1, "forge pr checkout", "pr", "checkout", "7"), // git fails with 128: forge exits 1
	s(0, "forge alias set", "alias", "set", "il", "issue list --state all"),
	s(0, "forge alias list", "alias", "list"),
	s(0, "forge _alias", "il"),
	s(0, "forge _alias", "il", "--limit", "1"),
	s(1, "forge _alias", "co", "8"), // the alias's git fails
	s(0, "forge extension list", "extension", "list"),
	s(0, "forge _extension", "hello", "a", "b"),
	s(3, "forge _extension", "fail"), // an extension's code is passed on
	s(0, "forge help", "help"),
	s(0, "forge", "--help"),
	s(0, "forge issue", "issue", "--help"),
	s(0, "forge help", "help", "pr", "checkout"),
	s(0, "forge help", "help", "nosuch"),
	s(0, "forge completion bash", "completion", "bash"),
	s(0, "", "__complete", ""),
	s(0, "", "__complete", "issue", ""),
	s(0, "forge config set", "config", "set", "editor", "vim"),
	s(0, "forge config get", "config", "get", "editor"),
	s(1, "forge config get", "config", "get"),
	s(1, "forge watch", "watch", "--interval", "soon"),
	tel("disable"),
	s(0, "", "issue", "list"), // off: not recorded
	tel("status"),
	tel("enable"),
	s(0, "forge issue list", "issue", "list", "-s", "open"),
	tel("show"),
	s(0, "forge auth logout", "auth", "logout"),
	s(4, "forge issue list", "issue", "list"),
	tel("status"),
	tel("show"),
}

// TestSessionSameAsPlain runs the session with both builds, each on its
// own machine: identical stdout, stderr and exit codes, the telemetry
// command's line in listings aside. The instrumented build's spans arrive
// at a loopback backend through its background uploader, one per recorded
// run, named as the step says, with the exit code the process exited with.
func TestSessionSameAsPlain(t *testing.T) {
	rcv := startReceiver(t)
	on := newUser(t, "forge-config", "FORGE_OTEL_EXPORTER_OTLP_ENDPOINT="+rcv.url())
	off := newUser(t, "forge-config")
	for _, u := range []*user{on, off} {
		u.seed(nil, nil)
		u.noticeShown()
	}
	start := time.Now()
	var recorded []step
	var migrations []string
	for _, st := range session {
		name := "forge " + strings.Join(st.args, " ")
		if st.only && st.args[1] == "disable" {
			// disable deletes what is still queued: let it be sent first.
			if !e2e.WaitFor(60*time.Second, func() bool { return rcv.count() >= len(recorded) }) {
				t.Fatalf("backend got %d of %d recorded runs", rcv.count(), len(recorded))
			}
		}
		got := on.runIn(instrumented, st.stdin, st.args...)
		if st.only {
			if got.code != 0 {
				t.Errorf("%s: %s", name, got)
			}
			continue
		}
		want := off.runIn(plain, st.stdin, st.args...)
		got.stdout, got.stderr = withoutTelemetryCommand(got.stdout), withoutTelemetryCommand(got.stderr)
		if got != want {
			t.Errorf("%s:\ninstrumented: %s\nplain:        %s", name, got, want)
		}
		if want.code != st.code {
			t.Errorf("%s: exit %d, the session expects %d", name, want.code, st.code)
		}
		if st.span != "" {
			recorded = append(recorded, st)
		}
		if strings.Contains(want.stderr, "configuration migrated") {
			migrations = append(migrations, name)
		}
	}
	if len(migrations) != 1 || migrations[0] != "forge version" {
		t.Errorf("main's migration hint printed by %q, want the first run only", migrations)
	}
	t.Logf("%d invocations, %d compared, in %s", len(session), len(session)-countOnly(), time.Since(start).Round(time.Millisecond))

	if !e2e.WaitFor(60*time.Second, func() bool { return rcv.count() >= len(recorded) }) {
		t.Fatalf("backend got %d of %d recorded runs", rcv.count(), len(recorded))
	}
	on.waitUploaderDone(10 * time.Second)
	recs := rcv.records()
	if len(recs) != len(recorded) {
		t.Fatalf("backend got %d spans, want %d", len(recs), len(recorded))
	}
	for i, st := range recorded {
		r := recs[i]
		if r.name != st.span || r.code != int64(st.code) {
			t.Errorf("forge %s: span %q exit code %d, want %q exit code %d", strings.Join(st.args, " "), r.name, r.code, st.span, st.code)
		}
	}
	// The configuration was migrated by the first run of each build.
	for _, u := range []*user{on, off} {
		b, _ := os.ReadFile(filepath.Join(u.configDir, "config.json"))
		var cfg map[string]any
		json.Unmarshal(b, &cfg)
		if cfg["version"] != float64(2) || cfg["alias"] != nil || cfg["aliases"] == nil {
			t.Errorf("config not migrated: %s", b)
		}
	}
}

func countOnly() int {
	n := 0
	for _, st := range session {
		if st.only {
			n++
		}
	}
	return n
}

// TestTelemetryCommandLoggedOut: the telemetry command works while forge's
// login check refuses everything else, and its setting is kept in forge's
// relocated configuration directory.
func TestTelemetryCommandLoggedOut(t *testing.T) {
	u := newUser(t, "portable-forge", "FORGE_TELEMETRY_DELIVERY=none")
	u.seed(nil, nil)
	u.noticeShown()
	if r := u.run(instrumented, "issue", "list"); r.code != 4 {
		t.Fatalf("logged out, issue list: %s", r)
	}
	settings := func() string {
		b, _ := os.ReadFile(filepath.Join(u.telemetryDir(), "settings.json"))
		return string(b)
	}
	for _, c := range []struct {
		args     []string
		stdout   string
		settings string
	}{
		{[]string{"status"}, "Telemetry is enabled (the default for this CLI).", ""},
		{[]string{"show"}, "", ""},
		{[]string{"disable"}, "Telemetry disabled.", `"enabled":false`},
		{[]string{"status"}, "Telemetry is disabled by your choice (telemetry disable).", `"enabled":false`},
		{[]string{"status", "--json"}, `"enabled": false`, `"enabled":false`},
		{[]string{"enable"}, "Telemetry enabled.", `"enabled":true`},
		{[]string{"status"}, "Telemetry is enabled by your choice (telemetry enable).", `"enabled":true`},
		{[]string{"disable"}, "Telemetry disabled.", `"enabled":false`},
	} {
		r := u.run(instrumented, append([]string{"telemetry"}, c.args...)...)
		if r.code != 0 || !strings.Contains(r.stdout, c.stdout) || strings.Contains(r.stderr, "forge auth login") {
			t.Errorf("logged out, telemetry %s: %s", strings.Join(c.args, " "), r)
		}
		if got := strings.ReplaceAll(settings(), " ", ""); !strings.Contains(got, c.settings) {
			t.Errorf("after telemetry %s, settings.json = %q, want %s", strings.Join(c.args, " "), got, c.settings)
		}
	}
	// Disabled: a run records nothing.
	before, _ := filepath.Glob(filepath.Join(u.cacheDir(), "spool", "*"))
	u.run(instrumented, "version")
	if after, _ := filepath.Glob(filepath.Join(u.cacheDir(), "spool", "*")); len(after) != len(before) {
		t.Errorf("disabled, a run was spooled")
	}
}

// TestCanariesNeverLeave puts a unique string in every alias and extension
// name, argument, flag value, path and variable forge sees, runs it through
// the real uploader to a loopback backend, and checks the bytes on the
// wire: none is there, while forge's own command paths are, and aliases
// and extensions arrive as "forge _alias" and "forge _extension".
func TestCanariesNeverLeave(t *testing.T) {
	rcv := startReceiver(t)
	c := map[string]string{}
	for _, k := range []string{"home", "configdir", "alias", "aliasarg", "aliasexpansion", "extension", "extensionarg",
		"user", "hostname", "repo", "title", "body", "label", "state", "limit", "flagname", "positional",
		"command", "configvalue", "env", "envuser", "shellalias"} {
		c[k] = canary()
	}
	u := newUser(t, c["configdir"],
		"FORGE_OTEL_EXPORTER_OTLP_ENDPOINT="+rcv.url(),
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:9", // forge's own variable wins
		"FORGE_TOKEN="+c["env"], "USER="+c["envuser"], "LOGNAME="+c["envuser"],
	)
	// HOME's own name is a canary too.
	newHome := filepath.Join(filepath.Dir(u.home), c["home"])
	if err := os.Rename(u.home, newHome); err != nil {
		t.Fatal(err)
	}
	for i, kv := range u.env {
		u.env[i] = strings.ReplaceAll(kv, u.home, newHome)
	}
	u.configDir = strings.ReplaceAll(u.configDir, u.home, newHome)
	u.home = newHome
	u.seed(map[string]string{
		c["alias"]:      "issue list --label " + c["aliasexpansion"],
		c["shellalias"]: "issue list",
	}, map[string]string{
		c["extension"]: "#!/bin/sh\necho \"$@\"\n",
	})
	u.noticeShown()
	runs := [][]string{
		{"auth", "login", "--user", c["user"], "--hostname", c["hostname"]},
		{"issue", "list", "--state", "closed", "--limit", "5"},
		{c["alias"]},
		{c["alias"], c["aliasarg"]},
		{c["extension"], c["extensionarg"], "--" + c["extensionarg"]},
		{c["alias"][:len(c["alias"])-1] + "q"}, // a typo of an alias: cobra suggests it
		{c["command"]},
		{"issue", "list", "-R", c["repo"] + "/" + c["repo"]},
		{"issue", "create", "--title", c["title"], "--body", c["body"]},
		{"issue", "list", "--label", c["label"]},
		{"issue", "list", "--state", c["state"]},
		{"issue", "list", "--limit", c["limit"]},
		{"issue", "list", "--" + c["flagname"]},
		{"issue", "view", c["positional"]},
		{"config", "set", "editor", c["configvalue"]},
		{"pr", "checkout", "7"},
	}
	for _, args := range runs {
		u.run(instrumented, args...)
	}
	if !e2e.WaitFor(60*time.Second, func() bool { return rcv.count() >= len(runs) }) {
		t.Fatalf("backend got %d of %d runs", rcv.count(), len(runs))
	}
	u.waitUploaderDone(10 * time.Second)
	wire := string(rcv.bytes())
	for where, v := range c {
		if strings.Contains(wire, v) || strings.Contains(wire, v[:len(v)-1]) {
			t.Errorf("canary from %s reached the backend", where)
		}
	}
	for _, want := range []string{"forge auth login", "forge issue list", "forge issue create", "forge issue view",
		"forge config set", "forge pr checkout", "forge _alias", "forge _extension", "closed", "unknown_command",
		"unknown_flag", "not_found", "no_results", "invalid_flag_value", "*exec.ExitError"} {
		if !strings.Contains(wire, want) {
			t.Errorf("%q missing on the wire", want)
		}
	}
	names := map[string]int{}
	for _, r := range rcv.records() {
		names[r.name]++
	}
	if names["forge _alias"] != 2 || names["forge _extension"] != 1 || len(rcv.records()) != len(runs) {
		t.Errorf("spans by name: %v", names)
	}
}

// TestStateUnderConfigDir: with FORGE_CONFIG_DIR set, otelcli's files are
// under it (the setting, the install id and the notice marker with the
// configuration, the queue and the uploader's state with the cache), and
// nothing is created anywhere else in HOME, the default XDG dirs included.
func TestStateUnderConfigDir(t *testing.T) {
	rcv := startReceiver(t)
	u := newUser(t, "portable-forge", "FORGE_OTEL_EXPORTER_OTLP_ENDPOINT="+rcv.url())
	u.seed(nil, nil)
	if r := u.run(instrumented, "version"); !strings.Contains(r.stderr, "forge telemetry disable") {
		t.Errorf("first run: no notice: %s", r)
	}
	u.run(instrumented, "auth", "login", "--user", "octo")
	u.run(instrumented, "issue", "list")
	// (disable deletes what is queued: let it be sent first)
	if !e2e.WaitFor(30*time.Second, func() bool { return rcv.count() == 2 }) {
		t.Fatalf("backend got %d of 2 runs", rcv.count())
	}
	u.run(instrumented, "telemetry", "disable")
	u.run(instrumented, "telemetry", "enable")
	u.run(instrumented, "issue", "list", "--state", "all")
	if !e2e.WaitFor(30*time.Second, func() bool { return rcv.count() == 3 }) {
		t.Fatalf("backend got %d of 3 runs", rcv.count())
	}
	u.waitUploaderDone(10 * time.Second)
	for _, f := range []string{"telemetry/settings.json", "telemetry/install-id", "telemetry/notice-shown",
		"cache/telemetry/spool", "cache/telemetry/last-invocation.pb", "cache/telemetry/upload.lock"} {
		if !u.exists(f) {
			t.Errorf("%s missing under FORGE_CONFIG_DIR", f)
		}
	}
	filepath.Walk(u.home, func(p string, info os.FileInfo, err error) error {
		if p != u.home && p != u.configDir && !strings.HasPrefix(p, u.configDir+string(filepath.Separator)) {
			t.Errorf("created outside FORGE_CONFIG_DIR: %s", p)
		}
		return nil
	})
}

// TestUploaderRunsNoneOfMain: main logs each of its phases (before the
// command: reading and migrating the configuration, building the tree;
// after it: the update hint). Uploads happen in background processes of
// the same binary, and none of them adds a line.
func TestUploaderRunsNoneOfMain(t *testing.T) {
	rcv := startReceiver(t)
	log := filepath.Join(t.TempDir(), "main.log")
	u := newUser(t, "forge-config", "FORGE_OTEL_EXPORTER_OTLP_ENDPOINT="+rcv.url(), "FORGE_DEBUG_LOG="+log)
	u.seed(nil, nil)
	u.noticeShown()
	const runs = 6
	for i := range runs {
		args := []string{"version"}
		if i%2 == 1 {
			args = []string{"issue", "list"}
		}
		u.run(instrumented, args...)
		time.Sleep(100 * time.Millisecond) // let uploaders start and run
	}
	if !e2e.WaitFor(30*time.Second, func() bool { return rcv.count() == runs }) {
		t.Fatalf("backend got %d of %d runs", rcv.count(), runs)
	}
	// Once more, by hand: an uploader run in the foreground.
	u.env = append(u.env, "FORGE_TELEMETRY_DELIVERY=none")
	u.run(instrumented, "version")
	if r := u.run(instrumented, "__otelcli_upload"); r.code != 0 || r.stdout+r.stderr != "" {
		t.Errorf("uploader: %s", r)
	}
	// A background uploader may still hold the lock, lingering: it takes
	// the last run within its poll; the one run by hand then leaves at once.
	if !e2e.WaitFor(10*time.Second, func() bool { return rcv.count() == runs+1 }) {
		t.Errorf("backend got %d of %d runs", rcv.count(), runs+1)
	}
	u.waitUploaderDone(10 * time.Second)
	time.Sleep(200 * time.Millisecond)
	b, _ := os.ReadFile(log)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2*(runs+1) {
		t.Fatalf("main's log has %d lines for %d runs (uploaders ran main?):\n%s", len(lines), runs+1, b)
	}
	for i := 0; i+1 < len(lines); i += 2 {
		pid, _, _ := strings.Cut(lines[i], " ")
		if lines[i] != pid+" start" || !strings.HasPrefix(lines[i+1], pid+" exit ") {
			t.Errorf("lines %d-%d are not one run's: %q, %q", i, i+1, lines[i], lines[i+1])
		}
	}
}

// TestRecordedExitCodes: the span records the exit code the process exits
// with, whatever main mapped the error to.
func TestRecordedExitCodes(t *testing.T) {
	u := newUser(t, "forge-config", "FORGE_TELEMETRY_DELIVERY=none")
	u.seed(nil, nil)
	u.noticeShown()
	for _, c := range []struct {
		args    []string
		stdin   string
		code    int
		errType string
	}{
		{[]string{"issue", "list"}, "", 4, "auth_required"},
		{[]string{"auth", "login", "--user", "octo"}, "", 0, ""},
		{[]string{"issue", "delete", "1"}, "n\n", 2, "canceled"},
		{[]string{"pr", "checks", "7"}, "", 8, "pending"},
		{[]string{"issue", "list", "--label", "nosuch"}, "", 0, "no_results"},
		{[]string{"pr", "checkout", "7"}, "", 1, "*exec.ExitError"},
		{[]string{"co", "7"}, "", 1, "*exec.ExitError"},
		{[]string{"fail"}, "", 3, "*cli.ExternalCommandExitError"},
		{[]string{"issue", "view"}, "", 1, "invalid_args"},
		{[]string{"issue", "list", "--bogus"}, "", 1, "unknown_flag"},
		{[]string{"issue", "list"}, "", 0, ""},
	} {
		name := "forge " + strings.Join(c.args, " ")
		r := u.runIn(instrumented, c.stdin, c.args...)
		if r.code != c.code {
			t.Errorf("%s: exit %d, want %d", name, r.code, c.code)
		}
		_, attrs := u.lastSpan()
		if got := fmt.Sprint(attrs["process.exit.code"]); got != fmt.Sprint(r.code) {
			t.Errorf("%s exited %d, span says %s", name, r.code, got)
		}
		if got, _ := attrs["error.type"].(string); got != c.errType {
			t.Errorf("%s: error.type %q, want %q", name, got, c.errType)
		}
	}
}

// watched is how a `forge watch` ended.
type watched struct {
	stdout, stderr string
	exit           string // "exit status 2", "signal: interrupt"
	lockLeft       bool
	report         string
}

// watch runs `forge watch` and presses Ctrl-C once or twice. With late,
// another watch holds the lock at first, so forge registers its handler
// only once that is gone (--wait), long after otelcli's signal watching
// would have started.
func (u *user) watch(bin string, presses int, late bool) watched {
	u.t.Helper()
	args := []string{"watch", "--interval", "100ms"}
	if late {
		u.write("watch.lock", "another watch\n")
		args = append(args, "--wait")
	}
	cmd := exec.Command(bin, args...)
	cmd.Env, cmd.Dir = u.env, u.home
	out, errb := &e2e.SyncBuffer{}, &e2e.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = out, errb
	if err := cmd.Start(); err != nil {
		u.t.Fatal(err)
	}
	defer cmd.Process.Kill()
	if late {
		time.Sleep(400 * time.Millisecond)
		os.Remove(filepath.Join(u.configDir, "watch.lock"))
	}
	if !e2e.WaitFor(10*time.Second, func() bool { return strings.Contains(out.String(), "Watching") }) {
		u.t.Fatalf("%s: not watching: %s %s", bin, out.String(), errb.String())
	}
	time.Sleep(300 * time.Millisecond)
	cmd.Process.Signal(os.Interrupt)
	if presses == 2 {
		if !e2e.WaitFor(5*time.Second, func() bool { return strings.Contains(errb.String(), "Stopping") }) {
			u.t.Errorf("%s: not stopping after Ctrl-C", bin)
		}
		cmd.Process.Signal(os.Interrupt)
	}
	cmd.Wait()
	report, _ := os.ReadFile(filepath.Join(u.configDir, "watch-report.txt"))
	os.Remove(filepath.Join(u.configDir, "watch-report.txt"))
	w := watched{out.String(), errb.String(), cmd.ProcessState.String(), u.exists("watch.lock"), string(report)}
	os.Remove(filepath.Join(u.configDir, "watch.lock"))
	return w
}

// TestCtrlC: forge watch handles Ctrl-C itself. One press: it stops, writes
// its report, removes its lock and exits 2 (context.Canceled, mapped by
// main). Two: it quits at once with 1 and leaves the lock. The instrumented
// build does exactly what the plain one does, and its span records the
// exit code the process exited with.
func TestCtrlC(t *testing.T) {
	for _, c := range []struct {
		name    string
		presses int
		late    bool
		want    watched
		errType string
	}{
		{"once", 1, false, watched{exit: "exit status 2", report: "Watched acme/widgets: 0 check changes.\n"}, "canceled"},
		{"twice", 2, false, watched{exit: "exit status 1", lockLeft: true}, "_OTHER"},
		{"once, handler registered late", 1, true, watched{exit: "exit status 2", report: "Watched acme/widgets: 0 check changes.\n"}, "canceled"},
		{"twice, handler registered late", 2, true, watched{exit: "exit status 1", lockLeft: true}, "_OTHER"},
	} {
		t.Run(c.name, func(t *testing.T) {
			on := newUser(t, "forge-config", "FORGE_TELEMETRY_DELIVERY=none")
			off := newUser(t, "forge-config")
			for _, u := range []*user{on, off} {
				u.seed(nil, nil)
				u.noticeShown()
				u.run(plain, "auth", "login", "--user", "octo")
			}
			want := off.watch(plain, c.presses, c.late)
			if want.exit != c.want.exit || want.lockLeft != c.want.lockLeft || want.report != c.want.report {
				t.Fatalf("plain build: %+v", want)
			}
			got := on.watch(instrumented, c.presses, c.late)
			name, attrs := on.lastSpan()
			code := fmt.Sprint(attrs["process.exit.code"])
			// forge's handler may come late (--wait): forge says it
			// handles signals itself (WithOwnSignalHandling), so otelcli
			// never registers and never re-raises.
			if got != want {
				t.Errorf("instrumented: %+v\nplain:        %+v", got, want)
			}
			if name != "forge watch" || code != strings.TrimPrefix(got.exit, "exit status ") || attrs["error.type"] != c.errType {
				t.Errorf("recorded %s exit code %s error.type %v; the process: %s", name, code, attrs["error.type"], got.exit)
			}
		})
	}
}

// TestDisableThroughAlias: a user's alias for `telemetry disable` runs it
// inside forge's tree (an alias runs the tree again, as gh's do). The run
// that turned telemetry off must not be queued, or a later `telemetry
// enable` would send it.
func TestDisableThroughAlias(t *testing.T) {
	rcv := startReceiver(t)
	u := newUser(t, "forge-config", "FORGE_TELEMETRY_DELIVERY=none", "FORGE_OTEL_EXPORTER_OTLP_ENDPOINT="+rcv.url())
	u.seed(map[string]string{"optout": "telemetry disable"}, nil)
	u.noticeShown()
	u.run(instrumented, "auth", "login", "--user", "octo")
	if r := u.run(instrumented, "optout"); r.code != 0 || !strings.Contains(r.stdout, "Telemetry disabled.") {
		t.Fatalf("forge optout: %s", r)
	}
	if r := u.run(instrumented, "telemetry", "status"); !strings.Contains(r.stdout, "disabled by your choice") {
		t.Fatalf("telemetry status: %s", r)
	}
	queued, _ := filepath.Glob(filepath.Join(u.cacheDir(), "spool", "*.pb"))
	u.run(instrumented, "telemetry", "enable")
	u.run(instrumented, "__otelcli_upload")
	if len(queued) != 0 || rcv.count() != 0 {
		t.Fatalf("the run that disabled telemetry through an alias was queued (%d file(s)); "+
			"after `telemetry enable` the backend got %d span(s): %+v", len(queued), rcv.count(), rcv.records())
	}
}

// TestNoHomeWritesNothing: without HOME (cron, `env -i`), forge's
// directories would be relative to wherever it runs; the instrumented build
// then keeps no telemetry state at all, and writes nothing the plain build
// does not. Found by running the built example by hand.
func TestNoHomeWritesNothing(t *testing.T) {
	for _, bin := range []string{plain, instrumented} {
		cwd := t.TempDir()
		for range 2 {
			cmd := exec.Command(bin, "version")
			cmd.Env, cmd.Dir = []string{"PATH=" + os.Getenv("PATH")}, cwd
			if _, stderr, code, err := e2e.Run(cmd, 30*time.Second); err != nil || code != 0 {
				t.Fatalf("%s: exit %d, %v: %s", filepath.Base(bin), code, err, stderr)
			}
		}
		if entries, _ := os.ReadDir(cwd); len(entries) != 0 {
			t.Errorf("%s wrote into the working directory: %v", filepath.Base(bin), entries)
		}
	}
}
