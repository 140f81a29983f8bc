//go:build darwin || freebsd || netbsd

package store

import "syscall"

// fstamp is the stamp of the file fstat described: of the bytes just read,
// not of whatever is at the path a moment later.
func fstamp(st *syscall.Stat_t, _ string) Stamp {
	return Stamp{id: uint64(st.Ino), size: int64(st.Size), mtime: st.Mtimespec.Nano(), exists: true}
}
