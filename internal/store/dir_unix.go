//go:build unix

package store

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

const (
	oNonblock = syscall.O_NONBLOCK
	oNofollow = syscall.O_NOFOLLOW
)

func owner(fi fs.FileInfo) (int, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}

// checkDirOwner refuses a directory of another user, or one that group or
// others may read or write: in a shared or planted HOME, such a directory
// lets someone else read the queue or swap files under otelcli.
func checkDirOwner(path string, fi fs.FileInfo) error {
	if uid, ok := owner(fi); ok && uid != os.Geteuid() {
		return unsafe(path, fmt.Sprintf("directory owned by uid %d", uid))
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return unsafe(path, fmt.Sprintf("directory mode %#o is wider than 0700", fi.Mode().Perm()))
	}
	return nil
}

func checkFileOwner(name string, fi fs.FileInfo) error {
	if uid, ok := owner(fi); ok && uid != os.Geteuid() {
		return unsafe(name, fmt.Sprintf("owned by uid %d", uid))
	}
	return nil
}

// fileID is the file's inode: a file replaced by rename has a new one.
func fileID(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino)
	}
	return 0
}
