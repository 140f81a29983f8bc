package collector

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cli-telemetry/otelcli/internal/e2e"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// featureGates are the gates config.yaml needs (its checks look inside lists
// with OTTL lambdas).
const featureGates = "--feature-gates=ottl.functions.enableLambda"

// binary returns the path in env var name; in CI (make test) it must be set.
func binary(t *testing.T, name string) string {
	t.Helper()
	p := os.Getenv(name)
	if p == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: run through `make collector-test`", name)
		}
		t.Skipf("%s is not set: run through `make collector-test`", name)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// backend stands in for a vendor: a loopback OTLP/HTTP receiver that, like
// a real backend, rejects a request it cannot decode (the Go protobuf
// runtime refuses messages nested deeper than 10 000 levels) with 400, which
// makes the collector drop the whole batch.
type backend struct {
	mu       sync.Mutex
	reqs     []*coltracepb.ExportTraceServiceRequest
	raw      []byte
	rejected int
	srv      *http.Server
	addr     string
	// hang makes the backend take requests and never answer, as one in an
	// outage does.
	hang atomic.Bool
}

func newBackend(t *testing.T) *backend {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &backend{addr: l.Addr().String()}
	b.srv = &http.Server{Handler: b, ReadHeaderTimeout: 5 * time.Second}
	go b.srv.Serve(l)
	t.Cleanup(func() { b.srv.Close() })
	return b
}

func (b *backend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if b.hang.Load() {
		<-r.Context().Done()
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
		b.mu.Lock()
		b.rejected++
		b.mu.Unlock()
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	b.mu.Lock()
	b.reqs = append(b.reqs, &req)
	b.raw = append(b.raw, body...)
	b.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.WriteHeader(http.StatusOK)
}

// received is one span as the backend got it, with its resource and scope.
type received struct {
	res       *resourcepb.Resource
	resSchema string
	scope     *commonpb.InstrumentationScope
	scopeURL  string
	span      *tracepb.Span
}

func (r received) attr(key string) *commonpb.AnyValue    { return find(r.span.Attributes, key) }
func (r received) resAttr(key string) *commonpb.AnyValue { return find(r.res.GetAttributes(), key) }
func (r received) str(key string) string                 { return r.attr(key).GetStringValue() }
func (r received) has(key string) bool                   { return r.attr(key) != nil }
func (r received) hasRes(key string) bool                { return r.resAttr(key) != nil }
func (r received) resStr(key string) string              { return r.resAttr(key).GetStringValue() }
func (r received) String() string                        { return fmt.Sprintf("%v", r.span) }
func find(kvs []*commonpb.KeyValue, k string) *commonpb.AnyValue {
	for _, kv := range kvs {
		if kv.Key == k {
			return kv.Value
		}
	}
	return nil
}

func (b *backend) spans() []received {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []received
	for _, req := range b.reqs {
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					out = append(out, received{res: rs.Resource, resSchema: rs.SchemaUrl, scope: ss.Scope, scopeURL: ss.SchemaUrl, span: s})
				}
			}
		}
	}
	return out
}

// byTrace returns the received spans whose trace id starts with the byte id.
func (b *backend) byTrace(id byte) []received {
	var out []received
	for _, s := range b.spans() {
		if len(s.span.TraceId) > 0 && s.span.TraceId[0] == id {
			out = append(out, s)
		}
	}
	return out
}

func (b *backend) rawString() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.raw)
}

// collectorProc is a collector started for a test, exporting to a loopback
// backend through vendor.yaml. It stops when the test ends, and with the
// test process if that dies first.
type collectorProc struct {
	http, grpc, health, metrics string
	be                          *backend
	cmd                         *exec.Cmd
	logMu                       sync.Mutex
	logs                        strings.Builder
}

// startCollector runs config.yaml with vendor.yaml and the overlay (extra
// YAML, merged last), with env added to the environment.
func startCollector(t *testing.T, overlay string, env ...string) *collectorProc {
	t.Helper()
	bin := binary(t, "OTELCOL_BIN")
	c := &collectorProc{be: newBackend(t), http: freePort(t), grpc: freePort(t), health: freePort(t), metrics: freePort(t)}
	args := []string{"--config", "config.yaml", "--config", "vendor.yaml", featureGates}
	if overlay != "" {
		p := filepath.Join(t.TempDir(), "overlay.yaml")
		if err := os.WriteFile(p, []byte(overlay), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--config", p)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.cmd = exec.CommandContext(ctx, bin, args...)
	c.cmd.Env = append(os.Environ(),
		"OTELCLI_OTLP_HTTP_ENDPOINT="+c.http, "OTELCLI_OTLP_GRPC_ENDPOINT="+c.grpc,
		"OTELCLI_HEALTH_ENDPOINT="+c.health, "OTELCLI_METRICS_ENDPOINT="+c.metrics,
		"OTLP_VENDOR_ENDPOINT=http://"+c.be.addr, `OTLP_VENDOR_HEADERS={"x-api-key":"test"}`,
		"JAEGER_ENDPOINT=127.0.0.1:1",
	)
	c.cmd.Env = append(c.cmd.Env, env...)
	dieWithParent(c.cmd)
	stderr, _ := c.cmd.StderrPipe()
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			c.logMu.Lock()
			c.logs.WriteString(sc.Text() + "\n")
			c.logMu.Unlock()
		}
	}()
	t.Cleanup(func() { cancel(); c.cmd.Wait() })
	if !e2e.WaitFor(30*time.Second, c.healthy) {
		t.Fatalf("collector not healthy:\n%s", c.log())
	}
	return c
}

func (c *collectorProc) log() string {
	c.logMu.Lock()
	defer c.logMu.Unlock()
	return c.logs.String()
}

func (c *collectorProc) healthy() bool {
	resp, err := http.Get("http://" + c.health)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// post sends req to the collector's OTLP/HTTP endpoint, returning the status.
func (c *collectorProc) post(t *testing.T, req *coltracepb.ExportTraceServiceRequest) int {
	t.Helper()
	body, err := proto.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	return c.postRaw(t, body, "")
}

func (c *collectorProc) postRaw(t *testing.T, body []byte, encoding string) int {
	t.Helper()
	hr, _ := http.NewRequest(http.MethodPost, "http://"+c.http+"/v1/traces", bytes.NewReader(body))
	hr.Header.Set("Content-Type", "application/x-protobuf")
	if encoding != "" {
		hr.Header.Set("Content-Encoding", encoding)
	}
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func (c *collectorProc) scrape() string {
	resp, err := http.Get("http://" + c.metrics + "/metrics")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// OTLP builders.

func str(s string) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: s}}
}
func i64(n int64) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: n}}
}
func arr(vs ...*commonpb.AnyValue) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: vs}}}
}
func strs(ss ...string) *commonpb.AnyValue {
	var vs []*commonpb.AnyValue
	for _, s := range ss {
		vs = append(vs, str(s))
	}
	return arr(vs...)
}
func kvlist(kvs ...*commonpb.KeyValue) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{Values: kvs}}}
}
func kv(k string, v *commonpb.AnyValue) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: v}
}

// deep is a value nested n lists deep.
func deep(n int) *commonpb.AnyValue {
	v := str("bottom")
	for range n {
		v = arr(v)
	}
	return v
}

// traceID is a valid trace id whose first byte tells the test's requests
// apart.
func traceID(id byte) []byte {
	b := []byte{id, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
	return b
}

func spanID(n int) []byte { return []byte{1, 2, 3, 4, 5, 6, byte(n >> 8), byte(n)} }

// cliResource is what clusterctl's resource looks like, with extra set.
func cliResource(extra ...*commonpb.KeyValue) *resourcepb.Resource {
	attrs := []*commonpb.KeyValue{
		kv("service.name", str("clusterctl")), kv("service.version", str("0.3.1")), kv("os.type", str("linux")),
		kv("os.version", str("6.18.44")), kv("host.arch", str("amd64")), kv("process.runtime.name", str("go")),
		kv("process.runtime.version", str("go1.26.8")), kv("telemetry.sdk.name", str("opentelemetry")),
		kv("telemetry.sdk.language", str("go")), kv("telemetry.sdk.version", str("1.47.0")),
		kv("cli.install.id", str("e3092f60-29be-42e1-af6a-c0e045d8f18e")), kv("cli.execution.id", str("85965c5e-e1cc-4a7e-bae8-f3e37743618d")),
		kv("cli.terminal.stdout", &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: true}}),
	}
	for _, a := range extra {
		if i := slices.IndexFunc(attrs, func(b *commonpb.KeyValue) bool { return b.Key == a.Key }); i >= 0 {
			attrs[i] = a
		} else {
			attrs = append(attrs, a)
		}
	}
	return &resourcepb.Resource{Attributes: attrs}
}

// cliSpan is a command span as clusterctl sends it, with attrs set.
func cliSpan(trace byte, n int, name string, attrs ...*commonpb.KeyValue) *tracepb.Span {
	now := uint64(time.Now().UnixNano())
	base := []*commonpb.KeyValue{
		kv("cli.command.path", str(name)), kv("process.executable.name", str("clusterctl")),
		kv("process.exit.code", i64(0)), kv("process.pid", i64(4242)), kv("cli.command.args.count", i64(0)),
		kv("cli.command.flags", strs("provider", "region")), kv("cli.flag.provider", str("AWS")),
	}
	// attrs replace base attributes of the same key (a list with the key
	// twice is an attack of its own).
	for _, a := range attrs {
		if i := slices.IndexFunc(base, func(b *commonpb.KeyValue) bool { return b.Key == a.Key }); i >= 0 {
			base[i] = a
		} else {
			base = append(base, a)
		}
	}
	return &tracepb.Span{
		TraceId: traceID(trace), SpanId: spanID(n), Name: name, Kind: tracepb.Span_SPAN_KIND_INTERNAL,
		StartTimeUnixNano: now - 1e6, EndTimeUnixNano: now, Attributes: base,
	}
}

func request(res *resourcepb.Resource, scope *commonpb.InstrumentationScope, spans ...*tracepb.Span) *coltracepb.ExportTraceServiceRequest {
	if scope == nil {
		scope = &commonpb.InstrumentationScope{Name: "github.com/cli-telemetry/otelcli", Version: "0.1.0"}
	}
	return &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{
		Resource: res, SchemaUrl: "https://opentelemetry.io/schemas/1.26.0",
		ScopeSpans: []*tracepb.ScopeSpans{{Scope: scope, Spans: spans}},
	}}}
}
