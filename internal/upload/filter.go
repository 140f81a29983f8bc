package upload

import (
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"

	"github.com/cli-telemetry/otelcli/internal/otlp"
	"github.com/cli-telemetry/otelcli/internal/scopeattr"
	"github.com/cli-telemetry/otelcli/processors"
)

// filter applies the policy to what was read from the spool, a second time:
// any process of the user's can write a file there, so what is sent is
// rebuilt field by field from what the policy allows, never passed on
// verbatim. Attributes are checked where they are (resource, span, event,
// link, scope); span names go through Policy.SpanName, event names through
// Policy.EventAllowed; status messages and trace states are dropped; schema
// URLs are kept only when they are OpenTelemetry's. Values the policy
// cannot judge (maps, bytes, nested or mixed arrays) are dropped. Spans
// whose ids are malformed are dropped, and so are resources left without
// spans.
func filter(p *processors.Policy, in []otlp.ResourceSpans) []otlp.ResourceSpans {
	var out []otlp.ResourceSpans
	for _, rs := range in {
		nrs := otlp.ResourceSpans{SchemaURL: schemaURL(rs.SchemaURL)}
		attrs, dropped := filterAttrs(p, rs.Resource.Attributes, processors.OnResource)
		nrs.Resource = otlp.Resource{Attributes: attrs, DroppedAttributesCount: rs.Resource.DroppedAttributesCount + dropped}
		for _, ss := range rs.ScopeSpans {
			nss := otlp.ScopeSpans{SchemaURL: schemaURL(ss.SchemaURL), Scope: filterScope(p, ss.Scope)}
			for i := range ss.Spans {
				if ns, ok := filterSpan(p, &ss.Spans[i]); ok {
					nss.Spans = append(nss.Spans, ns)
				}
			}
			if len(nss.Spans) > 0 {
				nrs.ScopeSpans = append(nrs.ScopeSpans, nss)
			}
		}
		if len(nrs.ScopeSpans) > 0 {
			out = append(out, nrs)
		}
	}
	return out
}

// traceFlagsMask keeps the W3C trace flags (sampled, random) and OTLP's two
// "is remote" bits: nothing else is defined, so nothing else is sent.
const traceFlagsMask = 0x3 | 0x300

func filterSpan(p *processors.Policy, s *otlp.Span) (otlp.Span, bool) {
	if !nonZero(s.TraceID[:]) || !nonZero(s.SpanID[:]) || len(s.ParentSpanID) != 0 && (len(s.ParentSpanID) != 8 || !nonZero(s.ParentSpanID)) {
		return otlp.Span{}, false
	}
	attrs, dropped := filterAttrs(p, s.Attributes, processors.OnSpan)
	ns := otlp.Span{
		TraceID:                s.TraceID,
		SpanID:                 s.SpanID,
		ParentSpanID:           s.ParentSpanID,
		Flags:                  s.Flags & traceFlagsMask,
		Name:                   p.SpanName(s.Name),
		Kind:                   s.Kind,
		StartTimeUnixNano:      s.StartTimeUnixNano,
		EndTimeUnixNano:        s.EndTimeUnixNano,
		Attributes:             attrs,
		DroppedAttributesCount: s.DroppedAttributesCount + dropped,
		DroppedEventsCount:     s.DroppedEventsCount,
		DroppedLinksCount:      s.DroppedLinksCount,
	}
	if ns.Kind < otlp.KindUnspecified || ns.Kind > otlp.KindConsumer {
		ns.Kind = otlp.KindUnspecified
	}
	for _, e := range s.Events {
		if !p.EventAllowed(e.Name) {
			ns.DroppedEventsCount++
			continue
		}
		attrs, dropped := filterAttrs(p, e.Attributes, processors.OnEvent)
		ns.Events = append(ns.Events, otlp.Event{
			TimeUnixNano:           e.TimeUnixNano,
			Name:                   e.Name,
			Attributes:             attrs,
			DroppedAttributesCount: e.DroppedAttributesCount + dropped,
		})
	}
	for _, l := range s.Links {
		if !nonZero(l.TraceID[:]) || !nonZero(l.SpanID[:]) {
			ns.DroppedLinksCount++
			continue
		}
		attrs, dropped := filterAttrs(p, l.Attributes, processors.OnLink)
		ns.Links = append(ns.Links, otlp.Link{
			TraceID:                l.TraceID,
			SpanID:                 l.SpanID,
			Flags:                  l.Flags & traceFlagsMask,
			Attributes:             attrs,
			DroppedAttributesCount: l.DroppedAttributesCount + dropped,
		})
	}
	if c := s.Status.Code; c == otlp.StatusOK || c == otlp.StatusError {
		ns.Status = otlp.Status{Code: c}
	}
	return ns, true
}

func nonZero(id []byte) bool {
	for _, b := range id {
		if b != 0 {
			return true
		}
	}
	return false
}

func filterScope(p *processors.Policy, s otlp.Scope) otlp.Scope {
	var kvs []attribute.KeyValue
	dropped := uint32(0)
	for _, kv := range s.Attributes {
		if a, ok := kv.Value.Attribute(); ok && kv.Key != "" {
			kvs = append(kvs, attribute.KeyValue{Key: attribute.Key(kv.Key), Value: a})
		} else {
			dropped++
		}
	}
	in := instrumentation.Scope{Name: s.Name, Version: s.Version}
	scopeattr.Set(&in, kvs)
	sc := p.Scope(in)
	out := otlp.Scope{Name: sc.Name, Version: sc.Version}
	kept := scopeattr.Get(sc)
	for _, kv := range kept {
		out.Attributes = append(out.Attributes, otlp.KeyValue{Key: string(kv.Key), Value: otlp.FromAttribute(kv.Value)})
	}
	out.DroppedAttributesCount = s.DroppedAttributesCount + dropped + uint32(len(kvs)-len(kept))
	return out
}

// schemaURL keeps OpenTelemetry's schema URLs, the only ones the SDK sets.
func schemaURL(u string) string {
	v, ok := strings.CutPrefix(u, "https://opentelemetry.io/schemas/")
	if !ok || v == "" || len(v) > 32 {
		return ""
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; !(c >= '0' && c <= '9' || c == '.') {
			return ""
		}
	}
	return u
}

// filterAttrs keeps the attributes the policy allows at w, one of each key
// (a key sent twice could hide a second value from a reader that keeps the
// first).
func filterAttrs(p *processors.Policy, in []otlp.KeyValue, w processors.Where) ([]otlp.KeyValue, uint32) {
	var out []otlp.KeyValue
	dropped := uint32(0)
	seen := make(map[string]bool, len(in))
	for _, kv := range in {
		v, ok := kv.Value.Attribute()
		var a attribute.KeyValue
		if ok && kv.Key != "" && !seen[kv.Key] {
			a, ok = p.CheckAttribute(attribute.KeyValue{Key: attribute.Key(kv.Key), Value: v}, w)
		} else {
			ok = false
		}
		if !ok {
			dropped++
			continue
		}
		seen[kv.Key] = true
		out = append(out, otlp.KeyValue{Key: kv.Key, Value: otlp.FromAttribute(a.Value)})
	}
	return out, dropped
}
