//go:build unix

package store

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"syscall"
)

// ReadFile reads the file at path with the checks of [Dir.Open], on the
// directory and the file by path. A missing directory or file is an error
// matching fs.ErrNotExist.
//
// It runs on every command (the settings, the install id, the hashing key),
// so it is written with the system calls themselves: an os.File would add
// a poller registration, a second read for the end of file and a dozen
// allocations to a five-call read (lstat of the directory, open without
// following a link or blocking, fstat, read, close).
func ReadFile(path string, max int64) ([]byte, error) {
	b, _, err := readFileStamp(path, max)
	return b, err
}

// readFileStamp is ReadFile, with the stamp of the file it read.
func readFileStamp(path string, max int64) ([]byte, Stamp, error) {
	uid := syscall.Geteuid()
	if err := checkDirAt(path, filepath.Dir(path), uid); err != nil {
		return nil, Stamp{}, err
	}
	fd, err := openNoFollow(path)
	if err != nil {
		if err != syscall.ENOENT {
			var st syscall.Stat_t
			if lstat(path, &st) == nil && st.Mode&syscall.S_IFMT == syscall.S_IFLNK {
				return nil, Stamp{}, unsafe(path, "symbolic link")
			}
		}
		return nil, Stamp{}, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := ignoringEINTR(func() error { return syscall.Fstat(fd, &st) }); err != nil {
		return nil, Stamp{}, &fs.PathError{Op: "fstat", Path: path, Err: err}
	}
	switch {
	case st.Mode&syscall.S_IFMT != syscall.S_IFREG:
		return nil, Stamp{}, unsafe(path, "not a regular file")
	case max > 0 && st.Size > max:
		return nil, Stamp{}, unsafe(path, fmt.Sprintf("larger than %d bytes", max))
	case int(st.Uid) != uid:
		return nil, Stamp{}, unsafe(path, fmt.Sprintf("owned by uid %d", st.Uid))
	}
	b, err := readAll(fdReader(fd), st.Size, max)
	if err != nil {
		return nil, Stamp{}, err
	}
	return b, fstamp(&st, path), nil
}

func openNoFollow(path string) (int, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}

// fdReader reads a descriptor, retrying when a signal interrupts it.
type fdReader int

func (fd fdReader) Read(b []byte) (int, error) {
	for {
		n, err := syscall.Read(int(fd), b)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return 0, err
		}
		if n == 0 && len(b) > 0 {
			return 0, io.EOF
		}
		return n, nil
	}
}

// CheckDir checks the directory at path as OpenDir does, without opening
// it: for a directory only read from, or holding another that is opened.
func CheckDir(path string) error { return checkDirAt(path, path, syscall.Geteuid()) }

// checkDirAt checks dir, naming path in errors, for the user uid.
func checkDirAt(path, dir string, uid int) error {
	var st syscall.Stat_t
	if err := lstat(dir, &st); err != nil {
		return &fs.PathError{Op: "lstat", Path: dir, Err: err}
	}
	switch {
	case st.Mode&syscall.S_IFMT == syscall.S_IFLNK:
		return unsafe(dir, "directory is a symbolic link")
	case st.Mode&syscall.S_IFMT != syscall.S_IFDIR:
		return fmt.Errorf("store: %s: not a directory", filepath.Base(dir))
	case int(st.Uid) != uid:
		return unsafe(dir, fmt.Sprintf("directory owned by uid %d", st.Uid))
	case st.Mode&0o077 != 0:
		return unsafe(dir, fmt.Sprintf("directory mode %#o is wider than 0700", st.Mode&0o777))
	}
	return nil
}

// notExist is errors.Is(err, fs.ErrNotExist) for ReadFile's errors, on the
// path every command takes (a missing settings file): errors.Is would walk
// the chain with reflection, whose first use in a process costs more than
// the read.
func notExist(err error) bool {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err == syscall.ENOENT
	}
	return errors.Is(err, fs.ErrNotExist)
}

// lstat is syscall.Lstat, retried when a signal interrupts it (as the os
// package does).
func lstat(path string, st *syscall.Stat_t) error {
	return ignoringEINTR(func() error { return syscall.Lstat(path, st) })
}

func ignoringEINTR(f func() error) error {
	for {
		if err := f(); err != syscall.EINTR {
			return err
		}
	}
}
