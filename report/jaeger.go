package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Span is one span as a backend stored it: its own attributes and the
// attributes of its resource (service.name included). Attribute values are
// string, int64, float64, bool or []string.
type Span struct {
	TraceID    string
	SpanID     string
	Name       string
	Scope      string // instrumentation scope name
	Start      time.Time
	Duration   time.Duration
	Error      bool // status Error
	Attributes map[string]any
	Resource   map[string]any
}

// jaegerResponse is the JSON of Jaeger's GET /api/traces (and
// /api/traces/<id>), as much of it as the report reads.
type jaegerResponse struct {
	Data []struct {
		TraceID string `json:"traceID"`
		Spans   []struct {
			TraceID       string      `json:"traceID"`
			SpanID        string      `json:"spanID"`
			OperationName string      `json:"operationName"`
			StartTime     int64       `json:"startTime"` // µs since the epoch
			Duration      int64       `json:"duration"`  // µs
			Tags          []jaegerTag `json:"tags"`
			ProcessID     string      `json:"processID"`
		} `json:"spans"`
		Processes map[string]struct {
			ServiceName string      `json:"serviceName"`
			Tags        []jaegerTag `json:"tags"`
		} `json:"processes"`
	} `json:"data"`
	Errors []struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
	} `json:"errors"`
}

type jaegerTag struct {
	Key   string          `json:"key"`
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

// Tags Jaeger adds from the OTLP span's own fields rather than its
// attributes.
const (
	tagScopeName   = "otel.scope.name"
	tagScopeVer    = "otel.scope.version"
	tagStatusCode  = "otel.status_code"
	tagStatusDesc  = "otel.status_description"
	tagSpanKind    = "span.kind"
	tagErrorMarker = "error"
)

// DecodeJaeger decodes the JSON of Jaeger's GET /api/traces into spans,
// every span of every trace, in the order Jaeger gave them.
//
// Jaeger stores OTLP array attributes as strings holding a JSON array
// (cli.command.flags: `["name","provider"]`); those are decoded back into
// []string.
func DecodeJaeger(r io.Reader) ([]Span, error) {
	var resp jaegerResponse
	dec := json.NewDecoder(r)
	if err := dec.Decode(&resp); err != nil {
		return nil, fmt.Errorf("decoding Jaeger's response: %w", err)
	}
	if len(resp.Errors) > 0 {
		return nil, fmt.Errorf("jaeger: %s (code %d)", resp.Errors[0].Msg, resp.Errors[0].Code)
	}
	var spans []Span
	for _, t := range resp.Data {
		for _, js := range t.Spans {
			s := Span{
				TraceID:    js.TraceID,
				SpanID:     js.SpanID,
				Name:       js.OperationName,
				Start:      time.UnixMicro(js.StartTime).UTC(),
				Duration:   time.Duration(js.Duration) * time.Microsecond,
				Attributes: map[string]any{},
				Resource:   map[string]any{},
			}
			for _, tag := range js.Tags {
				v := tagValue(tag)
				switch tag.Key {
				case tagScopeName:
					s.Scope, _ = v.(string)
				case tagStatusCode:
					s.Error = v == "ERROR"
				case tagScopeVer, tagStatusDesc, tagSpanKind, tagErrorMarker:
				default:
					s.Attributes[tag.Key] = v
				}
			}
			if p, ok := t.Processes[js.ProcessID]; ok {
				for _, tag := range p.Tags {
					s.Resource[tag.Key] = tagValue(tag)
				}
				if p.ServiceName != "" {
					s.Resource["service.name"] = p.ServiceName
				}
			}
			spans = append(spans, s)
		}
	}
	return spans, nil
}

// tagValue converts a Jaeger tag's value to the attribute's Go type.
func tagValue(t jaegerTag) any {
	switch t.Type {
	case "bool":
		var b bool
		if json.Unmarshal(t.Value, &b) == nil {
			return b
		}
	case "int64":
		// Jaeger writes int64 as a JSON number; large ones may come as a string.
		var n json.Number
		if json.Unmarshal(t.Value, &n) == nil {
			if i, err := n.Int64(); err == nil {
				return i
			}
		}
		var s string
		if json.Unmarshal(t.Value, &s) == nil {
			if i, err := strconv.ParseInt(s, 10, 64); err == nil {
				return i
			}
		}
	case "float64":
		var f float64
		if json.Unmarshal(t.Value, &f) == nil {
			return f
		}
	}
	var s string
	if json.Unmarshal(t.Value, &s) != nil {
		return strings.TrimSpace(string(t.Value))
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		var list []string
		if json.Unmarshal([]byte(s), &list) == nil {
			return list
		}
	}
	return s
}

// Jaeger reads spans from Jaeger's HTTP query API.
type Jaeger struct {
	// URL is the query service's base URL, e.g. http://127.0.0.1:16686.
	URL string
	// Limit is the most traces asked for in one request (default 1000).
	// A window that returns that many is split in two and asked again, so
	// nothing is silently cut off.
	Limit int
	// Client is the HTTP client (default: one with a 30 s timeout).
	Client *http.Client
}

// FetchStats says how the spans were read.
type FetchStats struct {
	Requests  int  `json:"requests"`
	Traces    int  `json:"traces"`
	Truncated bool `json:"truncated"` // a window of under a second still hit the limit
}

// Spans returns every span of the service's traces that started in
// [start, end).
func (j *Jaeger) Spans(ctx context.Context, service string, start, end time.Time) ([]Span, FetchStats, error) {
	var st FetchStats
	seen := map[string]bool{}
	var out []Span
	var fetch func(from, to time.Time, depth int) error
	fetch = func(from, to time.Time, depth int) error {
		body, n, err := j.get(ctx, service, from, to)
		st.Requests++
		if err != nil {
			return err
		}
		if n >= j.limit() {
			if to.Sub(from) > time.Second && depth < 40 {
				mid := from.Add(to.Sub(from) / 2)
				if err := fetch(from, mid, depth+1); err != nil {
					return err
				}
				return fetch(mid, to, depth+1)
			}
			st.Truncated = true
		}
		spans, err := DecodeJaeger(bytes.NewReader(body))
		if err != nil {
			return err
		}
		for _, s := range spans {
			if !seen[s.TraceID] {
				st.Traces++
			}
			seen[s.TraceID] = true
			out = append(out, s)
		}
		return nil
	}
	err := fetch(start, end, 0)
	return out, st, err
}

func (j *Jaeger) limit() int {
	if j.Limit > 0 {
		return j.Limit
	}
	return 1000
}

// get asks for one window and returns the body and how many traces it holds.
func (j *Jaeger) get(ctx context.Context, service string, from, to time.Time) ([]byte, int, error) {
	u, err := url.Parse(strings.TrimRight(j.URL, "/") + "/api/traces")
	if err != nil {
		return nil, 0, err
	}
	q := url.Values{}
	q.Set("service", service)
	q.Set("limit", strconv.Itoa(j.limit()))
	q.Set("start", strconv.FormatInt(from.UnixMicro(), 10))
	q.Set("end", strconv.FormatInt(to.UnixMicro(), 10))
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, 0, err
	}
	client := j.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<30))
	if err != nil {
		return nil, 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("jaeger: GET %s: %s: %s", u.Redacted(), resp.Status, bytes.TrimSpace(body[:min(len(body), 300)]))
	}
	var count struct {
		Data []json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &count); err != nil {
		return nil, 0, fmt.Errorf("jaeger: GET %s: %w", u.Redacted(), err)
	}
	return body, len(count.Data), nil
}
