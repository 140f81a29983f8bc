package report

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestDecodeJaeger(t *testing.T) {
	f, err := os.Open("testdata/demo/traces.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	spans, err := DecodeJaeger(f)
	if err != nil {
		t.Fatal(err)
	}
	var cmd, child int
	for _, s := range spans {
		if s.Resource["service.name"] != "clusterctl" {
			t.Errorf("%s: service.name %v", s.Name, s.Resource["service.name"])
		}
		if s.Start.IsZero() || s.Start.Location() != time.UTC {
			t.Errorf("%s: start %v", s.Name, s.Start)
		}
		if !IsCommandSpan(s) {
			child++
			continue
		}
		cmd++
		if _, ok := s.Attributes["process.exit.code"].(int64); !ok {
			t.Errorf("%s: exit code %T", s.Name, s.Attributes["process.exit.code"])
		}
		if r, ok := s.Resource["cli.sample_rate"].(float64); !ok || r != 1 {
			t.Errorf("%s: sample rate %#v", s.Name, s.Resource["cli.sample_rate"])
		}
		if _, ok := s.Resource["cli.terminal.stdin"].(bool); !ok {
			t.Errorf("%s: bool resource attribute %T", s.Name, s.Resource["cli.terminal.stdin"])
		}
		// Jaeger's own tags are fields, not attributes.
		for _, k := range []string{"otel.scope.name", "span.kind", "otel.status_code", "error"} {
			if _, ok := s.Attributes[k]; ok {
				t.Errorf("%s: %s left in the attributes", s.Name, k)
			}
		}
		if s.Error != (s.Attributes["error.type"] != nil) {
			t.Errorf("%s: status error %v, error.type %v", s.Name, s.Error, s.Attributes["error.type"])
		}
		// Arrays come back as lists.
		if v, ok := s.Attributes["cli.command.flags"]; ok {
			if _, ok := v.([]string); !ok {
				t.Errorf("%s: cli.command.flags is %T %v", s.Name, v, v)
			}
		}
	}
	if cmd != 14 || child != 5 {
		t.Errorf("%d command spans and %d others, want 14 and 5 (the demo's: 3 clusters.load, 2 serve snapshots)", cmd, child)
	}
}

func TestTagValue(t *testing.T) {
	for _, c := range []struct {
		typ, raw string
		want     any
	}{
		{"string", `"x"`, "x"},
		{"string", `"[\"a\",\"b\"]"`, []string{"a", "b"}},
		{"string", `"[not json"`, "[not json"},
		{"int64", `42`, int64(42)},
		{"int64", `"9007199254740993"`, int64(9007199254740993)},
		{"float64", `0.25`, 0.25},
		{"bool", `true`, true},
		{"binary", `"AAE="`, "AAE="},
	} {
		got := tagValue(jaegerTag{Key: "k", Type: c.typ, Value: json.RawMessage(c.raw)})
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s %s = %#v, want %#v", c.typ, c.raw, got, c.want)
		}
	}
}

func TestDecodeJaegerError(t *testing.T) {
	_, err := DecodeJaeger(strings.NewReader(`{"data":null,"errors":[{"code":400,"msg":"parameter 'service' is required"}]}`))
	if err == nil || !strings.Contains(err.Error(), "service") {
		t.Errorf("err = %v", err)
	}
}

// A fake Jaeger holding one trace per second; it answers at most limit
// traces, so the client must split its window to read them all.
func TestJaegerSplitsFullWindows(t *testing.T) {
	base := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	const n = 50
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if r.URL.Path != "/api/traces" || r.FormValue("service") != "cli" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		start, _ := strconv.ParseInt(r.FormValue("start"), 10, 64)
		end, _ := strconv.ParseInt(r.FormValue("end"), 10, 64)
		limit, _ := strconv.Atoi(r.FormValue("limit"))
		var data []string
		for i := range n {
			at := base.Add(time.Duration(i) * time.Second).UnixMicro()
			if at < start || at > end || len(data) == limit {
				continue
			}
			data = append(data, fmt.Sprintf(`{"traceID":"t%d","spans":[{"traceID":"t%d","spanID":"s%d","operationName":"cli list",`+
				`"startTime":%d,"duration":1000,"processID":"p1","tags":[{"key":"otel.scope.name","type":"string","value":%q},`+
				`{"key":"process.exit.code","type":"int64","value":0}]}],"processes":{"p1":{"serviceName":"cli","tags":[]}}}`,
				i, i, i, at, ScopeName))
		}
		fmt.Fprintf(w, `{"data":[%s]}`, strings.Join(data, ","))
	}))
	defer srv.Close()

	j := &Jaeger{URL: srv.URL + "/", Limit: 8}
	spans, st, err := j.Spans(context.Background(), "cli", base.Add(-time.Hour), base.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	r := Aggregate(spans, Options{Service: "cli"})
	if r.RecordedRuns != n || st.Truncated {
		t.Errorf("%d runs (truncated %v), want %d", r.RecordedRuns, st.Truncated, n)
	}
	if st.Requests < 2 || int(requests.Load()) != st.Requests {
		t.Errorf("requests: %d counted, %d served", st.Requests, requests.Load())
	}

	if _, _, err := (&Jaeger{URL: srv.URL}).Spans(context.Background(), "nope", base, base.Add(time.Hour)); err == nil {
		t.Error("no error for a 400")
	}
}

func TestParseSpanMetrics(t *testing.T) {
	f, err := os.Open("testdata/demo/metrics.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ms, err := ParseSpanMetrics(f, "clusterctl")
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]float64{}
	for _, m := range ms {
		by[m.Command+"|"+m.ErrorType] += m.Calls
	}
	want := map[string]float64{
		"clusterctl cluster create|": 4, "clusterctl cluster create|missing_required_flag": 1,
		"clusterctl cluster list|": 3, "clusterctl cluster delete|cluster_not_found": 1,
		"clusterctl|unknown_command": 1, "clusterctl login|": 1, "clusterctl logout|": 1,
		"clusterctl serve|": 1, "clusterctl server info|": 1,
	}
	if !reflect.DeepEqual(by, want) {
		t.Errorf("series = %v\nwant %v", by, want)
	}

	other, err := ParseSpanMetrics(strings.NewReader(`cli_calls_total{cli_command_path="a \"b\"",service_name="x"} 2`+"\n"), "")
	if err != nil || len(other) != 1 || other[0].Command != `a "b"` || other[0].Calls != 2 {
		t.Errorf("escaped label: %+v %v", other, err)
	}
	if _, err := ParseSpanMetrics(strings.NewReader(`cli_calls_total{cli_command_path="a} 2`+"\n"), ""); err == nil {
		t.Error("no error for a malformed label")
	}
}
