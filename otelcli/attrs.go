package otelcli

import (
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.opentelemetry.io/otel/attribute"

	"github.com/cli-telemetry/otelcli/internal/semconv"
	"github.com/cli-telemetry/otelcli/processors"
)

// typedFlags are the flags the user set on the command line, by name, and
// the values of the allowlisted ones, read right after cobra parsed them:
// a flag the CLI sets itself later (from its config file, with
// Flags().Set in a pre-run) is not something the user did.
type typedFlags struct {
	cmd    *cobra.Command
	names  []string
	values []attribute.KeyValue
	args   int // positional arguments, -1 when the flags were not parsed

	// Room for the usual few flags, so that reading them is one allocation.
	nameBuf  [8]string
	valueBuf [4]attribute.KeyValue
}

// flagRule is an allowlisted flag's rule, the attribute key its value is
// sent as, and the rule the allowlist checks it with (EachOf the rule, for
// slice flags), all made once with the option. each is nil for a hashed
// rule, which is bound to the install's key at each run.
type flagRule struct {
	key  attribute.Key
	rule processors.Rule
	each processors.Rule
}

// readFlags reads cmd's changed flags, leaving out those that were already
// set before the command line was parsed (preset). onCobras says it runs on
// cobra's own goroutine, where nothing else reads the flag set: it then
// visits the flags without sorting them first.
func readFlags(cmd *cobra.Command, rules map[string]flagRule, preset map[string]bool, onCobras bool) *typedFlags {
	fs := cmd.Flags()
	t := &typedFlags{cmd: cmd, args: -1}
	t.names = t.nameBuf[:0]
	if n := fs.NFlag(); n > len(t.nameBuf) {
		t.names = make([]string, 0, n)
	}
	t.values = t.valueBuf[:0]
	if n := min(len(rules), fs.NFlag()); n > len(t.valueBuf) {
		t.values = make([]attribute.KeyValue, 0, n)
	}
	note := func(f *pflag.Flag) {
		if preset[f.Name] {
			return
		}
		t.names = append(t.names, f.Name)
		if r, ok := rules[f.Name]; ok {
			if v, ok := flagValue(f, r.rule); ok {
				t.values = append(t.values, attribute.KeyValue{Key: r.key, Value: v})
			}
		}
	}
	if onCobras {
		visitInOrderSet(fs, note)
	} else {
		fs.Visit(note)
	}
	slices.Sort(t.names)
	slices.SortFunc(t.values, func(a, b attribute.KeyValue) int { return strings.Compare(string(a.Key), string(b.Key)) })
	if fs.Parsed() {
		t.args = len(fs.Args())
	}
	return t
}

// visitInOrderSet visits the flags of fs that were set, in the order they
// were set: Visit would first sort them into a new slice, and readFlags
// sorts what it keeps anyway. fs's own setting is back as it was when the
// visit ends, also if a flag's String panics. Only for cobra's goroutine:
// the setting is the CLI's, which its help and usage read.
func visitInOrderSet(fs *pflag.FlagSet, fn func(*pflag.Flag)) {
	sorted := fs.SortFlags
	fs.SortFlags = false
	defer func() { fs.SortFlags = sorted }()
	fs.Visit(fn)
}

// presetFlags are the root's flags already set before the command line is
// parsed: the CLI filled them in itself.
func presetFlags(root *cobra.Command) map[string]bool {
	if root.PersistentFlags().NFlag() == 0 && root.Flags().NFlag() == 0 {
		return nil // the usual case, without a visit
	}
	var m map[string]bool
	mark := func(f *pflag.Flag) {
		if m == nil {
			m = map[string]bool{}
		}
		m[f.Name] = true
	}
	root.PersistentFlags().Visit(mark)
	root.Flags().Visit(mark)
	return m
}

// attributes describes what was run without what was typed: the command
// path from the command tree, flags by name, values only for allowlisted
// flags (the allowlist checks them again, and hashes the hashed ones),
// positional arguments by count.
func (t *typedFlags) attributes(path, exe string) []attribute.KeyValue {
	// Room for what the session adds: exit code, account, error type,
	// error chain, suggestions.
	attrs := make([]attribute.KeyValue, 0, 10+len(t.values))
	attrs = append(attrs,
		processors.KeyCommandPath.String(path),
		semconv.ProcessExecutableNameKey.String(exe),
		semconv.ProcessPIDKey.Int(os.Getpid()),
	)
	attrs = append(attrs, t.values...)
	if len(t.names) > 0 {
		attrs = append(attrs, processors.KeyCommandFlags.StringSlice(t.names))
	}
	if t.args >= 0 {
		attrs = append(attrs, processors.KeyCommandArgsCount.Int(t.args))
	}
	return attrs
}

// flagValue returns the value to record for an allowlisted flag. A slice
// flag is recorded as a string slice, and only when every element passes;
// the allowlist applies the rule again when the span ends, where hashed
// values are hashed.
func flagValue(f *pflag.Flag, rule processors.Rule) (attribute.Value, bool) {
	if sv, ok := f.Value.(pflag.SliceValue); ok {
		elems := sv.GetSlice()
		for _, e := range elems {
			if !passes(rule, e) {
				return attribute.Value{}, false
			}
		}
		return attribute.StringSliceValue(elems), true
	}
	v := f.Value.String()
	if !passes(rule, v) {
		return attribute.Value{}, false
	}
	return attribute.StringValue(v), true
}

func passes(rule processors.Rule, v string) bool {
	if _, ok := rule.(hashed); ok {
		return true // hashed by the allowlist
	}
	if rule == nil {
		return false
	}
	out, ok := rule.Apply(attribute.StringValue(v))
	return ok && out.Type() == attribute.STRING
}
