package otelcli

import (
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
