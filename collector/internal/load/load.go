// Package load sends CLI-shaped OTLP/HTTP traffic to a collector and counts
// what it answers, and stands in for a backend that counts what arrives. The
// collector's shedding test and the load benchmark (cmd/loadbench) use it.
package load

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

func str(s string) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: s}}
}

func kv(k string, v *commonpb.AnyValue) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: v}
}

func i64(n int64) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: n}}
}

// Body returns an OTLP request holding runs CLI runs, each its own resource
// with one command span, as the uploader sends spooled runs: clusterctl's
// resource and span attributes, about 900 bytes a run.
func Body(runs int) []byte {
	req := &coltracepb.ExportTraceServiceRequest{}
	now := uint64(time.Now().UnixNano())
	for i := range runs {
		id := fmt.Sprintf("85965c5e-e1cc-4a7e-bae8-%012x", i)
		res := &resourcepb.Resource{Attributes: []*commonpb.KeyValue{
			kv("service.name", str("clusterctl")), kv("service.version", str("0.3.1")), kv("os.type", str("linux")),
			kv("os.version", str("6.18.44")), kv("host.arch", str("amd64")), kv("process.runtime.name", str("go")),
			kv("process.runtime.version", str("go1.26.8")), kv("telemetry.sdk.name", str("opentelemetry")),
			kv("telemetry.sdk.language", str("go")), kv("telemetry.sdk.version", str("1.47.0")),
			kv("cli.install.id", str("e3092f60-29be-42e1-af6a-c0e045d8f18e")), kv("cli.execution.id", str(id)),
			kv("cli.install.source", str("homebrew")), kv("cli.terminal.stdout", &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: true}}),
		}}
		flags := &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: []*commonpb.AnyValue{
			str("name"), str("provider"), str("region"), str("tier")}}}}
		span := &tracepb.Span{
			TraceId: []byte{byte(i >> 8), byte(i), 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, SpanId: []byte{1, 2, 3, 4, 5, 6, byte(i >> 8), byte(i)},
			Name: "clusterctl cluster create", Kind: tracepb.Span_SPAN_KIND_INTERNAL, StartTimeUnixNano: now - 1e6, EndTimeUnixNano: now,
			Attributes: []*commonpb.KeyValue{
				kv("cli.command.path", str("clusterctl cluster create")), kv("cli.command.flags", flags),
				kv("cli.flag.provider", str("AWS")), kv("cli.flag.region", str("US_EAST_1")), kv("cli.flag.tier", str("M20")),
				kv("cli.command.args.count", i64(0)), kv("process.executable.name", str("clusterctl")),
				kv("process.exit.code", i64(0)), kv("process.pid", i64(4796)),
			},
		}
		req.ResourceSpans = append(req.ResourceSpans, &tracepb.ResourceSpans{
			Resource: res, SchemaUrl: "https://opentelemetry.io/schemas/1.26.0",
			ScopeSpans: []*tracepb.ScopeSpans{{Scope: &commonpb.InstrumentationScope{Name: "github.com/cli-telemetry/otelcli", Version: "0.1.0"}, Spans: []*tracepb.Span{span}}},
		})
	}
	b, err := proto.Marshal(req)
	if err != nil {
		panic(err)
	}
	return b
}

// Result counts a client's requests by what the collector answered.
type Result struct {
	Duration time.Duration
	Status   map[int]int // HTTP status → requests
	Errors   int         // requests that got no answer (connection refused, reset, timeout)
	Runs     int         // runs in the requests answered 200
}

func (r Result) String() string {
	var parts []string
	for _, code := range []int{200, 429, 503} {
		parts = append(parts, fmt.Sprintf("%d: %d", code, r.Status[code]))
	}
	for code, n := range r.Status {
		if code != 200 && code != 429 && code != 503 {
			parts = append(parts, fmt.Sprintf("%d: %d", code, n))
		}
	}
	return fmt.Sprintf("%s, no answer: %d (%.0f runs/s accepted)", strings.Join(parts, ", "), r.Errors, float64(r.Runs)/r.Duration.Seconds())
}

// Flood posts body (holding runs runs) from workers goroutines to url until
// ctx is done, each worker sending its next request when the last one is
// answered, as uploaders do.
func Flood(ctx context.Context, url string, body []byte, runs, workers int) Result {
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers, DisableCompression: true}}
	var mu sync.Mutex
	res := Result{Status: map[int]int{}}
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			status := map[int]int{}
			errs, ok := 0, 0
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/x-protobuf")
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						errs++
						time.Sleep(10 * time.Millisecond)
					}
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				status[resp.StatusCode]++
				if resp.StatusCode == http.StatusOK {
					ok++
				} else {
					// A refused client backs off a little, as the
					// uploader does (much less than it does).
					time.Sleep(20 * time.Millisecond)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			for c, n := range status {
				res.Status[c] += n
			}
			res.Errors += errs
			res.Runs += ok * runs
		})
	}
	wg.Wait()
	res.Duration = time.Since(start)
	return res
}

// Sink is a loopback OTLP/HTTP backend counting the spans it receives. When
// Hang is set it accepts requests and never answers them, as a backend in an
// outage does.
type Sink struct {
	Addr  string
	Spans atomic.Int64
	Hang  atomic.Bool
	srv   *http.Server
	stop  chan struct{}
}

// NewSink listens on a loopback port.
func NewSink() (*Sink, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Sink{Addr: l.Addr().String(), stop: make(chan struct{})}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
	go s.srv.Serve(l)
	return s, nil
}

// Close stops the sink, releasing hung requests.
func (s *Sink) Close() {
	close(s.stop)
	s.srv.Close()
}

func (s *Sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.Hang.Load() {
		select {
		case <-r.Context().Done():
		case <-s.stop:
		}
		return
	}
	var rd io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		rd = zr
	}
	body, _ := io.ReadAll(rd)
	var req coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(body, &req); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	n := 0
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			n += len(ss.Spans)
		}
	}
	s.Spans.Add(int64(n))
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.WriteHeader(http.StatusOK)
}

// Proc reads a process's memory and CPU time from /proc (Linux).
type Proc struct{ PID int }

// RSS returns the resident set and its peak, in bytes.
func (p Proc) RSS() (rss, peak int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.PID))
	if err != nil {
		return 0, 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		n, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			rss = n << 10
		case "VmHWM:":
			peak = n << 10
		}
	}
	if rss == 0 {
		return 0, 0, errors.New("no VmRSS")
	}
	return rss, peak, nil
}

// CPU returns the CPU time the process has used.
func (p Proc) CPU() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.PID))
	if err != nil {
		return 0, err
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0, errors.New("short stat")
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100, nil // USER_HZ is 100 on Linux
}
