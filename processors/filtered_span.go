package processors

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// filteredSpan is the view of a span that the policy allows. ReadOnlySpan has
// an unexported method, so the view embeds the original span and overrides
// every method that exposes data; the filtering is done once, when the view
// is made, so that all methods agree with each other however often they are
// called.
type filteredSpan struct {
	sdktrace.ReadOnlySpan

	name          string
	attrs         []attribute.KeyValue
	droppedAttrs  int
	events        []sdktrace.Event
	droppedEvents int
	links         []sdktrace.Link
	status        sdktrace.Status
	scope         instrumentation.Scope
	res           *resource.Resource
	sc, parent    trace.SpanContext
}

func newFilteredSpan(s sdktrace.ReadOnlySpan, p *Policy, cache *resourceCache) *filteredSpan {
	f := &filteredSpan{ReadOnlySpan: s}
	f.name = p.SpanName(s.Name())
	// Trace state is free text from whoever started the trace (a
	// TRACESTATE variable, an incoming request): it never leaves.
	f.sc = withoutTraceState(s.SpanContext())
	f.parent = withoutTraceState(s.Parent())

	var dropped int
	f.attrs, dropped = p.FilterAttributes(s.Attributes(), OnSpan)
	f.droppedAttrs = s.DroppedAttributes() + dropped

	f.droppedEvents = s.DroppedEvents()
	for _, e := range s.Events() {
		if !p.EventAllowed(e.Name) {
			f.droppedEvents++
			continue
		}
		kept, d := p.FilterAttributes(e.Attributes, OnEvent)
		f.events = append(f.events, sdktrace.Event{
			Name:                  e.Name,
			Attributes:            kept,
			DroppedAttributeCount: e.DroppedAttributeCount + d,
			Time:                  e.Time,
		})
	}

	for _, l := range s.Links() {
		kept, d := p.FilterAttributes(l.Attributes, OnLink)
		f.links = append(f.links, sdktrace.Link{
			SpanContext:           withoutTraceState(l.SpanContext),
			Attributes:            kept,
			DroppedAttributeCount: l.DroppedAttributeCount + d,
		})
	}

	st := s.Status()
	f.status = sdktrace.Status{Code: st.Code}
	if st.Code != codes.Error && st.Code != codes.Ok && st.Code != codes.Unset {
		f.status.Code = codes.Unset
	}

	f.scope = p.Scope(s.InstrumentationScope())
	f.res = cache.get(p, s.Resource())
	return f
}

func withoutTraceState(sc trace.SpanContext) trace.SpanContext {
	if sc.TraceState().Len() == 0 {
		return sc
	}
	return sc.WithTraceState(trace.TraceState{})
}

// get returns the filtered form of r, computing it only when r is not the
// resource seen last.
func (c *resourceCache) get(p *Policy, r *resource.Resource) *resource.Resource {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.orig != r || c.filtered == nil && r != nil {
		c.orig = r
		c.filtered, _ = p.Resource(r)
	}
	return c.filtered
}

func (f *filteredSpan) Name() string                   { return f.name }
func (f *filteredSpan) SpanContext() trace.SpanContext { return f.sc }
func (f *filteredSpan) Parent() trace.SpanContext      { return f.parent }
func (f *filteredSpan) Attributes() []attribute.KeyValue {
	return append([]attribute.KeyValue(nil), f.attrs...)
}
func (f *filteredSpan) DroppedAttributes() int                      { return f.droppedAttrs }
func (f *filteredSpan) Events() []sdktrace.Event                    { return append([]sdktrace.Event(nil), f.events...) }
func (f *filteredSpan) DroppedEvents() int                          { return f.droppedEvents }
func (f *filteredSpan) Links() []sdktrace.Link                      { return append([]sdktrace.Link(nil), f.links...) }
func (f *filteredSpan) Status() sdktrace.Status                     { return f.status }
func (f *filteredSpan) InstrumentationScope() instrumentation.Scope { return f.scope }
func (f *filteredSpan) Resource() *resource.Resource                { return f.res }
func (f *filteredSpan) InstrumentationLibrary() instrumentation.Library { //nolint:staticcheck // part of ReadOnlySpan
	return f.scope
}
