package processors

import (
	"context"
	"sync/atomic"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Consent reports whether the user currently agrees to telemetry. It is
// asked for every span, so it must be cheap and must not allocate.
type Consent interface {
	Granted() bool
}

// ConsentFunc adapts a function to [Consent].
type ConsentFunc func() bool

// Granted calls f.
func (f ConsentFunc) Granted() bool { return f() }

// ConsentSwitch is a [Consent] that can be flipped at any time, from any
// goroutine: a "telemetry disable" command turns it off before it returns so
// that its own span is dropped.
type ConsentSwitch struct{ on atomic.Bool }

// NewConsentSwitch returns a switch in the given state.
func NewConsentSwitch(granted bool) *ConsentSwitch {
	s := &ConsentSwitch{}
	s.on.Store(granted)
	return s
}

// Granted reports the current state.
func (s *ConsentSwitch) Granted() bool { return s.on.Load() }

// Set changes the state.
func (s *ConsentSwitch) Set(granted bool) { s.on.Store(granted) }

// ConsentGate is a span processor that forwards spans to the next processor
// only while consent is granted. Consent is checked when a span starts and
// again when it ends, so that a span that was running when the user opted out
// is not sent. With consent withdrawn, the gate does no work and allocates
// nothing.
//
// A gate cannot stop the SDK from recording a span; pair it with
// [ConsentSampler] so that spans are not even recorded while consent is
// withdrawn.
type ConsentGate struct {
	consent Consent
	next    sdktrace.SpanProcessor
}

var _ sdktrace.SpanProcessor = (*ConsentGate)(nil)

// NewConsentGate returns a gate in front of next.
func NewConsentGate(consent Consent, next sdktrace.SpanProcessor) *ConsentGate {
	return &ConsentGate{consent: consent, next: next}
}

// OnStart forwards s while consent is granted.
func (g *ConsentGate) OnStart(parent context.Context, s sdktrace.ReadWriteSpan) {
	if g.consent.Granted() {
		g.next.OnStart(parent, s)
	}
}

// OnEnd forwards s while consent is granted.
func (g *ConsentGate) OnEnd(s sdktrace.ReadOnlySpan) {
	if g.consent.Granted() {
		g.next.OnEnd(s)
	}
}

// Shutdown shuts the next processor down, whatever the consent: it releases
// resources and is the point where a processor would flush, which is then
// harmless because nothing was forwarded.
func (g *ConsentGate) Shutdown(ctx context.Context) error { return g.next.Shutdown(ctx) }

// ForceFlush flushes the next processor.
func (g *ConsentGate) ForceFlush(ctx context.Context) error { return g.next.ForceFlush(ctx) }

// ConsentSampler drops every span while consent is withdrawn and otherwise
// defers to the base sampler, so that withdrawn consent means the SDK does
// not record spans at all.
func ConsentSampler(consent Consent, base sdktrace.Sampler) sdktrace.Sampler {
	return consentSampler{consent: consent, base: base}
}

type consentSampler struct {
	consent Consent
	base    sdktrace.Sampler
}

func (s consentSampler) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
	if !s.consent.Granted() {
		return sdktrace.SamplingResult{Decision: sdktrace.Drop}
	}
	return s.base.ShouldSample(p)
}

func (s consentSampler) Description() string {
	return "ConsentSampler{" + s.base.Description() + "}"
}
