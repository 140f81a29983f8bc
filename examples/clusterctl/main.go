//go:build !notelemetry

// Command clusterctl is a small Atlas-like CLI instrumented with otelcli.
// Build it with -tags notelemetry for the same CLI without the telemetry
// library, as the tests and benchmarks do to compare the two.
package main

import (
	"os"

	"github.com/cli-telemetry/otelcli/examples/clusterctl/cli"
	"github.com/cli-telemetry/otelcli/examples/clusterctl/telemetry"
	"github.com/cli-telemetry/otelcli/otelcli"
)

var version = "0.3.1"

func main() {
	// First: when this process is the background uploader, nothing else of
	// main may run.
	if otelcli.IsUploader() {
		os.Exit(otelcli.RunUploader(telemetry.Options(version)...))
	}
	root := cli.NewRoot(version, cli.Hooks{Report: otelcli.ReportEvery})
	os.Exit(otelcli.Execute(root, telemetry.Options(version)...))
}
