package processors

import (
	"fmt"

	"go.opentelemetry.io/otel/attribute"
)

// charset is a rule for the simplest and most common shape of a safe value:
// a first character from one set, then characters from another, within
// length bounds. It needs no regular expression, so the library's own
// rules cost nothing to build and a few nanoseconds to check, on every run
// of every CLI.
type charset struct {
	first, rest [256]bool
	min, max    int
	text        string
}

// Chars accepts strings whose first byte is in first, whose other bytes are
// in rest, and whose length is within [min, max]. Ranges are written "a-z";
// a literal '-' goes last.
func Chars(first, rest string, min, max int) Rule {
	if min < 1 || max < min {
		return invalidRule{fmt.Errorf("processors: Chars length bounds %d..%d", min, max)}
	}
	c := &charset{min: min, max: max, text: fmt.Sprintf("[%s][%s]{%d,%d}", first, rest, min-1, max-1)}
	fill(&c.first, first)
	fill(&c.rest, rest)
	return c
}

func fill(t *[256]bool, set string) {
	for i := 0; i < len(set); i++ {
		if i+2 < len(set) && set[i+1] == '-' && set[i] <= set[i+2] {
			for b := int(set[i]); b <= int(set[i+2]); b++ {
				t[b] = true
			}
			i += 2
			continue
		}
		t[set[i]] = true
	}
}

func (c *charset) match(s string) bool {
	if len(s) < c.min || len(s) > c.max || !c.first[s[0]] {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !c.rest[s[i]] {
			return false
		}
	}
	return true
}

func (c *charset) Apply(v attribute.Value) (attribute.Value, bool) {
	if v.Type() != attribute.STRING {
		return attribute.Value{}, false
	}
	return v, c.match(v.AsString())
}

func (c *charset) describe() string { return "matches `" + c.text + "`" }

// uuid accepts lower-case canonical UUIDs.
type uuidRule struct{}

func (uuidRule) Apply(v attribute.Value) (attribute.Value, bool) {
	if v.Type() != attribute.STRING {
		return attribute.Value{}, false
	}
	s := v.AsString()
	if len(s) != 36 {
		return attribute.Value{}, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return attribute.Value{}, false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return attribute.Value{}, false
			}
		}
	}
	return v, true
}

func (uuidRule) describe() string { return "a random UUID" }
