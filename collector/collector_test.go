package collector

import (
	"bufio"
	"compress/gzip"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/cli-telemetry/otelcli/examples/clusterctl/telemetry"
	"github.com/cli-telemetry/otelcli/otelcli"
)

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

func TestValidate(t *testing.T) {
	bin := binary(t, "OTELCOL_BIN")
	for _, args := range [][]string{
		{"validate", "--config", "config.yaml"},
		{"validate", "--config", "config.yaml", "--config", "vendor.yaml"},
	} {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "OTLP_VENDOR_ENDPOINT=https://api.honeycomb.io", `OTLP_VENDOR_HEADERS={"x-honeycomb-team":"k"}`)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%v: %v\n%s", args, err, out)
		}
	}
}

// The manifest builds exactly what the config uses, and the config's
// allowed keys are exactly the fields the example CLI can send.
func TestManifestMatchesConfig(t *testing.T) {
	manifest, _ := os.ReadFile("builder-config.yaml")
	config, _ := os.ReadFile("config.yaml")
	vendor, _ := os.ReadFile("vendor.yaml")
	uses := map[string]string{
		"otlpreceiver": "otlp:", "memorylimiterprocessor": "memory_limiter:", "batchprocessor": "batch:",
		"redactionprocessor": "redaction:", "transformprocessor": "transform/", "otlpexporter": "otlp_grpc/",
		"prometheusexporter": "prometheus:", "spanmetricsconnector": "span_metrics:", "healthcheckextension": "health_check:",
	}
	for mod, key := range uses {
		if !strings.Contains(string(manifest), "/"+mod+" ") {
			t.Errorf("manifest lacks %s", mod)
		}
		if !strings.Contains(string(config), key) {
			t.Errorf("config does not use %s (%s)", mod, key)
		}
	}
	if !strings.Contains(string(vendor), "otlp_http/") || !strings.Contains(string(manifest), "/otlphttpexporter ") {
		t.Error("vendor overlay and manifest disagree on otlphttp")
	}
}

func TestAllowedKeysMatchFields(t *testing.T) {
	fields, err := otelcli.Fields(telemetry.Options("test")...)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range fields {
		want = append(want, f.Key)
	}
	slices.Sort(want)
	config, _ := os.ReadFile("config.yaml")
	block := regexp.MustCompile(`(?s)# BEGIN GENERATED allowed_keys.*?\n(.*?)\s*# END GENERATED`).FindSubmatch(config)
	if block == nil {
		t.Fatal("no generated block in config.yaml")
	}
	var got []string
	for l := range strings.SplitSeq(string(block[1]), "\n") {
		if k := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "- ")); k != "" {
			got = append(got, k)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("collector allowed_keys are stale: run `make generate`\n got %v\nwant %v", got, want)
	}
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

// backend stands in for a vendor: a loopback OTLP/HTTP receiver.
type backend struct {
	mu   sync.Mutex
	reqs []*coltracepb.ExportTraceServiceRequest
	raw  []byte
}

func (b *backend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
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
	if err := proto.Unmarshal(body, &req); err == nil {
		b.mu.Lock()
		b.reqs = append(b.reqs, &req)
		b.raw = append(b.raw, body...)
		b.mu.Unlock()
	}
	w.WriteHeader(http.StatusOK)
}

// spans returns every received span with its resource attributes merged in.
func (b *backend) spans() []map[string]string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]string
	for _, req := range b.reqs {
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					m := map[string]string{"name": s.Name}
					for _, kv := range rs.GetResource().GetAttributes() {
						m["resource."+kv.Key] = anyString(kv.Value.String())
					}
					for _, kv := range s.Attributes {
						m[kv.Key] = anyString(kv.Value.String())
					}
					out = append(out, m)
				}
			}
		}
	}
	return out
}

func anyString(s string) string {
	if i := strings.Index(s, ":"); i >= 0 {
		return strings.Trim(s[i+1:], `" `)
	}
	return s
}

func TestEndToEndThroughCollector(t *testing.T) {
	bin := binary(t, "OTELCOL_BIN")
	clusterctl := binary(t, "CLUSTERCTL_BIN")

	be := &backend{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: be}
	go srv.Serve(l)
	defer srv.Close()

	httpAddr, grpcAddr, health, metrics := freePort(t), freePort(t), freePort(t), freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	col := exec.CommandContext(ctx, bin, "--config", "config.yaml", "--config", "vendor.yaml")
	col.Env = append(os.Environ(),
		"OTELCLI_OTLP_HTTP_ENDPOINT="+httpAddr, "OTELCLI_OTLP_GRPC_ENDPOINT="+grpcAddr,
		"OTELCLI_HEALTH_ENDPOINT="+health, "OTELCLI_METRICS_ENDPOINT="+metrics,
		"OTLP_VENDOR_ENDPOINT=http://"+l.Addr().String(), `OTLP_VENDOR_HEADERS={"x-api-key":"test"}`,
		"JAEGER_ENDPOINT=127.0.0.1:1",
	)
	logs, _ := col.StderrPipe()
	if err := col.Start(); err != nil {
		t.Fatal(err)
	}
	var logBuf strings.Builder
	var logMu sync.Mutex
	go func() {
		sc := bufio.NewScanner(logs)
		for sc.Scan() {
			logMu.Lock()
			logBuf.WriteString(sc.Text() + "\n")
			logMu.Unlock()
		}
	}()
	t.Cleanup(func() { cancel(); col.Wait() })
	if !poll(30*time.Second, func() bool {
		resp, err := http.Get("http://" + health)
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	}) {
		logMu.Lock()
		t.Fatalf("collector not healthy:\n%s", logBuf.String())
	}

	// The example CLI, with the real library and uploader.
	home := t.TempDir()
	env := append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+home+"/c", "XDG_CACHE_HOME="+home+"/k",
		"XDG_DATA_HOME="+home+"/d", "OTEL_EXPORTER_OTLP_ENDPOINT=http://"+httpAddr, "CLUSTERCTL_TELEMETRY_DELIVERY=inline")
	os.MkdirAll(home+"/c/clusterctl/telemetry", 0o700)
	os.WriteFile(home+"/c/clusterctl/telemetry/notice-shown", []byte("x"), 0o600)
	for _, args := range [][]string{
		{"cluster", "create", "--provider", "AWS", "--region", "US_EAST_1", "--name", "secret-name", "--tier", "M30"},
		{"cluster", "delete", "missing-one"},
	} {
		cmd := exec.Command(clusterctl, args...)
		cmd.Env = env
		cmd.Run()
	}

	// A client that ignores the SDK-side allowlist posts straight to the
	// collector.
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL("http://"+httpAddr+"/v1/traces"))
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp), sdktrace.WithResource(resource.NewSchemaless(
		attribute.String("service.name", "rogue"), attribute.String("host.name", "bobs-laptop"),
		attribute.String("client.address", "203.0.113.7"))))
	_, s := tp.Tracer("rogue").Start(ctx, "rogue command")
	s.SetAttributes(
		attribute.String("user.email", "bob@example.com"),
		attribute.String("url.full", "https://api.example.com/?token=abc"),
		attribute.String("cli.command.path", "rogue mail bob@example.com from 198.51.100.4"),
		attribute.String("error.type", "token ghp_16C7e42F292c6912E7710c838347Ae178B4a"),
		attribute.String("cli.flag.provider", "AWS"),
	)
	s.End()
	tp.Shutdown(ctx)

	if !poll(30*time.Second, func() bool { return len(be.spans()) >= 3 }) {
		logMu.Lock()
		t.Fatalf("backend got %d spans:\n%s", len(be.spans()), logBuf.String())
	}
	var create, del, rogue map[string]string
	for _, sp := range be.spans() {
		switch sp["name"] {
		case "clusterctl cluster create":
			create = sp
		case "clusterctl cluster delete":
			del = sp
		case "rogue command":
			rogue = sp
		}
	}
	if create == nil || del == nil || rogue == nil {
		t.Fatalf("missing spans: %v", be.spans())
	}
	for k, v := range map[string]string{"cli.flag.provider": "AWS", "cli.flag.region": "US_EAST_1", "cli.flag.tier": "M30", "resource.service.name": "clusterctl"} {
		if create[k] != v {
			t.Errorf("create: %s = %q, want %q", k, create[k], v)
		}
	}
	if del["error.type"] != "cluster_not_found" {
		t.Errorf("delete: error.type %q", del["error.type"])
	}
	for _, k := range []string{"user.email", "url.full", "resource.host.name", "resource.client.address"} {
		if _, ok := rogue[k]; ok {
			t.Errorf("rogue span kept %s", k)
		}
	}
	if rogue["resource.service.name"] != "rogue" || rogue["cli.flag.provider"] != "AWS" {
		t.Errorf("allowed keys lost: %v", rogue)
	}
	be.mu.Lock()
	raw := string(be.raw)
	be.mu.Unlock()
	for _, secret := range []string{"bob@example.com", "198.51.100.4", "203.0.113.7", "ghp_16C7e42F292c6912E7710c838347Ae178B4a", "bobs-laptop", "secret-name", "missing-one", "token=abc"} {
		if strings.Contains(raw, secret) {
			t.Errorf("%q passed the collector", secret)
		}
	}

	// Span metrics per command, without anyone writing a query.
	var scraped string
	if !poll(20*time.Second, func() bool {
		resp, err := http.Get("http://" + metrics + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		scraped = string(b)
		return strings.Contains(scraped, `cli_command_path="clusterctl cluster create"`) && strings.Contains(scraped, "calls")
	}) {
		t.Errorf("no span metrics per command on the Prometheus endpoint:\n%s", scraped)
	}
}

func poll(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(200 * time.Millisecond)
	}
	return false
}
