package processors

import (
	"errors"
	"strings"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/cli-telemetry/otelcli/internal/scopeattr"
)

// A Policy is the compiled, immutable form of a list of fields and name
// rules. It is safe for concurrent use.
type Policy struct {
	base         *fieldTable  // the default fields, shared by every policy
	own          fieldTable   // the fields given with WithFields
	cfg          policyConfig // the options, while NewPolicy applies them
	spanNames    Rule
	scopeNames   Rule
	fallbackName string
	eventNames   map[string]struct{}
}

// fieldTable is fields compiled for lookup.
type fieldTable struct {
	// exact indexes the exact keys of a large table (the defaults); a
	// policy's own few fields are searched in fields, without a map to
	// build at every run.
	exact    map[attribute.Key]Field
	prefixes []Field
	fields   []Field // as declared, later ones overriding earlier
}

func (t *fieldTable) add(f Field) {
	t.fields = append(t.fields, f)
	if f.Prefix {
		t.prefixes = append(t.prefixes, f)
		return
	}
	if t.exact != nil {
		t.exact[attribute.Key(f.Key)] = f
	}
}

// exactField is the last exact declaration of key.
func (t *fieldTable) exactField(key attribute.Key) (Field, bool) {
	if t.exact != nil {
		f, ok := t.exact[key]
		return f, ok
	}
	for i := len(t.fields) - 1; i >= 0; i-- {
		if f := t.fields[i]; !f.Prefix && f.Key == string(key) {
			return f, true
		}
	}
	return Field{}, false
}

// defaultTable is the default fields compiled once: a CLI makes a policy
// on every run, and the defaults never change.
var defaultTable = sync.OnceValue(func() *fieldTable {
	t := &fieldTable{exact: make(map[attribute.Key]Field, len(defaultFields()))}
	for _, f := range defaultFields() {
		t.add(f)
	}
	return t
})

// scopeNameRule accepts Go import paths, the usual instrumentation scope
// names.
var scopeNameRule = Chars("A-Za-z0-9", "A-Za-z0-9._/-", 1, 256)

// NewPolicy compiles the options into a policy. An invalid rule, an empty
// key or an empty fallback name is an error here, so that nothing can fail
// later while spans are being processed.
func NewPolicy(opts ...Option) (*Policy, error) {
	// The options are applied to a field of the policy: a config of its own
	// would be an allocation more (it escapes through the options).
	p := &Policy{}
	for _, o := range opts {
		o.apply(&p.cfg)
	}
	c := p.cfg
	p.cfg = policyConfig{}
	p.spanNames, p.scopeNames, p.fallbackName = c.spanNames, c.scopeNames, c.fallbackName
	if !c.noDefaults {
		p.base = defaultTable()
	}
	if p.spanNames == nil {
		p.spanNames = LowCardinalityName()
	}
	if p.scopeNames == nil {
		p.scopeNames = scopeNameRule
	}
	if !c.fallbackSet {
		p.fallbackName = "redacted"
	}
	if strings.TrimSpace(p.fallbackName) == "" {
		return nil, errors.New("processors: empty fallback span name")
	}
	if c.eventNames == nil {
		p.eventNames = defaultEventNames()
	} else {
		p.eventNames = nameSet(c.eventNames)
	}
	var errs []error
	for _, r := range []Rule{p.spanNames, p.scopeNames} {
		if err := ruleErr(r); err != nil {
			errs = append(errs, err)
		}
	}
	if len(c.fields) > 0 {
		p.own.fields = make([]Field, 0, len(c.fields))
	}
	for _, f := range c.fields {
		if err := f.validate(); err != nil {
			errs = append(errs, err)
			continue
		}
		p.own.add(f)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return p, nil
}

var defaultEventNames = sync.OnceValue(func() map[string]struct{} { return nameSet(DefaultEventNames()) })

func nameSet(names []string) map[string]struct{} {
	m := make(map[string]struct{}, len(names))
	for _, n := range names {
		m[n] = struct{}{}
	}
	return m
}

// Fields returns the declarations the policy enforces, one a key (a later
// declaration of a key replaces an earlier one, in its place).
func (p *Policy) Fields() []Field {
	var all []Field
	if p.base != nil {
		all = append(all, p.base.fields...)
	}
	all = append(all, p.own.fields...)
	last := map[string]int{}
	for i, f := range all {
		last[fieldID(f)] = i
	}
	var out []Field
	for i, f := range all {
		if last[fieldID(f)] == i {
			out = append(out, f)
		}
	}
	return out
}

func fieldID(f Field) string {
	if f.Prefix {
		return "prefix:" + f.Key
	}
	return f.Key
}

// lookup finds the field declaring key for the given place: the policy's
// own fields first, which replace a default of the same key.
func (p *Policy) lookup(key attribute.Key, w Where) (Field, bool) {
	f, declared := p.own.exactField(key)
	if declared && f.where()&w != 0 {
		return f, true
	}
	if f, ok := p.own.prefixField(key, w); ok {
		return f, true
	}
	if declared || p.base == nil {
		return Field{}, false
	}
	return p.base.lookup(key, w)
}

func (t *fieldTable) lookup(key attribute.Key, w Where) (Field, bool) {
	if f, ok := t.exactField(key); ok && f.where()&w != 0 {
		return f, true
	}
	return t.prefixField(key, w)
}

// prefixField is the first prefix declaration covering key at w.
func (t *fieldTable) prefixField(key attribute.Key, w Where) (Field, bool) {
	for _, f := range t.prefixes {
		if f.where()&w != 0 && strings.HasPrefix(string(key), f.Key) && len(key) > len(f.Key) {
			return f, true
		}
	}
	return Field{}, false
}

// CheckAttribute applies the policy to one attribute at the given place,
// returning the value to send, or false if the attribute must be dropped.
func (p *Policy) CheckAttribute(kv attribute.KeyValue, w Where) (attribute.KeyValue, bool) {
	f, ok := p.lookup(kv.Key, w)
	if !ok {
		return attribute.KeyValue{}, false
	}
	v, ok := f.check(kv.Value)
	if !ok {
		return attribute.KeyValue{}, false
	}
	return attribute.KeyValue{Key: kv.Key, Value: v}, true
}

// FilterAttributes returns the attributes that pass at w, and how many were
// dropped. kvs is not modified.
func (p *Policy) FilterAttributes(kvs []attribute.KeyValue, w Where) ([]attribute.KeyValue, int) {
	if len(kvs) == 0 {
		return nil, 0
	}
	out := make([]attribute.KeyValue, 0, len(kvs))
	for _, kv := range kvs {
		if nkv, ok := p.CheckAttribute(kv, w); ok {
			out = append(out, nkv)
		}
	}
	return out, len(kvs) - len(out)
}

// SpanName returns the name to send for a span named name.
func (p *Policy) SpanName(name string) string {
	if _, ok := p.spanNames.Apply(attribute.StringValue(name)); ok {
		return name
	}
	return p.fallbackName
}

// EventAllowed reports whether events named name are kept.
func (p *Policy) EventAllowed(name string) bool {
	_, ok := p.eventNames[name]
	return ok
}

// Scope returns the instrumentation scope to send in place of s.
func (p *Policy) Scope(s instrumentation.Scope) instrumentation.Scope {
	out := instrumentation.Scope{SchemaURL: s.SchemaURL}
	if _, ok := p.scopeNames.Apply(attribute.StringValue(s.Name)); ok {
		out.Name = s.Name
	} else {
		out.Name = p.fallbackName
	}
	if _, ok := versionRule.Apply(attribute.StringValue(s.Version)); ok {
		out.Version = s.Version
	}
	if attrs := scopeattr.Get(s); len(attrs) > 0 {
		kept, _ := p.FilterAttributes(attrs, OnScope)
		scopeattr.Set(&out, kept)
	}
	return out
}

// resourceCache remembers the filtered form of the last resource seen: a
// process usually has one resource, shared by all its spans.
type resourceCache struct {
	mu       sync.Mutex
	orig     *resource.Resource
	filtered *resource.Resource
}

// Resource returns the resource to send in place of r, and how many of its
// attributes were dropped (the SDK's Resource has no dropped count to put it
// in, so it is reported here).
func (p *Policy) Resource(r *resource.Resource) (*resource.Resource, int) {
	if r == nil || r.Len() == 0 {
		return r, 0
	}
	kept, dropped := p.FilterAttributes(r.Attributes(), OnResource)
	return resource.NewWithAttributes(r.SchemaURL(), kept...), dropped
}
