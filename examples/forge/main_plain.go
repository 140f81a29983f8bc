//go:build notelemetry

package main

import (
	"context"
	"os"
)

func main() {
	a, code := setUp()
	if a == nil {
		os.Exit(code)
	}
	cmd, err := a.root.ExecuteContextC(context.Background())
	code = a.exitCode(cmd, err)
	a.postRun(cmd, code)
	os.Exit(code)
}
