package processors

import (
	"fmt"
	"strings"

	"go.opentelemetry.io/otel/attribute"
)

// Class says what kind of information a field carries, for the people who
// decide whether it may be collected and for the README's table.
type Class int

const (
	// SystemMetadata describes the machine or the program, not the person:
	// operating system, architecture, CLI version, CI vendor.
	SystemMetadata Class = iota + 1
	// PseudonymousID links records without naming anyone: the random
	// install id, the per-invocation execution id.
	PseudonymousID
	// Usage describes what was done: the command, the flags that were set,
	// how long it took and how it ended.
	Usage
	// Identifier names a person's account (usually as a keyed hash): sent
	// only while the user is logged in to a CLI that declares it.
	Identifier
)

func (c Class) String() string {
	switch c {
	case SystemMetadata:
		return "system metadata"
	case PseudonymousID:
		return "pseudonymous id"
	case Usage:
		return "usage"
	case Identifier:
		return "account identifier"
	}
	return "unclassified"
}

// Where says on which part of the telemetry a field may appear.
type Where int

const (
	// OnSpan fields are span attributes.
	OnSpan Where = 1 << iota
	// OnResource fields describe the process and are sent once per batch.
	OnResource
	// OnEvent fields are attributes of span events (exceptions).
	OnEvent
	// OnLink fields are attributes of span links.
	OnLink
	// OnScope fields are attributes of the instrumentation scope.
	OnScope
)

// String names the places, as the README's table does ("resource, span").
// The zero value means on spans.
func (w Where) String() string {
	if w == 0 {
		w = OnSpan
	}
	var parts []string
	for _, p := range []struct {
		w    Where
		name string
	}{{OnResource, "resource"}, {OnSpan, "span"}, {OnEvent, "panic event"}, {OnLink, "link"}, {OnScope, "scope"}} {
		if w&p.w != 0 {
			parts = append(parts, p.name)
		}
	}
	return strings.Join(parts, ", ")
}

// anyType is attribute.Type's zero value: on a Field, "any type"; on a
// value, one that is not set. (OpenTelemetry names it INVALID before 1.43
// and EMPTY since; otelcli works with both.)
const anyType = attribute.Type(0)

// Field declares one attribute that may leave the process. Every attribute
// the library or a CLI emits is declared once, and from that declaration come
// the allowlist enforced here, the collector's allowed keys and the
// documentation a user reads.
type Field struct {
	// Key is the attribute key. When Prefix is set, every key that starts
	// with Key is covered (Key then usually ends in '.').
	Key    string
	Prefix bool
	// Type the value must have; the zero Type accepts any type.
	Type attribute.Type
	// Rule the value must pass; nil accepts any value of Type.
	Rule Rule
	// Where the field may appear; zero means on spans.
	Where Where
	// Class and Purpose document the field.
	Class   Class
	Purpose string
	// Example is a typical value, for documentation.
	Example string
}

func (f Field) where() Where {
	if f.Where == 0 {
		return OnSpan
	}
	return f.Where
}

// RuleText describes the values the field accepts, for documentation.
func (f Field) RuleText() string {
	t := "any"
	if f.Type != anyType {
		t = strings.ToLower(f.Type.String())
	}
	if f.Rule == nil {
		return t
	}
	return t + ", " + describeRule(f.Rule)
}

func (f Field) validate() error {
	if strings.TrimSpace(f.Key) == "" {
		return fmt.Errorf("processors: field with an empty key")
	}
	if err := ruleErr(f.Rule); err != nil {
		return fmt.Errorf("processors: field %q: %w", f.Key, err)
	}
	return nil
}

// check applies the field's type and rule to v.
func (f Field) check(v attribute.Value) (attribute.Value, bool) {
	if f.Type != anyType && v.Type() != f.Type {
		return attribute.Value{}, false
	}
	if v.Type() == anyType {
		return attribute.Value{}, false
	}
	if f.Rule == nil {
		return v, true
	}
	return f.Rule.Apply(v)
}
