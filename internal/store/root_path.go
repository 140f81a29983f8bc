//go:build !go1.25

package store

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// root is the handle a Dir works through. Built with a Go older than 1.25
// (which otelcli supports, so that adopting it never raises a CLI's Go),
// os.Root and its link, rename and chtimes are not there: this one works on
// paths under the checked directory, with the same refusals (no link is
// followed at a name, no write lands through one). What it cannot do that
// os.Root does is hold the directory itself against being swapped for a
// link after the check, which only a process of the same user could do, at
// the right microsecond.
type root struct{ dir string }

func openRoot(path string) (*root, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s: not a directory", path)
	}
	return &root{dir: path}, nil
}

func (r *root) path(name string) string { return filepath.Join(r.dir, name) }

func (r *root) Name() string { return r.dir }
func (r *root) Close() error { return nil }
func (r *root) Remove(name string) error {
	return os.Remove(r.path(name))
}
func (r *root) Lstat(name string) (fs.FileInfo, error) { return os.Lstat(r.path(name)) }
func (r *root) Stat(name string) (fs.FileInfo, error)  { return os.Stat(r.path(name)) }
func (r *root) Open(name string) (*os.File, error)     { return os.Open(r.path(name)) }
func (r *root) Rename(oldname, newname string) error {
	return os.Rename(r.path(oldname), r.path(newname))
}
func (r *root) Link(oldname, newname string) error {
	return os.Link(r.path(oldname), r.path(newname))
}

func (r *root) OpenFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	return os.OpenFile(r.path(name), flag, perm)
}

// Chtimes sets name's times; a link at name is refused rather than
// followed.
func (r *root) Chtimes(name string, atime, mtime time.Time) error {
	fi, err := os.Lstat(r.path(name))
	if err != nil {
		return err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return unsafe(name, "symbolic link")
	}
	return os.Chtimes(r.path(name), atime, mtime)
}
