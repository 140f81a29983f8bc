//go:build notelemetry

package main

import (
	"os"

	"github.com/cli-telemetry/otelcli/examples/clusterctl/cli"
)

var version = "0.3.1"

func main() {
	if err := cli.NewRoot(version, cli.Hooks{}).Execute(); err != nil {
		os.Exit(1)
	}
}
