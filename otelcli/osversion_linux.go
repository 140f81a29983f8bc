package otelcli

import "syscall"

// osVersion is the kernel release (os.version for Linux in the semantic
// conventions); uname's node name is never read into anything that leaves.
func osVersion() string {
	var u syscall.Utsname
	if syscall.Uname(&u) != nil {
		return ""
	}
	b := make([]byte, 0, len(u.Release))
	for _, c := range u.Release {
		if c == 0 {
			break
		}
		b = append(b, byte(c))
	}
	return string(b)
}
