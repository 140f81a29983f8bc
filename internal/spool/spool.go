package spool

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/cli-telemetry/otelcli/internal/store"
)

// Defaults for the spool's bounds.
const (
	DefaultMaxBytes = 1 << 20
	DefaultMaxAge   = 7 * 24 * time.Hour
	ext             = ".pb"

	// MaxEntries bounds one listing of the directory: a spool stuffed with
	// foreign files costs a bounded read, not one proportional to them.
	MaxEntries = 4096
	// maxForeignRemovals bounds how many foreign entries one trim removes,
	// so that a directory stuffed with them is cleaned over a few runs
	// instead of costing one run a long time.
	maxForeignRemovals = 256
	// futureSlack is how far in the future a file's time may be (clock
	// adjustments) before it is taken for what it is: a file whose time
	// cannot be trusted, dropped at once rather than kept forever.
	futureSlack = time.Hour
	// staleTemp is the age of a temporary file left by a killed writer.
	staleTemp = time.Minute
	// maxFileBytes bounds a single invocation's file whatever the spool's
	// size.
	maxFileBytes = 4 << 20
	minFileBound = 64 << 10
)

// Spool is a directory of pending invocations, one file each, named
// "<unix ns>-<size>-<id>.pb". The directory must be the user's own and
// closed to others (see store.Dir); everything in it that is not an
// invocation is removed, a few at a time.
type Spool struct {
	Dir      string
	MaxBytes int64
	MaxAge   time.Duration
	// Now is time.Now unless a test sets it.
	Now func() time.Time
}

// New returns a spool in dir with the default bounds.
func New(dir string) *Spool {
	return &Spool{Dir: dir, MaxBytes: DefaultMaxBytes, MaxAge: DefaultMaxAge, Now: time.Now}
}

func (s *Spool) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// fileBound is the largest file one invocation may take: a quarter of the
// spool (at least 64 KiB, at most 4 MiB, never more than the spool). A
// file over it is not an invocation this library wrote, and must not be
// able to push real ones out.
func (s *Spool) fileBound() int64 {
	b := int64(maxFileBytes)
	if s.MaxBytes > 0 {
		b = min(max(s.MaxBytes/4, minFileBound), maxFileBytes, s.MaxBytes)
	}
	return b
}

// Ensure creates the spool directory, failing when it cannot be written or
// is not safe to use, nor the directory holding it (the CLI's state: the
// upload lock and state live there). Callers run it before recording
// anything: an unusable spool means telemetry is off for the run.
func (s *Spool) Ensure() error {
	d, err := s.open(true)
	if err != nil {
		return err
	}
	d.Close()
	if d, err = store.OpenDir(filepath.Dir(s.Dir), false); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	return d.Close()
}

func (s *Spool) open(create bool) (*store.Dir, error) {
	d, err := store.OpenDir(s.Dir, create)
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	return d, nil
}

// Entry is one spooled invocation, as it is on disk.
type Entry struct {
	Path string
	Name string
	// Size and Time are the file's real size and modification time (from
	// lstat), not what its name claims.
	Size int64
	Time time.Time
}

// Write stores one invocation's spans under a name that sorts by time and
// cannot collide (the time in nanoseconds and a random id), then trims the
// spool to its bounds. It returns the file's path.
func (s *Spool) Write(data []byte, id string) (string, error) {
	if int64(len(data)) > s.fileBound() {
		return "", fmt.Errorf("spool: invocation of %d bytes is over the bound of %d", len(data), s.fileBound())
	}
	d, err := s.open(true)
	if err != nil {
		return "", err
	}
	defer d.Close()
	name := fmt.Sprintf("%020d-%d-%s%s", s.now().UnixNano(), len(data), cleanID(id), ext)
	if err := d.Put(name, data, store.PutOptions{}); err != nil {
		return "", fmt.Errorf("spool: %w", err)
	}
	s.trim(d)
	return filepath.Join(s.Dir, name), nil
}

// cleanID keeps the characters a spool name may hold.
func cleanID(id string) string {
	b := []byte(id)
	for i, c := range b {
		if !idChar(c) {
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		return "_"
	}
	return string(b[:min(len(b), 64)])
}

func idChar(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_'
}

// isSpoolName reports whether name is one this package writes.
func isSpoolName(name string) bool {
	rest, ok := strings.CutSuffix(name, ext)
	if !ok {
		return false
	}
	ts, rest, ok := strings.Cut(rest, "-")
	if !ok || len(ts) != 20 || !digits(ts) {
		return false
	}
	size, id, ok := strings.Cut(rest, "-")
	if !ok || size == "" || len(size) > 10 || !digits(size) || id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if !idChar(id[i]) {
			return false
		}
	}
	return true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// listing is one bounded read of the directory, sorted out.
type listing struct {
	files []Entry // invocations, oldest first
	// bad are entries to remove: invocation names that are not a regular
	// file of the user's within the bound, stale temporary files, and (up
	// to a bound) foreign entries.
	bad []string
	// future are invocations whose time is past now+futureSlack.
	future []Entry
}

// list reads the directory once, with a bound, and looks at each candidate
// with lstat: sizes and times are what is on disk, whatever names say.
func (s *Spool) list(d *store.Dir) (listing, error) {
	var l listing
	names, _, err := d.ReadNames(MaxEntries)
	if err != nil {
		return l, fmt.Errorf("spool: %w", err)
	}
	now := s.now()
	bound := s.fileBound()
	foreign := 0
	for _, n := range names {
		switch {
		case strings.HasPrefix(n, store.TempPrefix):
			fi, err := d.Lstat(n)
			if err == nil && (now.Sub(fi.ModTime()) > staleTemp || fi.ModTime().After(now.Add(futureSlack))) {
				l.bad = append(l.bad, n)
			}
			continue
		case !isSpoolName(n):
			// Removing a directory fails unless it is empty: harmless.
			if foreign < maxForeignRemovals {
				foreign++
				l.bad = append(l.bad, n)
			}
			continue
		}
		fi, err := d.Lstat(n)
		if err != nil {
			continue
		}
		if fi.IsDir() {
			continue
		}
		if !fi.Mode().IsRegular() || fi.Size() > bound || fi.Size() == 0 || !ownedByUser(fi) {
			l.bad = append(l.bad, n)
			continue
		}
		e := Entry{Path: filepath.Join(s.Dir, n), Name: n, Size: fi.Size(), Time: fi.ModTime()}
		if e.Time.After(now.Add(futureSlack)) {
			l.future = append(l.future, e)
			continue
		}
		l.files = append(l.files, e)
	}
	slices.SortFunc(l.files, func(a, b Entry) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return l, nil
}

// Files lists the spooled invocations, oldest first (at most MaxEntries
// directory entries are looked at).
func (s *Spool) Files() ([]Entry, error) {
	d, err := s.open(false)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer d.Close()
	l, err := s.list(d)
	return l.files, err
}

// Trim enforces the bounds: what is not an invocation goes first (a link, a
// FIFO, a file of another user, a file over the per-invocation bound, a
// file dated in the future, a killed writer's temporary file, a foreign
// file), then invocations older than MaxAge, then the oldest until the
// total real size fits MaxBytes. It returns how many invocations were
// dropped.
func (s *Spool) Trim() int {
	d, err := s.open(false)
	if err != nil {
		return 0
	}
	defer d.Close()
	return s.trim(d)
}

func (s *Spool) trim(d *store.Dir) int {
	l, err := s.list(d)
	if err != nil {
		return 0
	}
	for _, n := range l.bad {
		d.Remove(n)
	}
	dropped := 0
	for _, f := range l.future {
		if d.Remove(f.Name) == nil {
			dropped++
		}
	}
	now := s.now()
	var total int64
	for _, f := range l.files {
		total += f.Size
	}
	for _, f := range l.files {
		tooOld := s.MaxAge > 0 && now.Sub(f.Time) > s.MaxAge
		tooBig := s.MaxBytes > 0 && total > s.MaxBytes
		if !tooOld && !tooBig {
			break
		}
		if d.Remove(f.Name) == nil {
			dropped++
		}
		total -= f.Size
	}
	return dropped
}

// Clear removes every pending invocation ("telemetry disable").
func (s *Spool) Clear() error {
	d, err := s.open(false)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer d.Close()
	var errs []error
	for range 64 { // each pass sees at most MaxEntries entries
		l, err := s.list(d)
		if err != nil {
			return err
		}
		if len(l.files)+len(l.future) == 0 {
			break
		}
		for _, f := range append(l.files, l.future...) {
			if err := d.Remove(f.Name); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
		if len(errs) > 0 {
			break
		}
	}
	return errors.Join(errs...)
}

// ReadEntry returns the content of one spooled invocation, refusing what
// Files would not list (a link, a special file, a file over the bound).
func (s *Spool) ReadEntry(e Entry) ([]byte, error) {
	d, err := s.open(false)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	b, err := d.ReadFile(e.Name, s.fileBound())
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	return b, nil
}

// Remove deletes spooled invocations, by name inside the spool directory
// only.
func (s *Spool) Remove(es []Entry) error {
	if len(es) == 0 {
		return nil
	}
	d, err := s.open(false)
	if err != nil {
		return err
	}
	defer d.Close()
	var errs []error
	for _, e := range es {
		if err := d.Remove(e.Name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Read decodes the invocation file at path (a spool file, or the copy kept
// for "telemetry show"), with the checks of store.ReadFile.
func Read(path string) ([]*tracepb.ResourceSpans, error) {
	b, err := store.ReadFile(path, maxFileBytes)
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	return Decode(b)
}

// Decode decodes spool file content. An empty or undecodable file, or one
// holding no spans, is an error: the file is damaged.
func Decode(b []byte) ([]*tracepb.ResourceSpans, error) {
	var td tracepb.TracesData
	if err := proto.Unmarshal(b, &td); err != nil {
		return nil, fmt.Errorf("spool: decode: %w", err)
	}
	if len(td.ResourceSpans) == 0 {
		return nil, errors.New("spool: file holds no spans")
	}
	return td.ResourceSpans, nil
}

// Encode encodes spans as spool file content.
func Encode(rs []*tracepb.ResourceSpans) ([]byte, error) {
	return proto.Marshal(&tracepb.TracesData{ResourceSpans: rs})
}

// Client is an otlptrace.Client that writes to the spool instead of the
// network, so that the SDK's own span-to-OTLP conversion is used as is.
type Client struct {
	Spool *Spool
	// ID names this invocation's file.
	ID string
	// LastPath, when set, receives a copy of what was spooled, for
	// "telemetry show".
	LastPath string
	// Written, when set, is called with what was spooled (debug output).
	Written func([]*tracepb.ResourceSpans)
}

var _ otlptrace.Client = (*Client)(nil)

// Start does nothing.
func (c *Client) Start(context.Context) error { return nil }

// Stop does nothing.
func (c *Client) Stop(context.Context) error { return nil }

// UploadTraces writes the spans to the spool.
func (c *Client) UploadTraces(_ context.Context, rs []*tracepb.ResourceSpans) error {
	if len(rs) == 0 {
		return nil
	}
	b, err := Encode(rs)
	if err != nil {
		return fmt.Errorf("spool: encode: %w", err)
	}
	path, err := c.Spool.Write(b, c.ID)
	if err != nil {
		return err
	}
	if c.LastPath != "" {
		// Best effort: show is a convenience, the spool is what matters. A
		// hard link costs no copy and outlives the upload of the file.
		o := store.PutOptions{}
		if rel, err := filepath.Rel(filepath.Dir(c.LastPath), path); err == nil && filepath.IsLocal(rel) {
			o.LinkFrom = rel
		}
		_ = store.Put(c.LastPath, b, o)
	}
	if c.Written != nil {
		c.Written(rs)
	}
	return nil
}
