package detect

import "os"

// IsTerminal reports whether f is a character device (a terminal). It is a
// single fstat, cheap enough for every run.
func IsTerminal(f *os.File) bool {
	if f == nil {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
