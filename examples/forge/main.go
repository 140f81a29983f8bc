//go:build !notelemetry

// Command forge is a small GitHub-CLI-like tool instrumented with otelcli:
// main does work before and after the command, prints errors and chooses
// exit codes itself, and the user's aliases and extensions are commands.
// Build it with -tags notelemetry for the same CLI without the telemetry
// library, as the tests do to compare the two.
package main

import (
	"context"
	"os"

	"github.com/cli-telemetry/otelcli/examples/forge/telemetry"
	"github.com/cli-telemetry/otelcli/otelcli"
)

func main() {
	// First: when this process is the background uploader, nothing else of
	// main may run (no migration, no hints, no update check).
	if otelcli.IsUploader() {
		os.Exit(otelcli.RunUploader(telemetry.Options(version)...))
	}
	a, code := setUp()
	if a == nil {
		os.Exit(code)
	}
	run := otelcli.New(a.root, telemetry.Options(version)...)
	// A second Ctrl-C quits from inside a command: record how first.
	a.f.ForceExit = func(code int) {
		run.End(code)
		os.Exit(code)
	}
	cmd, err := run.ExecuteContextC(context.Background())
	code = a.exitCode(cmd, err)
	run.End(code)
	a.postRun(cmd, code)
	os.Exit(code)
}
