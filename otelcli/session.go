package otelcli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/sdk"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/cli-telemetry/otelcli/internal/detect"
	"github.com/cli-telemetry/otelcli/internal/render"
	"github.com/cli-telemetry/otelcli/internal/spool"
	"github.com/cli-telemetry/otelcli/internal/store"
	"github.com/cli-telemetry/otelcli/processors"
)

// maxSpans bounds what one invocation can spool.
const maxSpans = 512

// lastFile holds a copy of the last spooled invocation, for "telemetry show".
const lastFile = "last-invocation.pb"

type session struct {
	r        *run
	execID   string
	consent  *processors.ConsentSwitch
	tp       *sdktrace.TracerProvider
	buf      *bufferProcessor
	spool    *spool.Spool
	hashKey  func() []byte
	span     trace.Span
	start    time.Time
	finished sync.Once
	// running is the command cobra runs, noted from cobra's own goroutine
	// (see noteRunningCommand) for the paths where it does not return it.
	running atomic.Pointer[cobra.Command]
}

func newSession(r *run, execID string, rate float64) (*session, error) {
	c := r.cfg
	if r.dirsErr != nil {
		return nil, r.dirsErr
	}
	sp := c.newSpool(r.dirs)
	if err := sp.Ensure(); err != nil {
		return nil, err
	}
	installID, err := store.InstallID(r.dirs)
	if err != nil {
		return nil, err
	}
	s := &session{r: r, execID: execID, spool: sp, start: time.Now()}
	// The key is read (or created) only when a hashed flag is set.
	s.hashKey = sync.OnceValue(func() []byte {
		k, err := store.HashKey(r.dirs)
		if err != nil {
			r.debugf("hash key: %v", err)
			return nil
		}
		return k
	})
	policy, err := processors.NewPolicy(processors.WithFields(c.policyFields()...))
	if err != nil {
		return nil, fmt.Errorf("telemetry policy: %w", err)
	}

	var exp sdktrace.SpanExporter = otlptrace.NewUnstarted(&spool.Client{
		Spool:    sp,
		ID:       execID,
		LastPath: filepath.Join(r.dirs.Cache, lastFile),
		Written:  s.written,
	})
	if c.exporter != nil {
		exp = c.exporter
	}
	s.consent = processors.NewConsentSwitch(true)
	s.buf = &bufferProcessor{exp: exp}
	quietErrors(r)
	s.tp = sdktrace.NewTracerProvider(
		sdktrace.WithResource(s.resource(installID, rate)),
		sdktrace.WithSampler(processors.ConsentSampler(s.consent, sdktrace.AlwaysSample())),
		sdktrace.WithSpanProcessor(processors.NewConsentGate(s.consent,
			processors.NewAllowlistFromPolicy(s.buf, policy))),
	)
	useAsGlobal(s.tp)
	return s, nil
}

// isDefaultGlobal reports whether tp is the API's placeholder, i.e. nobody
// has set a global provider yet.
func isDefaultGlobal(tp trace.TracerProvider) bool {
	return strings.HasSuffix(fmt.Sprintf("%T", tp), "global.tracerProvider")
}

// policyFields are the author's fields and one per allowlisted flag, with
// the same rule the value was recorded by, so that the allowlist checks it
// a second time.
func (c *config) policyFields() []processors.Field {
	fields := append([]processors.Field(nil), c.fields...)
	names := make([]string, 0, len(c.flagRules))
	for name := range c.flagRules {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		fr := c.flagRules[name]
		rule := fr.rule
		if fr.hashed {
			rule = hashedValue
		}
		fields = append(fields, processors.Field{
			// Any type: a slice flag is sent as a string slice, each element
			// held to the rule.
			Key: processors.KeyFlagPrefix + name, Rule: processors.EachOf(rule),
			Class: processors.Usage, Purpose: "value of the --" + name + " flag (allowlisted)",
		})
	}
	return fields
}

func (s *session) resource(installID string, rate float64) *resource.Resource {
	c := s.r.cfg
	attrs := []attribute.KeyValue{
		semconv.ServiceName(c.serviceName),
		semconv.OSTypeKey.String(detect.OSType()),
		semconv.HostArchKey.String(detect.HostArch()),
		semconv.ProcessRuntimeName("go"),
		semconv.ProcessRuntimeVersion(runtime.Version()),
		semconv.TelemetrySDKName("opentelemetry"),
		semconv.TelemetrySDKLanguageGo,
		semconv.TelemetrySDKVersion(sdk.Version()),
		processors.KeyInstallID.String(installID),
		processors.KeyExecutionID.String(s.execID),
		processors.KeySampleRate.Float64(rate),
		processors.KeyInstallSource.String(installSource()),
		processors.KeyStdinTerminal.Bool(detect.IsTerminal(os.Stdin)),
		processors.KeyStdoutTerminal.Bool(detect.IsTerminal(os.Stdout)),
		processors.KeyStderrTerminal.Bool(detect.IsTerminal(os.Stderr)),
	}
	if c.version != "" {
		attrs = append(attrs, semconv.ServiceVersion(c.version))
	}
	if v := osVersion(); v != "" {
		attrs = append(attrs, semconv.OSVersion(v))
	}
	if ci := c.inCI(); ci != "" {
		attrs = append(attrs, processors.KeyCISystem.String(ci))
	}
	if a := detect.Agent(c.lookupEnv); a != "" {
		attrs = append(attrs, processors.KeyAgent.String(a))
	}
	return resource.NewWithAttributes(semconv.SchemaURL, attrs...)
}

func installSource() string {
	exe, err := os.Executable()
	if err != nil {
		return "unknown"
	}
	var bins []string
	if b := os.Getenv("GOBIN"); b != "" {
		bins = append(bins, b)
	}
	if p := os.Getenv("GOPATH"); p != "" {
		for d := range strings.SplitSeq(p, string(os.PathListSeparator)) {
			bins = append(bins, filepath.Join(d, "bin"))
		}
	}
	if h, err := os.UserHomeDir(); err == nil {
		bins = append(bins, filepath.Join(h, "go", "bin"))
	}
	return detect.InstallSource(exe, bins...)
}

// written is called with what was spooled: debug output shows it.
func (s *session) written(rs []*tracepb.ResourceSpans) {
	if !s.r.cfg.debug() {
		return
	}
	b, err := render.JSON(rs)
	if err != nil {
		return
	}
	fmt.Fprintf(s.r.stderr(), "otelcli: spooled for upload:\n%s\n", b)
}

// execute runs the command inside the span.
func (s *session) execute(ctx context.Context) (code int) {
	root := s.r.root
	tracer := s.tp.Tracer(ScopeName, trace.WithInstrumentationVersion(Version))
	ctx = extractEnvParent(ctx, s.r.cfg.lookupEnv)
	ctx, s.span = tracer.Start(ctx, root.Name(),
		trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithTimestamp(s.start),
	)
	ctx = context.WithValue(ctx, commandSpanKey{}, s.span)

	noteRunningCommand(s)
	defer current.Store(nil)
	stop := s.watchSignals()
	defer stop()

	completed := false
	defer func() {
		if !completed {
			// Panicking (or runtime.Goexit): record it without recovering,
			// so the panic goes on exactly as it would have.
			s.recordPanic()
			s.finish(s.runningCommand(), nil, 2, ErrTypePanic)
		}
	}()
	cmd, err := root.ExecuteContextC(ctx)
	completed = true
	code = exitCode(err)
	s.finish(cmd, err, code, "")
	return code
}

// current is the session whose command cobra is about to run.
var (
	current        atomic.Pointer[session]
	initializeOnce sync.Once
)

// noteRunningCommand makes s the current session and, once per process,
// registers a cobra initializer: cobra calls it on its own goroutine right
// before the command's hooks and Run, after its flags are parsed, which is
// where the running command can be found without racing with cobra. A
// signal or a panic later in the command then knows which command it was.
func noteRunningCommand(s *session) {
	current.Store(s)
	initializeOnce.Do(func() {
		cobra.OnInitialize(func() {
			if s := current.Load(); s != nil {
				s.running.Store(executingCommand(s.r.root))
			}
		})
	})
}

// runningCommand is the command noted before it ran, or the root.
func (s *session) runningCommand() *cobra.Command {
	if c := s.running.Load(); c != nil {
		return c
	}
	return s.r.root
}

// finish ends the span and spools it, once: the command's return, a panic
// and a signal may all try.
func (s *session) finish(cmd *cobra.Command, err error, code int, kind string) {
	s.finished.Do(func() {
		if cmd == nil {
			cmd = s.r.root
		}
		if isCompletionName(cmd.Name()) || isTelemetryCommand(cmd) {
			// The telemetry commands never report themselves: "disable" must
			// not send, and the others are about telemetry, not usage.
			s.consent.Set(false)
		}
		s.span.SetName(cmd.CommandPath())
		s.span.SetAttributes(commandAttributes(cmd, s.r.cfg, s.hashKey)...)
		s.span.SetAttributes(semconv.ProcessExitCode(code))
		if code != 0 || err != nil || kind != "" {
			s.span.SetAttributes(failureAttributes(cmd, err, kind)...)
			s.span.SetStatus(codes.Error, "")
		}
		s.span.End()
		if ferr := s.buf.ForceFlush(context.Background()); ferr != nil {
			s.r.debugf("spool: %v", ferr)
			return
		}
		if s.buf.exported() {
			s.deliver(kind == ErrTypeInterrupted)
		}
	})
}

// failureAttributes say how a command failed: error.type (kind when the
// library knows it, else from the error), the chain of error types, and
// for an unknown command cobra's suggestion.
func failureAttributes(cmd *cobra.Command, err error, kind string) []attribute.KeyValue {
	typ, chain := kind, []string(nil)
	if err != nil {
		var t string
		t, chain = classify(err)
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
	if typ == ErrTypeUnknownCommand {
		if sug := suggestion(cmd, err); sug != "" {
			attrs = append(attrs, processors.KeyCommandSuggestion.String(sug))
		}
	}
	return attrs
}

// bufferProcessor keeps the spans of the invocation in memory and writes
// them to the spool in one go when flushed: one file an invocation, no
// goroutine, nothing on the network.
type bufferProcessor struct {
	mu    sync.Mutex
	spans []sdktrace.ReadOnlySpan
	exp   sdktrace.SpanExporter
	n     int
}

func (b *bufferProcessor) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

func (b *bufferProcessor) OnEnd(s sdktrace.ReadOnlySpan) {
	b.mu.Lock()
	if len(b.spans) < maxSpans {
		b.spans = append(b.spans, s)
	}
	b.mu.Unlock()
}

func (b *bufferProcessor) ForceFlush(ctx context.Context) error {
	b.mu.Lock()
	spans := b.spans
	b.spans = nil
	b.n += len(spans)
	b.mu.Unlock()
	if len(spans) == 0 {
		return nil
	}
	return b.exp.ExportSpans(ctx, spans)
}

func (b *bufferProcessor) exported() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.n > 0
}

func (b *bufferProcessor) Shutdown(ctx context.Context) error {
	return b.ForceFlush(ctx)
}
