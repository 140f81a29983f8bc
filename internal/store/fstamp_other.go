//go:build unix && !(linux || darwin || freebsd || netbsd || openbsd || dragonfly || solaris || illumos)

package store

import "syscall"

// fstamp is the stamp of the file at path, asked again by lstat: fstat's
// time field is not known here (AIX). A rewrite between the read and this
// lstat goes unseen until the file changes again.
func fstamp(_ *syscall.Stat_t, path string) Stamp {
	st, _ := lstamp(path)
	return st
}
