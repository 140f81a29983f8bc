//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package detect

import "syscall"

const ioctlGetTermios = syscall.TIOCGETA
