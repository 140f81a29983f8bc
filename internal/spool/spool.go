package spool

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/cli-telemetry/otelcli/internal/otlp"
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
	// Last, when set, is where the newest invocation that left the spool
	// for good is kept, for "telemetry show" (see Retire).
	Last string
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
	// Checked, not opened: Write opens it with every check, and this runs
	// at the start of every command. Only a missing spool is created here.
	if err := store.CheckDir(s.Dir); err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("spool: %w", err)
		}
		d, err := s.open(true)
		if err != nil {
			return err
		}
		d.Close()
	}
	if err := store.CheckDir(filepath.Dir(s.Dir)); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	return nil
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
	s.trim(d, false)
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

// parseName reads the time and size an invocation's name claims,
// "<unix ns, 20 digits>-<size>-<id>.pb"; ok is false for any other name.
func parseName(name string) (ns, size int64, ok bool) {
	rest, ok := strings.CutSuffix(name, ext)
	if !ok {
		return 0, 0, false
	}
	ts, rest, ok := strings.Cut(rest, "-")
	if !ok || len(ts) != 20 || !digits(ts) {
		return 0, 0, false
	}
	sz, id, ok := strings.Cut(rest, "-")
	if !ok || sz == "" || len(sz) > 10 || !digits(sz) || id == "" || len(id) > 64 {
		return 0, 0, false
	}
	for i := 0; i < len(id); i++ {
		if !idChar(id[i]) {
			return 0, 0, false
		}
	}
	ns, err1 := strconv.ParseInt(ts, 10, 64)
	size, err2 := strconv.ParseInt(sz, 10, 64)
	return ns, size, err1 == nil && err2 == nil
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
	// file of the user's of the size its name claims, or claim more than
	// the per-invocation bound; stale temporary files; and (up to a bound)
	// foreign entries.
	bad []string
	// future are invocations whose name's time is past now+futureSlack.
	future []Entry
}

// verifySample is how many invocations a command's write checks against
// lstat when the names say that nothing needs trimming.
const verifySample = 16

// list reads the directory once, with a bound. An invocation's name claims
// its time and size, as this package's writer named it (it writes once,
// under its final name, by rename); with all set, every invocation is
// checked against lstat (else a random sample of verifySample): what is not
// a regular file of the user's of exactly the claimed size is no invocation
// of ours and goes to bad, so that sizes are what is on disk. Times are the
// names': one in the future is dropped, any other only decides the order
// in which a file is dropped itself.
func (s *Spool) list(d *store.Dir, all bool) (listing, error) {
	var l listing
	names, _, err := d.ReadNames(MaxEntries)
	if err != nil {
		return l, fmt.Errorf("spool: %w", err)
	}
	// Invocation names sort by time (20 digits), then by id: sorted names
	// list the files oldest first.
	slices.Sort(names)
	now := s.now()
	bound := s.fileBound()
	foreign := 0
	var sample map[int]bool
	if !all && len(names) > verifySample {
		sample = make(map[int]bool, verifySample)
		for range verifySample {
			sample[rand.IntN(len(names))] = true
		}
	}
	for i, n := range names {
		if strings.HasPrefix(n, store.TempPrefix) {
			fi, err := d.Lstat(n)
			if err == nil && (now.Sub(fi.ModTime()) > staleTemp || fi.ModTime().After(now.Add(futureSlack))) {
				l.bad = append(l.bad, n)
			}
			continue
		}
		ns, size, ok := parseName(n)
		if !ok {
			// Removing a directory fails unless it is empty: harmless.
			if foreign < maxForeignRemovals {
				foreign++
				l.bad = append(l.bad, n)
			}
			continue
		}
		if size == 0 || size > bound {
			l.bad = append(l.bad, n)
			continue
		}
		if sample == nil || sample[i] {
			fi, err := d.Lstat(n)
			if err != nil || fi.IsDir() {
				continue
			}
			if !fi.Mode().IsRegular() || fi.Size() != size || !ownedByUser(fi) {
				l.bad = append(l.bad, n)
				continue
			}
		}
		e := Entry{Name: n, Size: size, Time: time.Unix(0, ns)}
		if e.Time.After(now.Add(futureSlack)) {
			l.future = append(l.future, e)
			continue
		}
		l.files = append(l.files, e)
	}
	return l, nil
}

// Files lists the spooled invocations, oldest first, each checked against
// lstat (at most MaxEntries directory entries are looked at).
func (s *Spool) Files() ([]Entry, error) {
	d, err := s.open(false)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer d.Close()
	l, err := s.list(d, true)
	for i := range l.files {
		l.files[i].Path = filepath.Join(s.Dir, l.files[i].Name)
	}
	return l.files, err
}

// Trim enforces the bounds: what is not an invocation goes first (a link, a
// FIFO, a file of another user, a file whose size is not what its name
// says or over the per-invocation bound, a file dated in the future, a
// killed writer's temporary file, a foreign file), then invocations older
// than MaxAge, then the oldest until the total real size fits under
// lowWater of MaxBytes. It returns how many invocations were dropped.
func (s *Spool) Trim() int {
	d, err := s.open(false)
	if err != nil {
		return 0
	}
	defer d.Close()
	return s.trim(d, true)
}

// lowWater is the share of MaxBytes a size trim goes down to, so that a
// full spool (a backend away for long) is trimmed, with lstat on every
// file, once every few dozen writes rather than on each one.
const lowWater = 0.9

// trim is Trim. A command's write (all unset) first judges by names and a
// sample: only when the names say something must go is every file checked
// and the decision taken on what is on disk.
func (s *Spool) trim(d *store.Dir, all bool) int {
	l, err := s.list(d, all)
	if err != nil {
		return 0
	}
	if !all && len(l.future) == 0 && !s.overBounds(l.files, 1) {
		for _, n := range l.bad {
			d.Remove(n)
		}
		return 0
	}
	if !all {
		if l, err = s.list(d, true); err != nil {
			return 0
		}
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
	if !s.overBounds(l.files, 1) {
		return dropped
	}
	now := s.now()
	var total int64
	for _, f := range l.files {
		total += f.Size
	}
	target := int64(float64(s.MaxBytes) * lowWater)
	for _, f := range l.files {
		tooOld := s.MaxAge > 0 && now.Sub(f.Time) > s.MaxAge
		tooBig := s.MaxBytes > 0 && total > target
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

// overBounds reports whether files (oldest first) exceed share of MaxBytes
// or hold one older than MaxAge.
func (s *Spool) overBounds(files []Entry, share float64) bool {
	if len(files) == 0 {
		return false
	}
	if s.MaxAge > 0 && s.now().Sub(files[0].Time) > s.MaxAge {
		return true
	}
	var total int64
	for _, f := range files {
		total += f.Size
	}
	return s.MaxBytes > 0 && total > int64(float64(s.MaxBytes)*share)
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
		l, err := s.list(d, true)
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

// Retire removes invocations that left the spool for good (sent, or
// refused for good), keeping the newest of them at Last: a hard link made
// by the uploader, so that the command's own path writes one file, not two.
func (s *Spool) Retire(es []Entry) error {
	if s.Last != "" && len(es) > 0 {
		newest := es[0]
		for _, e := range es[1:] {
			if e.Name > newest.Name { // names sort by time
				newest = e
			}
		}
		s.keepLast(filepath.Join(s.Dir, newest.Name))
	}
	return s.Remove(es)
}

// keepLast makes Last hold the invocation at path: a hard link when the
// file system has them, else a copy. Best effort: "telemetry show" is a
// convenience.
func (s *Spool) keepLast(path string) {
	b, err := store.ReadFile(path, maxFileBytes)
	if err != nil {
		return
	}
	o := store.PutOptions{}
	if rel, err := filepath.Rel(filepath.Dir(s.Last), path); err == nil && filepath.IsLocal(rel) {
		o.LinkFrom = rel
	}
	_ = store.Put(s.Last, b, o)
}

// Read decodes the invocation file at path (a spool file, or the copy kept
// for "telemetry show"), with the checks of store.ReadFile.
func Read(path string) ([]otlp.ResourceSpans, error) {
	b, err := store.ReadFile(path, maxFileBytes)
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	return Decode(b)
}

// Decode decodes spool file content. An empty or undecodable file, or one
// holding no spans, is an error: the file is damaged.
func Decode(b []byte) ([]otlp.ResourceSpans, error) {
	rs, err := otlp.Unmarshal(b)
	if err != nil {
		return nil, fmt.Errorf("spool: decode: %w", err)
	}
	if otlp.Len(rs) == 0 {
		return nil, errors.New("spool: file holds no spans")
	}
	return rs, nil
}

// Encode encodes spans as spool file content: OTLP TracesData.
func Encode(rs []otlp.ResourceSpans) []byte { return otlp.Marshal(rs) }

// Exporter is the span exporter that writes one invocation's spans to the
// spool (one file a call) instead of the network: OTLP protobuf that any
// collector accepts, which the uploader posts as it is.
type Exporter struct {
	Spool *Spool
	// ID names this invocation's files.
	ID string
	// Resource, when set, is every span's resource, with SchemaURL: the
	// session's, in place of the provider's.
	Resource  []attribute.KeyValue
	SchemaURL string
	// Written, when set, is called with what was spooled (debug output).
	Written func([]otlp.ResourceSpans)
}

var _ sdktrace.SpanExporter = (*Exporter)(nil)

// ExportSpans writes spans to the spool.
func (e *Exporter) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	if e.Resource != nil {
		return e.write(otlp.FromSDKWithResource(spans, e.Resource, e.SchemaURL))
	}
	return e.write(otlp.FromSDK(spans))
}

// write spools rs as one file.
func (e *Exporter) write(rs []otlp.ResourceSpans) error {
	if len(rs) == 0 {
		return nil
	}
	b := Encode(rs)
	if _, err := e.Spool.Write(b, e.ID); err != nil {
		return err
	}
	if e.Written != nil {
		e.Written(rs)
	}
	return nil
}

// Shutdown does nothing: every call wrote its file.
func (e *Exporter) Shutdown(context.Context) error { return nil }
