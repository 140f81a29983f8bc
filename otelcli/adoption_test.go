package otelcli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"go.opentelemetry.io/otel/attribute"

	"github.com/cli-telemetry/otelcli/internal/spool"
	"github.com/cli-telemetry/otelcli/processors"
)

// What a large CLI does around Execute must survive adoption: its own error
// printing and exit codes, hooks, flags it sets itself, commands built from
// user data, its own consent settings and its own directories.

// runC is the New/ExecuteContextC/End form with the CLI's own exit code.
func runC(t *testing.T, root *cobra.Command, args []string, env map[string]string, code func(error) int, opts ...Option) (*cobra.Command, error, result) {
	t.Helper()
	out, errb, all := prepare(root, args, env, opts)
	r := New(root, all...)
	cmd, err := r.ExecuteContextC(context.Background())
	c := code(err)
	r.End(c)
	return cmd, err, result{code: c, stdout: out.String(), stderr: errb.String()}
}

type authError struct{}

func (authError) Error() string { return "not logged in" }

func TestOwnExitCodesRecorded(t *testing.T) {
	h := newHome(t, "app", false)
	root := testTree()
	root.SilenceErrors = true
	root.AddCommand(&cobra.Command{Use: "whoami", RunE: func(*cobra.Command, []string) error { return fmt.Errorf("checking: %w", authError{}) }})
	mapErr := func(err error) int {
		if errors.As(err, new(authError)) {
			return 4
		}
		if err != nil {
			return 1
		}
		return 0
	}
	cmd, err, r := runC(t, root, []string{"whoami"}, nil, mapErr, appOpts...)
	if cmd.Name() != "whoami" || err == nil || r.code != 4 || r.stderr != "" {
		t.Fatalf("ExecuteC gave %v %v, code %d, stderr %q", cmd.Name(), err, r.code, r.stderr)
	}
	s, _ := commandSpan(t, h, "app")
	if fmt.Sprint(s.Attributes["process.exit.code"]) != "4" || s.Attributes["error.type"] != "otelcli.authError" {
		t.Fatalf("span %+v", s.Attributes)
	}
}

// An error with an ExitCode method (exec.ExitError has one) does not change
// the exit code, with telemetry on or off.
func TestChildProcessErrorKeepsExitCode(t *testing.T) {
	for _, env := range []map[string]string{nil, {"DO_NOT_TRACK": "1"}} {
		newHome(t, "app", false)
		root := testTree()
		root.SilenceErrors = true
		root.AddCommand(&cobra.Command{Use: "git", RunE: func(*cobra.Command, []string) error {
			err := exec.Command("sh", "-c", "exit 3").Run()
			return fmt.Errorf("git failed: %w", err)
		}})
		if r := execute(t, root, []string{"git"}, env, appOpts...); r.code != 1 {
			t.Fatalf("%v: exit code %d, want 1 as the plain CLI", env, r.code)
		}
	}
}

func TestTelemetryCommandOutsideHooks(t *testing.T) {
	for _, traverse := range []bool{false, true} {
		t.Run(fmt.Sprint("traverse=", traverse), func(t *testing.T) {
			cobra.EnableTraverseRunHooks = traverse
			defer func() { cobra.EnableTraverseRunHooks = false }()
			h := newHome(t, "app", false)
			failInit = true
			defer func() { failInit = false }()
			registerFailingInitializer()
			root := testTree()
			root.PersistentFlags().Bool("verbose", false, "")
			root.PersistentPreRunE = func(*cobra.Command, []string) error { return errors.New("please log in") }
			opts := append(appOpts, WithTelemetryCommand())
			r := execute(t, root, []string{"--verbose", "telemetry", "disable"}, nil, opts...)
			if r.code != 0 || !strings.Contains(r.stdout, "Telemetry disabled") {
				t.Fatalf("disable under a login hook: %+v", r)
			}
			if _, err := os.Stat(filepath.Join(h.config, "app", "telemetry", "settings.json")); err != nil {
				t.Fatal("setting not persisted")
			}
			r = execute(t, testTreeWithHook(), []string{"telemetry", "status"}, nil, opts...)
			if r.code != 0 || !strings.Contains(r.stdout, "disabled by your choice") {
				t.Fatalf("status: %+v", r)
			}
			// Errors, help and usage read as cobra's own.
			for _, args := range [][]string{{"telemetry", "status", "--bogus"}, {"telemetry", "--help"}, {"telemetry"},
				{"telemetry", "status", "extra"}, {"telemetry", "show", "-h"}} {
				for _, silence := range []bool{false, true} {
					tree := func() *cobra.Command { r := testTree(); r.SilenceUsage = silence; return r }
					got := execute(t, tree(), args, map[string]string{"DO_NOT_TRACK": "1"}, opts...)
					failInit = false
					want := viaCobra(t, tree(), args, opts...)
					failInit = true
					if got != want {
						t.Errorf("%v (silence usage %v):\ngot  %+v\nwant %+v", args, silence, got, want)
					}
				}
			}
			// The CLI's own commands still go through its hooks.
			failInit = false
			if r := execute(t, testTreeWithHook(), []string{"cluster", "create"}, nil, opts...); r.code != 1 || !strings.Contains(r.stderr, "please log in") {
				t.Fatalf("hook bypassed for the CLI's command: %+v", r)
			}
		})
	}
}

// viaCobra runs args through cobra itself, with the telemetry command added
// by New, for comparison with otelcli's own runner of that command.
func viaCobra(t *testing.T, root *cobra.Command, args []string, opts ...Option) result {
	t.Helper()
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetArgs(args)
	New(root, append([]Option{withArgs(args), withLookupEnv(func(k string) (string, bool) { return "1", k == "DO_NOT_TRACK" })}, opts...)...)
	_, err := root.ExecuteC()
	code := 0
	if err != nil {
		code = 1
	}
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

func testTreeWithHook() *cobra.Command {
	root := testTree()
	root.PersistentPreRunE = func(*cobra.Command, []string) error { return errors.New("please log in") }
	return root
}

// failInit makes a cobra initializer fail the way a CLI's config loading
// does (here: by panicking), while a test sets it. Initializers are global
// to the process and cannot be removed, hence the switch.
var failInit bool

var registerFailingInitializer = sync1(func() {
	cobra.OnInitialize(func() {
		if failInit {
			panic("config file cannot be read")
		}
	})
})

func sync1(f func()) func() {
	done := false
	return func() {
		if !done {
			done = true
			f()
		}
	}
}

func TestOptOutFlags(t *testing.T) {
	opts := append(appOpts, WithOptOutFlag("no-telemetry"), WithEnableFlag("enable-telemetry"))
	for _, tt := range []struct {
		args []string
		env  map[string]string
		on   bool
	}{
		{[]string{"cluster", "create"}, nil, true},
		{[]string{"cluster", "create", "--no-telemetry"}, nil, false},
		{[]string{"--no-telemetry", "cluster", "create"}, map[string]string{"DO_NOT_TRACK": "1"}, false},
		{[]string{"cluster", "create", "--no-telemetry=false"}, nil, true},
		{[]string{"cluster", "create", "--enable-telemetry=false"}, nil, false},
		{[]string{"cluster", "create", "--enable-telemetry"}, nil, true},
		{[]string{"cluster", "create", "--enable-telemetry=maybe"}, nil, false},
		{[]string{"cluster", "create", "--", "--no-telemetry"}, nil, true},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			h := newHome(t, "app", false)
			before := treeFiles(t, h.dir)
			r := execute(t, testTree(), tt.args, tt.env, opts...)
			wantCode := 0
			if slices.Contains(tt.args, "--") || slices.Contains(tt.args, "--enable-telemetry=maybe") {
				wantCode = 1 // cobra's own answer: an argument, or a bad bool
			}
			if r.code != wantCode {
				t.Fatalf("code %d: %+v", r.code, r)
			}
			recorded := len(spooled(t, h, "app")) > 0
			if recorded != tt.on {
				t.Fatalf("recorded %v, want %v", recorded, tt.on)
			}
			if !tt.on && !slices.Equal(before, treeFiles(t, h.dir)) {
				t.Fatal("an opted-out run wrote files")
			}
		})
	}
}

func TestAuthorConsent(t *testing.T) {
	for _, tt := range []struct {
		name     string
		author   func() (bool, bool)
		settings string
		optIn    bool
		on       bool
		source   string
	}{
		{"author off", func() (bool, bool) { return false, true }, "", false, false, "config file"},
		{"author undecided", func() (bool, bool) { return false, false }, "", false, true, "default"},
		{"author on, opt-in", func() (bool, bool) { return true, true }, "", true, true, "config file"},
		{"author on, user disabled", func() (bool, bool) { return true, true }, `{"enabled":false}`, false, false, "settings"},
		{"author off, user enabled", func() (bool, bool) { return false, true }, `{"enabled":true}`, false, false, "config file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHome(t, "app", false)
			if tt.settings != "" {
				mustWrite(t, filepath.Join(h.config, "app", "telemetry", "settings.json"), tt.settings)
			}
			opts := append(appOpts, WithConsent("config file", tt.author), WithTelemetryCommand())
			if tt.optIn {
				opts = append(opts, WithOptIn())
			}
			execute(t, testTree(), []string{"cluster", "create"}, nil, opts...)
			if recorded := len(spooled(t, h, "app")) > 0; recorded != tt.on {
				t.Fatalf("recorded %v, want %v", recorded, tt.on)
			}
			r := execute(t, testTree(), []string{"telemetry", "status", "--json"}, nil, opts...)
			if !strings.Contains(r.stdout, `"source": "`+tt.source+`"`) {
				t.Fatalf("status %s", r.stdout)
			}
			// Enabling says so when the author's setting keeps it off.
			r = execute(t, testTree(), []string{"telemetry", "enable"}, nil, opts...)
			stays := strings.Contains(r.stdout, "It stays off: disabled by config file.")
			if authorOff := tt.source == "config file" && !tt.on; r.code != 0 || stays != authorOff {
				t.Fatalf("enable (author's setting off: %v): %d %q", authorOff, r.code, r.stdout)
			}
		})
	}
	// Opted out by the author's setting: nothing is read or written.
	h := newHome(t, "app", true)
	before := treeFiles(t, h.dir)
	execute(t, testTree(), []string{"cluster", "create"}, nil, append(appOpts, WithConsent("config", func() (bool, bool) { return false, true }))...)
	if !slices.Equal(before, treeFiles(t, h.dir)) {
		t.Fatal("files written while the author's setting says off")
	}
}

func TestStateDirs(t *testing.T) {
	h := newHome(t, "app", false)
	own := filepath.Join(h.dir, "own")
	mustWrite(t, filepath.Join(own, "config", "telemetry", "notice-shown"), "x")
	opts := append(appOpts, WithStateDirs(func() (string, string, error) {
		return filepath.Join(own, "config"), filepath.Join(own, "cache"), nil
	}))
	execute(t, testTree(), []string{"cluster", "create"}, nil, opts...)
	for _, f := range []string{"config/telemetry/install-id", "cache/telemetry/spool"} {
		if _, err := os.Stat(filepath.Join(own, f)); err != nil {
			t.Errorf("%s not under the CLI's dirs", f)
		}
	}
	if files, _ := spool.New(filepath.Join(own, "cache/telemetry/spool")).Files(); len(files) != 1 {
		t.Errorf("%d invocations spooled under the CLI's dirs, want 1", len(files))
	}
	if _, err := os.Stat(filepath.Join(h.cache, "app")); err == nil {
		t.Error("default cache dir used")
	}
	for name, f := range map[string]func() (string, string, error){
		"relative": func() (string, string, error) { return "rel", "rel", nil },
		"error":    func() (string, string, error) { return "", "", errors.New("no config dir") },
	} {
		h := newHome(t, "app", false)
		before := treeFiles(t, h.dir)
		r := execute(t, testTree(), []string{"cluster", "create"}, nil, append(appOpts, WithStateDirs(f))...)
		if r.code != 0 || !slices.Equal(before, treeFiles(t, h.dir)) {
			t.Fatalf("%s: %+v, files %v", name, r, treeFiles(t, h.dir))
		}
	}
}

// Commands made from user data (aliases, extensions) are never sent by
// name.
func TestUserCommandsNotNamed(t *testing.T) {
	aliasTree := func() *cobra.Command {
		root := testTree()
		root.AddCommand(&cobra.Command{Use: "deploy-secret-alias", GroupID: "", Annotations: map[string]string{"kind": "alias"},
			Run: func(*cobra.Command, []string) {}})
		return root
	}
	kind := WithCommandKind(func(c *cobra.Command) string { return c.Annotations["kind"] })
	for _, tt := range []struct {
		name  string
		tree  func() *cobra.Command
		args  []string
		opts  []Option
		after func(*cobra.Command) // adds commands after New, as lazy plugin loading does
		want  string
	}{
		{"kind", aliasTree, []string{"deploy-secret-alias"}, []Option{kind}, nil, "app _alias"},
		{"declared paths", aliasTree, []string{"deploy-secret-alias"}, []Option{WithCommandPaths(CommandPaths(testTree())...)}, nil, "app _OTHER"},
		{"declared paths, own command", aliasTree, []string{"cluster", "create"}, []Option{WithCommandPaths(CommandPaths(testTree())...)}, nil, "app cluster create"},
		{"help is cobra's", aliasTree, []string{"help", "cluster"}, []Option{WithCommandPaths(CommandPaths(testTree())...)}, nil, "app help"},
		{"added after New", testTree, []string{"late-secret-plugin"}, nil, func(r *cobra.Command) {
			r.AddCommand(&cobra.Command{Use: "late-secret-plugin", Run: func(*cobra.Command, []string) {}})
		}, "app _OTHER"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHome(t, "app", false)
			root := tt.tree()
			root.SetOut(new(bytes.Buffer))
			root.SetArgs(tt.args)
			r := New(root, append(append([]Option{WithDelivery(DeliveryNone), withArgs(tt.args),
				withLookupEnv(func(string) (string, bool) { return "", false })}, appOpts...), tt.opts...)...)
			if tt.after != nil {
				tt.after(root)
			}
			_, err := r.ExecuteC()
			r.End(0)
			if err != nil {
				t.Fatal(err)
			}
			s, _ := commandSpan(t, h, "app")
			if s.Name != tt.want || s.Attributes["cli.command.path"] != tt.want {
				t.Fatalf("span %q path %v, want %q", s.Name, s.Attributes["cli.command.path"], tt.want)
			}
			b := fmt.Sprint(spooled(t, h, "app"))
			if strings.Contains(b, "secret") {
				t.Fatalf("user command name sent: %s", b)
			}
		})
	}
	// Suggestions never name an alias.
	h := newHome(t, "app", false)
	root := aliasTree()
	execute(t, root, []string{"deploy-secret-alia"}, nil, append(appOpts, kind)...)
	if b := fmt.Sprint(spooled(t, h, "app")); strings.Contains(b, "secret") {
		t.Fatalf("alias suggested: %s", b)
	}
}

// Flags the CLI sets itself, before the command line is parsed or in a
// pre-run, are not what the user typed.
func TestFlagsSetByTheCLI(t *testing.T) {
	h := newHome(t, "app", false)
	root := testTree()
	root.PersistentFlags().String("profile", "", "")
	create, _, _ := root.Find([]string{"cluster", "create"})
	create.PreRunE = func(cmd *cobra.Command, _ []string) error {
		return cmd.Flags().Set("region", "EU_FROM_CONFIG")
	}
	if err := root.PersistentFlags().Set("profile", "from-config"); err != nil {
		t.Fatal(err)
	}
	execute(t, root, []string{"cluster", "create", "--provider", "AWS"}, nil, appOpts...)
	s, _ := commandSpan(t, h, "app")
	if got := fmt.Sprint(s.Attributes["cli.command.flags"]); got != "[provider]" {
		t.Fatalf("flags %s, want only what was typed", got)
	}
	if _, ok := s.Attributes["cli.flag.region"]; ok {
		t.Fatal("a value the CLI set was sent")
	}
}

func TestTraceStateNeverSent(t *testing.T) {
	h := newHome(t, "app", false)
	root := testTree()
	var childEnv []string
	root.AddCommand(&cobra.Command{Use: "spawn", Run: func(cmd *cobra.Command, _ []string) {
		childEnv = Environ(cmd.Context(), []string{"TRACESTATE=sess=hunter2"})
	}})
	execute(t, root, []string{"spawn"}, map[string]string{
		"TRACEPARENT": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
		"TRACESTATE":  "sess=hunter2",
	}, appOpts...)
	if b := fmt.Sprint(spooled(t, h, "app")); strings.Contains(b, "hunter2") {
		t.Fatalf("trace state sent: %s", b)
	}
	for _, kv := range childEnv {
		if strings.HasPrefix(kv, "TRACESTATE=") {
			t.Fatalf("trace state passed on: %v", childEnv)
		}
	}
}

func TestHashedField(t *testing.T) {
	h := newHome(t, "app", false)
	root := testTree()
	root.AddCommand(&cobra.Command{Use: "connect", Run: func(cmd *cobra.Command, _ []string) {
		SetAttributes(cmd.Context(), attribute.String("app.server.id", "srv-secret-42"))
	}})
	execute(t, root, []string{"connect"}, nil, append(appOpts, WithFields(processors.Field{
		Key: "app.server.id", Type: attribute.STRING, Rule: Hashed(), Class: processors.PseudonymousID, Purpose: "distinct servers",
	}))...)
	s, _ := commandSpan(t, h, "app")
	v, _ := s.Attributes["app.server.id"].(string)
	if !strings.HasPrefix(v, "h:") || len(v) != 26 || strings.Contains(fmt.Sprint(spooled(t, h, "app")), "srv-secret") {
		t.Fatalf("server id %q", v)
	}
}

type flagError struct{ err error }

func (e *flagError) Error() string { return e.err.Error() }
func (e *flagError) Unwrap() error { return e.err }

// A CLI's FlagErrorFunc wraps pflag's error in its own type (gh does): the
// failure is still a flag error, with pflag's typed errors and with older
// pflag's plain strings alike. A command's own error that merely quotes such
// a message is not.
func TestWrappedFlagErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"cluster", "create", "--nope"}, ErrTypeUnknownFlag},
		{[]string{"cluster", "create", "--count", "many"}, ErrTypeFlagValue},
		{[]string{"quote"}, "*otelcli.flagError"},
	} {
		h := newHome(t, "app", false)
		root := testTree()
		root.SilenceErrors = true
		root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &flagError{err} })
		root.AddCommand(&cobra.Command{Use: "quote", RunE: func(*cobra.Command, []string) error {
			return &flagError{errors.New("unknown flag: --x")}
		}})
		execute(t, root, tt.args, nil, appOpts...)
		if s, _ := commandSpan(t, h, "app"); s.Attributes["error.type"] != tt.want {
			t.Errorf("%v: error.type %v, want %s", tt.args, s.Attributes["error.type"], tt.want)
		}
	}
}
