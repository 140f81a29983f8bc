package upload

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cli-telemetry/otelcli/internal/otlp"
	"github.com/cli-telemetry/otelcli/internal/otlphttp"
	"github.com/cli-telemetry/otelcli/internal/spool"
	"github.com/cli-telemetry/otelcli/internal/store"
	"github.com/cli-telemetry/otelcli/processors"
)

// Defaults.
const (
	DefaultMaxRequestBytes = 512 << 10
	// DefaultMaxBatch bounds the invocations of one request. Requests start
	// at firstBatch invocations and double after each success up to it, so
	// that an uploader killed with a request in flight (which the next one
	// sends again: the backend may have got it) re-sends little.
	DefaultMaxBatch   = 32
	firstBatch        = 2
	DefaultMaxBackoff = 30 * time.Second
	DefaultLifetime   = 2 * time.Minute
	// DefaultLinger is how long a background uploader stays after emptying
	// the spool, holding the lock and watching the spool, so that the next
	// commands of a burst hand it their runs instead of each starting an
	// uploader. A run spooled meanwhile waits at most DefaultPoll.
	DefaultLinger  = 5 * time.Second
	DefaultPoll    = 200 * time.Millisecond
	DefaultTimeout = otlphttp.DefaultTimeout
	firstBackoff   = time.Second
	maxRetryAfter  = time.Hour
	maxFailures    = 64

	// leaseGrace is how long past its lease a lock holder is still given
	// (it is on its way out); maxLease is the furthest a lease can
	// plausibly be (a lease beyond it is a clock set back or a planted
	// file). stealSettle is how long an uploader that took over a dead
	// holder's lock waits before checking that no other one did too.
	leaseGrace  = 5 * time.Second
	maxLease    = time.Hour
	stealSettle = 100 * time.Millisecond

	niceness = 10

	lockFile  = "upload.lock"
	stateFile = "upload-state.json"
)

// Config says where to read from, what may leave and where to send.
type Config struct {
	Spool *spool.Spool
	// StateDir holds the lock and the backoff state.
	StateDir string
	// Policy is applied again to everything read from the spool (any
	// process of the user's can write a file there). Nothing is sent
	// without one.
	Policy *processors.Policy
	// Endpoint, when set, is the full URL spans are posted to; when empty
	// OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT is read (see internal/otlphttp).
	Endpoint string
	// Env reads the OTEL_EXPORTER_OTLP_* variables.
	Env func(string) (string, bool)

	MaxRequestBytes int
	MaxBatch        int
	MaxBackoff      time.Duration
	// Lifetime bounds how long an uploader keeps going (retrying, lingering)
	// before it leaves the rest to a later one. Inline uploads pass their
	// deadline here. It is also the lease of the lock.
	Lifetime time.Duration
	// Linger, when positive, keeps the uploader after the spool is empty,
	// watching it every Poll (see DefaultLinger). Zero for inline uploads.
	Linger time.Duration
	Poll   time.Duration
	// LowPriority lowers the process's CPU and I/O priority once it holds
	// the lock: set it in a detached uploader, never inline.
	LowPriority bool
	// Clock is the real clock unless a test sets it.
	Clock Clock
	// Logf receives diagnostics; it is a no-op unless debug output is on.
	Logf func(format string, args ...any)
}

func (c *Config) defaults() {
	if c.MaxRequestBytes <= 0 {
		c.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if c.MaxBatch <= 0 {
		c.MaxBatch = DefaultMaxBatch
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
	if c.Lifetime <= 0 {
		c.Lifetime = DefaultLifetime
	}
	if c.Poll <= 0 {
		c.Poll = DefaultPoll
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
	if c.Env == nil {
		c.Env = os.LookupEnv
	}
	if c.Clock == nil {
		c.Clock = realClock{}
	}
}

// State is the persisted backoff.
type State struct {
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	Failures    int       `json:"failures,omitempty"`
}

// ReadState returns the backoff state; a missing or damaged file is the
// zero state (try now).
func ReadState(dir string) State {
	d, err := store.OpenDir(dir, false)
	if err != nil {
		return State{}
	}
	defer d.Close()
	return readState(d, time.Now())
}

// readState reads the state and distrusts it: a next attempt further than
// any backoff or Retry-After this package writes (a clock set back, a
// planted file) would stop delivery until that date, so it is the zero
// state instead.
func readState(d *store.Dir, now time.Time) State {
	var s State
	b, err := d.ReadFile(stateFile, store.MaxStateFile)
	if err != nil || json.Unmarshal(b, &s) != nil {
		return State{}
	}
	if s.NextAttempt.After(now.Add(maxRetryAfter + time.Minute)) {
		return State{}
	}
	s.Failures = min(max(s.Failures, 0), maxFailures)
	return s
}

func writeState(d *store.Dir, s State) error {
	if s == (State{}) {
		err := d.Remove(stateFile)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	b, _ := json.Marshal(s)
	return d.Put(stateFile, b, store.PutOptions{})
}

// Due reports whether starting an uploader now could do anything: no live
// uploader holds the lock and the backoff has expired. It is what a command
// checks before spawning one, so a dead backend does not cost a process per
// command, and a lingering uploader takes the next runs.
func Due(dir string, now time.Time) bool {
	d, err := store.OpenDir(dir, false)
	if err != nil {
		return false
	}
	defer d.Close()
	if now.Before(readState(d, now).NextAttempt) {
		return false
	}
	held, err := probe(d, now)
	return err == nil && !held
}

// Locked reports whether a live uploader holds the lock.
func Locked(dir string) bool {
	d, err := store.OpenDir(dir, false)
	if err != nil {
		return false
	}
	defer d.Close()
	held, _ := probe(d, time.Now())
	return held
}

// LockHolder returns the pid written in the lock file by the last uploader,
// for tests and diagnostics.
func LockHolder(dir string) int {
	b, err := store.ReadFile(filepath.Join(dir, lockFile), 64)
	if err != nil {
		return 0
	}
	var pid int
	fmt.Sscanf(string(b), "%d", &pid)
	return pid
}

// uploader is one run of Run.
type uploader struct {
	cfg      Config
	clock    Clock
	state    *store.Dir
	client   *otlphttp.Client
	lock     *lock
	deadline time.Time
	// batch is the number of invocations the next request may carry.
	batch int
}

// Run drains the spool until it is empty (and, with Linger, stays a while),
// the lifetime is over or ctx is done. It returns at once when a live
// uploader holds the lock. A malformed configuration sends nothing, keeps
// the files and backs off like a failed request.
func Run(ctx context.Context, cfg Config) error {
	cfg.defaults()
	if cfg.Policy == nil {
		return errors.New("upload: no policy: nothing is sent")
	}
	state, err := store.OpenDir(cfg.StateDir, true)
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	defer state.Close()
	u := &uploader{cfg: cfg, clock: cfg.Clock, state: state, batch: firstBatch}
	u.deadline = u.clock.Now().Add(cfg.Lifetime)

	hc, err := otlphttp.FromEnv(cfg.Env, cfg.Endpoint)
	if err != nil {
		err = fmt.Errorf("upload: nothing sent, files kept: %w", err)
		if u.take() {
			u.recordFailure(otlphttp.Response{Err: err})
			u.lock.release()
		}
		return err
	}
	for _, n := range hc.Notes {
		cfg.Logf("%s", n)
	}
	u.client = otlphttp.New(hc)
	defer u.client.Close()

	for attempt := 0; ; attempt++ {
		if !u.take() {
			return nil
		}
		if cfg.LowPriority && attempt == 0 {
			lowerPriority()
		}
		emptied, err := u.drain(ctx)
		u.lock.release()
		if err != nil || !emptied || !u.alive() || ctx.Err() != nil {
			return err
		}
		// A command may have spooled a file after the last listing and seen
		// the lock held; look once more now that it is released.
		if files, _ := cfg.Spool.Files(); len(files) == 0 || attempt > 0 {
			return nil
		}
	}
}

// take acquires the lock, reporting false when a live uploader has it.
func (u *uploader) take() bool {
	now := u.clock.Now()
	l, ok, err := acquire(u.state, now, u.deadline)
	if err != nil {
		u.cfg.Logf("lock: %v", err)
		return false
	}
	if !ok {
		u.cfg.Logf("another uploader is running")
		return false
	}
	if l.stolen {
		u.cfg.Logf("took over the lock of an uploader past its lifetime")
		if !u.clock.Sleep(context.Background(), stealSettle) || !l.current() {
			l.release()
			return false
		}
	}
	u.lock = l
	return true
}

// alive reports whether this uploader may still act: its lifetime is not
// over and the lock file is still its own. It is checked before anything
// is sent or deleted, so that an uploader stopped (SIGSTOP, a sleeping
// machine) and resumed after another took over stops instead of sending
// the same files twice.
func (u *uploader) alive() bool {
	return before(u.clock.Now(), u.deadline) && u.lock.current()
}

// drain sends the spool until it is empty (emptied), or until the lifetime,
// the lock or the backoff stop it.
func (u *uploader) drain(ctx context.Context) (emptied bool, err error) {
	sp := u.cfg.Spool
	for {
		if !u.wait(ctx) {
			return false, nil
		}
		if n := sp.Trim(); n > 0 {
			u.cfg.Logf("dropped %d spooled invocations over the spool's bounds", n)
		}
		files, err := sp.Files()
		if err != nil {
			return false, err
		}
		if len(files) == 0 {
			if err := writeState(u.state, State{}); err != nil {
				return false, err
			}
			if u.linger(ctx) {
				continue
			}
			return true, nil
		}
		batch, body, progress := u.load(files)
		if len(batch) == 0 {
			if !progress {
				return false, errors.New("upload: spool files can be neither sent nor removed")
			}
			continue
		}
		if !u.alive() {
			u.cfg.Logf("lifetime over or lock taken over: stopping before sending")
			return false, nil
		}
		res := u.send(ctx, body)
		if !u.outcome(batch, res) {
			return false, nil
		}
		if ctx.Err() != nil {
			return false, nil
		}
	}
}

// wait honours the persisted backoff; false when it ends past the
// lifetime.
func (u *uploader) wait(ctx context.Context) bool {
	now := u.clock.Now()
	st := readState(u.state, now)
	w := st.NextAttempt.Sub(now)
	if w <= 0 {
		return ctx.Err() == nil && before(now, u.deadline)
	}
	if !before(now.Add(w), u.deadline) {
		u.cfg.Logf("next attempt at %s is past this uploader's lifetime", st.NextAttempt.Format(time.RFC3339))
		return false
	}
	return u.clock.Sleep(ctx, w) && before(u.clock.Now(), u.deadline)
}

// linger stays after the spool emptied, looking at the spool directory
// every Poll (a stat), until files arrive (true) or Linger is over.
func (u *uploader) linger(ctx context.Context) bool {
	if u.cfg.Linger <= 0 {
		return false
	}
	until := u.clock.Now().Add(u.cfg.Linger)
	if until.After(u.deadline) {
		until = u.deadline
	}
	last := u.spoolMark()
	for u.clock.Now().Before(until) {
		if !u.clock.Sleep(ctx, u.cfg.Poll) {
			return false
		}
		if m := u.spoolMark(); m != last {
			last = m
			if files, _ := u.cfg.Spool.Files(); len(files) > 0 {
				return u.lock.current()
			}
		}
	}
	return false
}

// spoolMark changes when an entry is added to or removed from the spool
// directory.
func (u *uploader) spoolMark() string {
	fi, err := os.Lstat(u.cfg.Spool.Dir)
	if err != nil {
		return ""
	}
	return fmt.Sprint(fi.ModTime().UnixNano(), fi.Size())
}

// load reads files oldest first into one request of at most the current
// batch size and MaxRequestBytes (at least one file), each filtered by the
// policy. A file that cannot be read, decoded or that holds nothing the
// policy lets through is removed (progress reports whether anything was).
func (u *uploader) load(files []spool.Entry) (batch []spool.Entry, body []byte, progress bool) {
	var rs []otlp.ResourceSpans
	var size int64
	limit := min(u.batch, u.cfg.MaxBatch)
	for _, f := range files {
		if len(batch) >= limit || len(batch) > 0 && size+f.Size > int64(u.cfg.MaxRequestBytes) {
			break
		}
		b, err := u.cfg.Spool.ReadEntry(f)
		var spans []otlp.ResourceSpans
		if err == nil {
			spans, err = spool.Decode(b)
		}
		if err == nil {
			if spans = filter(u.cfg.Policy, spans); len(spans) == 0 {
				err = errors.New("nothing in it passes the policy")
			}
		}
		if err != nil {
			u.cfg.Logf("removing spool file %s: %v", f.Name, err)
			if u.cfg.Spool.Remove([]spool.Entry{f}) == nil {
				progress = true
			}
			continue
		}
		batch = append(batch, f)
		rs = append(rs, spans...)
		size += f.Size
	}
	if len(batch) == 0 {
		return nil, nil, progress
	}
	return batch, otlp.Marshal(rs), true
}

// send posts one request, bounded by the request timeout and by what is
// left of the lifetime.
func (u *uploader) send(ctx context.Context, body []byte) otlphttp.Response {
	left := u.deadline.Sub(u.clock.Now())
	if left <= 0 {
		return otlphttp.Response{Err: context.DeadlineExceeded}
	}
	rctx, cancel := context.WithTimeout(ctx, left)
	defer cancel()
	return u.client.Export(rctx, body)
}

// outcome of one request.
type outcome int

const (
	sent outcome = iota
	rejected
	retry
)

func classify(r otlphttp.Response) outcome {
	switch s := r.Status; {
	case s >= 200 && s < 300:
		return sent
	case s == http.StatusTooManyRequests || s >= 500:
		return retry
	case s >= 300 && s < 400:
		// A redirect is never followed (the body and the headers, an API
		// key, would go somewhere not configured): the files stay.
		return retry
	case s >= 400:
		return rejected
	default:
		// No response at all: refused, reset, timed out, TLS refused.
		return retry
	}
}

// outcome applies the response to the batch; false stops the drain.
func (u *uploader) outcome(batch []spool.Entry, r otlphttp.Response) bool {
	switch classify(r) {
	case sent:
		if r.RejectedSpans != 0 || r.Message != "" {
			u.cfg.Logf("partial success: %d spans rejected: %s", r.RejectedSpans, r.Message)
		}
		u.cfg.Logf("sent %d invocations", len(batch))
		u.cfg.Spool.Retire(batch)
		u.batch = min(u.batch*2, u.cfg.MaxBatch)
		if err := writeState(u.state, State{}); err != nil {
			u.cfg.Logf("state: %v", err)
		}
	case rejected:
		u.cfg.Logf("backend rejected %d invocations for good (HTTP %d): dropping them", len(batch), r.Status)
		u.cfg.Spool.Retire(batch)
	case retry:
		u.recordFailure(r)
	}
	return true
}

// recordFailure persists the next attempt: 1 s doubling to MaxBackoff, or
// the server's Retry-After (up to an hour) when longer.
func (u *uploader) recordFailure(r otlphttp.Response) {
	now := u.clock.Now()
	st := readState(u.state, now)
	st.Failures = min(st.Failures+1, maxFailures)
	wait := backoff(st.Failures, u.cfg.MaxBackoff)
	if r.RetryAfter > 0 {
		wait = max(wait, min(r.RetryAfter, maxRetryAfter))
	}
	st.NextAttempt = now.Add(wait).Round(0)
	what := fmt.Sprintf("HTTP %d", r.Status)
	if r.Err != nil {
		what = r.Err.Error()
	}
	u.cfg.Logf("upload failed (%s); next attempt in %s", strings.TrimSpace(what), wait)
	if err := writeState(u.state, st); err != nil {
		u.cfg.Logf("state: %v", err)
	}
}

func backoff(failures int, limit time.Duration) time.Duration {
	d := firstBackoff
	for i := 1; i < failures && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}
