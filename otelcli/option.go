package otelcli

import (
	"io"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"strings"
	"time"

	"github.com/cli-telemetry/otelcli/processors"
)

// Option configures [Execute].
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

type envSwitch struct {
	name     string
	inverted bool // the variable enables telemetry: false disables
}

type flagRule struct {
	rule   processors.Rule
	hashed bool
}

type config struct {
	serviceName   string
	version       string
	endpoint      string
	envPrefix     string
	docsURL       string
	notice        string
	flagRules     map[string]flagRule
	fields        []processors.Field
	envSwitches   []envSwitch
	optIn         bool
	telemetryCmd  bool
	delivery      Delivery
	inlineTimeout time.Duration
	sampleRate    float64
	spoolMaxBytes int64
	spoolMaxAge   time.Duration
	stderr        io.Writer
	lookupEnv     func(string) (string, bool)
	args          []string
	exporter      sdktrace.SpanExporter // replaces the spool, in benchmarks
	ci            func() string
}

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
// attribute cli.flag.<name>.
func WithFlagValues(flag string, rule processors.Rule) Option {
	return optionFunc(func(c *config) {
		if c.flagRules == nil {
			c.flagRules = map[string]flagRule{}
		}
		_, hashed := rule.(hashedRule)
		c.flagRules[flag] = flagRule{rule: rule, hashed: hashed}
	})
}

// WithFields declares attributes the CLI adds itself, with [SetAttributes]
// or on its own child spans. Undeclared attributes are dropped.
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
		c.envSwitches = append(c.envSwitches, envSwitch{name: name, inverted: true})
	})
}

// WithOptIn makes telemetry off until the user runs "telemetry enable". The
// default is the opt-out model of the CLIs that inspired this package: on
// until disabled, with a notice on first run.
func WithOptIn() Option {
	return optionFunc(func(c *config) { c.optIn = true })
}

// WithTelemetryCommand adds the "telemetry" command group (status, enable,
// disable, show) to the root command.
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

// WithDelivery chooses how spans reach the backend; see [Delivery]. Users
// can override it with <PREFIX>_TELEMETRY_DELIVERY=background|inline.
func WithDelivery(d Delivery) Option {
	return optionFunc(func(c *config) { c.delivery = d })
}

// WithInlineTimeout bounds inline delivery (default 1 s): the most a command
// can wait on the network when inline delivery is in use.
func WithInlineTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.inlineTimeout = d })
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

// Fields returns every field a CLI configured with opts can send: the
// library's [processors.DefaultFields], the author's own and one per
// allowlisted flag. It is the table to generate documentation and the
// collector's allowed keys from.
func Fields(opts ...Option) ([]processors.Field, error) {
	c := &config{}
	for _, o := range opts {
		o.apply(c)
	}
	p, err := processors.NewPolicy(processors.WithFields(c.policyFields()...))
	if err != nil {
		return nil, err
	}
	return p.Fields(), nil
}

// withArgs sets the process arguments the library inspects (uploader mode,
// shell completion), for tests that run in-process.
func withArgs(args []string) Option {
	return optionFunc(func(c *config) { c.args = args })
}

// withExporter replaces the spool with exp, for benchmarks that measure the
// instrumentation without the disk.
func withExporter(exp sdktrace.SpanExporter) Option {
	return optionFunc(func(c *config) { c.exporter = exp })
}
