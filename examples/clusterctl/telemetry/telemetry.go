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
	{Key: string(cli.RequestsServedKey), Type: attribute.INT64,
		Class: processors.Usage, Purpose: "how much a local server is used (periodic snapshots of `serve`)"},
	{Key: string(cli.ServerVersionKey), Type: attribute.STRING, Rule: processors.Matching(`v?[0-9]+\.[0-9]+\.[0-9]+([-+][A-Za-z0-9.]{1,20})?`),
		Class: processors.SystemMetadata, Purpose: "which server versions the CLI talks to"},
	{Key: string(cli.ServerIDKey), Type: attribute.STRING, Rule: otelcli.Hashed(),
		Class: processors.PseudonymousID, Purpose: "how many distinct servers the CLI talks to (a keyed hash of the server's id)"},
}

// accountKey is clusterctl's key for hashing account ids: the same on every
// install, so that an account counts once across machines, and the id
// itself never leaves. (A real CLI would keep it out of its source tree.)
var accountKey = []byte("clusterctl-example-account-hash-key")

// Options is clusterctl's telemetry configuration.
func Options(version string) []otelcli.Option {
	return []otelcli.Option{
		otelcli.WithServiceName("clusterctl"),
		otelcli.WithVersion(version),
		otelcli.WithEndpoint("http://localhost:4318"),
		otelcli.WithFlagValues("provider", otelcli.OneOf("AWS", "GCP", "AZURE")),
		otelcli.WithFlagValues("region", otelcli.Chars("A-Z0-9_", "A-Z0-9_", 2, 32)),
		otelcli.WithFlagValues("tier", otelcli.OneOf("M10", "M20", "M30")),
		otelcli.WithFields(Fields...),
		otelcli.WithAccount(otelcli.Account{
			Key:     "clusterctl.account.id",
			Purpose: "usage per account, for logged-in users",
			HashKey: accountKey,
			ID:      cli.LoggedInAccount,
		}),
		// Users who opted out before clusterctl moved to otelcli stay out:
		// `clusterctl config set telemetry_enabled false`.
		otelcli.WithConsent("clusterctl config (telemetry_enabled)", cli.TelemetryChoice),
		otelcli.WithOptOutEnv("CLUSTERCTL_NO_ANON_TELEMETRY"),
		otelcli.WithEnableFlag("enable-telemetry"),
		otelcli.WithTelemetryCommand(),
		otelcli.WithDocsURL("https://github.com/cli-telemetry/otelcli#what-is-collected"),
	}
}
