package otelcli

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/cli-telemetry/otelcli/internal/store"
	"github.com/cli-telemetry/otelcli/processors"
)

var appOpts = []Option{
	WithServiceName("app"),
	WithVersion("1.2.3"),
	WithFlagValues("provider", OneOf("AWS", "GCP")),
	WithFlagValues("region", Matching(`[A-Z0-9_]{2,32}`)),
	WithFlagValues("tag", OneOf("blue", "green")),
	WithFlagValues("name", Hashed()),
}

func TestCommandSpanAttributes(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		wantFlags []string
		wantVals  map[string]string
		noVals    []string
		args0     float64
	}{
		{"long forms", []string{"cluster", "create", "--provider=AWS", "--region", "US_EAST_1", "--name", "prod"},
			[]string{"name", "provider", "region"}, map[string]string{"cli.flag.provider": "AWS", "cli.flag.region": "US_EAST_1"}, nil, 0},
		{"value not allowlisted", []string{"cluster", "create", "--provider", "aws-lower", "--region=us-east-1"},
			[]string{"provider", "region"}, nil, []string{"cli.flag.provider", "cli.flag.region"}, 0},
		{"shorthand and slice", []string{"cluster", "create", "-n", "x", "--tag", "blue,green"},
			[]string{"name", "tag"}, map[string]string{"cli.flag.tag": "[blue green]"}, nil, 0},
		{"slice with one bad element", []string{"cluster", "create", "--tag", "blue,secret"},
			[]string{"tag"}, nil, []string{"cli.flag.tag"}, 0},
		{"alias and positional", []string{"cluster", "rm", "my-secret-cluster"}, nil, nil, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHome(t, "app", false)
			execute(t, testTree(), tt.args, nil, appOpts...)
			s, res := commandSpan(t, h, "app")
			if got := fmt.Sprint(s.Attributes["cli.command.flags"]); tt.wantFlags != nil && got != fmt.Sprint(toAny(tt.wantFlags)) {
				t.Errorf("flags %s, want %v", got, tt.wantFlags)
			}
			for k, v := range tt.wantVals {
				if fmt.Sprint(s.Attributes[k]) != v {
					t.Errorf("%s = %v, want %q", k, s.Attributes[k], v)
				}
			}
			for _, k := range tt.noVals {
				if _, ok := s.Attributes[k]; ok {
					t.Errorf("%s recorded: %v", k, s.Attributes[k])
				}
			}
			if got := s.Attributes["cli.command.args.count"]; got != json.Number(fmt.Sprint(tt.args0)) && got != int64(tt.args0) {
				t.Errorf("args count %v", got)
			}
			if s.Kind != "internal" || res["service.name"] != "app" || res["service.version"] != "1.2.3" {
				t.Errorf("kind %s resource %v", s.Kind, res)
			}
			for _, k := range []string{"host.name", "user.name", "process.command_args", "process.executable.path"} {
				if _, ok := res[k]; ok {
					t.Errorf("resource has %s", k)
				}
			}
			b, _ := json.Marshal(s)
			for _, secret := range []string{"prod", "my-secret-cluster", "aws-lower", "us-east-1", "secret"} {
				if strings.Contains(string(b), secret) {
					t.Errorf("span holds %q: %s", secret, b)
				}
			}
		})
	}
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func TestHashedFlag(t *testing.T) {
	h := newHome(t, "app", false)
	execute(t, testTree(), []string{"cluster", "create", "--name", "prod-db"}, nil, appOpts...)
	s, _ := commandSpan(t, h, "app")
	v, _ := s.Attributes["cli.flag.name"].(string)
	if !strings.HasPrefix(v, "h:") || len(v) != 26 {
		t.Fatalf("cli.flag.name = %q, want a keyed hash", v)
	}
}

func TestErrorKinds(t *testing.T) {
	tests := []struct {
		args       []string
		code       int
		errType    string
		suggestion string
		chain      string
	}{
		{[]string{"cluster", "create"}, 0, "", "", ""},
		{[]string{"rgister"}, 1, ErrTypeUnknownCommand, "register", ""},
		{[]string{"zzzzzzzz"}, 1, ErrTypeUnknownCommand, "", ""},
		{[]string{"cluster", "create", "--nope"}, 1, ErrTypeUnknownFlag, "", ""},
		{[]string{"cluster", "create", "-z"}, 1, ErrTypeUnknownFlag, "", ""},
		{[]string{"cluster", "create", "--count", "many"}, 1, ErrTypeFlagValue, "", ""},
		{[]string{"cluster", "create", "--name"}, 1, ErrTypeMissingFlagValue, "", ""},
		{[]string{"cluster", "create", "--must", "x"}, 1, ErrTypeFlagGroup, "", ""},
		{[]string{"req"}, 1, ErrTypeRequiredFlag, "", ""},
		{[]string{"cluster", "delete"}, 1, ErrTypeInvalidArgs, "", ""},
		{[]string{"cluster", "create", "extra"}, 1, ErrTypeUnknownCommand, "", ""},
		{[]string{"cluster", "delete", "db-zulu"}, 1, "cluster_not_found", "", "[*otelcli.codeErr]"},
		{[]string{"cluster", "fail", "plain"}, 1, ErrTypeOther, "", ""},
		{[]string{"cluster", "fail", "typed"}, 1, "otelcli.quotaError", "", "[otelcli.quotaError]"},
		{[]string{"cluster", "fail", "wrapped"}, 1, "*fs.PathError", "", "[*fs.PathError syscall.Errno]"},
		{[]string{"cluster", "fail", "joined"}, 1, "otelcli.quotaError", "", "[otelcli.quotaError *fs.PathError]"},
		{[]string{"cluster", "fail", "exit"}, 1, "otelcli.exitErr", "", "[otelcli.exitErr]"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			h := newHome(t, "app", false)
			r := execute(t, testTree(), tt.args, nil, appOpts...)
			if r.code != tt.code {
				t.Fatalf("exit code %d, want %d (stderr %q)", r.code, tt.code, r.stderr)
			}
			s, _ := commandSpan(t, h, "app")
			if got, _ := s.Attributes["error.type"].(string); got != tt.errType {
				t.Errorf("error.type %q, want %q", got, tt.errType)
			}
			if got := fmt.Sprint(s.Attributes["process.exit.code"]); got != fmt.Sprint(tt.code) {
				t.Errorf("exit code attribute %s", got)
			}
			if (tt.errType != "") != (s.Status == "error") {
				t.Errorf("status %s", s.Status)
			}
			if got := fmt.Sprint(s.Attributes["cli.command.suggestions"]); tt.suggestion != "" && got != "["+tt.suggestion+"]" || tt.suggestion == "" && s.Attributes["cli.command.suggestions"] != nil {
				t.Errorf("suggestion %q, want %q", got, tt.suggestion)
			}
			if tt.chain != "" && fmt.Sprint(s.Attributes["cli.error.chain"]) != tt.chain {
				t.Errorf("chain %v, want %s", s.Attributes["cli.error.chain"], tt.chain)
			}
			b, _ := json.Marshal(spooled(t, h, "app"))
			for _, secret := range []string{"rgister", "zzzzzzzz", "nope", "many", "db-zulu", "secret", "acme", "extra"} {
				if strings.Contains(string(b), secret) {
					t.Errorf("typed text %q reached the span", secret)
				}
			}
		})
	}
}

func TestTraceparent(t *testing.T) {
	h := newHome(t, "app", false)
	const parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	root := testTree()
	var childEnv []string
	root.AddCommand(&cobra.Command{Use: "spawn", Run: func(cmd *cobra.Command, _ []string) {
		childEnv = Environ(cmd.Context(), []string{"PATH=/bin", "TRACEPARENT=stale"})
	}})
	execute(t, root, []string{"spawn"}, map[string]string{"TRACEPARENT": parent}, appOpts...)
	s, _ := commandSpan(t, h, "app")
	if s.TraceID != "0af7651916cd43dd8448eb211c80319c" || s.ParentSpanID != "b7ad6b7169203331" {
		t.Fatalf("span not in the caller's trace: %s/%s", s.TraceID, s.ParentSpanID)
	}
	want := "TRACEPARENT=00-0af7651916cd43dd8448eb211c80319c-" + s.SpanID + "-01"
	if !slices.Contains(childEnv, want) || slices.Contains(childEnv, "TRACEPARENT=stale") || !slices.Contains(childEnv, "PATH=/bin") {
		t.Fatalf("child env %v, want %s", childEnv, want)
	}
}

func TestHooksAndContext(t *testing.T) {
	for _, traverse := range []bool{false, true} {
		t.Run(fmt.Sprint("traverse=", traverse), func(t *testing.T) {
			h := newHome(t, "app", false)
			cobra.EnableTraverseRunHooks = traverse
			defer func() { cobra.EnableTraverseRunHooks = false }()
			var calls []string
			root := &cobra.Command{Use: "app", SilenceErrors: true, SilenceUsage: true,
				PersistentPreRun:  func(*cobra.Command, []string) { calls = append(calls, "root-pre") },
				PersistentPostRun: func(*cobra.Command, []string) { calls = append(calls, "root-post") },
			}
			type key struct{}
			sub := &cobra.Command{Use: "sub",
				PersistentPreRun: func(*cobra.Command, []string) { calls = append(calls, "sub-pre") },
				RunE: func(cmd *cobra.Command, _ []string) error {
					if cmd.Context().Value(key{}) != "mine" {
						return fmt.Errorf("CLI context lost")
					}
					if !trace.SpanFromContext(cmd.Context()).SpanContext().IsValid() {
						return fmt.Errorf("no span in the command's context")
					}
					calls = append(calls, "run")
					return nil
				},
			}
			root.AddCommand(sub)
			ctx := context.WithValue(context.Background(), key{}, "mine")
			root.SetArgs([]string{"sub"})
			code := ExecuteContext(ctx, root, WithDelivery(DeliveryNone), withArgs([]string{"sub"}),
				withLookupEnv(func(string) (string, bool) { return "", false }))
			want := []string{"sub-pre", "run", "root-post"}
			if traverse {
				want = []string{"root-pre", "sub-pre", "run", "root-post"}
			}
			if code != 0 || !slices.Equal(calls, want) {
				t.Fatalf("code %d, hooks %v, want %v", code, calls, want)
			}
			if s, _ := commandSpan(t, h, "app"); s.Name != "app sub" {
				t.Fatalf("span %q", s.Name)
			}
		})
	}
}

func TestOwnAttributesAndChildSpans(t *testing.T) {
	h := newHome(t, "app", false)
	root := testTree()
	root.AddCommand(&cobra.Command{Use: "work", Run: func(cmd *cobra.Command, _ []string) {
		SetAttributes(cmd.Context(), attribute.String("app.db.kind", "postgres"), attribute.String("app.secret", "canary-own"))
		_, child := otel.Tracer("app/api").Start(cmd.Context(), "HTTP GET")
		child.SetAttributes(attribute.String("url.full", "https://api.example.com/x?token=canary-url"),
			attribute.String("db.query.text", "select canary-query"), attribute.Int("http.response.status_code", 200))
		child.End()
	}})
	opts := append(appOpts, WithFields(
		processors.Field{Key: "app.db.kind", Type: attribute.STRING, Rule: OneOf("postgres", "mysql")},
		processors.Field{Key: "http.response.status_code", Type: attribute.INT64},
	))
	execute(t, root, []string{"work"}, nil, opts...)
	rs := spooled(t, h, "app")
	b, _ := json.Marshal(rs)
	if strings.Contains(string(b), "canary") {
		t.Fatalf("undeclared value sent: %s", b)
	}
	if !strings.Contains(string(b), `"app.db.kind":"postgres"`) || !strings.Contains(string(b), `"http.response.status_code":200`) {
		t.Fatalf("declared values missing: %s", b)
	}
	if n := len(rs[0].Spans); n != 2 {
		t.Fatalf("%d spans, want the command and its child", n)
	}
}

func TestOptOutSources(t *testing.T) {
	opts := append(appOpts, WithOptOutEnv("APP_NO_ANON_TELEMETRY"), WithEnableEnv("APP_ENABLE_TELEMETRY"))
	tests := []struct {
		env     map[string]string
		enabled bool
		source  string
	}{
		{map[string]string{}, true, "default"},
		{map[string]string{"OTEL_SDK_DISABLED": "true"}, false, "OTEL_SDK_DISABLED"},
		{map[string]string{"OTEL_SDK_DISABLED": "TRUE"}, false, "OTEL_SDK_DISABLED"},
		{map[string]string{"OTEL_SDK_DISABLED": "false"}, true, "default"},
		{map[string]string{"OTEL_SDK_DISABLED": "maybe"}, false, "OTEL_SDK_DISABLED"},
		{map[string]string{"DO_NOT_TRACK": "1"}, false, "DO_NOT_TRACK"},
		{map[string]string{"DO_NOT_TRACK": "yes please"}, false, "DO_NOT_TRACK"},
		{map[string]string{"DO_NOT_TRACK": "0"}, true, "default"},
		{map[string]string{"DO_NOT_TRACK": "false"}, true, "default"},
		{map[string]string{"OTEL_TRACES_EXPORTER": "none"}, false, "OTEL_TRACES_EXPORTER"},
		{map[string]string{"OTEL_TRACES_EXPORTER": "otlp"}, true, "default"},
		{map[string]string{"APP_TELEMETRY_DISABLED": "1"}, false, "APP_TELEMETRY_DISABLED"},
		{map[string]string{"APP_TELEMETRY_DISABLED": "On"}, false, "APP_TELEMETRY_DISABLED"},
		{map[string]string{"APP_TELEMETRY_DISABLED": "0"}, true, "default"},
		{map[string]string{"APP_TELEMETRY_DISABLED": "?"}, false, "APP_TELEMETRY_DISABLED"},
		{map[string]string{"APP_NO_ANON_TELEMETRY": "true"}, false, "APP_NO_ANON_TELEMETRY"},
		{map[string]string{"APP_NO_ANON_TELEMETRY": "no"}, true, "default"},
		{map[string]string{"APP_ENABLE_TELEMETRY": "false"}, false, "APP_ENABLE_TELEMETRY"},
		{map[string]string{"APP_ENABLE_TELEMETRY": "Yes"}, true, "default"},
		{map[string]string{"APP_ENABLE_TELEMETRY": "sure"}, false, "APP_ENABLE_TELEMETRY"},
		// Precedence: the higher source names itself.
		{map[string]string{"OTEL_SDK_DISABLED": "true", "DO_NOT_TRACK": "1"}, false, "OTEL_SDK_DISABLED"},
		{map[string]string{"DO_NOT_TRACK": "1", "OTEL_TRACES_EXPORTER": "none"}, false, "DO_NOT_TRACK"},
		{map[string]string{"OTEL_TRACES_EXPORTER": "none", "APP_TELEMETRY_DISABLED": "1"}, false, "OTEL_TRACES_EXPORTER"},
		{map[string]string{"APP_TELEMETRY_DISABLED": "1", "APP_NO_ANON_TELEMETRY": "1"}, false, "APP_TELEMETRY_DISABLED"},
		{map[string]string{"APP_NO_ANON_TELEMETRY": "1", "APP_ENABLE_TELEMETRY": "false"}, false, "APP_NO_ANON_TELEMETRY"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.env), func(t *testing.T) {
			c := newConfig("app", append(opts, withLookupEnv(func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok })))
			h := newHome(t, "app", false)
			d := decide(c, dirsFunc(h))
			if d.enabled != tt.enabled || d.source != tt.source {
				t.Fatalf("got %+v, want enabled=%v source=%s", d, tt.enabled, tt.source)
			}
		})
	}
}

func TestPersistedSettingAndModels(t *testing.T) {
	env := map[string]string{}
	for _, tt := range []struct {
		name     string
		settings string
		optIn    bool
		want     decision
	}{
		{"opt-out model default", "", false, decision{enabled: true, source: "default"}},
		{"opt-in model default", "", true, decision{enabled: false, source: "default"}},
		{"disabled by user", `{"enabled":false}`, false, decision{source: "settings"}},
		{"enabled by user in opt-in model", `{"enabled":true}`, true, decision{enabled: true, source: "settings"}},
		{"unparsable", `{"enabled":`, false, decision{source: "settings file"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHome(t, "app", false)
			if tt.settings != "" {
				mustWrite(t, filepath.Join(h.config, "app", "telemetry", "settings.json"), tt.settings)
			}
			opts := append([]Option{}, appOpts...)
			if tt.optIn {
				opts = append(opts, WithOptIn())
			}
			c := newConfig("app", append(opts, withLookupEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })))
			d := decide(c, dirsFunc(h))
			if d.enabled && d.stamp != store.SettingsStamp(store.Dirs{Config: filepath.Join(h.config, "app", "telemetry")}) {
				t.Errorf("stamp %+v is not the settings file's", d.stamp)
			}
			if d.enabled && tt.settings != "" && d.stamp == (store.Stamp{}) {
				t.Error("decided by a settings file, without its stamp")
			}
			if d.stamp = (store.Stamp{}); d != tt.want {
				t.Fatalf("got %+v, want %+v", d, tt.want)
			}
		})
	}
	// The environment wins over an explicit "enabled".
	h := newHome(t, "app", false)
	mustWrite(t, filepath.Join(h.config, "app", "telemetry", "settings.json"), `{"enabled":true}`)
	c := newConfig("app", append(appOpts, withLookupEnv(func(k string) (string, bool) { return "1", k == "DO_NOT_TRACK" })))
	if d := decide(c, dirsFunc(h)); d.enabled {
		t.Fatal("settings beat DO_NOT_TRACK")
	}
}

// TestOptedOutTouchesNothing: no span, no file, not even the install id or
// the notice marker.
func TestOptedOutTouchesNothing(t *testing.T) {
	for _, env := range []map[string]string{{"DO_NOT_TRACK": "1"}, {"OTEL_SDK_DISABLED": "true"}, {"APP_TELEMETRY_DISABLED": "1"}} {
		for _, fresh := range []bool{true, false} {
			h := newHome(t, "app", fresh)
			before := treeFiles(t, h.dir)
			goroutines := runtime.NumGoroutine()
			r := execute(t, testTree(), []string{"cluster", "create", "--provider", "AWS"}, env, appOpts...)
			if n := runtime.NumGoroutine(); n > goroutines {
				t.Errorf("%v: %d goroutines left running, %d before", env, n, goroutines)
			}
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("%v: code %d stderr %q", env, r.code, r.stderr)
			}
			if after := treeFiles(t, h.dir); !slices.Equal(before, after) {
				t.Fatalf("%v: files changed: %v -> %v", env, before, after)
			}
		}
	}
}

func TestFirstRunNotice(t *testing.T) {
	h := newHome(t, "app", true)
	opts := append(appOpts, WithTelemetryCommand(), WithDocsURL("https://example.com/telemetry"))
	r := execute(t, testTree(), []string{"cluster", "create"}, nil, opts...)
	for _, want := range []string{"app telemetry disable", "DO_NOT_TRACK=1", "APP_TELEMETRY_DISABLED=1", "https://example.com/telemetry", "not recorded"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("notice lacks %q:\n%s", want, r.stderr)
		}
	}
	if r.stdout != "created \n" {
		t.Errorf("stdout %q", r.stdout)
	}
	// The flags whose values may be sent are this CLI's, named; the
	// paragraph is wrapped whatever their names' length.
	if oneLine := strings.Join(strings.Fields(r.stderr), " "); !strings.Contains(oneLine,
		"flag values you type (except the values of --provider, --region and --tag, only in forms app allows, and of --name, as a keyed hash),") {
		t.Errorf("notice does not name the allowlisted flags:\n%s", r.stderr)
	}
	for _, line := range strings.Split(r.stderr, "\n") {
		if len(line) > 76 {
			t.Errorf("notice line of %d bytes: %q", len(line), line)
		}
	}
	if n := len(spooled(t, h, "app")); n != 0 {
		t.Fatalf("first run recorded %d invocations", n)
	}
	if _, err := os.Stat(filepath.Join(h.config, "app", "telemetry", "install-id")); err == nil {
		t.Fatal("first run created the install id")
	}
	r = execute(t, testTree(), []string{"cluster", "create"}, nil, opts...)
	if r.stderr != "" {
		t.Fatalf("notice shown twice: %q", r.stderr)
	}
	if n := len(spooled(t, h, "app")); n != 1 {
		t.Fatalf("second run recorded %d invocations", n)
	}
}

func TestNoticeInCIAndCustom(t *testing.T) {
	h := newHome(t, "app", true)
	r := execute(t, testTree(), []string{"cluster", "create"}, map[string]string{"GITHUB_ACTIONS": "true"}, appOpts...)
	if r.stderr != "" {
		t.Fatalf("notice in CI: %q", r.stderr)
	}
	if _, res := commandSpan(t, h, "app"); res["cli.ci.system"] != "github_actions" {
		t.Fatalf("ci system %v", res["cli.ci.system"])
	}
	newHome(t, "app", true)
	r = execute(t, testTree(), []string{"cluster", "create"}, nil, append(appOpts, WithNotice("{{name}} counts runs; {{prefix}}TELEMETRY_DISABLED=1 stops it"))...)
	if r.stderr != "app counts runs; APP_TELEMETRY_DISABLED=1 stops it\n" {
		t.Fatalf("custom notice %q", r.stderr)
	}
}

func TestTelemetryCommand(t *testing.T) {
	h := newHome(t, "app", false)
	opts := append(appOpts, WithTelemetryCommand())
	execute(t, testTree(), []string{"cluster", "create", "--provider", "GCP"}, nil, opts...)

	r := execute(t, testTree(), []string{"telemetry", "status"}, nil, opts...)
	if r.stdout != "Telemetry is enabled (the default for this CLI).\n" {
		t.Errorf("status %q", r.stdout)
	}
	r = execute(t, testTree(), []string{"telemetry", "status", "--json"}, map[string]string{"DO_NOT_TRACK": "1"}, opts...)
	var st struct {
		Enabled bool
		Source  string
		Value   string
	}
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil || st.Enabled || st.Source != "DO_NOT_TRACK" || st.Value != "1" {
		t.Errorf("status --json %q (%v)", r.stdout, err)
	}
	r = execute(t, testTree(), []string{"telemetry", "status"}, map[string]string{"DO_NOT_TRACK": "1"}, opts...)
	if !strings.Contains(r.stdout, "disabled by DO_NOT_TRACK=1") {
		t.Errorf("status %q", r.stdout)
	}

	r = execute(t, testTree(), []string{"telemetry", "show"}, nil, opts...)
	if !strings.Contains(r.stdout, `"cli.flag.provider": "GCP"`) || !strings.Contains(r.stdout, `"name": "app cluster create"`) {
		t.Errorf("show:\n%s", r.stdout)
	}
	if n := len(spooled(t, h, "app")); n != 1 {
		t.Fatalf("telemetry commands recorded themselves: %d invocations", n)
	}

	r = execute(t, testTree(), []string{"telemetry", "disable"}, nil, opts...)
	if r.code != 0 || len(spooled(t, h, "app")) != 0 {
		t.Fatalf("disable: code %d, spool not emptied", r.code)
	}
	execute(t, testTree(), []string{"cluster", "create"}, nil, opts...)
	if n := len(spooled(t, h, "app")); n != 0 {
		t.Fatalf("recorded after disable: %d", n)
	}
	r = execute(t, testTree(), []string{"telemetry", "enable"}, nil, opts...)
	execute(t, testTree(), []string{"cluster", "create"}, nil, opts...)
	if n := len(spooled(t, h, "app")); r.code != 0 || n != 1 {
		t.Fatalf("after enable: code %d, %d recorded", r.code, n)
	}
}

func TestBrokenEnvironment(t *testing.T) {
	baseline := func(t *testing.T) result {
		t.Helper()
		newHome(t, "app", false)
		return execute(t, testTree(), []string{"cluster", "fail", "plain"}, map[string]string{"DO_NOT_TRACK": "1"}, appOpts...)
	}
	want := baseline(t)
	for name, setup := range map[string]func(t *testing.T, h home){
		"unparsable settings": func(t *testing.T, h home) {
			mustWrite(t, filepath.Join(h.config, "app", "telemetry", "settings.json"), "{{{")
		},
		"config dir is a file": func(t *testing.T, h home) {
			mustWrite(t, filepath.Join(h.dir, "file"), "x")
			t.Setenv("XDG_CONFIG_HOME", filepath.Join(h.dir, "file"))
		},
		"cache dir is a file": func(t *testing.T, h home) {
			mustWrite(t, filepath.Join(h.dir, "file"), "x")
			t.Setenv("XDG_CACHE_HOME", filepath.Join(h.dir, "file"))
		},
		"no HOME": func(t *testing.T, h home) {
			t.Setenv("HOME", "")
			t.Setenv("XDG_CONFIG_HOME", "")
			t.Setenv("XDG_CACHE_HOME", "")
		},
		"damaged install id": func(t *testing.T, h home) {
			mustWrite(t, filepath.Join(h.config, "app", "telemetry", "install-id"), "not-a-uuid")
		},
	} {
		t.Run(name, func(t *testing.T) {
			h := newHome(t, "app", false)
			setup(t, h)
			got := execute(t, testTree(), []string{"cluster", "fail", "plain"}, nil, appOpts...)
			if got != want {
				t.Fatalf("got %+v, want %+v", got, want)
			}
		})
	}
}

func TestDebugOutput(t *testing.T) {
	newHome(t, "app", false)
	r := execute(t, testTree(), []string{"cluster", "create", "--provider", "AWS"}, map[string]string{"APP_TELEMETRY_DEBUG": "1"}, appOpts...)
	if !strings.Contains(r.stderr, "otelcli: spooled for upload:") || !strings.Contains(r.stderr, `"cli.flag.provider": "AWS"`) {
		t.Fatalf("debug output:\n%s", r.stderr)
	}
}

func TestSampling(t *testing.T) {
	const n = 100000
	kept := 0
	for range n {
		if sampled(newUUIDForTest(), 0.01) {
			kept++
		}
	}
	if rate := float64(kept) / n; math.Abs(rate-0.01) > 0.002 {
		t.Fatalf("kept %.4f of runs at rate 0.01", rate)
	}
	// Sampled out: nothing written.
	h := newHome(t, "app", false)
	before := treeFiles(t, h.dir)
	execute(t, testTree(), []string{"cluster", "create"}, map[string]string{"APP_TELEMETRY_SAMPLE_RATE": "0"}, appOpts...)
	if after := treeFiles(t, h.dir); !slices.Equal(before, after) {
		t.Fatalf("sampled-out run wrote %v", after)
	}
	execute(t, testTree(), []string{"cluster", "create"}, nil, append(appOpts, WithSampleRate(0.5), withLookupEnv(func(k string) (string, bool) {
		return "1", k == "APP_TELEMETRY_SAMPLE_RATE"
	}))...)
	if _, res := commandSpan(t, h, "app"); res["cli.sample_rate"] != float64(1) {
		t.Fatalf("sample rate %v", res["cli.sample_rate"])
	}
}

func TestCompletionNotRecorded(t *testing.T) {
	h := newHome(t, "app", false)
	r := execute(t, testTree(), []string{cobra.ShellCompRequestCmd, "clu"}, nil, appOpts...)
	if r.code != 0 || !strings.Contains(r.stdout, "cluster") {
		t.Fatalf("completion broken: %+v", r)
	}
	if n := len(spooled(t, h, "app")); n != 0 {
		t.Fatalf("completion recorded")
	}
}

func TestOwnTelemetryCommandKept(t *testing.T) {
	newHome(t, "app", false)
	root := testTree()
	root.AddCommand(&cobra.Command{Use: "telemetry", Run: func(cmd *cobra.Command, _ []string) {
		fmt.Fprintln(cmd.OutOrStdout(), "the CLI's own")
	}})
	r := execute(t, root, []string{"telemetry"}, nil, append(appOpts, WithTelemetryCommand())...)
	if r.stdout != "the CLI's own\n" {
		t.Fatalf("got %q", r.stdout)
	}
}

func TestHiddenCommand(t *testing.T) {
	h := newHome(t, "app", false)
	root := testTree()
	execute(t, root, []string{"hidden"}, nil, appOpts...)
	if s, _ := commandSpan(t, h, "app"); s.Name != "app hidden" {
		t.Fatalf("hidden command span %q", s.Name)
	}
}

// TestResourceIsTheSessions: OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME
// reach neither the spool nor an author's exporter, not even for a key the
// policy allows: the resource is the session's, checked by the policy once.
func TestResourceIsTheSessions(t *testing.T) {
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "os.type=plan9,service.version=9.9.9,deployment.environment=canary-res-1")
	t.Setenv("OTEL_SERVICE_NAME", "canary-res-2")
	check := func(where string, res map[string]any) {
		t.Helper()
		if res["os.type"] != runtime.GOOS || res["service.version"] != "1.2.3" || res["service.name"] != "app" {
			t.Errorf("%s: resource %v", where, res)
		}
		if s := fmt.Sprint(res); strings.Contains(s, "canary") || strings.Contains(s, "plan9") {
			t.Errorf("%s: the environment's resource leaked: %v", where, res)
		}
	}

	h := newHome(t, "app", false)
	execute(t, testTree(), []string{"cluster", "create"}, nil, appOpts...)
	rs := spooled(t, h, "app")
	if len(rs) != 1 {
		t.Fatalf("%d invocations spooled", len(rs))
	}
	check("spool", rs[0].Resource)

	exp := &keepingExporter{}
	execute(t, testTree(), []string{"cluster", "create"}, nil, append(appOpts, WithExporter(exp))...)
	if len(exp.spans) != 1 {
		t.Fatalf("%d spans exported", len(exp.spans))
	}
	res := map[string]any{}
	for _, kv := range exp.spans[0].Resource().Attributes() {
		res[string(kv.Key)] = kv.Value.Emit()
	}
	check("author's exporter", res)
}

// keepingExporter keeps what it is given, also past Shutdown (tracetest's
// in-memory exporter forgets it there).
type keepingExporter struct{ spans []sdktrace.ReadOnlySpan }

func (e *keepingExporter) ExportSpans(_ context.Context, s []sdktrace.ReadOnlySpan) error {
	e.spans = append(e.spans, s...)
	return nil
}
func (e *keepingExporter) Shutdown(context.Context) error { return nil }

// TestReadFlagsLeavesSortFlags: readFlags visits the flags in the order they
// were set and sorts what it keeps itself; the command's own SortFlags is
// as it was afterwards, also when a flag's String panics.
func TestReadFlagsLeavesSortFlags(t *testing.T) {
	cmd := &cobra.Command{Use: "x", Run: func(*cobra.Command, []string) {}}
	cmd.Flags().String("zone", "", "")
	cmd.Flags().String("alpha", "", "")
	cmd.Flags().Var(&panicValue{}, "boom", "")
	if err := cmd.ParseFlags([]string{"--zone", "Z1", "--alpha", "A"}); err != nil {
		t.Fatal(err)
	}
	rules := map[string]flagRule{
		"zone":  {key: "cli.flag.zone", rule: OneOf("Z1")},
		"alpha": {key: "cli.flag.alpha", rule: OneOf("A")},
	}
	f := readFlags(cmd, rules, nil, true)
	if g := readFlags(cmd, rules, nil, false); !slices.Equal(g.names, f.names) || !slices.Equal(g.values, f.values) {
		t.Errorf("sorted visit: %v %v, in order set: %v %v", g.names, g.values, f.names, f.values)
	}
	if !cmd.Flags().SortFlags {
		t.Error("SortFlags left false")
	}
	if !slices.Equal(f.names, []string{"alpha", "zone"}) {
		t.Errorf("names %v", f.names)
	}
	if len(f.values) != 2 || f.values[0].Key != "cli.flag.alpha" || f.values[1].Key != "cli.flag.zone" {
		t.Errorf("values %v", f.values)
	}

	cmd.Flags().Set("boom", "1")
	rules["boom"] = flagRule{key: "cli.flag.boom", rule: OneOf("1")}
	func() {
		defer func() { recover() }()
		readFlags(cmd, rules, nil, true)
		t.Error("no panic")
	}()
	if !cmd.Flags().SortFlags {
		t.Error("SortFlags left false after a panic")
	}
}

type panicValue struct{ set bool }

func (v *panicValue) String() string {
	if v.set {
		panic("String")
	}
	return ""
}
func (v *panicValue) Set(string) error { v.set = true; return nil }
func (v *panicValue) Type() string     { return "panic" }

// TestCommandPath: the path made in one allocation is cobra's, for every
// command of a tree, a root with a display name and a tree deeper than the
// chain commandPath keeps.
func TestCommandPath(t *testing.T) {
	check := func(root *cobra.Command) {
		t.Helper()
		for _, c := range appendCommands(nil, root) {
			if got, want := commandPath(c), c.CommandPath(); got != want {
				t.Errorf("commandPath = %q, want %q", got, want)
			}
		}
	}
	check(testTree())
	named := testTree()
	named.Annotations = map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl app"}
	check(named)
	deep := &cobra.Command{Use: "root"}
	for i, c := 0, deep; i < 12; i++ {
		sub := &cobra.Command{Use: fmt.Sprintf("level%d [args]", i)}
		c.AddCommand(sub)
		c = sub
	}
	check(deep)
}

// TestExecutable: the executable's path read on the stack is
// os.Executable's.
func TestExecutable(t *testing.T) {
	got, err := executable()
	want, werr := os.Executable()
	if got != want || (err == nil) != (werr == nil) {
		t.Errorf("executable() = %q, %v; os.Executable() = %q, %v", got, err, want, werr)
	}
}
