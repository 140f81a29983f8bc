//go:build !unix

package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ReadFile reads the file at path with the checks of [Dir.Open], on the
// directory and the file by path (no handle is kept: the reads on a
// command's path are a few syscalls). A missing directory or file is an
// error matching fs.ErrNotExist.
func ReadFile(path string, max int64) ([]byte, error) {
	if err := CheckDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|oNonblock|oNofollow, 0)
	if err != nil {
		if lfi, lerr := os.Lstat(path); lerr == nil && lfi.Mode()&fs.ModeSymlink != 0 {
			return nil, unsafe(path, "symbolic link")
		}
		return nil, fmt.Errorf("store: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if err := checkFile(path, fi, max); err != nil {
		return nil, err
	}
	return readAll(f, fi.Size(), max)
}

// CheckDir checks the directory at path as OpenDir does, without opening
// it: for a directory only read from, or holding another that is opened.
func CheckDir(path string) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if !fi.IsDir() {
		if fi.Mode()&fs.ModeSymlink != 0 {
			return unsafe(path, "directory is a symbolic link")
		}
		return fmt.Errorf("store: %s: not a directory", filepath.Base(path))
	}
	return checkDirOwner(path, fi)
}

// notExist is errors.Is(err, fs.ErrNotExist).
func notExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// readFileStamp is ReadFile, with the stamp of the file at path, asked again
// by lstat after the read: a rewrite between the two goes unseen until the
// file changes again.
func readFileStamp(path string, max int64) ([]byte, Stamp, error) {
	b, err := ReadFile(path, max)
	if err != nil {
		return nil, Stamp{}, err
	}
	st, _ := lstamp(path)
	return b, st, nil
}
