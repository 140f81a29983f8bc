package processors

import (
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
)

// accepts evaluates s the way a consumer of the spec does.
func (s ValueSpec) accepts(v attribute.Value) bool {
	if !s.Accepts(v.Type()) {
		return false
	}
	str := func(x string) bool {
		if s.MaxLen > 0 && len(x) > s.MaxLen {
			return false
		}
		for _, m := range s.Match {
			if !regexp.MustCompile(`^(?:` + m + `)$`).MatchString(x) {
				return false
			}
		}
		for _, m := range s.NoMatch {
			if regexp.MustCompile(m).MatchString(x) {
				return false
			}
		}
		return true
	}
	n := -1
	switch v.Type() {
	case attribute.STRING:
		return str(v.AsString())
	case attribute.STRINGSLICE:
		n = len(v.AsStringSlice())
		for _, e := range v.AsStringSlice() {
			if !str(e) {
				return false
			}
		}
	case attribute.INT64SLICE:
		n = len(v.AsInt64Slice())
	case attribute.BOOLSLICE:
		n = len(v.AsBoolSlice())
	case attribute.FLOAT64SLICE:
		n = len(v.AsFloat64Slice())
	}
	return s.MaxItems == 0 || n <= s.MaxItems
}

// sanitized reports whether a sanitizer pattern finds something in v.
func sanitized(v attribute.Value) bool {
	var ss []string
	switch v.Type() {
	case attribute.STRING:
		ss = []string{v.AsString()}
	case attribute.STRINGSLICE:
		ss = v.AsStringSlice()
	}
	for _, s := range ss {
		if Redact().Sanitize(s) != s {
			return true
		}
	}
	return false
}

// specCorpus holds values of every type, the library's own values among
// them, and the shapes an attacker sends.
func specCorpus() []attribute.Value {
	strs := []string{
		"clusterctl", "clusterctl cluster create", "clusterctl _OTHER", "HTTP GET", "1.4.2", "go1.26.8", "6.18.44-fc-v669",
		"linux", "amd64", "go", "opentelemetry", "github_actions", "homebrew", "claude_code", "AWS", "GCP", "AZURE", "M10",
		"US_EAST_1", "eu-west-1", "api_key", "unknown_flag", "*fs.PathError", "cluster_not_found", "_OTHER",
		"0b7c7f0e-3c1a-4e7b-9a55-2f1d6c0e9a11", "0B7C7F0E-3C1A-4E7B-9A55-2F1D6C0E9A11", "h:0123456789abcdef01234567",
		"h:0123456789ABCDEF01234567", "main.run\nmain.main", "github.com/acme/cli.(*Cmd).Run",
		"", " ", "a", "x/y", "/home/bob", "bob@example.com", "mail bob@example.com", "AKIAIOSFODNN7EXAMPLE",
		"password=hunter2", "a 12345", "my-private-cluster-name", "2001:db8::1", strings.Repeat("a", 64), strings.Repeat("a", 65),
		strings.Repeat("a", 129), "caf\u00e9", "\xff", "line\nbreak", "goroutine 1 [running]:\nmain.main()\n\t/x.go:1",
	}
	var out []attribute.Value
	for _, s := range strs {
		out = append(out, attribute.StringValue(s))
	}
	out = append(out,
		attribute.BoolValue(true), attribute.Int64Value(4242), attribute.Float64Value(0.5),
		attribute.StringSliceValue([]string{"name", "provider"}), attribute.StringSliceValue([]string{"AWS", "GCP"}),
		attribute.StringSliceValue([]string{"AWS", "bob@example.com"}), attribute.StringSliceValue([]string{"*fs.PathError"}),
		attribute.StringSliceValue(nil), attribute.StringSliceValue(make([]string, 9)),
		attribute.StringSliceValue(repeat("f", 65)), attribute.StringSliceValue(repeat("US_EAST_1", 9)),
		attribute.Int64SliceValue([]int64{1, 2}), attribute.BoolSliceValue([]bool{true}), attribute.Float64SliceValue([]float64{1}),
	)
	return out
}

// TestFieldSpecsAreExact checks every field the library declares, and the
// rules a CLI declares, against its spec on the corpus: what the rule sends,
// the spec accepts; what the spec accepts and no sanitizer would mask, the
// rule sends unchanged.
func TestFieldSpecsAreExact(t *testing.T) {
	fields := append(DefaultFields(),
		Field{Key: "flag.provider", Rule: EachOf(OneOf("AWS", "GCP", "AZURE"))},
		Field{Key: "flag.region", Rule: EachOf(Matching(`[A-Z0-9_]{2,32}`))},
		Field{Key: "flag.hashed", Rule: EachOf(KeyedHashValue())},
		Field{Key: "auth.method", Type: attribute.STRING, Rule: OneOf("api_key")},
		Field{Key: "count", Type: attribute.INT64},
		Field{Key: "bounded", Rule: All(MaxLen(10), MaxItems(3))},
		Field{Key: "short", Type: attribute.STRING, Rule: MaxLen(20)},
		Field{Key: "described", Rule: Describe(Matching(`[a-z]+`), "lower-case words")},
		Field{Key: "invalid", Rule: OneOf()},
	)
	for _, f := range fields {
		spec, ok := f.ValueSpec()
		if !ok {
			t.Errorf("%s: rule %T not described", f.Key, f.Rule)
			continue
		}
		for _, v := range specCorpus() {
			out, ruleOK := f.check(v)
			specOK := spec.accepts(v)
			if ruleOK && !spec.accepts(out) {
				t.Errorf("%s: the rule sends %q (from %q) but the spec %+v rejects it", f.Key, out.Emit(), v.Emit(), spec)
			}
			if specOK && !sanitized(v) && (!ruleOK || out != v) {
				t.Errorf("%s: the spec %+v accepts %q, the rule does not", f.Key, spec, v.Emit())
			}
		}
	}
}

func TestOpaqueRule(t *testing.T) {
	f := Field{Key: "k", Type: attribute.STRING, Rule: RuleFunc(func(v attribute.Value) (attribute.Value, bool) {
		return v, strings.HasPrefix(v.AsString(), "ok")
	})}
	spec, ok := f.ValueSpec()
	if ok || !slices.Equal(spec.Types, []attribute.Type{attribute.STRING}) || len(spec.Match) > 0 {
		t.Fatalf("opaque rule: %+v %v", spec, ok)
	}
	panicky := RuleFunc(func(attribute.Value) (attribute.Value, bool) { panic("no") })
	if _, ok := RuleSpec(panicky); ok {
		t.Fatal("a panicking rule described")
	}
}

func TestCharsetRegexp(t *testing.T) {
	for _, c := range []*charset{
		lowCardinalityName,
		errorTypeChars.(*charset),
		Chars("A-Za-z0-9", "A-Za-z0-9.+_-", 1, 64).(*charset),
		Chars("]", `\^[-`, 1, 3).(*charset),
		Chars("a", "b", 1, 1).(*charset),
	} {
		expr, ok := c.regexp()
		if !ok {
			t.Fatalf("%s: not expressible", c.text)
		}
		re := regexp.MustCompile(`^(?:` + expr + `)$`)
		for _, s := range []string{"a", "ab", "A-b", "x.y", "*fs.PathError", "[]x", "]", `]\^[-`, "a b", "", "-a", strings.Repeat("b", 300), "a\xff"} {
			if got, want := re.MatchString(s), c.match(s); got != want {
				t.Errorf("%s as %s: %q matches %v, charset says %v", c.text, expr, s, got, want)
			}
		}
	}
	if _, ok := Chars("a", "\x80", 1, 2).(*charset).regexp(); ok {
		t.Error("a byte above 0x7f written as a character class")
	}
}

func TestSanitizerPatterns(t *testing.T) {
	pats := SanitizerPatterns()
	seen := map[string]bool{}
	for _, p := range pats {
		if strings.HasPrefix(p.Name, "pattern-") || seen[p.Name] {
			t.Errorf("pattern %q: unnamed or named twice", p.Name)
		}
		seen[p.Name] = true
		if _, err := regexp.Compile(p.Expr); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
	}
	masked := func(s string) bool {
		for _, p := range pats {
			if regexp.MustCompile(p.Expr).MatchString(s) {
				return true
			}
		}
		return false
	}
	// What the collector's hand-made copies missed (issue 16).
	for _, s := range []string{
		"ABIAIOSFODNN7EXAMPLE", "AROAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE", "Basic dXNlcjpwYXNzd29yZA==", "token abcdefgh12345678",
		"https://bob:hunter2@git.example.com/x", "dial 2001:db8::1", "fe80::1%eth0", "password=hunter2", "api_key: s3cr3t",
		"0123456789abcdef0123456789abcdef", "bob@example.com", "10.1.2.3", "/home/bob/x", `C:\Users\bob`,
	} {
		if !masked(s) {
			t.Errorf("%q is not masked", s)
		}
	}
	for _, s := range []string{
		"clusterctl cluster create", "1.4.2", "go1.26.8", "6.18.44-fc-v669", "main.run\nmain.main", "12:30:45", "a:b:c",
		"github.com/cli-telemetry/otelcli/otelcli.(*session).run", "0b7c7f0e-3c1a-4e7b-9a55-2f1d6c0e9a11", "h:0123456789abcdef01234567",
	} {
		if masked(s) {
			t.Errorf("%q is masked", s)
		}
	}
}

// TestIPv6Pattern checks the expression against net/netip on what the
// SDK's candidate pattern finds.
func TestIPv6Pattern(t *testing.T) {
	re := regexp.MustCompile(`^(?:` + ipv6AddrPattern + `)$`)
	for _, s := range []string{
		"::", "::1", "1::", "2001:db8::1", "2001:0db8:0000:0000:0000:ff00:0042:8329", "fe80::1%eth0", "1:2:3:4:5:6:7:8",
		"1:2:3:4:5:6:7::", "1::8", "1:2:3:4:5:6::8", "::2:3:4:5:6:7:8", "a:b:c", "12:30:45", "1:2:3:4:5:6:7:8:9", ":::",
		"1::2::3", "12345::1", "1:2", "::ffff", "d::", "1:2:3:4:5:6:7::8:9", "abcd:ef01:2345:6789:abcd:ef01:2345:6789", "1:::2", "fe80::%",
	} {
		_, err := netip.ParseAddr(s)
		got := re.MatchString(s)
		if got && err != nil && strings.Count(s, ":") > 7 && strings.Count(s, "::") == 1 {
			continue // more than eight groups around "::": masked, harmlessly
		}
		if got != (err == nil) {
			t.Errorf("%q: pattern %v, netip %v", s, got, err)
		}
	}
}

func TestPolicyNameRules(t *testing.T) {
	p, err := NewPolicy(WithEventNames("exception", "snapshot"))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.EventNames(); !slices.Equal(got, []string{"exception", "snapshot"}) {
		t.Errorf("EventNames %v", got)
	}
	if p.FallbackName() != "redacted" {
		t.Errorf("FallbackName %q", p.FallbackName())
	}
	for _, r := range []Rule{p.SpanNameRule(), p.ScopeNameRule(), p.ScopeVersionRule()} {
		if _, ok := RuleSpec(r); !ok {
			t.Errorf("%T not described", r)
		}
	}
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}
