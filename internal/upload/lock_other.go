//go:build !unix

package upload

import (
	"errors"
	"io/fs"
	"os"
	"strconv"
	"time"
)

type lock struct{ path string }

// tryLock creates path exclusively. Without flock, a lock left by a killed
// uploader is considered stale once it is older than an uploader's lifetime.
func tryLock(path string) (*lock, bool, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if errors.Is(err, fs.ErrExist) {
		if st, serr := os.Stat(path); serr == nil && time.Since(st.ModTime()) > DefaultLifetime+time.Minute {
			os.Remove(path)
			return tryLock(path)
		}
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	f.Close()
	return &lock{path: path}, true, nil
}

// markHolder writes this process's id in the lock file.
func (l *lock) markHolder() {
	os.WriteFile(l.path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600)
}

func (l *lock) unlock() { os.Remove(l.path) }
