//go:build unix

package upload

import (
	"errors"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/cli-telemetry/otelcli/internal/store"
)

// lock is the uploader's lock: an exclusive flock on upload.lock, which the
// kernel releases when the holder dies, and a lease, the file's
// modification time, set to the holder's deadline. A holder that is still
// there past its lease (stopped with SIGSTOP, frozen, its machine asleep)
// is taken for dead: the next uploader renames a new, locked file over the
// old one. The old holder, should it resume, sees that upload.lock is no
// longer its file (and that its lifetime is over) before it sends or
// deletes anything, and stops.
type lock struct {
	d        *store.Dir
	f        *os.File
	deadline time.Time
	stolen   bool
}

// probe reports whether a live uploader holds the lock: one that holds the
// flock and whose lease has not expired.
func probe(d *store.Dir, now time.Time) (held bool, err error) {
	f, err := d.OpenLock(lockFile)
	if errors.Is(err, store.ErrUnsafe) {
		// A link or a special file where the lock should be: no uploader
		// holds that; the next one replaces it (see acquire).
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return leaseLive(f, now), nil
		}
		return false, err
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false, nil
}

// acquire takes the lock until deadline, or reports that a live uploader
// holds it. now is the wall-clock time the lease is judged by. A lock taken
// over from a dead holder is marked stolen: two uploaders may have done it
// at once, and the caller lets the race settle (see Run).
func acquire(d *store.Dir, now, deadline time.Time) (*lock, bool, error) {
	for range 3 {
		f, err := d.OpenLock(lockFile)
		if errors.Is(err, store.ErrUnsafe) {
			// A link (never written through) or a special file: remove
			// that name, not what it points to, and make a real lock.
			d.Remove(lockFile)
			f, err = d.OpenLock(lockFile)
		}
		if err != nil {
			return nil, false, err
		}
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case err == nil:
			l := &lock{d: d, f: f, deadline: deadline}
			if !l.current() {
				// Replaced between open and flock: try the new one.
				f.Close()
				continue
			}
			l.mark()
			return l, true, nil
		case !errors.Is(err, syscall.EWOULDBLOCK):
			f.Close()
			return nil, false, err
		case leaseLive(f, now):
			f.Close()
			return nil, false, nil
		}
		f.Close()
		nf, err := d.ReplaceOpen(lockFile, func(nf *os.File) error {
			return syscall.Flock(int(nf.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		})
		if err != nil {
			return nil, false, err
		}
		l := &lock{d: d, f: nf, deadline: deadline, stolen: true}
		l.mark()
		return l, true, nil
	}
	return nil, false, nil
}

// leaseLive reads the lease of a held lock: live until its time (plus a
// grace for a holder on its way out), unless the time is implausibly far
// ahead (a clock set back, a planted file).
func leaseLive(f *os.File, now time.Time) bool {
	fi, err := f.Stat()
	if err != nil {
		return true
	}
	lease := fi.ModTime()
	return now.Before(lease.Add(leaseGrace)) && lease.Before(now.Add(maxLease))
}

// mark writes this process's id in the lock file, for whoever needs to find
// the uploader (tests, a person debugging), and the lease.
func (l *lock) mark() {
	l.f.Truncate(0)
	l.f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	l.d.Chtimes(lockFile, l.deadline, l.deadline)
}

// current reports whether upload.lock is still this lock's file.
func (l *lock) current() bool {
	fi, err := l.f.Stat()
	if err != nil {
		return false
	}
	cur, err := l.d.Lstat(lockFile)
	return err == nil && os.SameFile(fi, cur)
}

func (l *lock) release() {
	syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	l.f.Close()
}
