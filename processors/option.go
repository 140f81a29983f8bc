package processors

import "slices"

// Option configures an [Allowlist] (and the [Policy] behind it).
type Option interface {
	apply(*policyConfig)
}

type optionFunc func(*policyConfig)

func (f optionFunc) apply(c *policyConfig) { f(c) }

type policyConfig struct {
	fields       []Field
	noDefaults   bool
	spanNames    Rule
	scopeNames   Rule
	fallbackName string
	fallbackSet  bool
	eventNames   []string
}

// WithFields adds fields to the policy, next to [DefaultFields]: the
// attributes a CLI adds to its spans, or the values of the flags it
// allowlists. A field for a key the defaults already declare replaces the
// default.
func WithFields(fields ...Field) Option {
	return optionFunc(func(c *policyConfig) {
		if c.fields == nil {
			// The policy only reads them: no copy for the usual single
			// WithFields, and a later one appends to a new array.
			c.fields = slices.Clip(fields)
			return
		}
		c.fields = append(c.fields, fields...)
	})
}

// WithoutDefaultFields starts the policy from nothing instead of from
// [DefaultFields], for programs that do not use the otelcli package.
func WithoutDefaultFields() Option {
	return optionFunc(func(c *policyConfig) { c.noDefaults = true })
}

// WithSpanNames sets the rule span names must pass; a name that does not is
// replaced by the fallback name. The default is [LowCardinalityName].
func WithSpanNames(r Rule) Option {
	return optionFunc(func(c *policyConfig) { c.spanNames = r })
}

// WithScopeNames sets the rule instrumentation scope names must pass; the
// default accepts Go import paths.
func WithScopeNames(r Rule) Option {
	return optionFunc(func(c *policyConfig) { c.scopeNames = r })
}

// WithFallbackSpanName sets the name that replaces a rejected span name.
// The default is "redacted".
func WithFallbackSpanName(name string) Option {
	return optionFunc(func(c *policyConfig) { c.fallbackName, c.fallbackSet = name, true })
}

// WithEventNames sets the span event names that are kept; other events are
// dropped and counted as dropped. The default is [DefaultEventNames].
func WithEventNames(names ...string) Option {
	return optionFunc(func(c *policyConfig) { c.eventNames = append([]string(nil), names...) })
}
