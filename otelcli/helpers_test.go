package otelcli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/cli-telemetry/otelcli/internal/render"
	"github.com/cli-telemetry/otelcli/internal/spool"
	"github.com/cli-telemetry/otelcli/internal/store"
)

// home is a fresh user environment for one test: HOME and the XDG dirs in a
// temporary directory, the notice already shown unless fresh is set.
type home struct {
	dir, config, cache string
}

func newHome(t *testing.T, name string, fresh bool) home {
	t.Helper()
	d := t.TempDir()
	h := home{dir: d, config: filepath.Join(d, "config"), cache: filepath.Join(d, "cache")}
	t.Setenv("HOME", d)
	t.Setenv("XDG_CONFIG_HOME", h.config)
	t.Setenv("XDG_CACHE_HOME", h.cache)
	if !fresh {
		mustWrite(t, filepath.Join(h.config, name, "telemetry", "notice-shown"), "x")
	}
	return h
}

func mustWrite(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

type result struct {
	code           int
	stdout, stderr string
}

// execute runs root with args through Execute, with env as the whole
// environment the library sees, and spooling only (no uploader process).
func execute(t *testing.T, root *cobra.Command, args []string, env map[string]string, opts ...Option) result {
	t.Helper()
	out, errb, all := prepare(root, args, env, opts)
	code := Execute(root, all...)
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// prepare points root's output at buffers and gives it args, and returns
// the options of a test run: env as the whole environment, args as the
// process's, spooling only.
func prepare(root *cobra.Command, args []string, env map[string]string, opts []Option) (out, errb *bytes.Buffer, all []Option) {
	out, errb = new(bytes.Buffer), new(bytes.Buffer)
	root.SetOut(out)
	root.SetErr(errb)
	root.SetArgs(args)
	return out, errb, append([]Option{
		WithDelivery(DeliveryNone),
		withLookupEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }),
		withArgs(args),
	}, opts...)
}

// spooled returns every span in the spool of app, oldest invocation first.
func spooled(t *testing.T, h home, app string) []render.Resource {
	t.Helper()
	sp := spool.New(filepath.Join(h.cache, app, "telemetry", "spool"))
	files, err := sp.Files()
	if err != nil {
		t.Fatal(err)
	}
	var out []render.Resource
	for _, f := range files {
		rs, err := spool.Read(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, render.Convert(rs)...)
	}
	return out
}

// commandSpan returns the one command span of the single spooled invocation.
func commandSpan(t *testing.T, h home, app string) (render.Span, map[string]any) {
	t.Helper()
	rs := spooled(t, h, app)
	if len(rs) != 1 {
		t.Fatalf("want 1 spooled invocation, got %d", len(rs))
	}
	for _, s := range rs[0].Spans {
		if s.Scope == ScopeName {
			return s, rs[0].Resource
		}
	}
	t.Fatalf("no command span in %+v", rs[0].Spans)
	return render.Span{}, nil
}

// treeFiles lists every file under dir.
func treeFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, strings.TrimPrefix(p, dir))
		}
		return nil
	})
	return files
}

func dirsFor(h home) store.Dirs {
	return store.Dirs{Config: filepath.Join(h.config, "app", "telemetry"), Cache: filepath.Join(h.cache, "app", "telemetry")}
}

func dirsFunc(h home) func() (store.Dirs, error) {
	return func() (store.Dirs, error) { return dirsFor(h), nil }
}

func newUUIDForTest() string { return store.NewUUID() }
