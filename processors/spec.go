package processors

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.opentelemetry.io/otel/attribute"
)

// This file describes the rules in a form that systems without Go can
// enforce: types, regular expressions and bounds. The bundled collector's
// configuration is generated from it (internal/docgen), so that the collector
// checks what a client sends with the rules the SDK applied, from one source.

// ValueSpec describes the values a rule or a field lets leave the process
// (after any rewriting the rule does, as [FunctionsOnly]'s), in terms a
// configuration language can check. Regular expressions are in RE2 syntax,
// the syntax of Go's regexp and of the collector's processors.
//
// A value is accepted when its type is one of Types and, for a string and
// for every element of a string slice, every expression of Match matches the
// whole of it, none of NoMatch matches anywhere in it and it is no longer
// than MaxLen bytes; a slice has at most MaxItems elements. Zero bounds mean
// no bound. Values that one of [SanitizerPatterns] would change are not
// described: a consumer masks those first, and the masked value then fails
// Match where the rule would have rejected it.
type ValueSpec struct {
	Types    []attribute.Type
	Match    []string
	NoMatch  []string
	MaxLen   int
	MaxItems int
}

// Accepts reports whether the type t is among s.Types.
func (s ValueSpec) Accepts(t attribute.Type) bool { return slices.Contains(s.Types, t) }

// attributeTypes are the types an OpenTelemetry Go attribute can have: no
// maps, no byte arrays, no nested or mixed slices.
var attributeTypes = []attribute.Type{
	attribute.BOOL, attribute.INT64, attribute.FLOAT64, attribute.STRING,
	attribute.BOOLSLICE, attribute.INT64SLICE, attribute.FLOAT64SLICE, attribute.STRINGSLICE,
}

// ValueSpec returns the values f accepts: its type and its rule. ok is false
// when a part of the rule has no description (a [RuleFunc] of the author's,
// say); the spec then accepts more than the rule does, and says at least
// which types pass.
func (f Field) ValueSpec() (spec ValueSpec, ok bool) {
	spec, ok = RuleSpec(f.Rule)
	if f.Type != anyType {
		spec.Types = intersect(spec.Types, []attribute.Type{f.Type})
	}
	return spec, ok
}

// RuleSpec returns the values r accepts, whatever their type. ok is false
// when a part of r has no description; the spec then accepts more than r.
func RuleSpec(r Rule) (spec ValueSpec, ok bool) {
	defer func() {
		// A rule of the author's that panics on a probe is one we cannot
		// describe.
		if recover() != nil {
			spec, ok = ValueSpec{Types: slices.Clone(attributeTypes)}, false
		}
	}()
	return ruleSpec(r)
}

func stringSpec(exprs ...string) (ValueSpec, bool) {
	return ValueSpec{Types: []attribute.Type{attribute.STRING}, Match: exprs}, true
}

func ruleSpec(r Rule) (ValueSpec, bool) {
	anyValue := ValueSpec{Types: slices.Clone(attributeTypes)}
	switch r := r.(type) {
	case nil:
		return anyValue, true
	case invalidRule:
		return ValueSpec{}, true
	case oneOf:
		vals := make([]string, len(r.vals))
		for i, v := range r.vals {
			vals[i] = regexp.QuoteMeta(v)
		}
		return stringSpec(strings.Join(vals, "|"))
	case *matching:
		return stringSpec(r.expr)
	case *charset:
		expr, ok := r.regexp()
		s, _ := stringSpec(expr)
		return s, ok
	case uuidRule:
		return stringSpec(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	case keyedHashRule, *keyedHashingRule:
		return stringSpec(fmt.Sprintf(`%s[0-9a-f]{%d}`, regexp.QuoteMeta(hashPrefix), 2*hashBytes))
	case eachOf:
		return eachSpec(r.r)
	case all:
		out, ok := anyValue, true
		for _, sub := range r {
			s, sok := ruleSpec(sub)
			out, ok = and(out, s), ok && sok
		}
		return out, ok
	case described:
		if n, ok := describedMaxItems(r); ok {
			anyValue.MaxItems = n
			return anyValue, true
		}
		return ruleSpec(r.Rule)
	case RuleFunc:
		return funcSpec(r)
	}
	return anyValue, false
}

// eachSpec describes EachOf(r): r on scalars, r on every element of a
// string slice.
func eachSpec(r Rule) (ValueSpec, bool) {
	s, ok := ruleSpec(r)
	if s.Accepts(attribute.STRING) && !s.Accepts(attribute.STRINGSLICE) {
		s.Types = append(s.Types, attribute.STRINGSLICE)
	}
	// r's item bound applies to the slices r itself is given, which are
	// not string slices here: a spec cannot say that.
	if s.MaxItems > 0 {
		ok = false
	}
	return s, ok
}

// and is the spec of values both a and b accept.
func and(a, b ValueSpec) ValueSpec {
	out := ValueSpec{
		Types:    intersect(a.Types, b.Types),
		Match:    append(slices.Clone(a.Match), b.Match...),
		NoMatch:  append(slices.Clone(a.NoMatch), b.NoMatch...),
		MaxLen:   minBound(a.MaxLen, b.MaxLen),
		MaxItems: minBound(a.MaxItems, b.MaxItems),
	}
	return out
}

func intersect(a, b []attribute.Type) []attribute.Type {
	var out []attribute.Type
	for _, t := range a {
		if slices.Contains(b, t) {
			out = append(out, t)
		}
	}
	return out
}

func minBound(a, b int) int {
	switch {
	case a == 0:
		return b
	case b == 0:
		return a
	}
	return min(a, b)
}

// regexp returns the expression c stands for. Bytes above 0x7f cannot be
// written as one: a class in a regular expression is of characters, not
// bytes.
func (c *charset) regexp() (string, bool) {
	first, ok1 := byteClass(&c.first)
	rest, ok2 := byteClass(&c.rest)
	if c.max == 1 {
		return first, ok1
	}
	return fmt.Sprintf("%s%s{%d,%d}", first, rest, c.min-1, c.max-1), ok1 && ok2
}

func byteClass(t *[256]bool) (string, bool) {
	var b strings.Builder
	b.WriteByte('[')
	ok := true
	for i := 0; i < 256; i++ {
		if !t[i] {
			continue
		}
		if i > 0x7f {
			ok = false
			continue
		}
		// Ranges only within digits, upper or lower case letters, so that
		// the class reads as the set was written.
		j := i
		for j+1 < 0x80 && t[j+1] && category(byte(j+1)) == category(byte(i)) && category(byte(i)) != 0 {
			j++
		}
		b.WriteString(classChar(byte(i)))
		if j > i+1 {
			b.WriteByte('-')
		}
		if j > i {
			b.WriteString(classChar(byte(j)))
		}
		i = j
	}
	b.WriteByte(']')
	if b.Len() == 2 {
		return `[^\x00-\x{10FFFF}]`, ok
	}
	return b.String(), ok
}

func category(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return 1
	case c >= 'A' && c <= 'Z':
		return 2
	case c >= 'a' && c <= 'z':
		return 3
	}
	return 0
}

func classChar(c byte) string {
	if c < 0x20 || c == 0x7f {
		return fmt.Sprintf(`\x%02x`, c)
	}
	if strings.IndexByte(`\]-^[`, c) >= 0 {
		return `\` + string(c)
	}
	return string(c)
}

// describedMaxItems recognizes MaxItems(n) by the description MaxItems
// gives it, confirmed by asking the rule about slices of n and n+1 items.
func describedMaxItems(d described) (int, bool) {
	var n int
	if _, err := fmt.Sscanf(d.text, "at most %d items", &n); err != nil || n <= 0 || n > 1<<16 ||
		d.text != fmt.Sprintf("at most %d items", n) {
		return 0, false
	}
	items := make([]string, n+1)
	_, okN := d.Rule.Apply(attribute.StringSliceValue(items[:n]))
	_, okMore := d.Rule.Apply(attribute.StringSliceValue(items))
	_, okScalar := d.Rule.Apply(attribute.StringValue("x"))
	return n, okN && !okMore && okScalar
}

// funcSpec describes the rules this package builds as functions, which it
// recognizes by their answers to a fixed set of probes; any other function
// is opaque.
func funcSpec(r RuleFunc) (ValueSpec, bool) {
	if sameVerdicts(r, LowCardinalityName(), nameProbes) {
		s, _ := lowCardinalityName.regexp()
		return ValueSpec{Types: []attribute.Type{attribute.STRING}, Match: []string{s}, NoMatch: []string{longDigits}}, true
	}
	if sameResults(r, Sanitized(FunctionsOnly()), stackProbes) {
		match, noMatch := functionsOnlyExprs()
		return ValueSpec{Types: slices.Clone(attributeTypes), Match: []string{match}, NoMatch: []string{noMatch}}, true
	}
	if n, ok := probeMaxLen(r); ok {
		return ValueSpec{Types: slices.Clone(attributeTypes), MaxLen: n}, true
	}
	return ValueSpec{Types: slices.Clone(attributeTypes)}, false
}

// longDigits is what hasLongDigits finds.
const longDigits = `[0-9]{5}`

// functionsOnlyExprs describe what FunctionsOnly returns: function names,
// one a line (match), and at most MaxStackFrames lines (noMatch finds more;
// RE2 cannot count lines of up to 256 characters to 32 in one expression).
func functionsOnlyExprs() (match, noMatch string) {
	name := strings.TrimSuffix(strings.TrimPrefix(funcNameRe().String(), "^"), "$")
	return fmt.Sprintf(`(?:%s(?:\n%s)*)?`, name, name), fmt.Sprintf(`(?:\n[^\n]*){%d}`, MaxStackFrames)
}

var nameProbes = []string{
	"clusterctl cluster create", "HTTP GET", "db.query", "clusters.load", "a", "gh _alias", "x_y-z:w",
	"", " a", "1abc", "x/y", "a 12345", "a 1234", "mail bob@example.com", "a=b", "token abcdefgh12345678",
	"id AKIAIOSFODNN7EXAMPLE", strings.Repeat("a", 128), strings.Repeat("a", 129), "caf\u00e9", "tab\there",
}

var stackProbes = []string{
	"goroutine 1 [running]:\nmain.run(0xc000012345, {0x1, 0x2})\n\t/home/bob/x/main.go:10 +0x1d\nmain.main()\n\t/home/bob/x/main.go:3 +0x5",
	"panic: secret bob@example.com\n\ngithub.com/acme/cli.(*Cmd).Run(...)\n\t/x.go:1",
	"main.main", "not a stack trace at all", "",
}

// sameVerdicts reports whether r and ref accept and reject the same probes
// (and both reject a number).
func sameVerdicts(r, ref Rule, probes []string) bool {
	for _, v := range append(stringValues(probes), attribute.Int64Value(1)) {
		_, a := r.Apply(v)
		_, b := ref.Apply(v)
		if a != b {
			return false
		}
	}
	return true
}

// sameResults reports whether r and ref turn the probes into the same
// values.
func sameResults(r, ref Rule, probes []string) bool {
	for _, v := range append(stringValues(probes), attribute.Int64Value(1), attribute.StringSliceValue(probes)) {
		a, aok := r.Apply(v)
		b, bok := ref.Apply(v)
		if aok != bok || a != b {
			return false
		}
	}
	return true
}

func stringValues(ss []string) []attribute.Value {
	out := make([]attribute.Value, len(ss))
	for i, s := range ss {
		out[i] = attribute.StringValue(s)
	}
	return out
}

// probeMaxLen recognizes MaxLen(n): every string of up to n valid UTF-8
// bytes passes unchanged, longer ones and invalid UTF-8 do not, and other
// types pass.
func probeMaxLen(r RuleFunc) (int, bool) {
	accepts := func(v attribute.Value) bool {
		out, ok := r.Apply(v)
		return ok && out == v
	}
	if !accepts(attribute.StringValue("")) || !accepts(attribute.Int64Value(1)) || accepts(attribute.StringValue("\xff")) {
		return 0, false
	}
	// The longest accepted run of 'a', by doubling then bisecting.
	lo, hi := 0, 1
	for accepts(attribute.StringValue(strings.Repeat("a", hi))) {
		if lo, hi = hi, hi*2; hi > 1<<20 {
			return 0, false
		}
	}
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if accepts(attribute.StringValue(strings.Repeat("a", mid))) {
			lo = mid
		} else {
			hi = mid
		}
	}
	n := lo
	if n == 0 {
		return 0, false
	}
	for _, p := range []string{"x/y", "bob@example.com", "AKIAIOSFODNN7EXAMPLE", "a 12345", strings.Repeat("\u00e9", n/2)} {
		if len(p) <= n && !accepts(attribute.StringValue(p)) {
			return 0, false
		}
	}
	okSlice := accepts(attribute.StringSliceValue([]string{strings.Repeat("a", n), "b"}))
	tooLong := accepts(attribute.StringSliceValue([]string{strings.Repeat("a", n+1)}))
	return n, okSlice && !tooLong
}

// A Pattern is one shape of secret or personal data that the sanitizers
// mask, as a regular expression in RE2 syntax.
type Pattern struct {
	// Name says what the pattern finds ("email", "aws-key").
	Name string
	// Expr is the expression; a system without the sanitizers masks each
	// match whole.
	Expr string
}

// SanitizerPatterns returns the patterns [Redact] masks, in the order it
// applies them, for systems that cannot call it (the bundled collector's
// blocked values). They come from the sanitizers' own definitions, with two
// differences where Redact checks a match in Go after finding it: IPv6
// candidates are given as the addresses net/netip accepts, and long base64
// runs, which Redact masks only when they hold both a digit and a letter,
// are left out (one RE2 expression cannot say that together with a length).
// URLs are given whole, where Redact keeps scheme, host and path.
func SanitizerPatterns() []Pattern {
	names := map[*regexp.Regexp]string{
		emailRe(): "email", urlRe(): "url", ipv4Re(): "ipv4", ipv6Re(): "ipv6",
		pemRe(): "pem", pemOpenRe(): "pem-open", jwtRe(): "jwt", awsKeyRe(): "aws-key",
		githubRe(): "github-token", slackRe(): "slack-token", bearerRe(): "authorization",
		keyValueRe(): "secret-assignment", longHexRe(): "long-hex",
		absPathRe(): "path", homePathRe(): "home-path", windowsPathRe(): "windows-path", uncPathRe(): "unc-path",
	}
	var out []Pattern
	for _, r := range allSanitizer.reps {
		re := r.re()
		switch re {
		case longBase64Re():
			continue
		case ipv6Re():
			out = append(out, Pattern{Name: "ipv6", Expr: ipv6AddrPattern})
			continue
		}
		name, ok := names[re]
		if !ok {
			name = fmt.Sprintf("pattern-%d", len(out)+1)
		}
		out = append(out, Pattern{Name: name, Expr: re.String()})
	}
	return out
}

// ipv6AddrPattern finds the IPv6 addresses net/netip parses among what
// ipv6Pattern finds: eight groups, or groups around one "::", with an
// optional zone. It also finds a few non-addresses with more than eight
// groups around "::" (masking them is harmless): the exact expression is
// four times as slow, and the collector runs it on every name it keeps.
const ipv6AddrPattern = `(?:(?:` + hexGroup + `:){7}` + hexGroup +
	`|(?:` + hexGroup + `(?::` + hexGroup + `){0,6})?::(?:` + hexGroup + `(?::` + hexGroup + `){0,6})?` +
	`)(?:%[0-9A-Za-z]+)?`

const hexGroup = `[0-9A-Fa-f]{1,4}`

// SpanNameRule returns the rule span names must pass under p; names that
// fail it are sent as [Policy.FallbackName].
func (p *Policy) SpanNameRule() Rule { return p.spanNames }

// ScopeNameRule returns the rule instrumentation scope names must pass
// under p; names that fail it are sent as [Policy.FallbackName].
func (p *Policy) ScopeNameRule() Rule { return p.scopeNames }

// ScopeVersionRule returns the rule instrumentation scope versions must
// pass; versions that fail it are sent empty.
func (p *Policy) ScopeVersionRule() Rule { return versionRule }

// FallbackName returns the name that replaces a rejected span or scope
// name.
func (p *Policy) FallbackName() string { return p.fallbackName }

// EventNames returns the names of the span events p keeps, sorted.
func (p *Policy) EventNames() []string {
	out := make([]string, 0, len(p.eventNames))
	for n := range p.eventNames {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}
