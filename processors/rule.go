package processors

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
)

// A Rule decides whether an attribute value may leave the process, and in
// which form: a rule may pass a value on unchanged, replace it (a sanitizer
// masks the secret inside it) or reject it, in which case the whole attribute
// is dropped.
//
// Rules are pure functions of the value: the policy calls them for every span,
// so they must be cheap and must not block.
type Rule interface {
	Apply(attribute.Value) (attribute.Value, bool)
}

// RuleFunc adapts a function to a [Rule].
type RuleFunc func(attribute.Value) (attribute.Value, bool)

// Apply calls f.
func (f RuleFunc) Apply(v attribute.Value) (attribute.Value, bool) { return f(v) }

// invalidRule is a rule whose construction failed. It rejects every value, so
// that a mistake in configuration fails closed, and reports its error to the
// policy constructor through Err.
type invalidRule struct{ err error }

func (r invalidRule) Apply(attribute.Value) (attribute.Value, bool) { return attribute.Value{}, false }
func (r invalidRule) Err() error                                    { return r.err }

// ruleErr reports the construction error of r, if any, so that bad
// configuration is an error from a constructor and never a panic at span time.
func ruleErr(r Rule) error {
	if r == nil {
		return nil
	}
	if e, ok := r.(interface{ Err() error }); ok {
		return e.Err()
	}
	return nil
}

// oneOf holds its values sorted, without repeats: a binary search over a
// handful of strings beats a map, and building it is one allocation where
// a map takes several (the default fields make six of these per process).
type oneOf struct{ vals []string }

// OneOf accepts a string value only when it equals one of vals exactly. It is
// the safest rule for flag values: the set is fixed by the author, so nothing
// a user types beyond it can ever be recorded.
func OneOf(vals ...string) Rule {
	if len(vals) == 0 {
		return invalidRule{fmt.Errorf("processors: OneOf needs at least one value")}
	}
	s := slices.Clone(vals)
	slices.Sort(s)
	return oneOf{vals: slices.Compact(s)}
}

func (r oneOf) Apply(v attribute.Value) (attribute.Value, bool) {
	if v.Type() != attribute.STRING {
		return attribute.Value{}, false
	}
	_, ok := slices.BinarySearch(r.vals, v.AsString())
	return v, ok
}

type matching struct {
	expr string
	re   func() *regexp.Regexp
}

// Matching accepts a string value only when expr matches the whole of it
// (the expression is anchored for you). An invalid expression makes the
// policy constructor fail. The expression is checked at once and compiled
// on first use, so rules declared at package level cost nothing at start-up;
// the first value checked pays for the compilation, in every process (a
// bounded repetition compiles into a program as long as its bound). A set
// of characters within length bounds is cheaper as [Chars].
func Matching(expr string) Rule {
	anchored := `^(?:` + expr + `)$`
	if _, err := syntax.Parse(anchored, syntax.Perl); err != nil {
		return invalidRule{fmt.Errorf("processors: Matching(%q): %w", expr, err)}
	}
	return &matching{expr: expr, re: lazyRegexp(anchored)}
}

func (r *matching) Apply(v attribute.Value) (attribute.Value, bool) {
	if v.Type() != attribute.STRING {
		return attribute.Value{}, false
	}
	return v, r.re().MatchString(v.AsString())
}

// MaxLen accepts strings of at most n bytes that are valid UTF-8, and string
// slices whose every element is; it bounds what an attribute can carry.
func MaxLen(n int) Rule {
	if n <= 0 {
		return invalidRule{fmt.Errorf("processors: MaxLen(%d): must be positive", n)}
	}
	return RuleFunc(func(v attribute.Value) (attribute.Value, bool) {
		switch v.Type() {
		case attribute.STRING:
			s := v.AsString()
			return v, len(s) <= n && utf8.ValidString(s)
		case attribute.STRINGSLICE:
			for _, s := range v.AsStringSlice() {
				if len(s) > n || !utf8.ValidString(s) {
					return attribute.Value{}, false
				}
			}
			return v, true
		}
		return v, true
	})
}

// MaxItems accepts slices of at most n elements (and any scalar).
func MaxItems(n int) Rule {
	if n <= 0 {
		return invalidRule{fmt.Errorf("processors: MaxItems(%d): must be positive", n)}
	}
	return Describe(maxItems(n), fmt.Sprintf("at most %d items", n))
}

type maxItems int

func (n maxItems) Apply(v attribute.Value) (attribute.Value, bool) {
	switch v.Type() {
	case attribute.STRINGSLICE:
		return v, len(v.AsStringSlice()) <= int(n)
	case attribute.INT64SLICE:
		return v, len(v.AsInt64Slice()) <= int(n)
	case attribute.BOOLSLICE:
		return v, len(v.AsBoolSlice()) <= int(n)
	case attribute.FLOAT64SLICE:
		return v, len(v.AsFloat64Slice()) <= int(n)
	}
	return v, true
}

func (n maxItems) applyStrings(v attribute.Value, elems []string) (attribute.Value, bool) {
	return v, len(elems) <= int(n)
}

// A stringsRule checks a string slice given its elements: [All] copies
// them out of the value once for all its rules that are one, described
// or not (an attribute.Value hands out a copy, made by reflection, at
// every ask).
type stringsRule interface {
	applyStrings(v attribute.Value, elems []string) (attribute.Value, bool)
}

// EachOf applies r to every element of a string slice, dropping the whole
// value if any element is rejected, so that a list of flag names is held to
// the same rule as one name.
func EachOf(r Rule) Rule {
	if err := ruleErr(r); err != nil {
		return invalidRule{err}
	}
	return eachOf{r}
}

type eachOf struct{ r Rule }

func (e eachOf) Apply(v attribute.Value) (attribute.Value, bool) {
	if v.Type() != attribute.STRINGSLICE {
		return e.r.Apply(v)
	}
	return e.applyStrings(v, v.AsStringSlice())
}

func (e eachOf) applyStrings(v attribute.Value, elems []string) (attribute.Value, bool) {
	return mapElems(v, elems, func(s string) (string, bool) {
		nv, ok := e.r.Apply(attribute.StringValue(s))
		if !ok || nv.Type() != attribute.STRING {
			return "", false
		}
		return nv.AsString(), true
	})
}

func (e eachOf) describe() string { return describeRule(e.r) + " (each element)" }

// All accepts a value only when every rule does, feeding each rule the
// output of the previous one.
func All(rules ...Rule) Rule {
	for _, r := range rules {
		if err := ruleErr(r); err != nil {
			return invalidRule{err}
		}
	}
	return all(rules)
}

type all []Rule

func (a all) Apply(v attribute.Value) (attribute.Value, bool) {
	var elems []string // v's, once copied out
	for _, r := range a {
		var ok bool
		if sr, is := asStringsRule(r); is && v.Type() == attribute.STRINGSLICE {
			if elems == nil {
				elems = v.AsStringSlice()
			}
			nv, ok := sr.applyStrings(v, elems)
			if !ok {
				return attribute.Value{}, false
			}
			if nv != v {
				v, elems = nv, nil
			}
			continue
		}
		if v, ok = r.Apply(v); !ok {
			return attribute.Value{}, false
		}
		elems = nil
	}
	return v, true
}

func (a all) describe() string {
	parts := make([]string, len(a))
	for i, r := range a {
		parts[i] = describeRule(r)
	}
	return strings.Join(parts, "; ")
}

// Sanitized passes string values (and the elements of string slices) through
// s, keeping the attribute with the secrets inside it masked.
func Sanitized(s Sanitizer) Rule {
	return RuleFunc(func(v attribute.Value) (attribute.Value, bool) {
		switch v.Type() {
		case attribute.STRING:
			in := v.AsString()
			if out := s.Sanitize(in); out != in {
				return attribute.StringValue(out), true
			}
			return v, true
		case attribute.STRINGSLICE:
			return mapStrings(v, func(e string) (string, bool) { return s.Sanitize(e), true })
		}
		return v, true
	})
}

// mapStrings applies f to every element of a string slice value, returning
// v itself when nothing changed and rejecting the whole value when f
// rejects an element.
func mapStrings(v attribute.Value, f func(string) (string, bool)) (attribute.Value, bool) {
	return mapElems(v, v.AsStringSlice(), f)
}

// mapElems is mapStrings given v's elements.
func mapElems(v attribute.Value, in []string, f func(string) (string, bool)) (attribute.Value, bool) {
	var out []string
	for i, s := range in {
		ns, ok := f(s)
		if !ok {
			return attribute.Value{}, false
		}
		if ns != s {
			if out == nil {
				out = slices.Clone(in)
			}
			out[i] = ns
		}
	}
	if out != nil {
		return attribute.StringSliceValue(out), true
	}
	return v, true
}

// lowCardinalityName is what a span name, event name or scope name must look
// like to leave the process: words made of letters, digits and a little
// punctuation, no paths, no URLs, no '=' or '@'.
var lowCardinalityName = Chars("A-Za-z", "A-Za-z0-9_. :-", 1, 128).(*charset)

// LowCardinalityName accepts names that look like identifiers or command
// paths ("clusterctl cluster create", "HTTP GET", "db.query") and rejects
// anything that could carry user data (paths, URLs, e-mail addresses, long
// runs of digits that look like ids, or anything a sanitizer would mask).
func LowCardinalityName() Rule { return RuleFunc(lowCardinalityNameApply) }

// lowCardinalityNameApply is LowCardinalityName's rule: a top-level
// function, so that the policy every run compiles allocates no closure
// for it.
func lowCardinalityNameApply(v attribute.Value) (attribute.Value, bool) {
	if v.Type() != attribute.STRING {
		return attribute.Value{}, false
	}
	s := v.AsString()
	if ok, hit := nameVerdicts.get(s); hit {
		return v, ok
	}
	ok := lowCardinalityName.match(s) && !hasLongDigits(s) &&
		(!mayHoldSecret(s) || allSanitizer.Sanitize(s) == s)
	nameVerdicts.put(s, ok)
	return v, ok
}

// mayHoldSecret is a fast filter in front of Redact for strings that already
// passed the name pattern (letters, digits, '_', '.', ':', '-', ' '): only
// digits, a colon, a long word or a credential keyword can make a sanitizer
// match there. Command paths ("clusterctl cluster create") pass it without
// running a single sanitizer.
func mayHoldSecret(s string) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c == ':':
			return true
		case c == ' ' || c == '.':
			run = 0
		default:
			if run++; run >= 16 {
				return true
			}
		}
	}
	lower := strings.ToLower(s)
	for _, w := range credentialWords {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

var credentialWords = []string{"bearer", "basic", "token", "passw", "pwd", "secret", "key", "auth", "credential", "eyj", "xox"}

// verdictCache remembers the verdicts on names: names are low-cardinality
// by definition, and the full check runs every sanitizer. It stops
// remembering after maxVerdicts names, so a flood of distinct names costs
// time, not memory.
type verdictCache struct {
	m sync.Map
	n atomic.Int64
}

// nameVerdicts is shared by every LowCardinalityName rule: the verdict
// depends on the name alone, and a CLI builds a new policy on every run.
var nameVerdicts verdictCache

const maxVerdicts = 4096

func (c *verdictCache) get(s string) (ok, hit bool) {
	v, hit := c.m.Load(s)
	if !hit {
		return false, false
	}
	return v.(bool), true
}

func (c *verdictCache) put(s string, ok bool) {
	if len(s) <= 256 && c.n.Add(1) <= maxVerdicts {
		c.m.Store(s, ok)
	}
}

// hasLongDigits finds runs of five digits or more, which look like ids.
func hasLongDigits(s string) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			if run++; run >= 5 {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

// describeRule is used in generated documentation.
func describeRule(r Rule) string {
	switch r := r.(type) {
	case nil:
		return "any"
	case oneOf:
		return "one of " + strings.Join(r.vals, ", ")
	case *matching:
		return "matches `" + r.expr + "`"
	case described:
		return r.text
	case interface{ describe() string }:
		return r.describe()
	}
	return "checked by a rule"
}

type described struct {
	Rule
	text string
}

// Describe attaches a human description to r, used where the policy is
// documented (the README table, the telemetry command).
func Describe(r Rule, text string) Rule {
	if err := ruleErr(r); err != nil {
		return invalidRule{err}
	}
	return described{Rule: r, text: text}
}

// asStringsRule is r, or the rule r describes, when it checks a string
// slice given its elements.
func asStringsRule(r Rule) (stringsRule, bool) {
	for {
		d, ok := r.(described)
		if !ok {
			break
		}
		r = d.Rule
	}
	sr, ok := r.(stringsRule)
	return sr, ok
}
