package otelcli

import (
	"go.opentelemetry.io/otel/attribute"

	"github.com/cli-telemetry/otelcli/processors"
)

// OneOf allows a flag value only when it is one of vals. It is
// [processors.OneOf], here so that a CLI's telemetry options need one
// import.
func OneOf(vals ...string) processors.Rule { return processors.OneOf(vals...) }

// Matching allows a flag value only when expr matches all of it. It is
// [processors.Matching]: an invalid expression turns telemetry off for the
// run (and is reported by debug output), never the CLI. The expression is
// compiled by the first command that checks a value, in every process: a
// bounded repetition such as `[A-Z0-9_]{2,32}` compiles into a program as
// long as its bound (about 65 µs and 375 allocations). A value made of a
// set of characters within length bounds is cheaper checked by [Chars].
func Matching(expr string) processors.Rule { return processors.Matching(expr) }

// Chars allows a flag value whose first byte is in first, whose other bytes
// are in rest, and whose length is within [min, max], with no regular
// expression: Chars("A-Z0-9_", "A-Z0-9_", 2, 32) is `[A-Z0-9_]{2,32}` at no
// cost to build. It is [processors.Chars].
func Chars(first, rest string, min, max int) processors.Rule {
	return processors.Chars(first, rest, min, max)
}

// Hashed sends a value as an HMAC-SHA256 under a random key that is created
// on the user's machine and never leaves it: the author can count distinct
// values (how many clusters a user manages, how many servers) without
// learning any, and the same value hashes differently on every install. Use
// it with [WithFlagValues] or as the Rule of a [processors.Field] given to
// [WithFields]; otelcli binds it to the install's key
// ([processors.KeyedHashing]).
func Hashed() processors.Rule { return hashed{} }

// hashed marks a field to bind; unbound, it passes only values that are
// keyed hashes already.
type hashed struct{}

func (hashed) Apply(v attribute.Value) (attribute.Value, bool) {
	return processors.KeyedHashValue().Apply(v)
}

// bindHash gives a Hashed rule the install's key.
func bindHash(r processors.Rule, key func() []byte) processors.Rule {
	if _, ok := r.(hashed); ok {
		return processors.KeyedHashing(key)
	}
	return r
}
