package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"

	"github.com/cli-telemetry/otelcli/processors"
)

// TestPrefixFields: a field declared by prefix is allowed by pattern and
// its values checked; the redaction processor, which cannot express a
// prefix, leaves keys to transform/allowlist. With OTELCOL_BIN set (make
// collector-test), the configuration is validated by the collector.
func TestPrefixFields(t *testing.T) {
	spec, err := exampleSpec()
	if err != nil {
		t.Fatal(err)
	}
	spec.fields = append(spec.fields,
		processors.Field{Key: "acme.tag.", Prefix: true, Type: attribute.STRING, Rule: processors.Matching(`[a-z]{1,16}`), Class: processors.Usage, Purpose: "tags"},
		processors.Field{Key: "acme.", Prefix: true, Where: processors.OnResource | processors.OnSpan, Class: processors.Usage, Purpose: "anything"},
	)
	allow, _ := spec.allowlistBlock()
	for _, want := range []string{
		`acme\\.tag\\..+|acme\\..+)$$`,
		`set(span.attributes, Filter(span.attributes, (k, v) =>`,
		`(IsMatch(k, "^acme\\.tag\\..+") and ((IsString(v) and IsMatch(v, "^(?:[a-z]{1,16})$$")`,
		`not IsMatch(k, "^acme\\.tag\\..+") and IsMatch(k, "^acme\\..+")`,
		`set(resource.attributes, Filter(resource.attributes,`,
	} {
		if !strings.Contains(allow, want) {
			t.Errorf("allowlist lacks %s", want)
		}
	}
	red := spec.redactionBlock()
	if !strings.Contains(red, "allow_all_keys: true") || strings.Contains(red, "allowed_keys:") {
		t.Errorf("redaction still filters keys it cannot express:\n%s", red)
	}

	bin := os.Getenv("OTELCOL_BIN")
	if bin == "" {
		t.Skip("OTELCOL_BIN not set: not validated by the collector")
	}
	config, err := os.ReadFile("../../" + configPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, blk := range []struct{ name, body string }{{"allowlist", allow}, {"redaction", red}} {
		if config, err = replaceBlock(config, "# BEGIN GENERATED "+blk.name+" ", "# END GENERATED "+blk.name, blk.body); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(p, config, 0o600)
	if out, err := exec.Command(bin, "validate", "--config", p, "--feature-gates=ottl.functions.enableLambda").CombinedOutput(); err != nil {
		t.Fatalf("collector rejects the configuration: %v\n%s", err, out)
	}
}
