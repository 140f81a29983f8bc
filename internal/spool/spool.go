package spool

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
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
	tmpPrefix       = ".tmp-"
)

// Spool is a directory of pending invocations.
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

// Ensure creates the spool directory, failing when it cannot be written.
// Callers run it before recording anything: an unwritable spool means
// telemetry is off for the run.
func (s *Spool) Ensure() error {
	// MkdirAll fails when the path or a parent is not a directory.
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	return nil
}

// Entry is one spooled invocation.
type Entry struct {
	Path string
	Size int64
	Time time.Time
}

// Write stores one invocation's spans under a name that sorts by time and
// cannot collide (the time in nanoseconds and a random id), then trims the
// spool to its bounds. It returns the file's path.
func (s *Spool) Write(data []byte, id string) (string, error) {
	// The size is part of the name, so that listing the spool (on every
	// write, to enforce its bounds) needs no stat per file.
	name := fmt.Sprintf("%020d-%d-%s%s", s.now().UnixNano(), len(data), id, ext)
	path := filepath.Join(s.Dir, name)
	tmp, err := os.CreateTemp(s.Dir, tmpPrefix+"*")
	if err != nil {
		return "", fmt.Errorf("spool: %w", err)
	}
	_, werr := tmp.Write(data)
	if err := errors.Join(werr, tmp.Close()); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("spool: write: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("spool: %w", err)
	}
	s.Trim()
	return path, nil
}

// Files lists the spooled invocations, oldest first.
func (s *Spool) Files() ([]Entry, error) {
	files, _, err := s.list()
	return files, err
}

// list reads the directory once: the invocations, oldest first, and the
// temporary files of writes in progress (or of killed processes).
func (s *Spool) list() (files []Entry, tmps []string, err error) {
	des, err := os.ReadDir(s.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("spool: %w", err)
	}
	for _, de := range des {
		n := de.Name()
		if strings.HasPrefix(n, tmpPrefix) {
			tmps = append(tmps, n)
			continue
		}
		if !strings.HasSuffix(n, ext) || strings.HasPrefix(n, ".") || de.IsDir() {
			continue
		}
		e, ok := parseName(n)
		if !ok {
			info, err := de.Info()
			if err != nil {
				continue
			}
			e = Entry{Size: info.Size(), Time: info.ModTime()}
		}
		e.Path = filepath.Join(s.Dir, n)
		files = append(files, e)
	}
	slices.SortFunc(files, func(a, b Entry) int { return strings.Compare(filepath.Base(a.Path), filepath.Base(b.Path)) })
	return files, tmps, nil
}

// parseName reads the time and size from a spool file's name,
// "<unix ns>-<size>-<id>.pb".
func parseName(name string) (Entry, bool) {
	ts, rest, ok := strings.Cut(name, "-")
	if !ok {
		return Entry{}, false
	}
	size, _, ok := strings.Cut(rest, "-")
	if !ok {
		return Entry{}, false
	}
	ns, err1 := strconv.ParseInt(ts, 10, 64)
	n, err2 := strconv.ParseInt(size, 10, 64)
	if err1 != nil || err2 != nil || ns <= 0 || n < 0 {
		return Entry{}, false
	}
	return Entry{Size: n, Time: time.Unix(0, ns)}, true
}

// Trim enforces the bounds: files older than MaxAge go first, then the
// oldest until the total fits MaxBytes. Temporary files that a killed
// process left behind are removed after a minute. It returns how many
// invocations were dropped.
func (s *Spool) Trim() int {
	now := s.now()
	files, tmps, err := s.list()
	if err != nil {
		return 0
	}
	for _, n := range tmps {
		p := filepath.Join(s.Dir, n)
		if info, err := os.Stat(p); err == nil && now.Sub(info.ModTime()) > time.Minute {
			os.Remove(p)
		}
	}
	dropped := 0
	var total int64
	for _, f := range files {
		total += f.Size
	}
	for _, f := range files {
		tooOld := s.MaxAge > 0 && now.Sub(f.Time) > s.MaxAge
		tooBig := s.MaxBytes > 0 && total > s.MaxBytes
		if !tooOld && !tooBig {
			break
		}
		if os.Remove(f.Path) == nil {
			dropped++
		}
		total -= f.Size
	}
	return dropped
}

// Clear removes every pending invocation ("telemetry disable").
func (s *Spool) Clear() error {
	files, err := s.Files()
	if err != nil {
		return err
	}
	var errs []error
	for _, f := range files {
		if err := os.Remove(f.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Read decodes one spooled invocation.
func Read(path string) ([]*tracepb.ResourceSpans, error) {
	b, err := os.ReadFile(path)
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
		if linkOver(path, c.LastPath) != nil {
			_ = store.WriteFileAtomic(c.LastPath, b, 0o600)
		}
	}
	if c.Written != nil {
		c.Written(rs)
	}
	return nil
}

// linkOver makes dst another name of src, replacing dst atomically.
func linkOver(src, dst string) error {
	tmp := dst + ".tmp-" + filepath.Base(src)
	if err := os.Link(src, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
