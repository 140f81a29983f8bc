//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package detect

import "os"

// isTerminal falls back to asking whether the standard stream is a
// character device.
func isTerminal(fd uintptr) bool {
	var f *os.File
	switch fd {
	case Stdin:
		f = os.Stdin
	case Stdout:
		f = os.Stdout
	case Stderr:
		f = os.Stderr
	default:
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
