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
	os.Exit(otelcli.Execute(cli.NewRoot(version), telemetry.Options(version)...))
}
