// Package telemetry is forge's telemetry policy: its options for otelcli,
// used alike by the instrumented main and by the uploader it starts.
package telemetry

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/cli-telemetry/otelcli/examples/forge/cli"
	"github.com/cli-telemetry/otelcli/otelcli"
)

// Options is forge's telemetry configuration.
func Options(version string) []otelcli.Option {
	return []otelcli.Option{
		otelcli.WithServiceName("forge"),
		otelcli.WithVersion(version),
		otelcli.WithEndpoint("http://localhost:4318"),
		otelcli.WithTelemetryCommand(),
		// `forge watch --wait` registers its Ctrl-C handler only once it has
		// the lock, which can be late: otelcli must never register too.
		otelcli.WithOwnSignalHandling(),
		// otelcli's files live in forge's own directories, which
		// FORGE_CONFIG_DIR moves.
		otelcli.WithStateDirs(stateDirs),
		// Only forge's own command paths can be sent (default deny); the
		// commands made from the user's aliases and extensions are sent as
		// "forge _alias" and "forge _extension", never by their names.
		otelcli.WithCommandPaths(CommandPaths...),
		otelcli.WithCommandKind(cli.Kind),
		otelcli.WithFlagValues("state", otelcli.OneOf("open", "closed", "all")),
		otelcli.WithFlagValues("limit", otelcli.Chars("0-9", "0-9", 1, 3)),
		otelcli.WithDocsURL("https://github.com/cli-telemetry/otelcli#what-is-collected"),
	}
}

// stateDirs are forge's own directories. A relative FORGE_CONFIG_DIR is the
// user's choice, made absolute; a directory that is relative only because
// there is no home (cron, `env -i`) would scatter telemetry state wherever
// forge runs: then there is none, and telemetry is off for the run.
func stateDirs() (configDir, cacheDir string, err error) {
	configDir, cacheDir = cli.ConfigDir(), cli.CacheDir()
	if os.Getenv(cli.ConfigDirEnv) == "" && (!filepath.IsAbs(configDir) || !filepath.IsAbs(cacheDir)) {
		return "", "", errors.New("no home directory")
	}
	if configDir, err = filepath.Abs(configDir); err != nil {
		return "", "", err
	}
	cacheDir, err = filepath.Abs(cacheDir)
	return configDir, cacheDir, err
}
