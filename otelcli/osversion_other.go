//go:build !linux

package otelcli

// osVersion is not reported where it would cost more than a system call.
func osVersion() string { return "" }
