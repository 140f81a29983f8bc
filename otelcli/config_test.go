package otelcli

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cli-telemetry/otelcli/internal/env"
)

// TestCLIVarNames: the names made together are the names env.Prefixed
// makes, for every prefix form.
func TestCLIVarNames(t *testing.T) {
	for _, prefix := range []string{"CLUSTERCTL_", "X_", ""} {
		c := newConfig("app", []Option{WithEnvPrefix(prefix)})
		if prefix == "" { // the default prefix then: name the variables as the empty one
			c.envPrefix = ""
			c.nameRunVars()
		}
		for _, name := range append(runVars[:], env.TelemetryDebug, "_OTHER") {
			if got, want := c.cliVar(name), env.Prefixed(prefix, name); got != want {
				t.Errorf("prefix %q, %s: %q, want %q", prefix, name, got, want)
			}
		}
	}
}

// TestEnvPrefixFor holds envPrefixFor to its first form, which upper-cased
// a copy of the name first.
func TestEnvPrefixFor(t *testing.T) {
	ref := func(name string) string {
		var b strings.Builder
		sep := false
		for _, r := range strings.ToUpper(name) {
			if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
				if sep && b.Len() > 0 {
					b.WriteByte('_')
				}
				b.WriteRune(r)
				sep = false
			} else {
				sep = true
			}
		}
		return b.String() + "_"
	}
	names := []string{"clusterctl", "my-cli", "--x--y--", "", "ſtar", "ınit", "Ärger cli", "a.b_c d", "日本cli", "9lives"}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("aZ9-_. ſıß日Ä")
	for range 2000 {
		b := make([]rune, rng.IntN(12))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		names = append(names, string(b))
	}
	for _, n := range names {
		if got, want := envPrefixFor(n), ref(n); got != want {
			t.Errorf("envPrefixFor(%q) = %q, want %q", n, got, want)
		}
	}
	if got := envPrefixFor("clusterctl"); got != "CLUSTERCTL_" {
		t.Errorf("clusterctl: %q", got)
	}
}
