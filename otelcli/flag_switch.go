package otelcli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/cli-telemetry/otelcli/internal/env"
)

// addFlagSwitches registers the opt-out flags on the root command, unless
// the CLI already defines them (a CLI moving to otelcli keeps its own
// --enable-telemetry). They are registered whatever the decision, so that a
// command line that uses one works the same with telemetry on or off, and
// hidden, so that the CLI's help reads as before: the notice and `telemetry
// --help` name them.
func (c *config) addFlagSwitches(root *cobra.Command) {
	for _, s := range c.flagSwitches {
		if root.PersistentFlags().Lookup(s.name) != nil || root.Flags().Lookup(s.name) != nil {
			continue
		}
		if s.enables {
			root.PersistentFlags().Bool(s.name, true, "send anonymous usage data for this run (false: do not)")
		} else {
			root.PersistentFlags().Bool(s.name, false, "do not send anonymous usage data for this run")
		}
		_ = root.PersistentFlags().MarkHidden(s.name)
	}
}

// flagHint is how the notice and the telemetry command name the opt-out
// flag, or "".
func (c *config) flagHint() string {
	for _, s := range c.flagSwitches {
		if s.enables {
			return "--" + s.name + "=false"
		}
		return "--" + s.name
	}
	return ""
}

// flagDecision reads the opt-out flags from the command line before
// anything else happens: parsing is cobra's job and comes too late, when
// the decision to record (and to touch any file) is already made. The last
// occurrence wins, as in pflag; a value that is not a boolean turns
// telemetry off.
func (c *config) flagDecision() (decision, bool) {
	for _, s := range c.flagSwitches {
		v, ok := scanFlag(c.args, s.name)
		if !ok {
			continue
		}
		if b, parsed := env.ParseBool(v); !parsed || b != s.enables {
			return decision{source: "--" + s.name, value: v, byVariable: true}, true
		}
	}
	return decision{}, false
}

// scanFlag finds --name or --name=value before a "--" terminator.
func scanFlag(args []string, name string) (value string, found bool) {
	long := "--" + name
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == long {
			value, found = "true", true
		} else if v, ok := strings.CutPrefix(a, long+"="); ok {
			value, found = v, true
		}
	}
	return value, found
}
