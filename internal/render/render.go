package render

import (
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
)

// Resource is one process's resource and the spans it recorded.
type Resource struct {
	Resource map[string]any `json:"resource"`
	Spans    []Span         `json:"spans"`
}

// Span is one span as sent.
type Span struct {
	Name              string         `json:"name"`
	Kind              string         `json:"kind"`
	TraceID           string         `json:"trace_id"`
	SpanID            string         `json:"span_id"`
	ParentSpanID      string         `json:"parent_span_id,omitempty"`
	Scope             string         `json:"scope,omitempty"`
	Start             time.Time      `json:"start"`
	DurationMS        float64        `json:"duration_ms"`
	Status            string         `json:"status"`
	Attributes        map[string]any `json:"attributes"`
	DroppedAttributes uint32         `json:"dropped_attributes,omitempty"`
	Events            []Event        `json:"events,omitempty"`
	DroppedEvents     uint32         `json:"dropped_events,omitempty"`
}

// Event is one span event as sent.
type Event struct {
	Name       string         `json:"name"`
	Attributes map[string]any `json:"attributes,omitempty"`
}

// Convert maps OTLP resource spans to their readable form.
func Convert(rss []*tracepb.ResourceSpans) []Resource {
	out := make([]Resource, 0, len(rss))
	for _, rs := range rss {
		r := Resource{Resource: attrs(rs.GetResource().GetAttributes()), Spans: []Span{}}
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				sp := Span{
					Name:              s.GetName(),
					Kind:              strings.ToLower(strings.TrimPrefix(s.GetKind().String(), "SPAN_KIND_")),
					TraceID:           hex.EncodeToString(s.GetTraceId()),
					SpanID:            hex.EncodeToString(s.GetSpanId()),
					ParentSpanID:      hex.EncodeToString(s.GetParentSpanId()),
					Scope:             ss.GetScope().GetName(),
					Start:             time.Unix(0, int64(s.GetStartTimeUnixNano())).UTC(),
					DurationMS:        float64(s.GetEndTimeUnixNano()-s.GetStartTimeUnixNano()) / 1e6,
					Status:            strings.ToLower(strings.TrimPrefix(s.GetStatus().GetCode().String(), "STATUS_CODE_")),
					Attributes:        attrs(s.GetAttributes()),
					DroppedAttributes: s.GetDroppedAttributesCount(),
					DroppedEvents:     s.GetDroppedEventsCount(),
				}
				for _, e := range s.GetEvents() {
					sp.Events = append(sp.Events, Event{Name: e.GetName(), Attributes: attrs(e.GetAttributes())})
				}
				r.Spans = append(r.Spans, sp)
			}
		}
		out = append(out, r)
	}
	return out
}

// JSON renders spans as indented JSON.
func JSON(rss []*tracepb.ResourceSpans) ([]byte, error) {
	return json.MarshalIndent(Convert(rss), "", "  ")
}

func attrs(kvs []*commonpb.KeyValue) map[string]any {
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		m[kv.GetKey()] = value(kv.GetValue())
	}
	return m
}

func value(v *commonpb.AnyValue) any {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_BoolValue:
		return x.BoolValue
	case *commonpb.AnyValue_IntValue:
		return x.IntValue
	case *commonpb.AnyValue_DoubleValue:
		return x.DoubleValue
	case *commonpb.AnyValue_BytesValue:
		return hex.EncodeToString(x.BytesValue)
	case *commonpb.AnyValue_ArrayValue:
		out := make([]any, 0, len(x.ArrayValue.GetValues()))
		for _, e := range x.ArrayValue.GetValues() {
			out = append(out, value(e))
		}
		return out
	case *commonpb.AnyValue_KvlistValue:
		return attrs(x.KvlistValue.GetValues())
	}
	return nil
}
