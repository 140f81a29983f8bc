package collector

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cli-telemetry/otelcli/internal/e2e"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/cli-telemetry/otelcli/examples/clusterctl/telemetry"
	"github.com/cli-telemetry/otelcli/otelcli"
)

func TestValidate(t *testing.T) {
	bin := binary(t, "OTELCOL_BIN")
	for _, args := range [][]string{
		{"validate", "--config", "config.yaml", featureGates},
		{"validate", "--config", "config.yaml", "--config", "vendor.yaml", featureGates},
	} {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "OTLP_VENDOR_ENDPOINT=https://api.honeycomb.io", `OTLP_VENDOR_HEADERS={"x-honeycomb-team":"k"}`)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%v: %v\n%s", args, err, out)
		}
	}
}

// The manifest builds exactly what the config uses.
func TestManifestMatchesConfig(t *testing.T) {
	manifest, _ := os.ReadFile("builder-config.yaml")
	config, _ := os.ReadFile("config.yaml")
	vendor, _ := os.ReadFile("vendor.yaml")
	uses := map[string]string{
		"otlpreceiver": "otlp:", "memorylimiterprocessor": "memory_limiter:", "batchprocessor": "batch:",
		"redactionprocessor": "redaction:", "transformprocessor": "transform/", "filterprocessor": "filter/",
		"otlpexporter": "otlp_grpc/", "prometheusexporter": "prometheus:", "spanmetricsconnector": "span_metrics:",
		"healthcheckextension": "health_check:",
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
	// The defenses run in this order: nothing looks inside a value before
	// the shapes no SDK sends are gone, and masking sees checked values.
	want := "processors: [memory_limiter, filter/shape, transform/shape, transform/allowlist, redaction, batch]"
	if !strings.Contains(string(config), want) {
		t.Errorf("traces pipeline is not %q", want)
	}
}

// The collector's keys are exactly the fields the example CLI can send (the
// rest of the generated blocks is checked by internal/docgen's freshness
// test).
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
	block := regexp.MustCompile(`(?s)# BEGIN GENERATED redaction.*?allowed_keys:\n((?:\s*- [^\n]*\n)*)`).FindSubmatch(config)
	if block == nil {
		t.Fatal("no generated redaction block in config.yaml")
	}
	var got []string
	for l := range strings.SplitSeq(string(block[1]), "\n") {
		if k := strings.Trim(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "- ")), "'"); k != "" {
			got = append(got, k)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("collector allowed_keys are stale: run `make generate`\n got %v\nwant %v", got, want)
	}
}

func TestEndToEndThroughCollector(t *testing.T) {
	clusterctl := binary(t, "CLUSTERCTL_BIN")
	c := startCollector(t, fastMetrics)

	// The example CLI, with the real library and uploader.
	env := cliEnv(t, c)
	for _, args := range [][]string{
		{"cluster", "create", "--provider", "AWS", "--region", "US_EAST_1", "--name", "secret-name", "--tier", "M30"},
		{"cluster", "delete", "missing-one"},
		{"completion", "bash"},
	} {
		cmd := exec.Command(clusterctl, args...)
		cmd.Env = env
		cmd.Run()
	}

	// A client that ignores the SDK-side allowlist posts straight to the
	// collector.
	ctx := context.Background()
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL("http://"+c.http+"/v1/traces"))
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

	if !e2e.WaitFor(30*time.Second, func() bool { return len(c.be.spans()) >= 4 }) {
		t.Fatalf("backend got %d spans:\n%s", len(c.be.spans()), c.log())
	}
	var create, del, completion, rogue *received
	for _, sp := range c.be.spans() {
		switch sp.span.Name {
		case "clusterctl cluster create":
			create = &sp
		case "clusterctl cluster delete":
			del = &sp
		case "clusterctl completion bash":
			completion = &sp
		case "_OTHER":
			rogue = &sp
		}
	}
	if create == nil || del == nil || completion == nil || rogue == nil {
		t.Fatalf("missing spans: %v", c.be.spans())
	}
	for k, v := range map[string]string{"cli.flag.provider": "AWS", "cli.flag.region": "US_EAST_1", "cli.flag.tier": "M30", "cli.command.path": "clusterctl cluster create"} {
		if create.str(k) != v {
			t.Errorf("create: %s = %q, want %q", k, create.str(k), v)
		}
	}
	if create.resStr("service.name") != "clusterctl" || !create.hasRes("cli.install.id") || !create.has("cli.command.flags") {
		t.Errorf("create lost attributes: %v %v", create.res, create.span)
	}
	if del.str("error.type") != "cluster_not_found" {
		t.Errorf("delete: error.type %q", del.str("error.type"))
	}
	for _, k := range []string{"user.email", "url.full", "cli.command.path", "error.type"} {
		if rogue.has(k) {
			t.Errorf("rogue span kept %s", k)
		}
	}
	for _, k := range []string{"host.name", "client.address"} {
		if rogue.hasRes(k) {
			t.Errorf("rogue resource kept %s", k)
		}
	}
	if rogue.resStr("service.name") != "rogue" || rogue.str("cli.flag.provider") != "AWS" {
		t.Errorf("allowed keys lost: %v", rogue)
	}
	raw := c.be.rawString()
	for _, secret := range []string{"bob@example.com", "198.51.100.4", "203.0.113.7", "ghp_16C7e42F292c6912E7710c838347Ae178B4a", "bobs-laptop", "secret-name", "missing-one", "token=abc"} {
		if strings.Contains(raw, secret) {
			t.Errorf("%q passed the collector", secret)
		}
	}

	// Span metrics per command, without anyone writing a query.
	var scraped string
	if !e2e.WaitFor(20*time.Second, func() bool {
		scraped = c.scrape()
		return strings.Contains(scraped, `cli_command_path="clusterctl cluster create"`) && strings.Contains(scraped, "calls")
	}) {
		t.Errorf("no span metrics per command on the Prometheus endpoint:\n%s", scraped)
	}
}
