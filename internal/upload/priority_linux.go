package upload

import (
	"os"
	"strconv"
	"syscall"
)

// lowerPriority makes the uploader yield to whatever the user runs next: nice
// 10 and the idle I/O class. On Linux both are per thread, so every thread
// of the process is changed (threads started later inherit from theirs).
// Failures are ignored: this is a courtesy.
func lowerPriority() {
	const (
		ioprioWhoProcess = 1
		ioprioClassIdle  = 3
		ioprioClassShift = 13
	)
	tids := []int{0}
	if des, err := os.ReadDir("/proc/self/task"); err == nil {
		tids = tids[:0]
		for _, de := range des {
			if tid, err := strconv.Atoi(de.Name()); err == nil {
				tids = append(tids, tid)
			}
		}
	}
	for _, tid := range tids {
		if prio, err := syscall.Getpriority(syscall.PRIO_PROCESS, tid); err == nil && 20-prio < niceness {
			syscall.Setpriority(syscall.PRIO_PROCESS, tid, niceness)
		}
		syscall.Syscall(syscall.SYS_IOPRIO_SET, ioprioWhoProcess, uintptr(tid), ioprioClassIdle<<ioprioClassShift)
	}
}
