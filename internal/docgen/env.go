package main

import (
	"fmt"
	"strings"

	"github.com/cli-telemetry/otelcli/internal/env"
)

// envTable is the README's table of the variables otelcli reads, from the
// one table in internal/env.
func envTable() string {
	var b strings.Builder
	b.WriteString("| Variable | Value | Effect |\n|---|---|---|\n")
	for _, v := range env.Vars {
		name := v.Name
		if strings.HasPrefix(name, "_") {
			name = "<PREFIX>" + name
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", name, v.Type, escape(v.Doc))
	}
	return b.String()
}
