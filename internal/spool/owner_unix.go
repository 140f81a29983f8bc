//go:build unix

package spool

import (
	"io/fs"
	"os"
	"sync"
	"syscall"
)

var euid = sync.OnceValue(os.Geteuid)

func ownedByUser(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return !ok || int(st.Uid) == euid()
}
