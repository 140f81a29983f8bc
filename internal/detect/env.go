package detect

import (
	"slices"

	envpkg "github.com/cli-telemetry/otelcli/internal/env"
)

// Lookup is os.LookupEnv, or a fake in tests.
type Lookup = envpkg.Lookup

// cond is one test on one variable: set at all, or equal to a fixed value.
type cond struct {
	name  string
	value string // "" means: set, and not empty
}

func (c cond) holds(env Lookup) bool {
	v, ok := env(c.name)
	if !ok || v == "" {
		return false
	}
	return c.value == "" || v == c.value
}

// row names a tool when all its conditions hold.
type row struct {
	result string
	all    []cond
}

func set(name string) cond              { return cond{name: name} }
func equals(name, value string) cond    { return cond{name: name, value: value} }
func is(result string, all ...cond) row { return row{result: result, all: all} }

func firstMatch(rows []row, env Lookup) string {
	for _, r := range rows {
		ok := true
		for _, c := range r.all {
			if !c.holds(env) {
				ok = false
				break
			}
		}
		if ok {
			return r.result
		}
	}
	return ""
}

// names lists the distinct results of rows, for tests that check the policy
// accepts every value a detector can return.
func names(rows []row) []string {
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		if !slices.Contains(out, r.result) {
			out = append(out, r.result)
		}
	}
	return out
}
