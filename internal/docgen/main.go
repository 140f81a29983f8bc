// Command docgen writes the parts of the README and of the collector
// configuration that come from the field registry, so that the documentation
// a user reads, the allowlist the SDK enforces and the keys the collector
// allows are one table. Run it with `make generate`; its test fails when a
// generated part is stale.
package main

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/cli-telemetry/otelcli/examples/clusterctl/telemetry"
	"github.com/cli-telemetry/otelcli/otelcli"
	"github.com/cli-telemetry/otelcli/processors"
)

const (
	readmePath = "README.md"
	configPath = "collector/config.yaml"
)

func main() {
	if err := run("."); err != nil {
		fmt.Fprintln(os.Stderr, "docgen:", err)
		os.Exit(1)
	}
}

func run(root string) error {
	files, err := generate(root)
	if err != nil {
		return err
	}
	for path, content := range files {
		if err := os.WriteFile(root+"/"+path, content, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// generate returns the README and collector config with their generated
// parts rewritten.
func generate(root string) (map[string][]byte, error) {
	fields, err := otelcli.Fields(telemetry.Options("")...)
	if err != nil {
		return nil, err
	}
	readme, err := os.ReadFile(root + "/" + readmePath)
	if err != nil {
		return nil, err
	}
	config, err := os.ReadFile(root + "/" + configPath)
	if err != nil {
		return nil, err
	}
	readme, err = replaceBlock(readme, "<!-- BEGIN GENERATED fields -->", "<!-- END GENERATED fields -->", table(fields))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", readmePath, err)
	}
	readme, err = replaceBlock(readme, "<!-- BEGIN GENERATED env -->", "<!-- END GENERATED env -->", envTable())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", readmePath, err)
	}
	config, err = replaceBlock(config, "# BEGIN GENERATED allowed_keys (go run ./internal/docgen): do not edit",
		"# END GENERATED allowed_keys", allowedKeys(fields))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", configPath, err)
	}
	return map[string][]byte{readmePath: readme, configPath: config}, nil
}

// replaceBlock replaces what lies between the lines holding begin and end,
// keeping the indentation of the end line.
func replaceBlock(doc []byte, begin, end, body string) ([]byte, error) {
	re := regexp.MustCompile(`(?s)(` + regexp.QuoteMeta(begin) + `[^\n]*\n)(.*?)([ \t]*` + regexp.QuoteMeta(end) + `)`)
	m := re.FindSubmatchIndex(doc)
	if m == nil {
		return nil, fmt.Errorf("no %q … %q block", begin, end)
	}
	var out bytes.Buffer
	out.Write(doc[:m[3]])
	out.WriteString(body)
	out.Write(doc[m[6]:])
	return out.Bytes(), nil
}

func allowedKeys(fields []processors.Field) string {
	var keys []string
	for _, f := range fields {
		keys = append(keys, f.Key)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range slices.Compact(keys) {
		b.WriteString("      - " + k + "\n")
	}
	return b.String()
}

func table(fields []processors.Field) string {
	lib := map[string]bool{}
	for _, f := range processors.DefaultFields() {
		lib[f.Key] = true
	}
	var b strings.Builder
	b.WriteString("| Attribute | On | Values | Kind | Why it is collected |\n|---|---|---|---|---|\n")
	for _, f := range fields {
		key := "`" + f.Key + "`"
		if !lib[f.Key] {
			key += " (clusterctl)"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", key, f.Where, escape(f.RuleText()), f.Class, escape(f.Purpose))
	}
	return b.String()
}

func escape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
