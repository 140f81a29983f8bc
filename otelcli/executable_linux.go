package otelcli

import (
	"os"
	"strings"
	"syscall"
)

// executable is os.Executable, read into a buffer on the stack: the
// install source is asked on every recorded command, and os.Executable
// allocates its buffer, besides the string.
func executable() (string, error) {
	var buf [1024]byte
	for {
		n, err := syscall.Readlink("/proc/self/exe", buf[:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil || n >= len(buf) {
			return os.Executable() // its error, or a longer path
		}
		// As os.Executable: a replaced binary still runs, under its name.
		return strings.TrimSuffix(string(buf[:n]), " (deleted)"), nil
	}
}
