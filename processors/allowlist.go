package processors

import (
	"context"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Allowlist is a span processor that passes every ended span to the next
// processor as a filtered view, in which only what the [Policy] allows is
// left: attributes, resource attributes, event names and attributes, link
// attributes, the instrumentation scope and the span name. The status
// description, which usually holds an error message, is always removed.
//
// Everything that is not declared is dropped (default deny), and counted in
// the span's dropped-attribute counts so that authors can see the policy at
// work in their backend.
type Allowlist struct {
	policy *Policy
	next   sdktrace.SpanProcessor
	cache  resourceCache
}

var _ sdktrace.SpanProcessor = (*Allowlist)(nil)

// NewAllowlist returns an allowlist in front of next. With no options it
// enforces [DefaultFields].
func NewAllowlist(next sdktrace.SpanProcessor, opts ...Option) (*Allowlist, error) {
	p, err := NewPolicy(opts...)
	if err != nil {
		return nil, err
	}
	return NewAllowlistFromPolicy(next, p), nil
}

// NewAllowlistFromPolicy returns an allowlist enforcing an already compiled
// policy, so that several processors (or the documentation) can share it.
func NewAllowlistFromPolicy(next sdktrace.SpanProcessor, p *Policy) *Allowlist {
	return &Allowlist{policy: p, next: next}
}

// Policy returns the policy the allowlist enforces.
func (a *Allowlist) Policy() *Policy { return a.policy }

// OnStart forwards s unchanged: what is filtered is what leaves, at OnEnd.
func (a *Allowlist) OnStart(parent context.Context, s sdktrace.ReadWriteSpan) {
	a.next.OnStart(parent, s)
}

// OnEnd forwards the filtered view of s.
func (a *Allowlist) OnEnd(s sdktrace.ReadOnlySpan) {
	if s == nil {
		return
	}
	a.next.OnEnd(newFilteredSpan(s, a.policy, &a.cache))
}

// Shutdown shuts the next processor down.
func (a *Allowlist) Shutdown(ctx context.Context) error { return a.next.Shutdown(ctx) }

// ForceFlush flushes the next processor.
func (a *Allowlist) ForceFlush(ctx context.Context) error { return a.next.ForceFlush(ctx) }
