// Package telemetry is clusterctl's telemetry policy: what it may send
// beyond the otelcli defaults, and how users turn it off. The instrumented
// main, the tests and the generator of the collector's allowed keys all use
// this one list.
package telemetry

import (
	"go.opentelemetry.io/otel/attribute"

	"github.com/cli-telemetry/otelcli/examples/clusterctl/cli"
	"github.com/cli-telemetry/otelcli/otelcli"
	"github.com/cli-telemetry/otelcli/processors"
)

// Fields are the attributes clusterctl's own code adds.
var Fields = []processors.Field{
	{Key: string(cli.AuthMethodKey), Type: attribute.STRING, Rule: processors.OneOf("api_key"),
		Class: processors.Usage, Purpose: "how users log in"},
	{Key: string(cli.ClusterCountKey), Type: attribute.INT64,
		Class: processors.Usage, Purpose: "how many clusters a user manages"},
}

// Options is clusterctl's telemetry configuration.
func Options(version string) []otelcli.Option {
	return []otelcli.Option{
		otelcli.WithServiceName("clusterctl"),
		otelcli.WithVersion(version),
		otelcli.WithEndpoint("http://localhost:4318"),
		otelcli.WithFlagValues("provider", otelcli.OneOf("AWS", "GCP", "AZURE")),
		otelcli.WithFlagValues("region", otelcli.Matching(`[A-Z0-9_]{2,32}`)),
		otelcli.WithFlagValues("tier", otelcli.OneOf("M10", "M20", "M30")),
		otelcli.WithFields(Fields...),
		otelcli.WithOptOutEnv("CLUSTERCTL_NO_ANON_TELEMETRY"),
		otelcli.WithTelemetryCommand(),
		otelcli.WithDocsURL("https://github.com/cli-telemetry/otelcli#what-is-collected"),
	}
}
