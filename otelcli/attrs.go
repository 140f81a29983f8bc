package otelcli

import (
	"os"
	"slices"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/cli-telemetry/otelcli/processors"
)

// commandAttributes describes what was run without what was typed: the
// command path comes from the command tree, flags by name, values only for
// allowlisted flags that pass their rule, positional arguments by count.
func commandAttributes(cmd *cobra.Command, c *config, hashKey func() []byte) []attribute.KeyValue {
	root := cmd.Root()
	attrs := []attribute.KeyValue{
		processors.KeyCommandPath.String(cmd.CommandPath()),
		semconv.ProcessExecutableName(root.Name()),
		semconv.ProcessPID(os.Getpid()),
	}
	fs := cmd.Flags()
	var names []string
	fs.Visit(func(f *pflag.Flag) {
		names = append(names, f.Name)
		fr, ok := c.flagRules[f.Name]
		if !ok {
			return
		}
		if v, ok := flagValue(f, fr, hashKey); ok {
			attrs = append(attrs, attribute.KeyValue{Key: attribute.Key(processors.KeyFlagPrefix + f.Name), Value: v})
		}
	})
	if len(names) > 0 {
		slices.Sort(names)
		attrs = append(attrs, processors.KeyCommandFlags.StringSlice(names))
	}
	if fs.Parsed() {
		attrs = append(attrs, processors.KeyCommandArgsCount.Int(len(fs.Args())))
	}
	return attrs
}

// flagValue returns the value to record for an allowlisted flag. A slice
// flag is recorded as a string slice, and only when every element passes.
func flagValue(f *pflag.Flag, fr flagRule, hashKey func() []byte) (attribute.Value, bool) {
	if sv, ok := f.Value.(pflag.SliceValue); ok {
		elems := sv.GetSlice()
		for i, e := range elems {
			v, ok := checkValue(e, fr, hashKey)
			if !ok {
				return attribute.Value{}, false
			}
			elems[i] = v
		}
		return attribute.StringSliceValue(elems), true
	}
	v, ok := checkValue(f.Value.String(), fr, hashKey)
	if !ok {
		return attribute.Value{}, false
	}
	return attribute.StringValue(v), true
}

func checkValue(v string, fr flagRule, hashKey func() []byte) (string, bool) {
	if fr.hashed {
		h, err := processors.KeyedHash(hashKey())
		if err != nil {
			return "", false
		}
		return h.Sanitize(v), true
	}
	if fr.rule == nil {
		return "", false
	}
	out, ok := fr.rule.Apply(attribute.StringValue(v))
	if !ok || out.Type() != attribute.STRING {
		return "", false
	}
	return out.AsString(), true
}

// executingCommand finds the command cobra is running: the deepest command
// whose flags have been parsed. It must run on cobra's goroutine.
func executingCommand(root *cobra.Command) *cobra.Command {
	var found *cobra.Command
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Flags().Parsed() {
			found = c
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	if found == nil {
		return root
	}
	return found
}

// suggestion returns cobra's suggestion for an unknown command, only when
// it names a real subcommand (so the typed word can never be taken for it).
func suggestion(cmd *cobra.Command, err error) string {
	for _, m := range suggestionRe().FindAllStringSubmatch(err.Error(), -1) {
		for _, sub := range cmd.Commands() {
			if sub.Name() == m[1] {
				return sub.Name()
			}
		}
	}
	return ""
}
