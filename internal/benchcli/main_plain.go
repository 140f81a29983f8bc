//go:build notelemetry

package main

import "os"

func main() {
	if err := newRoot().Execute(); err != nil {
		os.Exit(1)
	}
}
