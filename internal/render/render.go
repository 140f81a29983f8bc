package render

import (
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/cli-telemetry/otelcli/internal/otlp"
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
func Convert(rss []otlp.ResourceSpans) []Resource {
	out := make([]Resource, 0, len(rss))
	for _, rs := range rss {
		r := Resource{Resource: attrs(rs.Resource.Attributes), Spans: []Span{}}
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				sp := Span{
					Name:              s.Name,
					Kind:              kinds[s.Kind],
					TraceID:           hex.EncodeToString(s.TraceID[:]),
					SpanID:            hex.EncodeToString(s.SpanID[:]),
					ParentSpanID:      hex.EncodeToString(s.ParentSpanID),
					Scope:             ss.Scope.Name,
					Start:             time.Unix(0, int64(s.StartTimeUnixNano)).UTC(),
					DurationMS:        float64(s.EndTimeUnixNano-s.StartTimeUnixNano) / 1e6,
					Status:            statuses[s.Status.Code],
					Attributes:        attrs(s.Attributes),
					DroppedAttributes: s.DroppedAttributesCount,
					DroppedEvents:     s.DroppedEventsCount,
				}
				if sp.Kind == "" {
					sp.Kind = "unspecified"
				}
				if sp.Status == "" {
					sp.Status = "unset"
				}
				for _, e := range s.Events {
					sp.Events = append(sp.Events, Event{Name: e.Name, Attributes: attrs(e.Attributes)})
				}
				r.Spans = append(r.Spans, sp)
			}
		}
		out = append(out, r)
	}
	return out
}

var kinds = map[otlp.SpanKind]string{
	otlp.KindUnspecified: "unspecified", otlp.KindInternal: "internal", otlp.KindServer: "server",
	otlp.KindClient: "client", otlp.KindProducer: "producer", otlp.KindConsumer: "consumer",
}

var statuses = map[otlp.StatusCode]string{otlp.StatusUnset: "unset", otlp.StatusOK: "ok", otlp.StatusError: "error"}

// JSON renders spans as indented JSON.
func JSON(rss []otlp.ResourceSpans) ([]byte, error) {
	return json.MarshalIndent(Convert(rss), "", "  ")
}

func attrs(kvs []otlp.KeyValue) map[string]any {
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = value(kv.Value)
	}
	return m
}

func value(v otlp.Value) any {
	switch v.Kind {
	case otlp.String:
		return v.Str
	case otlp.Bool:
		return v.Bool
	case otlp.Int:
		return v.Int
	case otlp.Double:
		return v.Double
	case otlp.Bytes:
		return hex.EncodeToString([]byte(v.Str))
	case otlp.Array:
		out := make([]any, 0, len(v.Array))
		for _, e := range v.Array {
			out = append(out, value(e))
		}
		return out
	case otlp.KVList:
		return attrs(v.KVList)
	}
	return nil
}
