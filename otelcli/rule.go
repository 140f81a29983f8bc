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
// run (and is reported by debug output), never the CLI.
func Matching(expr string) processors.Rule { return processors.Matching(expr) }

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
