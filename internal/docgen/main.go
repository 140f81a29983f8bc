// Command docgen writes the parts of the README and of the collector
// configuration that come from the field registry, so that the documentation
// a user reads, the allowlist the SDK enforces and the checks the collector
// makes are one table. Run it with `make generate`; its test fails when a
// generated part is stale.
package main

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/cli-telemetry/otelcli/examples/clusterctl/cli"
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
	files, notes, err := generate(root)
	if err != nil {
		return err
	}
	for _, n := range notes {
		fmt.Fprintln(os.Stderr, "docgen: collector:", n)
	}
	for path, content := range files {
		if err := os.WriteFile(root+"/"+path, content, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// exampleSpec is what the example CLI's collector is generated from: its
// fields, the policy otelcli builds from them, its command tree.
func exampleSpec() (*collectorSpec, error) {
	fields, err := otelcli.Fields(telemetry.Options("")...)
	if err != nil {
		return nil, err
	}
	policy, err := processors.NewPolicy(processors.WithFields(fields...))
	if err != nil {
		return nil, err
	}
	root := cli.NewRoot("", cli.Hooks{})
	return &collectorSpec{
		fields:     fields,
		policy:     policy,
		roots:      []string{root.Name()},
		commands:   commandPaths(root),
		pathKey:    string(processors.KeyCommandPath),
		sanitizers: processors.SanitizerPatterns(),
	}, nil
}

// generate returns the README and collector config with their generated
// parts rewritten, and what the collector cannot check of the rules.
func generate(root string) (map[string][]byte, []string, error) {
	spec, err := exampleSpec()
	if err != nil {
		return nil, nil, err
	}
	readme, err := os.ReadFile(root + "/" + readmePath)
	if err != nil {
		return nil, nil, err
	}
	config, err := os.ReadFile(root + "/" + configPath)
	if err != nil {
		return nil, nil, err
	}
	readme, err = replaceBlock(readme, "<!-- BEGIN GENERATED fields -->", "<!-- END GENERATED fields -->", table(spec.fields))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", readmePath, err)
	}
	readme, err = replaceBlock(readme, "<!-- BEGIN GENERATED env -->", "<!-- END GENERATED env -->", envTable())
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", readmePath, err)
	}
	allowlist, notes := spec.allowlistBlock()
	for _, blk := range []struct{ name, body string }{
		{"event_names", spec.eventNamesBlock()},
		{"allowlist", allowlist},
		{"redaction", spec.redactionBlock()},
	} {
		config, err = replaceBlock(config, "# BEGIN GENERATED "+blk.name+" ", "# END GENERATED "+blk.name, blk.body)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", configPath, err)
		}
	}
	return map[string][]byte{readmePath: readme, configPath: config}, notes, nil
}

// replaceBlock replaces what lies between the lines holding begin and end
// with body, each of its lines indented as the begin line is.
func replaceBlock(doc []byte, begin, end, body string) ([]byte, error) {
	re := regexp.MustCompile(`(?s)([ \t]*)(` + regexp.QuoteMeta(begin) + `[^\n]*\n)(.*?)([ \t]*` + regexp.QuoteMeta(end) + `)`)
	m := re.FindSubmatchIndex(doc)
	if m == nil {
		return nil, fmt.Errorf("no %q … %q block", begin, end)
	}
	indent := string(doc[m[2]:m[3]])
	var out bytes.Buffer
	out.Write(doc[:m[5]])
	for _, line := range strings.SplitAfter(body, "\n") {
		if strings.TrimSpace(line) != "" {
			out.WriteString(indent)
		}
		out.WriteString(line)
	}
	out.Write(doc[m[8]:])
	return out.Bytes(), nil
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
		if f.Prefix {
			key = "`" + f.Key + "*`"
		}
		if !lib[f.Key] {
			key += " (clusterctl)"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", key, f.Where, escape(f.RuleText()), f.Class, escape(f.Purpose))
	}
	return b.String()
}

func escape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
