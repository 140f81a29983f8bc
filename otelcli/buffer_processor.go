package otelcli

import (
	"context"
	"sync"

	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// maxSpans bounds what one invocation can spool: a CLI whose own
// instrumentation makes thousands of child spans sends the first ones.
const maxSpans = 512

// bufferProcessor keeps the spans of the invocation in memory and hands them
// to the exporter (the spool) in one go when flushed: one file an invocation,
// no goroutine, nothing on the network. It is written like sdk/trace's
// simple span processor, but batches instead of exporting each span, since
// a CLI's spans all end within one process lifetime.
type bufferProcessor struct {
	exp sdktrace.SpanExporter
	res *resource.Resource // the session's, in place of the provider's

	mu       sync.Mutex
	spans    []sdktrace.ReadOnlySpan
	first    [1]sdktrace.ReadOnlySpan // room for the command span, the usual one
	exported int
	dropped  int
	stopped  bool
}

var _ sdktrace.SpanProcessor = (*bufferProcessor)(nil)

// init readies b, held by its session, to export to exp.
func (b *bufferProcessor) init(exp sdktrace.SpanExporter, res *resource.Resource) {
	b.exp, b.res = exp, res
	b.spans = b.first[:0]
}

// OnStart does nothing: spans are kept once they end.
func (b *bufferProcessor) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

// OnEnd keeps s, up to maxSpans; past that it counts what it drops.
func (b *bufferProcessor) OnEnd(s sdktrace.ReadOnlySpan) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.stopped:
	case len(b.spans) < maxSpans:
		b.spans = append(b.spans, s)
	default:
		b.dropped++
	}
}

// ForceFlush exports what is kept.
func (b *bufferProcessor) ForceFlush(ctx context.Context) error {
	b.mu.Lock()
	spans := b.spans
	b.spans = nil
	b.exported += len(spans)
	b.mu.Unlock()
	if len(spans) == 0 {
		return nil
	}
	if b.res != nil {
		views := make([]withResource, len(spans))
		for i, s := range spans {
			views[i] = withResource{ReadOnlySpan: s, res: b.res}
			spans[i] = &views[i]
		}
	}
	return b.exp.ExportSpans(ctx, spans)
}

// withResource is a span with the session's resource in place of the
// provider's.
type withResource struct {
	sdktrace.ReadOnlySpan
	res *resource.Resource
}

func (s *withResource) Resource() *resource.Resource { return s.res }

// Shutdown exports what is kept; the processor then takes nothing more.
func (b *bufferProcessor) Shutdown(ctx context.Context) error {
	err := b.ForceFlush(ctx)
	b.mu.Lock()
	b.stopped = true
	b.mu.Unlock()
	return err
}

// counts reports how many spans were handed to the exporter and how many
// were dropped past maxSpans.
func (b *bufferProcessor) counts() (exported, dropped int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.exported, b.dropped
}
