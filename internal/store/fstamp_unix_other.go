//go:build unix && !linux

package store

import "syscall"

// fstamp is the stamp of the file at path, which fstat described: the
// modification time's field differs between these systems, so it is asked
// again, by lstat.
func fstamp(_ *syscall.Stat_t, path string) Stamp {
	st, _ := lstamp(path)
	return st
}
