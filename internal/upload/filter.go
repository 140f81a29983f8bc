package upload

import (
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/cli-telemetry/otelcli/processors"
)

// filter applies the policy to what was read from the spool, a second time:
// any process of the user's can write a file there, so what is sent is
// rebuilt field by field from what the policy allows, never passed on
// verbatim. New messages are built (a decoded message keeps unknown fields,
// which would be sent again). Attributes are checked where they are
// (resource, span, event, link, scope); span names go through
// Policy.SpanName, event names through Policy.EventAllowed; status messages
// and trace states are dropped; schema URLs are kept only when they are
// OpenTelemetry's. Values the policy cannot judge (maps, bytes, nested or
// mixed arrays) are dropped. Spans whose ids are malformed are dropped, and
// so are resources left without spans.
func filter(p *processors.Policy, in []*tracepb.ResourceSpans) []*tracepb.ResourceSpans {
	var out []*tracepb.ResourceSpans
	for _, rs := range in {
		if rs == nil {
			continue
		}
		nrs := &tracepb.ResourceSpans{SchemaUrl: schemaURL(rs.SchemaUrl)}
		if r := rs.Resource; r != nil {
			attrs, dropped := filterAttrs(p, r.Attributes, processors.OnResource)
			nrs.Resource = &resourcepb.Resource{Attributes: attrs, DroppedAttributesCount: r.DroppedAttributesCount + dropped}
		}
		for _, ss := range rs.ScopeSpans {
			if ss == nil {
				continue
			}
			nss := &tracepb.ScopeSpans{SchemaUrl: schemaURL(ss.SchemaUrl), Scope: filterScope(p, ss.Scope)}
			for _, s := range ss.Spans {
				if ns := filterSpan(p, s); ns != nil {
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

func filterSpan(p *processors.Policy, s *tracepb.Span) *tracepb.Span {
	if s == nil || !validID(s.TraceId, 16) || !validID(s.SpanId, 8) || len(s.ParentSpanId) != 0 && !validID(s.ParentSpanId, 8) {
		return nil
	}
	attrs, dropped := filterAttrs(p, s.Attributes, processors.OnSpan)
	ns := &tracepb.Span{
		TraceId:                s.TraceId,
		SpanId:                 s.SpanId,
		ParentSpanId:           s.ParentSpanId,
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
	if _, ok := tracepb.Span_SpanKind_name[int32(s.Kind)]; !ok {
		ns.Kind = tracepb.Span_SPAN_KIND_UNSPECIFIED
	}
	for _, e := range s.Events {
		if e == nil || !p.EventAllowed(e.Name) {
			ns.DroppedEventsCount++
			continue
		}
		attrs, dropped := filterAttrs(p, e.Attributes, processors.OnEvent)
		ns.Events = append(ns.Events, &tracepb.Span_Event{
			TimeUnixNano:           e.TimeUnixNano,
			Name:                   e.Name,
			Attributes:             attrs,
			DroppedAttributesCount: e.DroppedAttributesCount + dropped,
		})
	}
	for _, l := range s.Links {
		if l == nil || !validID(l.TraceId, 16) || !validID(l.SpanId, 8) {
			ns.DroppedLinksCount++
			continue
		}
		attrs, dropped := filterAttrs(p, l.Attributes, processors.OnLink)
		ns.Links = append(ns.Links, &tracepb.Span_Link{
			TraceId:                l.TraceId,
			SpanId:                 l.SpanId,
			Flags:                  l.Flags & traceFlagsMask,
			Attributes:             attrs,
			DroppedAttributesCount: l.DroppedAttributesCount + dropped,
		})
	}
	if st := s.Status; st != nil {
		code := st.Code
		if _, ok := tracepb.Status_StatusCode_name[int32(code)]; !ok {
			code = tracepb.Status_STATUS_CODE_UNSET
		}
		ns.Status = &tracepb.Status{Code: code}
	}
	return ns
}

func validID(id []byte, n int) bool {
	if len(id) != n {
		return false
	}
	for _, b := range id {
		if b != 0 {
			return true
		}
	}
	return false
}

func filterScope(p *processors.Policy, s *commonpb.InstrumentationScope) *commonpb.InstrumentationScope {
	if s == nil {
		return nil
	}
	var kvs []attribute.KeyValue
	dropped := uint32(0)
	for _, kv := range s.Attributes {
		if a, ok := toAttribute(kv); ok {
			kvs = append(kvs, a)
		} else {
			dropped++
		}
	}
	in := instrumentation.Scope{Name: s.Name, Version: s.Version, Attributes: attribute.NewSet(kvs...)}
	sc := p.Scope(in)
	out := &commonpb.InstrumentationScope{Name: sc.Name, Version: sc.Version}
	for _, kv := range sc.Attributes.ToSlice() {
		if a := fromAttribute(kv); a != nil {
			out.Attributes = append(out.Attributes, a)
		}
	}
	out.DroppedAttributesCount = s.DroppedAttributesCount + dropped + uint32(len(kvs)-len(out.Attributes))
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

func filterAttrs(p *processors.Policy, in []*commonpb.KeyValue, w processors.Where) ([]*commonpb.KeyValue, uint32) {
	var out []*commonpb.KeyValue
	dropped := uint32(0)
	seen := make(map[string]bool, len(in))
	for _, kv := range in {
		a, ok := toAttribute(kv)
		if ok && !seen[kv.Key] {
			a, ok = p.CheckAttribute(a, w)
		} else {
			ok = false
		}
		var pb *commonpb.KeyValue
		if ok {
			pb = fromAttribute(a)
		}
		if pb == nil {
			dropped++
			continue
		}
		seen[kv.Key] = true
		out = append(out, pb)
	}
	return out, dropped
}

// toAttribute converts the values the SDK's OTLP transform makes of
// otelcli's attributes: scalars and arrays of one scalar type.
func toAttribute(kv *commonpb.KeyValue) (attribute.KeyValue, bool) {
	if kv == nil || kv.Key == "" || kv.Value == nil {
		return attribute.KeyValue{}, false
	}
	k := attribute.Key(kv.Key)
	switch v := kv.Value.Value.(type) {
	case *commonpb.AnyValue_StringValue:
		return k.String(v.StringValue), true
	case *commonpb.AnyValue_BoolValue:
		return k.Bool(v.BoolValue), true
	case *commonpb.AnyValue_IntValue:
		return k.Int64(v.IntValue), true
	case *commonpb.AnyValue_DoubleValue:
		return k.Float64(v.DoubleValue), true
	case *commonpb.AnyValue_ArrayValue:
		return toSlice(k, v.ArrayValue.GetValues())
	}
	return attribute.KeyValue{}, false
}

func toSlice(k attribute.Key, vs []*commonpb.AnyValue) (attribute.KeyValue, bool) {
	if len(vs) == 0 {
		return k.StringSlice([]string{}), true
	}
	switch vs[0].GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		out := make([]string, len(vs))
		for i, v := range vs {
			x, ok := v.GetValue().(*commonpb.AnyValue_StringValue)
			if !ok {
				return attribute.KeyValue{}, false
			}
			out[i] = x.StringValue
		}
		return k.StringSlice(out), true
	case *commonpb.AnyValue_BoolValue:
		out := make([]bool, len(vs))
		for i, v := range vs {
			x, ok := v.GetValue().(*commonpb.AnyValue_BoolValue)
			if !ok {
				return attribute.KeyValue{}, false
			}
			out[i] = x.BoolValue
		}
		return k.BoolSlice(out), true
	case *commonpb.AnyValue_IntValue:
		out := make([]int64, len(vs))
		for i, v := range vs {
			x, ok := v.GetValue().(*commonpb.AnyValue_IntValue)
			if !ok {
				return attribute.KeyValue{}, false
			}
			out[i] = x.IntValue
		}
		return k.Int64Slice(out), true
	case *commonpb.AnyValue_DoubleValue:
		out := make([]float64, len(vs))
		for i, v := range vs {
			x, ok := v.GetValue().(*commonpb.AnyValue_DoubleValue)
			if !ok {
				return attribute.KeyValue{}, false
			}
			out[i] = x.DoubleValue
		}
		return k.Float64Slice(out), true
	}
	return attribute.KeyValue{}, false
}

func fromAttribute(kv attribute.KeyValue) *commonpb.KeyValue {
	var v *commonpb.AnyValue
	switch kv.Value.Type() {
	case attribute.STRING:
		v = str(kv.Value.AsString())
	case attribute.BOOL:
		v = &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: kv.Value.AsBool()}}
	case attribute.INT64:
		v = &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: kv.Value.AsInt64()}}
	case attribute.FLOAT64:
		v = &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: kv.Value.AsFloat64()}}
	case attribute.STRINGSLICE:
		v = array(kv.Value.AsStringSlice(), str)
	case attribute.BOOLSLICE:
		v = array(kv.Value.AsBoolSlice(), func(b bool) *commonpb.AnyValue {
			return &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: b}}
		})
	case attribute.INT64SLICE:
		v = array(kv.Value.AsInt64Slice(), func(i int64) *commonpb.AnyValue {
			return &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: i}}
		})
	case attribute.FLOAT64SLICE:
		v = array(kv.Value.AsFloat64Slice(), func(f float64) *commonpb.AnyValue {
			return &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: f}}
		})
	default:
		return nil
	}
	return &commonpb.KeyValue{Key: string(kv.Key), Value: v}
}

func str(s string) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: s}}
}

func array[T any](in []T, f func(T) *commonpb.AnyValue) *commonpb.AnyValue {
	out := make([]*commonpb.AnyValue, len(in))
	for i, x := range in {
		out[i] = f(x)
	}
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: out}}}
}
