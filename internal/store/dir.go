package store

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// MaxStateFile bounds every state file otelcli reads (settings, install id,
// hashing key, upload state): they hold a few dozen bytes, and a file that
// is larger (a hostile 200 MB settings.json) costs an fstat, not a read.
const MaxStateFile = 64 << 10

// TempPrefix starts the names of the temporary files of writes in progress
// (or of killed writers).
const TempPrefix = ".tmp-"

// ErrUnsafe is wrapped by the errors about what otelcli refuses to use: a
// link, a FIFO or device, a file or directory of another user, a directory
// that others may write, a file over its size bound.
var ErrUnsafe = errors.New("unsafe")

func unsafe(path, why string) error {
	return fmt.Errorf("store: %s: %s: %w", filepath.Base(path), why, ErrUnsafe)
}

// Dir is one of otelcli's state directories, checked once and then used
// through a handle, so that nothing done in it can land outside it:
//
//   - the directory is not a link, belongs to the user and is closed to
//     group and others (mode 0700 or narrower);
//   - a link inside it is never followed: reads and locks refuse it, writes
//     and removals replace or remove the link itself;
//   - only regular files of the user are read, opened without blocking (a
//     FIFO does not hang) and within a size bound (a link to /dev/zero, or
//     a huge file, costs an fstat).
type Dir struct {
	root *root
}

// OpenDir opens the directory at path, creating it and its missing parents
// (0700) when create is set.
func OpenDir(path string, create bool) (*Dir, error) {
	lfi, err := os.Lstat(path)
	if create && errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(path, 0o700); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		lfi, err = os.Lstat(path)
	}
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if !lfi.IsDir() {
		if lfi.Mode()&fs.ModeSymlink != 0 {
			return nil, unsafe(path, "directory is a symbolic link")
		}
		return nil, fmt.Errorf("store: %s: not a directory", filepath.Base(path))
	}
	root, err := openRoot(path)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	fi, err := root.Stat(".")
	if err == nil && !os.SameFile(lfi, fi) {
		err = unsafe(path, "directory replaced while opened")
	}
	if err == nil {
		err = checkDirOwner(path, fi)
	}
	if err != nil {
		root.Close()
		return nil, err
	}
	return &Dir{root: root}, nil
}

// Close releases the directory.
func (d *Dir) Close() error { return d.root.Close() }

// Path is the directory's path.
func (d *Dir) Path() string { return d.root.Name() }

// Open opens name for reading: a regular file of the user's, not a link, of
// at most max bytes (max <= 0: any size). It never blocks.
func (d *Dir) Open(name string, max int64) (*os.File, fs.FileInfo, error) {
	return d.open(name, os.O_RDONLY, max)
}

// OpenLock opens name for reading and writing, creating it (0600), with the
// same checks as Open: it is what a lock file is.
func (d *Dir) OpenLock(name string) (*os.File, error) {
	f, _, err := d.open(name, os.O_RDWR|os.O_CREATE, MaxStateFile)
	return f, err
}

func (d *Dir) open(name string, flag int, max int64) (*os.File, fs.FileInfo, error) {
	f, err := d.root.OpenFile(name, flag|oNonblock|oNofollow, 0o600)
	if err != nil {
		if lfi, lerr := d.root.Lstat(name); lerr == nil && lfi.Mode()&fs.ModeSymlink != 0 {
			return nil, nil, unsafe(name, "symbolic link")
		}
		return nil, nil, fmt.Errorf("store: %w", err)
	}
	fi, err := f.Stat()
	if err == nil {
		err = checkFile(name, fi, max)
	}
	if err == nil {
		// The handle does not follow links out of the directory; one to
		// another file of it would be followed: refuse that too.
		var lfi fs.FileInfo
		if lfi, err = d.root.Lstat(name); err == nil && !os.SameFile(lfi, fi) {
			err = unsafe(name, "symbolic link")
		}
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

func checkFile(name string, fi fs.FileInfo, max int64) error {
	switch {
	case !fi.Mode().IsRegular():
		return unsafe(name, "not a regular file")
	case max > 0 && fi.Size() > max:
		return unsafe(name, fmt.Sprintf("larger than %d bytes", max))
	}
	return checkFileOwner(name, fi)
}

// ReadFile reads name (see Open).
func (d *Dir) ReadFile(name string, max int64) ([]byte, error) {
	f, fi, err := d.Open(name, max)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readAll(f, fi.Size(), max)
}

// readAll reads what fstat announced (size), in one read when the file
// did not change since, and never more than max: a file that grows past it
// while read is refused, not followed.
func readAll(r io.Reader, size, max int64) ([]byte, error) {
	if max <= 0 {
		max = 1<<63 - 2
	}
	b := make([]byte, min(size, max)+1)
	n := 0
	for {
		m, err := r.Read(b[n:])
		n += m
		if int64(n) > max {
			return nil, fmt.Errorf("store: file grew over %d bytes while read: %w", max, ErrUnsafe)
		}
		if err == io.EOF || m == 0 && err == nil || int64(n) == size && n < len(b) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		if n == len(b) {
			// It grew since fstat: read on, never past max+1 bytes.
			b = append(b, make([]byte, min(int64(len(b)), max+1-int64(n)))...)
		}
	}
	return b[:n], nil
}

// Lstat describes name without following a link.
func (d *Dir) Lstat(name string) (fs.FileInfo, error) { return d.root.Lstat(name) }

// Chtimes sets name's times, without following a link.
func (d *Dir) Chtimes(name string, atime, mtime time.Time) error {
	return d.root.Chtimes(name, atime, mtime)
}

// ReplaceOpen is Put for a file that must be open before it has its name
// (a lock taken over from a dead holder): a new temporary file is created,
// handed to prepare (which locks and fills it), renamed over name, and
// returned open.
func (d *Dir) ReplaceOpen(name string, prepare func(*os.File) error) (*os.File, error) {
	for range 5 {
		tmp := tempName()
		f, err := d.root.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		if err = prepare(f); err == nil {
			err = d.root.Rename(tmp, name)
		}
		if err != nil {
			f.Close()
			d.root.Remove(tmp)
			return nil, fmt.Errorf("store: %w", err)
		}
		return f, nil
	}
	return nil, errors.New("store: no free temporary name")
}

// Remove removes name: a link itself, never what it points to.
func (d *Dir) Remove(name string) error { return d.root.Remove(name) }

// ReadNames lists the names of at most max entries (max <= 0: all), in
// directory order, reporting whether there were more. A directory stuffed
// with foreign files costs a bounded read, and no stat per entry (an
// os.Root's ReadDir stats every entry).
func (d *Dir) ReadNames(max int) ([]string, bool, error) {
	f, err := d.root.Open(".")
	if err != nil {
		return nil, false, fmt.Errorf("store: %w", err)
	}
	defer f.Close()
	if max <= 0 {
		names, err := f.Readdirnames(-1)
		return names, false, err
	}
	names, err := f.Readdirnames(max)
	if errors.Is(err, io.EOF) {
		return names, false, nil
	}
	if err != nil {
		return names, false, err
	}
	more, _ := f.Readdirnames(1)
	return names, len(more) > 0, nil
}

// PutOptions say how Put makes a file.
type PutOptions struct {
	// Exclusive leaves an existing name alone: Put then returns an error
	// matching fs.ErrExist (create-if-absent, race-free).
	Exclusive bool
	// LinkFrom, when set, names a file of the directory that becomes the
	// content by a hard link (no copy); data is written only when the link
	// fails.
	LinkFrom string
}

// Put makes name hold data atomically: the data goes to a new temporary
// file of the directory (created exclusively, mode 0600, never through a
// link), which is then renamed over name, or linked to it when Exclusive.
// Readers see the old content or the new, never a part; a link at name is
// replaced, never written through. It is the one way otelcli writes files.
func (d *Dir) Put(name string, data []byte, o PutOptions) error {
	if strings.ContainsRune(name, os.PathSeparator) || name == "" || name == "." || name == ".." {
		return fmt.Errorf("store: bad file name %q", name)
	}
	tmp, err := d.temp(data, o.LinkFrom)
	if err != nil {
		return err
	}
	if o.Exclusive {
		err = d.root.Link(tmp, name)
		d.root.Remove(tmp)
	} else if err = d.root.Rename(tmp, name); err != nil {
		d.root.Remove(tmp)
	}
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// temp returns the name of a new temporary file of the directory holding
// data, or linked to from.
func (d *Dir) temp(data []byte, from string) (string, error) {
	for range 5 {
		name := tempName()
		if from != "" {
			err := d.root.Link(from, name)
			if err == nil {
				return name, nil
			}
			if !errors.Is(err, fs.ErrExist) {
				from = "" // no hard links here: write a copy
			}
			continue
		}
		f, err := d.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("store: %w", err)
		}
		_, werr := f.Write(data)
		if err := errors.Join(werr, f.Close()); err != nil {
			d.root.Remove(name)
			return "", fmt.Errorf("store: write: %w", err)
		}
		return name, nil
	}
	return "", errors.New("store: no free temporary name")
}

// tempName is a new temporary file name. It must not collide (the file is
// created exclusively, and retried), not be secret: math/rand/v2, whose
// generator the runtime seeded, spares the command that writes its spool
// file crypto/rand's set-up.
func tempName() string {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], mrand.Uint64())
	return TempPrefix + hex.EncodeToString(b[:])
}

// Put writes the file at path with [Dir.Put], creating its directory.
func Put(path string, data []byte, o PutOptions) error {
	d, err := OpenDir(filepath.Dir(path), true)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Put(filepath.Base(path), data, o)
}

// ReadRegular reads a file the user named (a certificate in a variable):
// links are followed and any owner is accepted, but it must end at a
// regular file of at most max bytes, opened without blocking, so that a
// FIFO or a device named by mistake or malice costs nothing.
func ReadRegular(path string, max int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|oNonblock, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, unsafe(path, "not a regular file")
	}
	if fi.Size() > max {
		return nil, unsafe(path, fmt.Sprintf("larger than %d bytes", max))
	}
	return readAll(f, fi.Size(), max)
}
