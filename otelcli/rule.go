package otelcli

import (
	"go.opentelemetry.io/otel/attribute"

	"github.com/cli-telemetry/otelcli/processors"
)

// OneOf allows a flag value only when it is one of vals.
func OneOf(vals ...string) processors.Rule { return processors.OneOf(vals...) }

// Matching allows a flag value only when expr matches all of it. An invalid
// expression turns telemetry off for the run (and is reported by debug
// output), never the CLI.
func Matching(expr string) processors.Rule { return processors.Matching(expr) }

// hashedRule marks a flag whose value is replaced by a keyed hash.
type hashedRule struct{}

func (hashedRule) Apply(v attribute.Value) (attribute.Value, bool) { return v, false }

// Hashed records a flag's value as an HMAC-SHA256 under a random key that is
// created on the user's machine and never leaves it: the author can count
// distinct values (how many clusters a user manages) without learning any,
// and the same value hashes differently on every install.
func Hashed() processors.Rule { return hashedRule{} }

var hashedValue = processors.KeyedHashValue()
