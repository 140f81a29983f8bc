//go:build unix && !linux

package upload

import "syscall"

// lowerPriority makes the uploader yield to whatever the user runs next
// (nice 10). Failures are ignored.
func lowerPriority() {
	if prio, err := syscall.Getpriority(syscall.PRIO_PROCESS, 0); err == nil && prio >= niceness {
		return
	}
	syscall.Setpriority(syscall.PRIO_PROCESS, 0, niceness)
}
