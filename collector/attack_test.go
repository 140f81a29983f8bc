package collector

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cli-telemetry/otelcli/internal/e2e"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// fastMetrics makes span metrics appear within a second in tests.
const fastMetrics = "connectors:\n  span_metrics:\n    metrics_flush_interval: 1s\n"

// attack is one hostile request, posted straight to the collector as a
// client that ignores the SDK would, and what must (not) arrive.
type attack struct {
	name  string
	trace byte
	req   func() *tracepb.ResourceSpans
	check func(t *testing.T, got []received)
	// dropped: no span of the request may arrive.
	dropped bool
}

var secrets = []string{
	"bob@example.com", "hunter2", "AKIAIOSFODNN7EXAMPLE", "ABIAIOSFODNN7EXAMPLE", "2001:db8::1", "my-private-cluster-name",
	"/home/bob", "bobs-laptop", "198.51.100.4", "ghp_16C7e42F292c6912E7710c838347Ae178B4a", "dXNlcjpwYXNzd29yZA",
}

func one(rs *tracepb.ResourceSpans) *tracepb.ResourceSpans { return rs }

func rs(spans ...*tracepb.Span) *tracepb.ResourceSpans {
	return request(cliResource(), nil, spans...).ResourceSpans[0]
}

func attacks() []attack {
	return []attack{{
		name: "a real run arrives whole", trace: 0x20,
		req: func() *tracepb.ResourceSpans {
			s := cliSpan(0x20, 1, "clusterctl cluster create",
				kv("cli.flag.region", str("US_EAST_1")), kv("cli.flag.tier", strs("M20", "M30")), kv("error.type", str("cluster_not_found")),
				kv("cli.error.chain", strs("*fs.PathError", "*errors.errorString")), kv("process.exit.code", i64(1)))
			s.Status = &tracepb.Status{Code: tracepb.Status_STATUS_CODE_ERROR}
			s.Events = []*tracepb.Span_Event{{Name: "exception", TimeUnixNano: s.EndTimeUnixNano, Attributes: []*commonpb.KeyValue{
				kv("exception.type", str("panic")), kv("exception.stacktrace", str("main.run\nmain.main"))}}}
			child := cliSpan(0x20, 2, "clusters.load")
			child.ParentSpanId, child.Attributes = s.SpanId, nil
			return rs(s, child)
		},
		check: func(t *testing.T, got []received) {
			want := map[string]string{
				"cli.command.path": "clusterctl cluster create", "cli.flag.region": "US_EAST_1", "cli.flag.provider": "AWS",
				"error.type": "cluster_not_found", "process.executable.name": "clusterctl",
			}
			for _, g := range got {
				switch g.span.Name {
				case "clusterctl cluster create":
					for k, v := range want {
						if g.str(k) != v {
							t.Errorf("%s = %q, want %q", k, g.str(k), v)
						}
					}
					for _, k := range []string{"cli.flag.tier", "cli.error.chain", "cli.command.flags", "process.exit.code", "process.pid", "cli.command.args.count"} {
						if !g.has(k) {
							t.Errorf("%s lost", k)
						}
					}
					for _, k := range []string{"service.name", "service.version", "os.type", "os.version", "host.arch", "cli.install.id", "cli.execution.id", "cli.terminal.stdout", "telemetry.sdk.version"} {
						if !g.hasRes(k) {
							t.Errorf("resource %s lost", k)
						}
					}
					if len(g.span.Events) != 1 || find(g.span.Events[0].Attributes, "exception.stacktrace").GetStringValue() != "main.run\nmain.main" {
						t.Errorf("exception event: %v", g.span.Events)
					}
					if g.span.Status.GetCode() != tracepb.Status_STATUS_CODE_ERROR || g.scope.GetName() != "github.com/cli-telemetry/otelcli" || g.scope.GetVersion() != "0.1.0" {
						t.Errorf("status or scope changed: %v %v", g.span.Status, g.scope)
					}
					if g.resSchema != "https://opentelemetry.io/schemas/1.26.0" {
						t.Errorf("schema url %q", g.resSchema)
					}
				case "clusters.load":
				default:
					t.Errorf("unexpected span %q", g.span.Name)
				}
			}
			if len(got) != 2 {
				t.Errorf("got %d spans, want 2", len(got))
			}
		},
	}, {
		name: "free text and paths under allowed keys", trace: 0x21,
		req: func() *tracepb.ResourceSpans {
			return rs(cliSpan(0x21, 1, "clusterctl cluster create",
				kv("cli.flag.region", str("my-private-cluster-name")), kv("cli.flag.tier", str("/home/bob/x")),
				kv("error.type", str("open /home/bob/x: denied")), kv("cli.command.suggestion", str("see /home/bob"))))
		},
		check: func(t *testing.T, got []received) {
			g := got[0]
			for _, k := range []string{"cli.flag.region", "cli.flag.tier", "error.type", "cli.command.suggestion"} {
				if g.has(k) {
					t.Errorf("%s kept: %v", k, g.attr(k))
				}
			}
			if g.str("cli.flag.provider") != "AWS" {
				t.Error("a valid value next to them was lost")
			}
		},
	}, {
		name: "secrets inside lists", trace: 0x22,
		req: func() *tracepb.ResourceSpans {
			return rs(cliSpan(0x22, 1, "clusterctl cluster list",
				kv("cli.command.flags", strs("name", "bob@example.com")), kv("cli.flag.tier", strs("M10", "AKIAIOSFODNN7EXAMPLE")),
				kv("cli.error.chain", strs("*fs.PathError", "password=hunter2")), kv("cli.flag.region", strs("US_EAST_1", "ABIAIOSFODNN7EXAMPLE"))))
		},
		check: func(t *testing.T, got []received) {
			for _, k := range []string{"cli.command.flags", "cli.flag.tier", "cli.error.chain", "cli.flag.region"} {
				if got[0].has(k) {
					t.Errorf("%s kept: %v", k, got[0].attr(k))
				}
			}
		},
	}, {
		name: "maps and nested or mixed lists under allowed keys", trace: 0x23,
		req: func() *tracepb.ResourceSpans {
			r := rs(cliSpan(0x23, 1, "clusterctl cluster list",
				kv("cli.flag.region", kvlist(kv("password", str("hunter2")))), kv("error.type", kvlist()),
				kv("cli.command.flags", arr(str("name"), strs("nested"))), kv("cli.error.chain", arr(str("*x.Err"), i64(1))),
				kv("process.pid", &commonpb.AnyValue{Value: &commonpb.AnyValue_BytesValue{BytesValue: []byte("bobs-laptop")}})))
			r.Resource = cliResource(kv("cli.agent", kvlist(kv("user", str("bob@example.com")))))
			return r
		},
		check: func(t *testing.T, got []received) {
			for _, k := range []string{"cli.flag.region", "error.type", "cli.command.flags", "cli.error.chain", "process.pid"} {
				if got[0].has(k) {
					t.Errorf("%s kept: %v", k, got[0].attr(k))
				}
			}
			if got[0].hasRes("cli.agent") {
				t.Error("resource map kept")
			}
		},
	}, {
		name: "values that pass a rule and hold a secret are masked", trace: 0x24,
		req: func() *tracepb.ResourceSpans {
			r := rs(cliSpan(0x24, 1, "clusterctl cluster list", kv("cli.flag.region", str("AKIAIOSFODNN7EXAMPLE")),
				kv("cli.command.suggestion", str("host 2001:db8::1"))))
			r.Resource.Attributes[0] = kv("service.name", str("clusterctl 198.51.100.4"))
			return r
		},
		check: func(t *testing.T, got []received) {
			for k, v := range map[string]string{"cli.flag.region": "AKIA", "cli.command.suggestion": "2001:db8"} {
				if strings.Contains(got[0].str(k), v) {
					t.Errorf("%s not masked: %q", k, got[0].str(k))
				}
			}
			if strings.Contains(got[0].resStr("service.name"), "198.51") {
				t.Errorf("service.name not masked: %q", got[0].resStr("service.name"))
			}
		},
	}, {
		name: "wrong types", trace: 0x25,
		req: func() *tracepb.ResourceSpans {
			r := rs(cliSpan(0x25, 1, "clusterctl cluster list", kv("process.exit.code", str("0")), kv("cli.command.args.count", str("3 /home/bob"))))
			r.Resource = cliResource(kv("cli.sample_rate", str("1")), kv("cli.terminal.stdin", str("bobs-laptop")))
			return r
		},
		check: func(t *testing.T, got []received) {
			for _, k := range []string{"process.exit.code", "cli.command.args.count"} {
				if got[0].has(k) {
					t.Errorf("%s kept", k)
				}
			}
			for _, k := range []string{"cli.sample_rate", "cli.terminal.stdin"} {
				if got[0].hasRes(k) {
					t.Errorf("resource %s kept", k)
				}
			}
			if !got[0].has("process.pid") {
				t.Error("valid pid lost")
			}
		},
	}, {
		name: "oversized values", trace: 0x26,
		req: func() *tracepb.ResourceSpans {
			long := make([]string, 50_000)
			for i := range long {
				long[i] = "f"
			}
			s := cliSpan(0x26, 1, "clusterctl cluster list", kv("cli.flag.region", str(strings.Repeat("A", 200_000))), kv("cli.command.flags", strs(long...)))
			s.Events = []*tracepb.Span_Event{{Name: "exception", Attributes: []*commonpb.KeyValue{kv("exception.stacktrace", str(strings.Repeat("main.f\n", 3000)+"main.main"))}}}
			return rs(s)
		},
		check: func(t *testing.T, got []received) {
			for _, k := range []string{"cli.flag.region", "cli.command.flags"} {
				if got[0].has(k) {
					t.Errorf("%s kept", k)
				}
			}
			if len(got[0].span.Events) != 1 || len(got[0].span.Events[0].Attributes) != 0 {
				t.Errorf("long stack trace kept: %d events", len(got[0].span.Events))
			}
		},
	}, {
		name: "span names are commands or _OTHER", trace: 0x27,
		req: func() *tracepb.ResourceSpans {
			ok := cliSpan(0x27, 1, "clusterctl cluster list")
			alias := cliSpan(0x27, 2, "clusterctl _alias")
			typed := cliSpan(0x27, 3, "clusterctl deploy my-private-cluster-name", kv("cli.command.path", str("clusterctl deploy my-private-cluster-name")))
			mail := cliSpan(0x27, 4, "mail bob@example.com")
			child := cliSpan(0x27, 5, "clusters.load")
			child.ParentSpanId = ok.SpanId
			childBad := cliSpan(0x27, 6, "GET /users/12345?mail=bob@example.com")
			childBad.ParentSpanId = ok.SpanId
			return rs(ok, alias, typed, mail, child, childBad)
		},
		check: func(t *testing.T, got []received) {
			want := map[byte]string{1: "clusterctl cluster list", 2: "clusterctl _alias", 3: "clusterctl _OTHER", 4: "_OTHER", 5: "clusters.load", 6: "_OTHER"}
			for _, g := range got {
				n := g.span.SpanId[7]
				if g.span.Name != want[n] {
					t.Errorf("span %d named %q, want %q", n, g.span.Name, want[n])
				}
				if n == 3 && g.str("cli.command.path") != "clusterctl _OTHER" {
					t.Errorf("command path %q", g.str("cli.command.path"))
				}
			}
			if len(got) != len(want) {
				t.Errorf("%d spans, want %d", len(got), len(want))
			}
		},
	}, {
		name: "status message, trace state and links", trace: 0x28,
		req: func() *tracepb.ResourceSpans {
			s := cliSpan(0x28, 1, "clusterctl cluster list")
			s.Status = &tracepb.Status{Code: tracepb.Status_STATUS_CODE_ERROR, Message: "cannot mail bob@example.com"}
			s.TraceState = "vendor=bob@example.com"
			s.Links = []*tracepb.Span_Link{{TraceId: traceID(0x99), SpanId: spanID(9), TraceState: "x=hunter2", Attributes: []*commonpb.KeyValue{kv("user.email", str("bob@example.com"))}}}
			return rs(s)
		},
		check: func(t *testing.T, got []received) {
			s := got[0].span
			if s.Status.GetMessage() != "" || s.Status.GetCode() != tracepb.Status_STATUS_CODE_ERROR || s.TraceState != "" || len(s.Links) != 0 {
				t.Errorf("status %v, trace state %q, links %v", s.Status, s.TraceState, s.Links)
			}
		},
	}, {
		name: "events are filtered like spans", trace: 0x29,
		req: func() *tracepb.ResourceSpans {
			s := cliSpan(0x29, 1, "clusterctl cluster list")
			s.Events = []*tracepb.Span_Event{
				{Name: "exception", Attributes: []*commonpb.KeyValue{kv("exception.type", str("panic")), kv("exception.message", str("hunter2")), kv("user.email", str("bob@example.com"))}},
				{Name: "login bob@example.com", Attributes: []*commonpb.KeyValue{kv("exception.type", str("panic"))}},
			}
			return rs(s)
		},
		check: func(t *testing.T, got []received) {
			ev := got[0].span.Events
			if len(ev) != 1 || ev[0].Name != "exception" || len(ev[0].Attributes) != 1 || find(ev[0].Attributes, "exception.type").GetStringValue() != "panic" {
				t.Errorf("events %v", ev)
			}
		},
	}, {
		name: "scope and schema URLs", trace: 0x2a,
		req: func() *tracepb.ResourceSpans {
			r := request(cliResource(), &commonpb.InstrumentationScope{Name: "bob@example.com", Version: "1.0 for bob",
				Attributes: []*commonpb.KeyValue{kv("user.email", str("bob@example.com"))}}, cliSpan(0x2a, 1, "clusterctl cluster list")).ResourceSpans[0]
			r.SchemaUrl = "https://evil.example/?u=bob@example.com"
			r.ScopeSpans[0].SchemaUrl = "https://evil.example/hunter2"
			return r
		},
		check: func(t *testing.T, got []received) {
			g := got[0]
			if g.scope.GetName() != "redacted" || g.scope.GetVersion() != "" || len(g.scope.GetAttributes()) != 0 || g.resSchema != "" || g.scopeURL != "" {
				t.Errorf("scope %v, schema URLs %q %q", g.scope, g.resSchema, g.scopeURL)
			}
		},
	}, {
		name: "undeclared keys at every level", trace: 0x2b,
		req: func() *tracepb.ResourceSpans {
			r := rs(cliSpan(0x2b, 1, "clusterctl cluster list", kv("db.query.text", str("select hunter2")), kv("url.full", str("https://x/?t=hunter2")),
				kv("user.email", str("bob@example.com")), kv("cli.flag.name", str("my-private-cluster-name"))))
			r.Resource.Attributes = append(r.Resource.Attributes, kv("host.name", str("bobs-laptop")), kv("process.command_args", strs("--password", "hunter2")),
				kv("exception.type", str("panic")), kv("k8s.pod.name", str("bobs-laptop")))
			return r
		},
		check: func(t *testing.T, got []received) {
			for _, k := range []string{"db.query.text", "url.full", "user.email", "cli.flag.name"} {
				if got[0].has(k) {
					t.Errorf("%s kept", k)
				}
			}
			for _, k := range []string{"host.name", "process.command_args", "exception.type", "k8s.pod.name"} {
				if got[0].hasRes(k) {
					t.Errorf("resource %s kept", k)
				}
			}
		},
	}, {
		name: "a key twice: no copy escapes the check", trace: 0x2d,
		req: func() *tracepb.ResourceSpans {
			s := cliSpan(0x2d, 1, "clusterctl cluster list", kv("cli.flag.region", str("US_EAST_1")))
			s.Attributes = append(s.Attributes, kv("cli.flag.region", str("my-private-cluster-name")), kv("error.type", str("bob@example.com")),
				kv("error.type", str("unknown_flag")), kv("process.pid", str("bobs-laptop")))
			r := rs(s)
			r.Resource.Attributes = append(r.Resource.Attributes, kv("service.name", str("bobs-laptop /home/bob")))
			s.Events = []*tracepb.Span_Event{{Name: "exception", Attributes: []*commonpb.KeyValue{kv("exception.type", str("panic")), kv("exception.type", str("hunter2 for bob@example.com"))}}}
			return r
		},
		check: func(t *testing.T, got []received) {
			count := map[string]int{}
			for _, a := range got[0].span.Attributes {
				count[a.Key]++
			}
			for k, n := range count {
				if n > 1 {
					t.Errorf("%s sent %d times", k, n)
				}
			}
			if got[0].str("cli.flag.region") != "US_EAST_1" || got[0].has("error.type") || got[0].str("process.pid") != "" {
				t.Errorf("region %v, error.type %v, pid %v", got[0].attr("cli.flag.region"), got[0].attr("error.type"), got[0].attr("process.pid"))
			}
		},
	}, {
		name: "spans no SDK sends are dropped", trace: 0x2c, dropped: true,
		req: func() *tracepb.ResourceSpans {
			s := cliSpan(0x2c, 1, "clusterctl cluster list")
			s.SpanId = make([]byte, 8)
			return rs(s)
		},
	}}
}

// TestAttacks posts each attack of issue 13 to the real collector and checks
// what reaches a loopback backend.
func TestAttacks(t *testing.T) {
	c := startCollector(t, "")
	all := attacks()
	for _, a := range all {
		req := request(nil, nil)
		req.ResourceSpans[0] = a.req()
		if code := c.post(t, req); code != http.StatusOK {
			t.Errorf("%s: status %d", a.name, code)
		}
	}
	if !e2e.WaitFor(20*time.Second, func() bool {
		for _, a := range all {
			if !a.dropped && len(c.be.byTrace(a.trace)) == 0 {
				return false
			}
		}
		return true
	}) {
		t.Fatalf("not every attack's span arrived:\n%s", c.log())
	}
	time.Sleep(500 * time.Millisecond) // the dropped ones had as long
	for _, a := range all {
		t.Run(a.name, func(t *testing.T) {
			got := c.be.byTrace(a.trace)
			if a.dropped {
				if len(got) > 0 {
					t.Errorf("arrived: %v", got)
				}
				return
			}
			a.check(t, got)
		})
	}
	raw := c.be.rawString()
	for _, s := range secrets {
		if strings.Contains(raw, s) {
			t.Errorf("%q reached the backend", s)
		}
	}
	if c.be.rejected > 0 {
		t.Errorf("the backend rejected %d requests", c.be.rejected)
	}
}

// TestPoisonBatch: 5 real CLI runs and one request holding values nested
// 20 000 deep under allowed keys, on every level, in the same batch window:
// all 5 runs arrive (before, the backend rejected the whole batch).
func TestPoisonBatch(t *testing.T) {
	clusterctl := binary(t, "CLUSTERCTL_BIN")
	c := startCollector(t, "")
	poison := deep(20_000)
	s := cliSpan(0x10, 1, "clusterctl cluster list", kv("cli.flag.region", poison))
	s.Events = []*tracepb.Span_Event{{Name: "exception", Attributes: []*commonpb.KeyValue{kv("exception.type", poison)}}}
	s.Links = []*tracepb.Span_Link{{TraceId: traceID(0x11), SpanId: spanID(1), Attributes: []*commonpb.KeyValue{kv("cli.flag.region", poison)}}}
	req := request(cliResource(kv("service.version", poison)),
		&commonpb.InstrumentationScope{Name: "x", Attributes: []*commonpb.KeyValue{kv("cli.flag.region", poison)}}, s)
	body, err := proto.MarshalOptions{}.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	if err := proto.Unmarshal(body, req); err == nil {
		t.Fatal("the poison is not poison: a Go protobuf decoder accepts it")
	}

	env := cliEnv(t, c)
	start := time.Now()
	for i := range 5 {
		if i == 2 {
			if code := c.postRaw(t, body, ""); code != http.StatusOK {
				t.Errorf("poison: status %d", code)
			}
		}
		cmd := exec.Command(clusterctl, "cluster", "list")
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("clusterctl: %v\n%s", err, out)
		}
	}
	if took := time.Since(start); took > 1500*time.Millisecond {
		t.Logf("runs took %v: may not share one batch (2 s)", took)
	}
	real := func() int {
		n := 0
		for _, s := range c.be.spans() {
			if s.span.Name == "clusterctl cluster list" && len(s.span.TraceId) > 0 && s.span.TraceId[0] != 0x10 {
				n++
			}
		}
		return n
	}
	if !e2e.WaitFor(15*time.Second, func() bool { return real() >= 5 && len(c.be.byTrace(0x10)) == 1 }) {
		t.Fatalf("%d of 5 real runs arrived, poison span %d, backend rejected %d requests\n%s", real(), len(c.be.byTrace(0x10)), c.be.rejected, c.log())
	}
	p := c.be.byTrace(0x10)[0]
	if p.has("cli.flag.region") || p.hasRes("service.version") || len(p.span.Events[0].Attributes) > 0 || len(p.scope.GetAttributes()) > 0 {
		t.Errorf("poison kept: %v", p)
	}
	if c.be.rejected > 0 {
		t.Errorf("the backend rejected %d requests", c.be.rejected)
	}
}

// cliEnv runs clusterctl against the collector, inline, with the notice
// already shown.
func cliEnv(t *testing.T, c *collectorProc) []string {
	home := t.TempDir()
	os.MkdirAll(home+"/c/clusterctl/telemetry", 0o700)
	os.WriteFile(home+"/c/clusterctl/telemetry/notice-shown", []byte("x"), 0o600)
	return append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+home+"/c", "XDG_CACHE_HOME="+home+"/k",
		"XDG_DATA_HOME="+home+"/d", "OTEL_EXPORTER_OTLP_ENDPOINT=http://"+c.http, "CLUSTERCTL_TELEMETRY_DELIVERY=inline")
}

// TestCardinality: 5 000 distinct command paths make a handful of metric
// series, not 5 000.
func TestCardinality(t *testing.T) {
	c := startCollector(t, fastMetrics)
	n := 0
	for batch := range 5 {
		var spans []*tracepb.Span
		for i := range 1000 {
			name := fmt.Sprintf("clusterctl cmd%c%c%c", 'a'+n%26, 'a'+n/26%26, 'a'+n/676%26)
			spans = append(spans, cliSpan(0x30, batch*1000+i, name, kv("cli.command.path", str(name))))
			n++
		}
		if code := c.post(t, request(cliResource(), nil, spans...)); code != http.StatusOK {
			t.Fatalf("status %d", code)
		}
	}
	real := cliSpan(0x31, 1, "clusterctl cluster list")
	c.post(t, request(cliResource(), nil, real))
	series := regexp.MustCompile(`(?m)^cli_calls_total\{`)
	var scraped string
	if !e2e.WaitFor(20*time.Second, func() bool {
		scraped = c.scrape()
		return strings.Contains(scraped, `span_name="clusterctl _OTHER"`) && strings.Contains(scraped, `span_name="clusterctl cluster list"`)
	}) {
		t.Fatalf("no span metrics:\n%.2000s", scraped)
	}
	if got := len(series.FindAllString(scraped, -1)); got > 4 {
		t.Errorf("%d cli_calls_total series for 5 000 command paths", got)
	} else {
		t.Logf("5 000 command paths: %d cli_calls_total series, /metrics %d bytes", got, len(scraped))
	}
}

// TestRequestLimits: a body over 1 MiB, sent plain or as a gzip bomb, is
// refused before it is decoded.
func TestRequestLimits(t *testing.T) {
	c := startCollector(t, "")
	big := make([]byte, 2<<20)
	code := c.postRaw(t, big, "")
	if code != http.StatusRequestEntityTooLarge && code != http.StatusBadRequest {
		t.Errorf("2 MiB body: status %d", code)
	}
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	zw.Write(make([]byte, 64<<20))
	zw.Close()
	bomb := c.postRaw(t, zb.Bytes(), "gzip")
	if bomb == http.StatusOK {
		t.Errorf("gzip bomb (%d bytes, 64 MiB inflated) accepted", zb.Len())
	}
	t.Logf("2 MiB body: %d; gzip bomb of %d KiB: %d", code, zb.Len()>>10, bomb)
	if !c.healthy() {
		t.Error("collector unhealthy after oversized requests")
	}
}
