//go:build !unix

package otelcli

// closeInherited does nothing: a Windows child inherits only the handles
// it is given.
func closeInherited() {}
