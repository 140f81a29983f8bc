//go:build linux || darwin || freebsd || netbsd || dragonfly

package otelcli

import (
	"os"
	"strconv"
	"syscall"
)

// closeInherited closes the descriptors above stderr that the background
// uploader inherited without close-on-exec. Go opens its own files
// close-on-exec, so such a descriptor came from whatever started the
// command: a pipe a shell passed as fd 3 (`cli 3>&1 | cat`), a process
// substitution. The command's caller waits for those to close, and the
// uploader may live for minutes against an unreachable backend.
func closeInherited() {
	for _, fd := range openFDs() {
		if fd <= 2 {
			continue
		}
		flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFD, 0)
		if errno == 0 && flags&syscall.FD_CLOEXEC == 0 {
			syscall.Close(fd)
		}
	}
}

// openFDs lists the process's descriptors: from /proc (or /dev/fd) where
// the system has it, else every number up to the descriptor limit (at most
// 4096), which fcntl then tells apart.
func openFDs() []int {
	for _, dir := range []string{"/proc/self/fd", "/dev/fd"} {
		names, err := readDirNames(dir)
		if err != nil || len(names) == 0 {
			continue
		}
		fds := make([]int, 0, len(names))
		for _, n := range names {
			if fd, err := strconv.Atoi(n); err == nil {
				fds = append(fds, fd)
			}
		}
		return fds
	}
	limit := uint64(4096)
	var rl syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl) == nil && uint64(rl.Cur) < limit {
		limit = uint64(rl.Cur)
	}
	fds := make([]int, 0, limit)
	for fd := 0; fd < int(limit); fd++ {
		fds = append(fds, fd)
	}
	return fds
}

func readDirNames(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Readdirnames(-1)
}
