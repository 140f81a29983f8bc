//go:build !linux

package otelcli

import "os"

// executable is os.Executable.
func executable() (string, error) { return os.Executable() }
