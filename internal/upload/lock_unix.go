//go:build unix

package upload

import (
	"errors"
	"os"
	"strconv"
	"syscall"
)

type lock struct{ f *os.File }

// tryLock takes an exclusive, non-blocking flock on path. The kernel
// releases it when the process dies, so a killed uploader never leaves a
// stale lock.
func tryLock(path string) (*lock, bool, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, false, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, false, nil
		}
		return nil, false, err
	}
	return &lock{f: f}, true, nil
}

// markHolder writes this process's id in the lock file, for whoever needs
// to find the uploader (tests, a person debugging). A command that only
// probes the lock does not.
func (l *lock) markHolder() {
	l.f.Truncate(0)
	l.f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
}

func (l *lock) unlock() {
	syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	l.f.Close()
}
