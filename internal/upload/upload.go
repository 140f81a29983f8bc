package upload

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/cli-telemetry/otelcli/internal/spool"
	"github.com/cli-telemetry/otelcli/internal/store"
)

// Defaults.
const (
	DefaultMaxRequestBytes = 512 << 10
	DefaultMaxBackoff      = 30 * time.Second
	DefaultLifetime        = 2 * time.Minute
	DefaultTimeout         = 10 * time.Second
	firstBackoff           = time.Second
	maxRetryAfter          = time.Hour

	lockFile  = "upload.lock"
	stateFile = "upload-state.json"
)

// Config says where to read from and where to send.
type Config struct {
	Spool *spool.Spool
	// StateDir holds the lock and the backoff state.
	StateDir string
	// Endpoint, when set, is the full URL spans are posted to; when empty the
	// exporter reads OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT itself.
	Endpoint string
	// Env reads the OTEL_EXPORTER_OTLP_* variables the exporter does not
	// apply itself once it is given an HTTP client (timeout, TLS files).
	Env func(string) (string, bool)

	MaxRequestBytes int
	MaxBackoff      time.Duration
	// Lifetime bounds how long an uploader keeps retrying before it leaves
	// the rest to a later one. Inline uploads pass their deadline here.
	Lifetime time.Duration
	// Logf receives diagnostics; it is a no-op unless debug output is on.
	Logf func(format string, args ...any)
}

func (c *Config) defaults() {
	if c.MaxRequestBytes <= 0 {
		c.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
	if c.Lifetime <= 0 {
		c.Lifetime = DefaultLifetime
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
	if c.Env == nil {
		c.Env = os.LookupEnv
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
	var s State
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err == nil {
		_ = json.Unmarshal(b, &s)
	}
	return s
}

func writeState(dir string, s State) error {
	if s == (State{}) {
		err := os.Remove(filepath.Join(dir, stateFile))
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	b, _ := json.Marshal(s)
	return store.Put(filepath.Join(dir, stateFile), b, store.PutOptions{})
}

// Due reports whether starting an uploader now could do anything: no
// uploader holds the lock and the backoff has expired. It is what a command
// checks before spawning one, so a dead backend does not cost a process per
// command.
func Due(dir string, now time.Time) bool {
	if now.Before(ReadState(dir).NextAttempt) {
		return false
	}
	return !Locked(dir)
}

// Locked reports whether an uploader holds the lock.
func Locked(dir string) bool {
	l, ok, err := tryLock(filepath.Join(dir, lockFile))
	switch {
	case err != nil:
		return false
	case !ok:
		return true
	}
	l.unlock()
	return false
}

// LockHolder returns the pid written in the lock file by the last uploader,
// for tests and diagnostics.
func LockHolder(dir string) int {
	b, err := os.ReadFile(filepath.Join(dir, lockFile))
	if err != nil {
		return 0
	}
	var pid int
	fmt.Sscanf(string(b), "%d", &pid)
	return pid
}

// outcome of one request.
type outcome int

const (
	sent outcome = iota
	rejected
	retry
)

// Run drains the spool until it is empty, the lifetime is over or ctx is
// done. It returns at once when another uploader holds the lock.
func Run(ctx context.Context, cfg Config) error {
	cfg.defaults()
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	deadline := time.Now().Add(cfg.Lifetime)
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()

	rec := &recorder{}
	httpClient, timeout, err := newHTTPClient(cfg.Env, rec)
	if err != nil {
		return err
	}
	opts := []otlptracehttp.Option{
		otlptracehttp.WithHTTPClient(httpClient),
		otlptracehttp.WithRetry(otlptracehttp.RetryConfig{Enabled: false}),
	}
	if cfg.Endpoint != "" {
		opts = append(opts, otlptracehttp.WithEndpointURL(cfg.Endpoint))
	}
	client := otlptracehttp.NewClient(opts...)
	if err := client.Start(ctx); err != nil {
		return fmt.Errorf("upload: start client: %w", err)
	}
	defer client.Stop(context.Background())

	for attempt := 0; ; attempt++ {
		lk, ok, err := tryLock(filepath.Join(cfg.StateDir, lockFile))
		if err != nil {
			return fmt.Errorf("upload: lock: %w", err)
		}
		if !ok {
			cfg.Logf("another uploader is running")
			return nil
		}
		lk.markHolder()
		emptied, err := drain(ctx, cfg, client, rec, timeout)
		lk.unlock()
		if err != nil || !emptied || ctx.Err() != nil {
			return err
		}
		// A command may have spooled a file after the last listing and seen
		// the lock held; look once more now that it is released.
		if files, _ := cfg.Spool.Files(); len(files) == 0 || attempt > 0 {
			return nil
		}
	}
}

// drain sends the spool until it is empty (emptied), or until the deadline
// or the backoff stop it.
func drain(ctx context.Context, cfg Config, client interface {
	UploadTraces(context.Context, []*tracepb.ResourceSpans) error
}, rec *recorder, timeout time.Duration) (emptied bool, err error) {
	for {
		st := ReadState(cfg.StateDir)
		if wait := time.Until(st.NextAttempt); wait > 0 {
			dl, _ := ctx.Deadline()
			if time.Now().Add(wait).After(dl) {
				cfg.Logf("next attempt at %s is past this uploader's deadline", st.NextAttempt.Format(time.RFC3339))
				return false, nil
			}
			select {
			case <-ctx.Done():
				return false, nil
			case <-time.After(wait):
			}
		}
		if n := cfg.Spool.Trim(); n > 0 {
			cfg.Logf("dropped %d spooled invocations over the spool's size or age bounds", n)
		}
		files, err := cfg.Spool.Files()
		if err != nil {
			return false, err
		}
		if len(files) == 0 {
			return true, writeState(cfg.StateDir, State{})
		}
		batch, rs := load(cfg, files)
		if len(rs) == 0 {
			continue
		}
		rctx, cancel := context.WithTimeout(ctx, timeout)
		rec.reset()
		err = client.UploadTraces(rctx, rs)
		cancel()
		status, retryAfter := rec.get()
		switch classify(err, status) {
		case sent:
			if err != nil {
				cfg.Logf("partial success: %v", err)
			}
			cfg.Logf("sent %d invocations", len(batch))
			remove(cfg, batch)
			if err := writeState(cfg.StateDir, State{}); err != nil {
				return false, err
			}
		case rejected:
			cfg.Logf("backend rejected %d invocations for good (HTTP %d): dropping them: %v", len(batch), status, err)
			remove(cfg, batch)
		case retry:
			st.Failures++
			wait := backoff(st.Failures, cfg.MaxBackoff)
			if retryAfter > 0 {
				wait = max(wait, min(retryAfter, maxRetryAfter))
			}
			st.NextAttempt = time.Now().Add(wait)
			cfg.Logf("upload failed (HTTP %d): %v; next attempt in %s", status, err, wait)
			if err := writeState(cfg.StateDir, st); err != nil {
				return false, err
			}
		}
		if ctx.Err() != nil {
			return false, nil
		}
	}
}

// load reads files oldest first into one request of at most
// MaxRequestBytes (at least one file). Damaged files are removed.
func load(cfg Config, files []spool.Entry) ([]spool.Entry, []*tracepb.ResourceSpans) {
	var batch []spool.Entry
	var rs []*tracepb.ResourceSpans
	var size int64
	for _, f := range files {
		if len(batch) > 0 && size+f.Size > int64(cfg.MaxRequestBytes) {
			break
		}
		b, err := cfg.Spool.ReadEntry(f)
		var spans []*tracepb.ResourceSpans
		if err == nil {
			spans, err = spool.Decode(b)
		}
		if err != nil {
			cfg.Logf("removing damaged spool file %s: %v", f.Name, err)
			cfg.Spool.Remove([]spool.Entry{f})
			continue
		}
		batch = append(batch, f)
		rs = append(rs, spans...)
		size += f.Size
	}
	return batch, rs
}

func remove(cfg Config, es []spool.Entry) { cfg.Spool.Remove(es) }

func classify(err error, status int) outcome {
	switch {
	case status >= 200 && status < 300:
		return sent
	case err == nil:
		return sent
	case status == http.StatusTooManyRequests || status >= 500:
		return retry
	case status >= 400:
		return rejected
	default:
		// No response at all: refused, reset, timed out.
		return retry
	}
}

func backoff(failures int, limit time.Duration) time.Duration {
	d := firstBackoff
	for i := 1; i < failures && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}
