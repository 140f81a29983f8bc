//go:build !unix

package upload

import (
	"errors"
	"io/fs"
	"os"
	"strconv"
	"time"

	"github.com/cli-telemetry/otelcli/internal/store"
)

// lock is an exclusively created upload.lock whose modification time is
// the holder's lease (without flock, a killed holder leaves its file: the
// lease is what frees it).
type lock struct {
	d        *store.Dir
	deadline time.Time
	fi       fs.FileInfo
	stolen   bool
}

func probe(d *store.Dir, now time.Time) (bool, error) {
	fi, err := d.Lstat(lockFile)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return leaseLive(fi, now), nil
}

func acquire(d *store.Dir, now, deadline time.Time) (*lock, bool, error) {
	stolen := false
	for range 3 {
		err := d.Put(lockFile, []byte(strconv.Itoa(os.Getpid())+"\n"), store.PutOptions{Exclusive: true})
		if err == nil {
			d.Chtimes(lockFile, deadline, deadline)
			fi, err := d.Lstat(lockFile)
			if err != nil {
				return nil, false, err
			}
			return &lock{d: d, deadline: deadline, fi: fi, stolen: stolen}, true, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, false, err
		}
		if held, err := probe(d, now); err != nil || held {
			return nil, false, err
		}
		d.Remove(lockFile)
		stolen = true
	}
	return nil, false, nil
}

func leaseLive(fi fs.FileInfo, now time.Time) bool {
	lease := fi.ModTime()
	return now.Before(lease.Add(leaseGrace)) && lease.Before(now.Add(maxLease))
}

func (l *lock) current() bool {
	cur, err := l.d.Lstat(lockFile)
	return err == nil && os.SameFile(l.fi, cur)
}

func (l *lock) release() {
	if l.current() {
		l.d.Remove(lockFile)
	}
}
