package otelcli

import (
	"strings"

	"github.com/cli-telemetry/otelcli/internal/store"
)

// Decision is whether telemetry is on for this run, and which source said so.
type Decision struct {
	Enabled bool
	// Source names what decided: an environment variable, "settings" (the
	// persisted choice), "settings file" (unreadable, so off) or "default".
	Source string
	// Value is the variable's value, when a variable decided.
	Value string
}

// String reads like "disabled by DO_NOT_TRACK=1".
func (d Decision) String() string {
	state := "disabled"
	if d.Enabled {
		state = "enabled"
	}
	switch d.Source {
	case "default":
		return state + " (the default for this CLI)"
	case "settings":
		return state + " by your choice (telemetry " + strings.TrimSuffix(state, "d") + ")"
	case "settings file":
		return state + " because the settings file cannot be read"
	}
	return state + " by " + d.Source + "=" + d.Value
}

// parseBool accepts the spellings people use. ok is false for anything
// else, which callers treat as "off": a value nobody can read is no consent.
func parseBool(v string) (b, ok bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "t", "true", "y", "yes", "on":
		return true, true
	case "0", "f", "false", "n", "no", "off":
		return false, true
	}
	return false, false
}

// decideFromEnv applies the environment sources, highest first. It reads
// only the environment: when it decides, nothing else is touched, so the
// opted-out path is a handful of lookups.
func decideFromEnv(c *config) (Decision, bool) {
	env := c.lookupEnv
	if v, ok := env("OTEL_SDK_DISABLED"); ok && v != "" {
		if b, parsed := parseBool(v); b || !parsed {
			return Decision{Source: "OTEL_SDK_DISABLED", Value: v}, true
		}
	}
	if v, ok := env("DO_NOT_TRACK"); ok && v != "" {
		if b, parsed := parseBool(v); b || !parsed {
			return Decision{Source: "DO_NOT_TRACK", Value: v}, true
		}
	}
	if v, ok := env("OTEL_TRACES_EXPORTER"); ok && tracesExporterNone(v) {
		return Decision{Source: "OTEL_TRACES_EXPORTER", Value: v}, true
	}
	name := c.envPrefix + "TELEMETRY_DISABLED"
	if v, ok := env(name); ok && v != "" {
		if b, parsed := parseBool(v); b || !parsed {
			return Decision{Source: name, Value: v}, true
		}
	}
	for _, s := range c.envSwitches {
		v, ok := env(s.name)
		if !ok || v == "" {
			continue
		}
		b, parsed := parseBool(v)
		if !parsed || b != s.inverted {
			return Decision{Source: s.name, Value: v}, true
		}
	}
	return Decision{}, false
}

func tracesExporterNone(v string) bool {
	for part := range strings.SplitSeq(v, ",") {
		if strings.EqualFold(strings.TrimSpace(part), "none") {
			return true
		}
	}
	return false
}

// decide applies every source: the environment, then the persisted
// setting, then the author's default.
func decide(c *config, dirs store.Dirs, dirsErr error) Decision {
	if d, ok := decideFromEnv(c); ok {
		return d
	}
	return decideFromSettings(c, dirs, dirsErr)
}

// decideFromSettings applies the persisted setting, then the default.
func decideFromSettings(c *config, dirs store.Dirs, dirsErr error) Decision {
	if dirsErr != nil {
		return Decision{Source: "settings file"}
	}
	s, err := store.ReadSettings(dirs)
	if err != nil {
		return Decision{Source: "settings file"}
	}
	if s.Enabled != nil {
		return Decision{Enabled: *s.Enabled, Source: "settings"}
	}
	return Decision{Enabled: !c.optIn, Source: "default"}
}
