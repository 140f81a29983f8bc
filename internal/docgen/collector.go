package main

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"go.opentelemetry.io/otel/attribute"

	"github.com/cli-telemetry/otelcli/otelcli"
	"github.com/cli-telemetry/otelcli/processors"
)

// The bundled collector checks what a client sends with the SDK's rules,
// translated here from the field registry into OTTL statements for the
// transform and filter processors and into the redaction processor's lists.
// The SDK never sends maps, byte arrays, nested or mixed lists, so every value
// the statements let through is a scalar or a flat list of the declared type:
// nothing deeper than one level reaches the backend.

// Bounds the collector puts on values the field table leaves unbounded (a
// field of any string, a list with no item limit). The longest value the
// library sends is a stack trace of 32 function names.
const (
	maxString = 16384
	maxItems  = 256
)

// commandKind is the shape of the names the SDK gives commands that are not
// in the author's tree ("<root> _OTHER") or that the author marked as made
// from user data ("gh _alias").
const commandKind = `_(?:OTHER|[a-z][a-z0-9_]{0,31})`

// collectorSpec is what the collector's configuration is generated from.
type collectorSpec struct {
	fields     []processors.Field
	policy     *processors.Policy
	roots      []string // root command names, sorted
	commands   []string // every command path of those roots, sorted
	pathKey    string   // the attribute holding the command path
	sanitizers []processors.Pattern
}

// commandPaths lists the path of every command of root, with the help and
// completion commands cobra adds when it executes.
func commandPaths(root *cobra.Command) []string {
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	return otelcli.CommandPaths(root)
}

// place is one part of the telemetry attributes are on, with its OTTL
// context and the path of its attributes.
type place struct {
	where   processors.Where
	context string
	attrs   string
}

var places = []place{
	{processors.OnResource, "resource", "resource.attributes"},
	{processors.OnScope, "scope", "scope.attributes"},
	{processors.OnSpan, "span", "span.attributes"},
	{processors.OnEvent, "spanevent", "spanevent.attributes"},
}

func where(f processors.Field) processors.Where {
	if f.Where == 0 {
		return processors.OnSpan
	}
	return f.Where
}

// allowlistBlock returns the trace_statements of transform/allowlist: per
// place, the declared keys (exact or by prefix) and nothing else, each value
// checked against its field's rule; then span and scope names.
func (c *collectorSpec) allowlistBlock() (string, []string) {
	var b strings.Builder
	var notes []string
	for _, pl := range places {
		var exact, prefix []processors.Field
		for _, f := range c.fields {
			if where(f)&pl.where == 0 {
				continue
			}
			if f.Prefix {
				prefix = append(prefix, f)
			} else {
				exact = append(exact, f)
			}
		}
		slices.SortFunc(exact, func(a, b processors.Field) int { return strings.Compare(a.Key, b.Key) })
		var stmts []string
		if keys := keyPattern(exact, prefix); keys == "" {
			stmts = append(stmts, fmt.Sprintf(`delete_matching_keys(%s, "^")`, pl.attrs))
		} else {
			// A key sent twice would have its second copy pass unchecked
			// (statements see the first): keep one copy of each key.
			cache := pl.context + ".cache"
			stmts = append(stmts,
				fmt.Sprintf(`keep_matching_keys(%s, %s)`, pl.attrs, ottlString(keys)),
				fmt.Sprintf(`merge_maps(%s, %s, "insert")`, cache, pl.attrs),
				fmt.Sprintf(`set(%s, %s)`, pl.attrs, cache))
		}
		for _, f := range exact {
			spec, ok := f.ValueSpec()
			if !ok {
				notes = append(notes, fmt.Sprintf("%s: its rule has no description; only its type is checked", f.Key))
			}
			v := fmt.Sprintf("%s[%s]", pl.attrs, ottlString(f.Key))
			stmts = append(stmts, fmt.Sprintf("delete_key(%s, %s) where not %s", pl.attrs, ottlString(f.Key), valueCond(v, spec, c.blocked(spec))))
		}
		if len(prefix) > 0 {
			lambda, pnotes := c.prefixFilter(exact, prefix)
			notes = append(notes, pnotes...)
			stmts = append(stmts, fmt.Sprintf("set(%s, Filter(%s, %s))", pl.attrs, pl.attrs, lambda))
		}
		switch pl.context {
		case "scope":
			stmts = append(stmts, c.scopeStatements()...)
		case "span":
			stmts = append(stmts, c.commandStatements()...)
		}
		fmt.Fprintf(&b, "- context: %s\n  statements:\n", pl.context)
		for _, s := range stmts {
			b.WriteString("    - " + yamlString(s) + "\n")
		}
	}
	return b.String(), notes
}

// keyPattern matches the keys the fields declare: exact keys, and keys
// longer than a prefix that start with it.
func keyPattern(exact, prefix []processors.Field) string {
	var alts []string
	for _, f := range exact {
		alts = append(alts, regexp.QuoteMeta(f.Key))
	}
	for _, f := range prefix {
		alts = append(alts, regexp.QuoteMeta(f.Key)+".+")
	}
	if len(alts) == 0 {
		return ""
	}
	return "^(?:" + strings.Join(slices.Compact(alts), "|") + ")$"
}

// prefixFilter returns the lambda that keeps, of the keys a prefix field
// covers, those whose value passes the first such field's rule (as the SDK
// looks prefixes up in order, after exact keys).
func (c *collectorSpec) prefixFilter(exact, prefix []processors.Field) (string, []string) {
	var notes []string
	exactRe := keyPattern(exact, nil)
	var parts []string
	if exactRe != "" {
		parts = append(parts, fmt.Sprintf("IsMatch(k, %s)", ottlString(exactRe)))
	}
	var seen []string
	var covered []string
	for _, f := range prefix {
		spec, ok := f.ValueSpec()
		if !ok {
			notes = append(notes, fmt.Sprintf("%s*: its rule has no description; only its type is checked", f.Key))
		}
		re := "^" + regexp.QuoteMeta(f.Key) + ".+"
		cond := fmt.Sprintf("IsMatch(k, %s)", ottlString(re))
		for _, s := range seen {
			cond = fmt.Sprintf("not IsMatch(k, %s) and %s", ottlString(s), cond)
		}
		seen = append(seen, re)
		covered = append(covered, regexp.QuoteMeta(f.Key)+".+")
		parts = append(parts, fmt.Sprintf("(%s and %s)", cond, valueCond("v", spec, c.blocked(spec))))
	}
	parts = append(parts, fmt.Sprintf("not IsMatch(k, %s)", ottlString("^(?:"+strings.Join(covered, "|")+")")))
	return "(k, v) => " + strings.Join(parts, " or "), notes
}

// valueCond is an OTTL condition true when the value at v is one spec
// accepts (and, inside lists, holds nothing the sanitizers mask, since OTTL
// cannot mask inside a list: such a list is dropped).
func valueCond(v string, spec processors.ValueSpec, blocked string) string {
	var alts []string
	for _, t := range spec.Types {
		switch t {
		case attribute.BOOL:
			alts = append(alts, fmt.Sprintf("IsBool(%s)", v))
		case attribute.INT64:
			alts = append(alts, fmt.Sprintf("IsInt(%s)", v))
		case attribute.FLOAT64:
			alts = append(alts, fmt.Sprintf("IsDouble(%s)", v))
		case attribute.STRING:
			alts = append(alts, stringCond(v, spec, ""))
		case attribute.BOOLSLICE:
			alts = append(alts, listCond(v, spec, "IsBool(e)"))
		case attribute.INT64SLICE:
			alts = append(alts, listCond(v, spec, "IsInt(e)"))
		case attribute.FLOAT64SLICE:
			alts = append(alts, listCond(v, spec, "IsDouble(e)"))
		case attribute.STRINGSLICE:
			alts = append(alts, listCond(v, spec, stringCond("e", spec, blocked)))
		}
	}
	if len(alts) == 0 {
		return "(false)"
	}
	return "(" + strings.Join(alts, " or ") + ")"
}

func stringCond(v string, spec processors.ValueSpec, blocked string) string {
	parts := []string{fmt.Sprintf("IsString(%s)", v)}
	// A bounded pattern bounds the length itself; the collector's own
	// bound is for fields that have neither.
	if n := spec.MaxLen; n > 0 || !slices.ContainsFunc(spec.Match, bounded) {
		if n == 0 || n > maxString {
			n = maxString
		}
		parts = append(parts, fmt.Sprintf("Len(%s) <= %d", v, n))
	}
	for _, m := range spec.Match {
		parts = append(parts, fmt.Sprintf("IsMatch(%s, %s)", v, ottlString("^(?:"+m+")$")))
	}
	for _, m := range spec.NoMatch {
		parts = append(parts, fmt.Sprintf("not IsMatch(%s, %s)", v, ottlString(m)))
	}
	if blocked != "" {
		parts = append(parts, fmt.Sprintf("not IsMatch(%s, %s)", v, ottlString(blocked)))
	}
	return "(" + strings.Join(parts, " and ") + ")"
}

// bounded reports whether expr matches only strings of a bounded length.
func bounded(expr string) bool {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return false
	}
	var walk func(*syntax.Regexp) bool
	walk = func(r *syntax.Regexp) bool {
		switch r.Op {
		case syntax.OpStar, syntax.OpPlus:
			return false
		case syntax.OpRepeat:
			if r.Max < 0 {
				return false
			}
		}
		for _, sub := range r.Sub {
			if !walk(sub) {
				return false
			}
		}
		return true
	}
	return walk(re)
}

func listCond(v string, spec processors.ValueSpec, elem string) string {
	n := spec.MaxItems
	if n == 0 || n > maxItems {
		n = maxItems
	}
	return fmt.Sprintf("(IsList(%s) and Len(%s) <= %d and All(%s, (_, e) => %s))", v, v, n, v, elem)
}

// mayHold returns the sanitizer patterns that can occur in a string spec
// accepts: all of them, but for those proved impossible by one of its
// expressions (a UUID holds no e-mail address).
func (c *collectorSpec) mayHold(spec processors.ValueSpec) []processors.Pattern {
	var out []processors.Pattern
	for _, p := range c.sanitizers {
		if !slices.ContainsFunc(spec.Match, func(m string) bool { return !mayContain(m, p.Expr) }) {
			out = append(out, p)
		}
	}
	return out
}

// blocked is one expression finding what the sanitizers mask in a string
// spec accepts, for the places the redaction processor does not reach
// (list elements, names); empty when nothing can be there.
func (c *collectorSpec) blocked(spec processors.ValueSpec) string {
	var alts []string
	for _, p := range c.mayHold(spec) {
		alts = append(alts, "(?:"+p.Expr+")")
	}
	return strings.Join(alts, "|")
}

// scopeStatements apply the policy's scope name and version rules: a name
// that fails becomes the fallback name, a version that fails is removed.
func (c *collectorSpec) scopeStatements() []string {
	name, _ := processors.RuleSpec(c.policy.ScopeNameRule())
	version, _ := processors.RuleSpec(c.policy.ScopeVersionRule())
	return []string{
		fmt.Sprintf("set(scope.name, %s) where not %s", ottlString(c.policy.FallbackName()), stringCond("scope.name", name, c.blocked(name))),
		fmt.Sprintf(`set(scope.version, "") where not %s`, stringCond("scope.version", version, c.blocked(version))),
	}
}

// commandStatements bound span names and command paths to the CLI's
// commands: a command span's name, and the command path attribute, must be
// one of the command paths or a "<root> _<kind>" name, or become
// "<root> _OTHER" ("_OTHER" for a root that is not known). A child span (the
// CLI's own instrumentation) may have any name the span name rule accepts.
func (c *collectorSpec) commandStatements() []string {
	known := func(v string) string {
		var roots []string
		for _, r := range c.roots {
			roots = append(roots, regexp.QuoteMeta(r))
		}
		return fmt.Sprintf("(IsMatch(%s, %s) or IsMatch(%s, %s))",
			v, ottlString(alternation(c.commands)),
			v, ottlString("^(?:"+strings.Join(roots, "|")+") "+commandKind+"$"))
	}
	spanName, _ := processors.RuleSpec(c.policy.SpanNameRule())
	child := fmt.Sprintf("(span.parent_span_id != SpanID(0x0000000000000000) and %s)", stringCond("span.name", spanName, c.blocked(spanName)))
	var out []string
	path := fmt.Sprintf("span.attributes[%s]", ottlString(c.pathKey))
	for _, r := range c.roots {
		starts := ottlString("^" + regexp.QuoteMeta(r) + "(?: |$)")
		out = append(out,
			fmt.Sprintf("set(span.name, %s) where not (%s or %s) and IsMatch(span.name, %s)", ottlString(r+" _OTHER"), known("span.name"), child, starts),
			fmt.Sprintf("set(%s, %s) where IsString(%s) and not %s and IsMatch(%s, %s)", path, ottlString(r+" _OTHER"), path, known(path), path, starts))
	}
	out = append(out,
		fmt.Sprintf(`set(span.name, "_OTHER") where not (%s or %s)`, known("span.name"), child),
		fmt.Sprintf(`set(%s, "_OTHER") where IsString(%s) and not %s`, path, path, known(path)))
	return out
}

func alternation(vals []string) string {
	var q []string
	for _, v := range vals {
		q = append(q, regexp.QuoteMeta(v))
	}
	return "^(?:" + strings.Join(q, "|") + ")$"
}

// eventNamesBlock returns the filter processor's conditions dropping span
// events the policy does not keep.
func (c *collectorSpec) eventNamesBlock() string {
	var names []string
	for _, n := range c.policy.EventNames() {
		names = append(names, fmt.Sprintf("spanevent.name == %s", ottlString(n)))
	}
	cond := "true"
	if len(names) > 0 {
		cond = strings.Join(names, " or ")
	}
	return "- " + yamlString(fmt.Sprintf("not (%s)", cond)) + "\n"
}

// redactionBlock returns the redaction processor's keys and blocked values:
// every place's exact keys together (a second, coarser key filter behind
// transform/allowlist), and the sanitizers' patterns, masked in every string
// value that is left. The processor cannot express prefixes: with prefix
// fields, its key filter is off and transform/allowlist alone filters keys.
func (c *collectorSpec) redactionBlock() string {
	var b strings.Builder
	var keys []string
	hasPrefix := false
	for _, f := range c.fields {
		if f.Prefix {
			hasPrefix = true
			continue
		}
		keys = append(keys, f.Key)
	}
	slices.Sort(keys)
	if hasPrefix {
		b.WriteString("# Prefix fields: the keys are filtered by transform/allowlist alone.\nallow_all_keys: true\n")
	} else {
		b.WriteString("allow_all_keys: false\nallowed_keys:\n")
		for _, k := range slices.Compact(keys) {
			b.WriteString("  - " + yamlString(k) + "\n")
		}
	}
	// Keys whose values, checked by transform/allowlist before, cannot
	// hold anything blocked_values finds: an enum, a UUID, a number.
	var ignored []string
	for _, f := range c.fields {
		spec, _ := f.ValueSpec()
		if !f.Prefix && (!spec.Accepts(attribute.STRING) || len(c.mayHold(spec)) == 0) {
			ignored = append(ignored, f.Key)
		}
	}
	slices.Sort(ignored)
	if len(ignored) > 0 {
		b.WriteString("# Values that cannot hold a blocked value once transform/allowlist\n# checked them (enums, UUIDs, numbers): not scanned.\nignored_keys:\n")
		for _, k := range slices.Compact(ignored) {
			b.WriteString("  - " + yamlString(k) + "\n")
		}
	}
	b.WriteString("blocked_values:\n")
	for _, p := range c.sanitizers {
		fmt.Fprintf(&b, "  - %s # %s\n", yamlString(p.Expr), p.Name)
	}
	return b.String()
}

// ottlString is s as an OTTL string literal.
func ottlString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// yamlString is s as a YAML single-quoted scalar, with '$' doubled so that
// the collector's configuration resolver does not take it for a variable.
func yamlString(s string) string {
	s = strings.ReplaceAll(s, "$", "$$")
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
