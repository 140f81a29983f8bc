//go:build !notelemetry

// Command benchcli is the smallest cobra CLI, instrumented with otelcli: the
// baseline of `make bench`'s binary size and start-up figures (built with
// -tags notelemetry, the same CLI without the library).
package main

import (
	"os"

	"github.com/cli-telemetry/otelcli/otelcli"
)

func main() {
	if otelcli.IsUploader() {
		os.Exit(otelcli.RunUploader(otelcli.WithServiceName("benchcli")))
	}
	os.Exit(otelcli.Execute(newRoot(), otelcli.WithServiceName("benchcli")))
}
