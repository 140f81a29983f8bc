//go:build !(linux || darwin || freebsd || netbsd || dragonfly)

package otelcli

// closeInherited does nothing here: a Windows child inherits only the
// handles it is given, and elsewhere (OpenBSD) fcntl is not called through
// the syscall package.
func closeInherited() {}
