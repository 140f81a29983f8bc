package otelcli

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/spf13/cobra"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/cli-telemetry/otelcli/internal/otlp"
	"github.com/cli-telemetry/otelcli/internal/render"
	"github.com/cli-telemetry/otelcli/internal/semconv"
	"github.com/cli-telemetry/otelcli/internal/spool"
	"github.com/cli-telemetry/otelcli/internal/store"
	"github.com/cli-telemetry/otelcli/processors"
)

// session records one invocation: a tracer provider whose every span passes
// the consent gate and the allowlist into a buffer, the command span, and
// at the end one spool file handed to delivery. It holds copies of what it
// needs from the run, so that it can be read top to bottom: newSession,
// execute, end (or interrupted, or a panic) → finish → deliver.
type session struct {
	cfg    *config
	root   *cobra.Command
	names  *commandNames
	dirs   store.Dirs
	logf   func(format string, args ...any)
	stderr io.Writer
	execID string
	preset map[string]bool
	stamp  store.Stamp // of the settings file when the run started

	consent *processors.ConsentSwitch
	policy  *processors.Policy
	tp      *sdktrace.TracerProvider
	buf     bufferProcessor
	spool   *spool.Spool
	span    trace.Span

	// running and flags are noted from cobra's own goroutine (an
	// initializer), right after it parsed the command line.
	running atomic.Pointer[cobra.Command]
	flags   atomic.Pointer[typedFlags]

	signals  signalWatch
	finished sync.Once
	keyOnce  sync.Once
	key      []byte

	mu    sync.Mutex
	cmd   *cobra.Command // what ExecuteC returned
	err   error
	stops []func() // what ends with the run: periodic reports
}

func newSession(r *Run, execID string) (*session, error) {
	c := &r.cfg
	var sp *spool.Spool // none for an author's exporter
	if c.exporter == nil {
		// An unwritable spool means telemetry is off for the run: found
		// out now, before anything is recorded.
		sp = c.newSpool(r.dirs)
		if err := sp.Ensure(); err != nil {
			return nil, err
		}
	}
	installID, err := store.InstallID(r.dirs)
	if err != nil {
		return nil, err
	}
	s := &r.session
	if r.sess != nil {
		// A second ExecuteContextC on one Run: the first session may
		// still be referenced (its signal watch, its reports).
		s = new(session)
	}
	*s = session{
		cfg: c, root: r.root, names: &r.names, dirs: r.dirs, logf: r.logf, stderr: r.stderr(),
		execID: execID, spool: sp,
		preset: presetFlags(r.root),
		stamp:  r.decision.stamp,
	}
	if s.policy, err = c.policy(s.hashKey); err != nil {
		return nil, fmt.Errorf("telemetry policy: %w", err)
	}
	res := resourceAttributes(c, s.policy, installID, execID)
	exp, sdkRes := c.exporter, (*resource.Resource)(nil)
	if exp == nil {
		exp = &spool.Exporter{
			Spool:     sp,
			ID:        execID,
			Resource:  res,
			SchemaURL: semconv.SchemaURL,
			Written:   s.written,
		}
	} else {
		// An author's exporter reads the SDK's resource.
		sdkRes = resource.NewWithAttributes(semconv.SchemaURL, res...)
	}
	s.consent = processors.NewConsentSwitch(true)
	s.buf.init(exp, sdkRes)
	if c.accountErr != nil {
		s.logf("%v", c.accountErr)
	}
	quietOTel(s, c.debug)
	s.tp = sdktrace.NewTracerProvider(
		// No resource: resource.Merge(Environment(), nil) is the
		// environment's alone (empty unless OTEL_RESOURCE_ATTRIBUTES is
		// set), which the allowlist filters and the session's replaces (see
		// resourceAttributes). Without the option the SDK would detect its
		// default resource.
		sdktrace.WithResource(nil),
		sdktrace.WithIDGenerator(idGenerator{}),
		sdktrace.WithSampler(processors.ConsentSampler(s.consent, sdktrace.AlwaysSample())),
		sdktrace.WithSpanProcessor(processors.NewConsentGate(s.consent,
			processors.NewAllowlistFromPolicy(&s.buf, s.policy))),
	)
	useAsGlobal(s.tp)
	return s, nil
}

// hashKey is the install's hashing key, read (or created) the first time
// a hashed value is sent; nil if it cannot be.
func (s *session) hashKey() []byte {
	s.keyOnce.Do(func() {
		k, err := store.HashKey(s.dirs)
		if err != nil {
			s.logf("hash key: %v", err)
			return
		}
		s.key = k
	})
	return s.key
}

// written is called with what was spooled: debug output shows it.
func (s *session) written(rs []otlp.ResourceSpans) {
	if !s.cfg.debug {
		return
	}
	if b, err := render.JSON(rs); err == nil {
		fmt.Fprintf(s.stderr, "otelcli: spooled for upload:\n%s\n", b)
	}
}

// execute runs the command inside the span. The span ends in end (or when
// the command panics, or a signal ends the process), not here: the exit
// code the CLI chooses after ExecuteC is part of the record.
func (s *session) execute(ctx context.Context) (*cobra.Command, error) {
	tracer := s.tp.Tracer(ScopeName, trace.WithInstrumentationVersion(Version))
	ctx = extractEnvParent(ctx, s.cfg.lookupEnv)
	// The kind is the SDK's default, internal; the start is now, right
	// before the command.
	ctx, s.span = tracer.Start(ctx, s.root.Name())
	// One value holds the run: SetAttributes finds the command span in it,
	// ReportEvery the session.
	ctx = context.WithValue(ctx, sessionKey{}, s)

	noteRunningCommand(s)
	defer current.CompareAndSwap(s, nil)
	s.watchSignals()

	completed := false
	defer func() {
		if !completed {
			// Panicking (or runtime.Goexit): record it without recovering,
			// so the panic goes on exactly as it would have.
			s.recordPanic()
			s.finish(s.runningCommand(), nil, 2, ErrTypePanic)
		}
	}()
	cmd, err := s.root.ExecuteContextC(ctx)
	completed = true
	s.mu.Lock()
	s.cmd, s.err = cmd, err
	s.mu.Unlock()
	return cmd, err
}

// end records the exit code the CLI chose: once the command returned, or
// from another goroutine while it still runs (a CLI whose second Ctrl-C
// force-quits from its signal handler).
func (s *session) end(code int) {
	s.stopWatchingSignals()
	s.mu.Lock()
	stops, cmd, err := s.stops, s.cmd, s.err
	s.stops = nil
	s.mu.Unlock()
	for _, stop := range stops {
		stop()
	}
	s.finish(cmd, err, code, "")
}

// onEnd registers f to run when the run ends.
func (s *session) onEnd(f func()) {
	s.mu.Lock()
	s.stops = append(s.stops, f)
	s.mu.Unlock()
}

// current is the session whose command cobra is about to run.
var (
	current        atomic.Pointer[session]
	initializeOnce sync.Once
)

// noteRunningCommand makes s the current session and, once per process,
// registers a cobra initializer: cobra calls it on its own goroutine right
// after parsing the command line and before the command's hooks and Run.
// That is where the command and the flags the user typed are read, without
// racing with cobra, and before a pre-run can set flags of its own.
func noteRunningCommand(s *session) {
	current.Store(s)
	initializeOnce.Do(func() {
		cobra.OnInitialize(func() {
			s := current.Load()
			if s == nil {
				return
			}
			if cmd := executingCommand(s.root); cmd != nil {
				s.running.Store(cmd)
				s.flags.Store(readFlags(cmd, s.cfg.flagRules, s.preset, true))
			}
		})
	})
}

// runningCommand is the command noted before it ran, or the root.
func (s *session) runningCommand() *cobra.Command {
	if c := s.running.Load(); c != nil {
		return c
	}
	return s.root
}

// finish ends the span and spools it, once: the CLI's end, a panic and a
// signal may all try. kind is the error kind the library knows (a panic, a
// signal), or "".
func (s *session) finish(cmd *cobra.Command, err error, code int, kind string) {
	s.finished.Do(func() {
		if cmd == nil {
			cmd = s.runningCommand()
		}
		if isTelemetryCommand(cmd) || isTelemetryCommand(s.runningCommand()) || s.turnedOff() {
			// The telemetry commands never report themselves: "disable" must
			// not send, and the others are about telemetry, not usage. Nor
			// does a run during which telemetry was turned off: the
			// persisted choices are read again (a CLI's own `config set
			// telemetry_enabled false`, an alias that ran `telemetry
			// disable`, another terminal).
			s.consent.Set(false)
		}
		flags := s.flags.Load()
		parsing := flags == nil || flags.cmd != cmd
		if parsing {
			// Parsing failed before cobra's initializers ran: read what
			// was parsed now (no hook of the CLI's has run).
			flags = readFlags(cmd, s.cfg.flagRules, s.preset, false)
		}
		path := s.names.path(cmd)
		s.span.SetName(path)
		// One SetAttributes: the span's attributes grow once.
		attrs := append(flags.attributes(path, s.root.Name()), semconv.ProcessExitCodeKey.Int(code))
		if a := s.cfg.account; a != nil {
			if kv, ok := a.attribute(); ok {
				attrs = append(attrs, kv)
			}
		}
		failed := code != 0 || err != nil || kind != ""
		if failed {
			attrs = append(attrs, s.failureAttributes(cmd, err, kind, parsing)...)
		}
		s.span.SetAttributes(attrs...)
		if failed {
			s.span.SetStatus(codes.Error, "")
		}
		s.span.End()
		s.flush(kind == ErrTypeInterrupted)
	})
}

// turnedOff asks the persisted choices again, at the end: the author's
// sources (the command that just ran may have been the one that changed
// them), and otelcli's own setting if its file changed since the start (an
// alias that ran "telemetry disable", another terminal).
func (s *session) turnedOff() bool {
	for _, c := range s.cfg.consents {
		if enabled, decided := c.f(); decided && !enabled {
			return true
		}
	}
	return store.SettingsStamp(s.dirs) != s.stamp && !s.stillConsented()
}

// failureAttributes say how a command failed: error.type (kind when the
// library knows it, else from the error), the chain of error types, and
// for an unknown command cobra's suggestions.
func (s *session) failureAttributes(cmd *cobra.Command, err error, kind string, parsing bool) []attribute.KeyValue {
	typ, chain := kind, []string(nil)
	if err != nil {
		var t string
		t, chain = classify(err, s.validErrorType, parsing)
		if typ == "" {
			typ = t
		}
	}
	if typ == "" {
		typ = ErrTypeOther
	}
	attrs := []attribute.KeyValue{semconv.ErrorTypeKey.String(typ)}
	if len(chain) > 0 {
		attrs = append(attrs, processors.KeyErrorChain.StringSlice(chain))
	}
	if typ == ErrTypeUnknownCommand && err != nil {
		if sug := s.names.suggestions(cmd, err); len(sug) > 0 {
			attrs = append(attrs, processors.KeyCommandSuggestions.StringSlice(sug))
		}
	}
	return attrs
}

// validErrorType says whether the allowlist would send code as error.type.
func (s *session) validErrorType(code string) bool {
	_, ok := s.policy.CheckAttribute(semconv.ErrorTypeKey.String(code), processors.OnSpan)
	return ok
}

// flush writes the spans to the spool (or the author's exporter) and hands
// them to delivery. fast is set on the signal path, where nothing may wait
// on the network.
func (s *session) flush(fast bool) {
	ctx := context.Background()
	if s.cfg.exporter != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.cfg.inlineTimeout)
		defer cancel()
		defer func() {
			if err := s.cfg.exporter.Shutdown(ctx); err != nil {
				s.logf("exporter: %v", err)
			}
		}()
	}
	if err := s.buf.ForceFlush(ctx); err != nil {
		s.logf("export: %v", err)
		return
	}
	exported, dropped := s.buf.counts()
	if dropped > 0 {
		s.logf("dropped %d spans past the %d an invocation keeps", dropped, maxSpans)
	}
	if exported > 0 && s.cfg.exporter == nil {
		s.deliver(fast)
	}
}
