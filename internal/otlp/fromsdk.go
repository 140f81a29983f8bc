package otlp

import (
	"math"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/cli-telemetry/otelcli/internal/scopeattr"
)

// Span flags beyond the W3C trace flags in the low byte: whether the
// parent's remoteness is known, and whether it is remote.
const (
	flagHasIsRemote = 0x100
	flagIsRemote    = 0x200
)

// FromSDK converts ended SDK spans to OTLP, grouped by resource and then by
// instrumentation scope, in the order they first appear (the OTLP
// exporters' own conversion, without the generated protobuf types).
func FromSDK(spans []sdktrace.ReadOnlySpan) []ResourceSpans {
	return fromSDK(spans, nil, "")
}

// FromSDKWithResource converts spans as FromSDK does, all under one
// resource given by its attributes, in place of each span's own: what
// otelcli's session does, without building the SDK's attribute set (its
// first use in a process costs a reflect-made type for a resource of more
// than ten attributes).
func FromSDKWithResource(spans []sdktrace.ReadOnlySpan, attrs []attribute.KeyValue, schemaURL string) []ResourceSpans {
	return fromSDK(spans, attrs, schemaURL)
}

// fromSDK groups spans by resource (fixed, when not nil, for all) and scope.
func fromSDK(spans []sdktrace.ReadOnlySpan, fixed []attribute.KeyValue, fixedSchema string) []ResourceSpans {
	type scopeKey struct {
		res   attribute.Distinct
		scope instrumentation.Scope
	}
	var out []ResourceSpans
	resIndex := map[attribute.Distinct]int{}
	scopeIndex := map[scopeKey][2]int{}
	for _, s := range spans {
		if s == nil {
			continue
		}
		var rk attribute.Distinct
		var res *resource.Resource
		if fixed == nil {
			res = s.Resource()
			rk = res.Equivalent()
		}
		ri, ok := resIndex[rk]
		if !ok {
			ri = len(out)
			resIndex[rk] = ri
			if fixed != nil {
				out = append(out, ResourceSpans{Resource: Resource{Attributes: keyValues(fixed)}, SchemaURL: fixedSchema})
			} else {
				out = append(out, ResourceSpans{
					Resource:  Resource{Attributes: keyValues(res.Attributes())},
					SchemaURL: res.SchemaURL(),
				})
			}
		}
		scope := s.InstrumentationScope()
		sk := scopeKey{rk, scope}
		idx, ok := scopeIndex[sk]
		if !ok {
			idx = [2]int{ri, len(out[ri].ScopeSpans)}
			scopeIndex[sk] = idx
			out[ri].ScopeSpans = append(out[ri].ScopeSpans, ScopeSpans{
				Scope: Scope{
					Name: scope.Name, Version: scope.Version,
					Attributes: keyValues(scopeattr.Get(scope)),
				},
				SchemaURL: scope.SchemaURL,
			})
		}
		ss := &out[idx[0]].ScopeSpans[idx[1]]
		ss.Spans = append(ss.Spans, span(s))
	}
	return out
}

func span(s sdktrace.ReadOnlySpan) Span {
	sc := s.SpanContext()
	out := Span{
		TraceID:                sc.TraceID(),
		SpanID:                 sc.SpanID(),
		TraceState:             sc.TraceState().String(),
		Name:                   s.Name(),
		Kind:                   kind(s.SpanKind()),
		StartTimeUnixNano:      unixNano(s.StartTime().UnixNano()),
		EndTimeUnixNano:        unixNano(s.EndTime().UnixNano()),
		Attributes:             keyValues(s.Attributes()),
		DroppedAttributesCount: clamp(s.DroppedAttributes()),
		DroppedEventsCount:     clamp(s.DroppedEvents()),
		DroppedLinksCount:      clamp(s.DroppedLinks()),
		Flags:                  flags(sc.TraceFlags(), s.Parent()),
	}
	if p := s.Parent().SpanID(); p.IsValid() {
		out.ParentSpanID = p[:]
	}
	switch st := s.Status(); st.Code {
	case codes.Ok:
		out.Status = Status{Code: StatusOK, Message: st.Description}
	case codes.Error:
		out.Status = Status{Code: StatusError, Message: st.Description}
	}
	for _, e := range s.Events() {
		out.Events = append(out.Events, Event{
			TimeUnixNano:           unixNano(e.Time.UnixNano()),
			Name:                   e.Name,
			Attributes:             keyValues(e.Attributes),
			DroppedAttributesCount: clamp(e.DroppedAttributeCount),
		})
	}
	for _, l := range s.Links() {
		// A link's trace state is left out, as the OTLP exporters do.
		out.Links = append(out.Links, Link{
			TraceID:                l.SpanContext.TraceID(),
			SpanID:                 l.SpanContext.SpanID(),
			Attributes:             keyValues(l.Attributes),
			DroppedAttributesCount: clamp(l.DroppedAttributeCount),
			Flags:                  flags(l.SpanContext.TraceFlags(), l.SpanContext),
		})
	}
	return out
}

func flags(tf trace.TraceFlags, parent trace.SpanContext) uint32 {
	f := uint32(tf) | flagHasIsRemote
	if parent.IsRemote() {
		f |= flagIsRemote
	}
	return f
}

func kind(k trace.SpanKind) SpanKind {
	switch k {
	case trace.SpanKindInternal:
		return KindInternal
	case trace.SpanKindServer:
		return KindServer
	case trace.SpanKindClient:
		return KindClient
	case trace.SpanKindProducer:
		return KindProducer
	case trace.SpanKindConsumer:
		return KindConsumer
	}
	return KindUnspecified
}

func unixNano(ns int64) uint64 { return uint64(max(0, ns)) }

func clamp(n int) uint32 {
	if n < 0 {
		return 0
	}
	if int64(n) > math.MaxUint32 {
		return math.MaxUint32
	}
	return uint32(n)
}

func keyValues(kvs []attribute.KeyValue) []KeyValue {
	if len(kvs) == 0 {
		return nil
	}
	out := make([]KeyValue, 0, len(kvs))
	for _, kv := range kvs {
		out = append(out, KeyValue{Key: string(kv.Key), Value: FromAttribute(kv.Value)})
	}
	return out
}

// FromAttribute converts an attribute value; a type OTLP has no form for
// is an empty value.
func FromAttribute(v attribute.Value) Value {
	switch v.Type() {
	case attribute.BOOL:
		return Value{Kind: Bool, Bool: v.AsBool()}
	case attribute.INT64:
		return Value{Kind: Int, Int: v.AsInt64()}
	case attribute.FLOAT64:
		return Value{Kind: Double, Double: v.AsFloat64()}
	case attribute.STRING:
		return Value{Kind: String, Str: v.AsString()}
	case attribute.BOOLSLICE:
		return list(v.AsBoolSlice(), func(b bool) Value { return Value{Kind: Bool, Bool: b} })
	case attribute.INT64SLICE:
		return list(v.AsInt64Slice(), func(i int64) Value { return Value{Kind: Int, Int: i} })
	case attribute.FLOAT64SLICE:
		return list(v.AsFloat64Slice(), func(f float64) Value { return Value{Kind: Double, Double: f} })
	case attribute.STRINGSLICE:
		return list(v.AsStringSlice(), func(s string) Value { return Value{Kind: String, Str: s} })
	}
	return Value{}
}

func list[T any](vs []T, f func(T) Value) Value {
	out := Value{Kind: Array, Array: make([]Value, len(vs))}
	for i, v := range vs {
		out.Array[i] = f(v)
	}
	return out
}

// Attribute converts a value back to an attribute value, as the SDK would
// have made it: scalars and homogeneous lists of scalars. A map, bytes, a
// nested or mixed list has no attribute form: ok is false.
func (v Value) Attribute() (attribute.Value, bool) {
	switch v.Kind {
	case String:
		return attribute.StringValue(v.Str), true
	case Bool:
		return attribute.BoolValue(v.Bool), true
	case Int:
		return attribute.Int64Value(v.Int), true
	case Double:
		return attribute.Float64Value(v.Double), true
	case Array:
		return arrayAttribute(v.Array)
	}
	return attribute.Value{}, false
}

func arrayAttribute(vs []Value) (attribute.Value, bool) {
	if len(vs) == 0 {
		return attribute.StringSliceValue(nil), true
	}
	kind := vs[0].Kind
	for _, e := range vs {
		if e.Kind != kind {
			return attribute.Value{}, false
		}
	}
	switch kind {
	case String:
		return attribute.StringSliceValue(collect(vs, func(v Value) string { return v.Str })), true
	case Bool:
		return attribute.BoolSliceValue(collect(vs, func(v Value) bool { return v.Bool })), true
	case Int:
		return attribute.Int64SliceValue(collect(vs, func(v Value) int64 { return v.Int })), true
	case Double:
		return attribute.Float64SliceValue(collect(vs, func(v Value) float64 { return v.Double })), true
	}
	return attribute.Value{}, false
}

func collect[T any](vs []Value, f func(Value) T) []T {
	out := make([]T, len(vs))
	for i, v := range vs {
		out[i] = f(v)
	}
	return out
}
