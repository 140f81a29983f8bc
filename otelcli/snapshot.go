package otelcli

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/cli-telemetry/otelcli/internal/store"
	"github.com/cli-telemetry/otelcli/processors"
)

type sessionKey struct{}

// minSnapshotPeriod bounds how often a command can report: a snapshot is a
// file and possibly an upload.
const minSnapshotPeriod = 100 * time.Millisecond

// ReportEvery publishes a usage snapshot of a long-running command (a local
// server, a watch mode) every period, as Hasura's server does: a span named
// "<command path> snapshot", a child of the command span, holding what
// snapshot returns (counts the author declared with [WithFields]: requests
// served, objects watched) and cli.snapshot.sequence. Each snapshot is
// spooled and handed to delivery when it is taken, so that a command killed
// with SIGKILL loses at most one period; the command span itself is
// recorded at the end as usual.
//
// Consent is checked again before each snapshot: a user who runs
// "telemetry disable" in another terminal stops the reports within one
// period, and the command span is then not sent either. ctx is the
// command's cmd.Context(). When telemetry is off for the run, ReportEvery
// starts nothing. stop ends the reports (it is safe to call more than once);
// they also end with ctx.
func ReportEvery(ctx context.Context, period time.Duration, snapshot func() []attribute.KeyValue) (stop func()) {
	s, ok := ctx.Value(sessionKey{}).(*session)
	if !ok || snapshot == nil {
		return func() {}
	}
	period = max(period, minSnapshotPeriod)
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.reportLoop(ctx, period, snapshot)
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			wg.Wait()
		})
	}
	s.onEnd(stop)
	return stop
}

func (s *session) reportLoop(ctx context.Context, period time.Duration, snapshot func() []attribute.KeyValue) {
	tracer := s.tp.Tracer(ScopeName, trace.WithInstrumentationVersion(Version))
	t := time.NewTicker(period)
	defer t.Stop()
	start := time.Now()
	for seq := 1; ; seq++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !s.stillConsented() {
			s.logf("telemetry turned off while running: no more reports")
			s.consent.Set(false)
			return
		}
		_, span := tracer.Start(trace.ContextWithSpan(ctx, s.span), s.names.path(s.runningCommand())+" snapshot",
			trace.WithSpanKind(trace.SpanKindInternal), trace.WithTimestamp(start))
		span.SetAttributes(snapshot()...)
		span.SetAttributes(processors.KeySnapshotSequence.Int(seq))
		end := time.Now()
		span.End(trace.WithTimestamp(end))
		start = end
		s.flushSnapshot()
	}
}

// stillConsented asks the persisted sources again: the user's setting and
// the author's (the environment cannot change inside a process).
func (s *session) stillConsented() bool {
	return decide(s.cfg, func() (store.Dirs, error) { return s.dirs, nil }).enabled
}

// flushSnapshot spools what has ended so far and hands it to delivery,
// from the reporting goroutine: a snapshot never holds the command up.
func (s *session) flushSnapshot() {
	if err := s.buf.ForceFlush(context.Background()); err != nil {
		s.logf("spool: %v", err)
		return
	}
	if s.cfg.exporter == nil {
		s.deliver(false)
	}
}
