package compat

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fixtureGoMod is a CLI as large CLIs are: older cobra and pflag,
// OpenTelemetry 1.35 with its OTLP exporters, gRPC, and an older go line.
const fixtureGoMod = `module example.com/bigcli

go 1.22.5

require (
	github.com/spf13/cobra v1.8.0
	github.com/spf13/pflag v1.0.5
	go.opentelemetry.io/otel v1.35.0
	go.opentelemetry.io/otel/sdk v1.35.0
	go.opentelemetry.io/otel/trace v1.35.0
	go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp v1.35.0
	google.golang.org/grpc v1.71.0
)
`

const fixtureMain = `package main

import (
	"context"
	"os"

	"github.com/spf13/cobra"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"google.golang.org/grpc"
	%s
)

var _ = grpc.NewServer
var _ = otlptracehttp.New

func main() {
	root := &cobra.Command{Use: "bigcli", Run: func(*cobra.Command, []string) {}}
	_ = context.Background()
	%s
}
`

// Adding otelcli to that CLI changes none of its requirements and not its
// go line: otelcli asks only for releases the CLI already has or older.
func TestAdoptionChangesNoOtherModule(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the module proxy")
	}
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gomod := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	write("go.mod", fixtureGoMod)
	write("main.go", strings.NewReplacer("%s", "").Replace(fixtureMain))
	gomod("mod", "tidy")
	before, _ := os.ReadFile(filepath.Join(dir, "go.mod"))

	write("main.go", strings.Replace(strings.Replace(fixtureMain, "%s", `"github.com/cli-telemetry/otelcli/otelcli"`, 1),
		"%s", "os.Exit(otelcli.Execute(root))", 1))
	gomod("mod", "edit", "-require=github.com/cli-telemetry/otelcli@v0.0.0", "-replace=github.com/cli-telemetry/otelcli="+repo)
	gomod("mod", "tidy")
	after, _ := os.ReadFile(filepath.Join(dir, "go.mod"))

	var changed []string
	old := requirements(before)
	for mod, v := range requirements(after) {
		if mod == "github.com/cli-telemetry/otelcli" {
			continue
		}
		if old[mod] != v {
			changed = append(changed, mod+" "+old[mod]+" -> "+v)
		}
	}
	if len(changed) > 0 || !bytes.Contains(after, []byte("\ngo 1.22.5\n")) {
		t.Fatalf("adding otelcli changed: %v\ngo.mod:\n%s", changed, after)
	}
	gomod("build", "./...")
}

// requirements maps each required module of a go.mod to its version.
func requirements(gomod []byte) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(string(gomod), "\n") {
		f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "require "))
		if len(f) >= 2 && strings.HasPrefix(f[1], "v") && strings.Contains(f[0], ".") {
			m[f[0]] = f[1]
		}
	}
	return m
}
