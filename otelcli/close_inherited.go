//go:build unix

package otelcli

import (
	"os"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
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
		if flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == nil && flags&unix.FD_CLOEXEC == 0 {
			unix.Close(fd)
		}
	}
}

// openFDs lists the process's descriptors where the system lists them
// faithfully (Linux's /proc, macOS's /dev/fd), else every number up to the
// descriptor limit, at most 4096 (a FreeBSD /dev/fd without fdescfs shows
// only 0 to 2), for fcntl to tell apart.
func openFDs() []int {
	dir := map[string]string{"linux": "/proc/self/fd", "android": "/proc/self/fd", "darwin": "/dev/fd", "ios": "/dev/fd"}[runtime.GOOS]
	if dir != "" {
		if f, err := os.Open(dir); err == nil {
			names, err := f.Readdirnames(-1)
			f.Close()
			if err == nil {
				fds := make([]int, 0, len(names))
				for _, n := range names {
					if fd, err := strconv.Atoi(n); err == nil {
						fds = append(fds, fd)
					}
				}
				return fds
			}
		}
	}
	limit := uint64(4096)
	var rl unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_NOFILE, &rl) == nil && uint64(rl.Cur) < limit {
		limit = uint64(rl.Cur)
	}
	fds := make([]int, limit)
	for i := range fds {
		fds[i] = i
	}
	return fds
}
