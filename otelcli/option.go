package otelcli

import (
	"io"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/spf13/cobra"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/cli-telemetry/otelcli/processors"
)

// Option configures a [Run].
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// Delivery says how spooled spans reach the backend.
type Delivery int

const (
	// DeliveryAuto uploads in the background on a workstation and inline
	// in CI, where a container may be gone before a background process is
	// done.
	DeliveryAuto Delivery = iota
	// DeliveryBackground hands the spool to a detached process of the CLI's
	// own binary; the command never waits.
	DeliveryBackground
	// DeliveryInline uploads before the command returns, bounded by the
	// inline timeout, for environments that forbid background processes.
	DeliveryInline
	// DeliveryNone only spools; something else uploads (tests, or a CLI
	// with its own scheduler).
	DeliveryNone
)

// WithServiceName sets service.name and, unless WithEnvPrefix is given, the
// prefix of the CLI's own variables (clusterctl → CLUSTERCTL_). It defaults
// to the root command's name.
func WithServiceName(name string) Option {
	return optionFunc(func(c *config) { c.serviceName = name })
}

// WithVersion sets service.version.
func WithVersion(v string) Option {
	return optionFunc(func(c *config) { c.version = v })
}

// WithEndpoint sets the OTLP/HTTP base URL spans go to when the user set
// none: like OTEL_EXPORTER_OTLP_ENDPOINT, "/v1/traces" is appended.
// OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_EXPORTER_OTLP_TRACES_ENDPOINT win over
// it, and <PREFIX>_OTEL_EXPORTER_OTLP_ENDPOINT wins over those, so that a
// user can point one CLI elsewhere without touching others.
func WithEndpoint(url string) Option {
	return optionFunc(func(c *config) { c.endpoint = url })
}

// WithEnvPrefix sets the prefix of the CLI's own variables
// (<PREFIX>_TELEMETRY_DISABLED, _DEBUG, _SAMPLE_RATE, _DELIVERY and
// <PREFIX>_OTEL_EXPORTER_OTLP_ENDPOINT). A trailing underscore is added when
// missing.
func WithEnvPrefix(prefix string) Option {
	return optionFunc(func(c *config) {
		if prefix != "" && !strings.HasSuffix(prefix, "_") {
			prefix += "_"
		}
		c.envPrefix = prefix
	})
}

// WithFlagValues records the value of the named flag when it passes rule
// (use [OneOf], [Matching] or [Hashed]); otherwise, and for every flag not
// named here, only the flag's name is recorded. The value is sent as the
// attribute cli.flag.<name>. Only what the user typed counts: a flag the CLI
// sets itself (from its config file, with Flags().Set) is not reported.
func WithFlagValues(flag string, rule processors.Rule) Option {
	// What depends on the option alone is made with it, once, like a
	// Matching rule's expression: not again at every command of a process
	// that runs several.
	r := flagRule{key: attribute.Key(processors.KeyFlagPrefix + flag), rule: rule}
	if _, ok := rule.(hashed); !ok {
		r.each = processors.EachOf(rule)
	}
	return optionFunc(func(c *config) {
		if c.flagRules == nil {
			c.flagRules = map[string]flagRule{}
		}
		c.flagRules[flag] = r
	})
}

// WithFields declares attributes the CLI adds itself, with [SetAttributes]
// or on its own child spans. Undeclared attributes are dropped. A field
// whose Rule is [Hashed] is sent as a keyed hash of the value the CLI set.
func WithFields(fields ...processors.Field) Option {
	return optionFunc(func(c *config) { c.fields = append(c.fields, fields...) })
}

// WithOptOutEnv names a variable that turns telemetry off when it holds a
// true value (ATLAS_NO_ANON_TELEMETRY=true), for compatibility with a
// variable the CLI's users already know. A value that is not a boolean also
// turns it off.
func WithOptOutEnv(name string) Option {
	return optionFunc(func(c *config) { c.envSwitches = append(c.envSwitches, envSwitch{name: name}) })
}

// WithEnableEnv names a variable that turns telemetry off when it holds a
// false value (HASURA_GRAPHQL_ENABLE_TELEMETRY=false,
// MONGODB_ATLAS_TELEMETRY_ENABLE=false). A value that is not a boolean also
// turns it off. Environment variables only ever turn telemetry off.
func WithEnableEnv(name string) Option {
	return optionFunc(func(c *config) {
		c.envSwitches = append(c.envSwitches, envSwitch{name: name, enables: true})
	})
}

// WithOptOutFlag adds a persistent boolean flag to the root command (unless
// the CLI already has one of that name) that turns telemetry off for this
// run: --no-telemetry. Like the variables, a flag only ever turns telemetry
// off, and it is honoured before anything is read or written.
func WithOptOutFlag(name string) Option {
	return optionFunc(func(c *config) { c.flagSwitches = append(c.flagSwitches, flagSwitch{name: name}) })
}

// WithEnableFlag is [WithOptOutFlag] for a flag that enables telemetry, as
// Hasura's --enable-telemetry: --enable-telemetry=false turns it off for
// this run; true changes nothing.
func WithEnableFlag(name string) Option {
	return optionFunc(func(c *config) {
		c.flagSwitches = append(c.flagSwitches, flagSwitch{name: name, enables: true})
	})
}

// WithConsent reads a choice the CLI already keeps in its own settings
// (MongoDB's `atlas config set telemetry_enabled false`, Hasura's
// "enable_telemetry": false), so that every user who opted out before the CLI
// moved to otelcli stays opted out. f reports the choice and whether the user
// made one; source names it in `telemetry status` ("config file"). It is
// called when no variable or flag decided, and again at the end of a
// recorded run, so that the run of the CLI's own `config set
// telemetry_enabled false` is not sent. Any source that says off wins: a
// user who runs `telemetry disable` is off whatever f says.
func WithConsent(source string, f func() (enabled, decided bool)) Option {
	return optionFunc(func(c *config) { c.consents = append(c.consents, consentSource{name: source, f: f}) })
}

// WithOptIn makes telemetry off until the user runs "telemetry enable" (or
// a [WithConsent] source says on). The default is the opt-out model of the
// CLIs that inspired this package: on until disabled, with a notice on first
// run.
func WithOptIn() Option {
	return optionFunc(func(c *config) { c.optIn = true })
}

// WithTelemetryCommand adds the "telemetry" command group (status, enable,
// disable, show) to the root command. It runs outside the CLI's own hooks
// (persistent pre-runs that check a login, cobra.OnInitialize functions that
// read a config file), so that turning telemetry off always works.
func WithTelemetryCommand() Option {
	return optionFunc(func(c *config) { c.telemetryCmd = true })
}

// WithDocsURL sets the page the notice and the telemetry command point to.
func WithDocsURL(url string) Option {
	return optionFunc(func(c *config) { c.docsURL = url })
}

// WithNotice replaces the first-run notice. The text may use {{name}} (the
// CLI's name), {{prefix}} (its variable prefix) and {{url}} (WithDocsURL).
func WithNotice(text string) Option {
	return optionFunc(func(c *config) { c.notice = text })
}

// WithStateDirs hands otelcli the CLI's own configuration and cache
// directories, for CLIs that move them (a GH_CONFIG_DIR-like variable, a
// portable mode). f is called at run time, when telemetry needs them, and
// otelcli keeps its files in a "telemetry" directory inside each: the opt-out
// setting and the install id with the CLI's config, the queue with its cache.
// An empty string keeps the default for that directory; an error or a
// relative path turns telemetry off for the run.
func WithStateDirs(f func() (configDir, cacheDir string, err error)) Option {
	return optionFunc(func(c *config) { c.stateDirs = f })
}

// WithCommandPaths declares the command paths of the CLI's own tree
// ("clusterctl cluster create", …), as [CommandPaths] lists them: any other
// command that runs is reported as "<root> _OTHER", never by its name. Use it
// when the CLI adds commands made from user data (aliases, extensions,
// plugins) whose names must not be sent. Without it, the declared commands
// are those in the tree when [New] is called.
func WithCommandPaths(paths ...string) Option {
	return optionFunc(func(c *config) { c.commandPaths = append(c.commandPaths, paths...) })
}

// WithCommandKind marks commands the CLI builds from user data: kind
// returns "" for the CLI's own commands and a short kind ("alias",
// "extension") for the others, which are then reported as "<root> _<kind>"
// (the kind must be lower-case letters, digits and '_'). It is asked for
// the command that ran and for each of its parents.
func WithCommandKind(kind func(*cobra.Command) string) Option {
	return optionFunc(func(c *config) { c.commandKind = kind })
}

// WithOwnSignalHandling says the CLI handles SIGINT and SIGTERM itself, in
// some command or late in one: otelcli then never registers for them. By
// default it watches them once a command has run 50 ms, unless something in
// the process registered by then, and records a run the signal ends; a CLI
// that registers later would receive the signal twice (otelcli re-raises it
// after recording). With this option a run the CLI ends after a signal is
// recorded with the exit code it passes to [Run.End], and a run a signal
// kills is not recorded.
func WithOwnSignalHandling() Option {
	return optionFunc(func(c *config) { c.ownSignals = true })
}

// WithDelivery chooses how spans reach the backend; see [Delivery]. Users
// can override it with <PREFIX>_TELEMETRY_DELIVERY=background|inline|none.
func WithDelivery(d Delivery) Option {
	return optionFunc(func(c *config) { c.delivery = d })
}

// WithInlineTimeout bounds inline delivery (default 1 s): the most a command
// can wait on the network when inline delivery is in use, and the most an
// exporter given with [WithExporter] is given.
func WithInlineTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.inlineTimeout = d })
}

// WithExporter sends the spans to exp (an otlptracehttp exporter, say)
// instead of the spool and the background uploader: after the command, for
// at most the inline timeout. The consent gate and the allowlist still apply.
// The default path links no exporter at all and is what otelcli's binary
// size and start-up figures measure; this one costs what exp costs.
func WithExporter(exp sdktrace.SpanExporter) Option {
	return optionFunc(func(c *config) { c.exporter = exp })
}

// WithSampleRate records only a fraction of invocations (0 < rate ≤ 1), for
// CLIs with millions of runs. The decision is made once per invocation, so a
// run is recorded whole or not at all, and the rate is sent as
// cli.sample_rate so that backends can re-weight counts. Users can lower or
// raise it with <PREFIX>_TELEMETRY_SAMPLE_RATE.
func WithSampleRate(rate float64) Option {
	return optionFunc(func(c *config) { c.sampleRate = rate })
}

// WithSpoolLimits bounds the on-disk queue (defaults: 1 MiB, 7 days); the
// oldest invocations are dropped first.
func WithSpoolLimits(maxBytes int64, maxAge time.Duration) Option {
	return optionFunc(func(c *config) { c.spoolMaxBytes, c.spoolMaxAge = maxBytes, maxAge })
}

// WithStderr sets where the notice and debug output go; the default is the
// root command's ErrOrStderr.
func WithStderr(w io.Writer) Option {
	return optionFunc(func(c *config) { c.stderr = w })
}

// withLookupEnv replaces os.LookupEnv, for tests.
func withLookupEnv(f func(string) (string, bool)) Option {
	return optionFunc(func(c *config) { c.lookupEnv = f })
}

// withArgs sets the process arguments the library inspects (uploader mode,
// shell completion, opt-out flags, the telemetry command), for tests that
// run in-process.
func withArgs(args []string) Option {
	return optionFunc(func(c *config) { c.args = args })
}
