package otelcli

import (
	"strings"

	"github.com/cli-telemetry/otelcli/internal/env"
	"github.com/cli-telemetry/otelcli/internal/store"
)

// decision is whether telemetry is on for this run, and which source said
// so, in the words `telemetry status` uses.
type decision struct {
	enabled bool
	// source names what decided: a variable or flag, an author's source,
	// "settings" (the persisted choice), "settings file" (unreadable, so
	// off), "state dirs" (unusable, so off) or "default".
	source string
	// value is the variable's or flag's value, when one decided.
	value string
	// byVariable is set when a variable or flag decided: it holds only for
	// this run, whatever is persisted.
	byVariable bool
	// stamp is the settings file's as it was read, when it was: the end of
	// the run compares it with the file's then.
	stamp store.Stamp
}

// String reads like "disabled by DO_NOT_TRACK=1".
func (d decision) String() string {
	state := "disabled"
	if d.enabled {
		state = "enabled"
	}
	switch {
	case d.source == "default":
		return state + " (the default for this CLI)"
	case d.source == "settings":
		return state + " by your choice (telemetry " + strings.TrimSuffix(state, "d") + ")"
	case d.source == "settings file":
		return state + " because the settings file cannot be read"
	case d.source == "state dirs":
		return state + " because the CLI's configuration directory cannot be used"
	case d.byVariable:
		return state + " by " + d.source + "=" + d.value
	}
	return state + " by " + d.source
}

// decide applies every source, in the order the README documents: the
// per-run sources (flags and variables, which can only turn telemetry off),
// then the persisted choices (the author's settings and otelcli's own,
// where any "off" wins), then the default. dirs is called only when the
// per-run sources did not decide, so an opted-out run reads nothing but its
// arguments and a handful of variables.
func decide(c *config, dirs func() (store.Dirs, error)) decision {
	if d, ok := decideForRun(c); ok {
		return d
	}
	var on *decision
	for _, s := range c.consents {
		enabled, decided := s.f()
		if !decided {
			continue
		}
		if !enabled {
			return decision{source: s.name}
		}
		if on == nil {
			on = &decision{enabled: true, source: s.name}
		}
	}
	d, err := dirs()
	if err != nil {
		return decision{source: "state dirs"}
	}
	s, stamp, err := store.ReadSettings(d)
	if err != nil {
		return decision{source: "settings file"}
	}
	if s.Enabled != nil {
		if !*s.Enabled {
			return decision{source: "settings"}
		}
		if on == nil {
			on = &decision{enabled: true, source: "settings"}
		}
	}
	if on == nil {
		on = &decision{enabled: !c.optIn, source: "default"}
	}
	on.stamp = stamp
	return *on
}

// decideForRun applies the sources that hold for this run only, highest
// first. They only ever turn telemetry off.
func decideForRun(c *config) (decision, bool) {
	if d, ok := c.flagDecision(); ok {
		return d, true
	}
	e := c.lookupEnv
	off := func(name string) (decision, bool) {
		return decision{source: name, value: e.Get(name), byVariable: true}, e.SaysOff(name)
	}
	for _, name := range []string{env.SDKDisabled, env.DoNotTrack} {
		if d, ok := off(name); ok {
			return d, true
		}
	}
	if v := e.Get(env.TracesExporter); tracesExporterNone(v) {
		return decision{source: env.TracesExporter, value: v, byVariable: true}, true
	}
	if d, ok := off(c.cliVar(env.TelemetryDisabled)); ok {
		return d, true
	}
	for _, s := range c.envSwitches {
		v := e.Get(s.name)
		if v == "" {
			continue
		}
		if b, parsed := env.ParseBool(v); !parsed || b != s.enables {
			return decision{source: s.name, value: v, byVariable: true}, true
		}
	}
	return decision{}, false
}

func tracesExporterNone(v string) bool {
	for v != "" {
		var part string
		part, v, _ = strings.Cut(v, ",")
		if strings.EqualFold(strings.TrimSpace(part), "none") {
			return true
		}
	}
	return false
}
