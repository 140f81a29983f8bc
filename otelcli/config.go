package otelcli

import (
	"errors"
	"io"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/spf13/cobra"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/cli-telemetry/otelcli/internal/detect"
	"github.com/cli-telemetry/otelcli/internal/env"
	"github.com/cli-telemetry/otelcli/internal/spool"
	"github.com/cli-telemetry/otelcli/internal/store"
	"github.com/cli-telemetry/otelcli/processors"
)

// config is everything the options say, resolved in the order sdk/trace's
// NewTracerProvider uses: defaults, then options, then validation
// (newConfig); the environment is read after the consent decision, once
// (resolve), so that an opted-out run reads only the handful of variables
// that decided it.
type config struct {
	// From options.
	serviceName   string
	version       string
	endpoint      string
	envPrefix     string
	docsURL       string
	notice        string
	flagRules     map[string]flagRule
	fields        []processors.Field
	envSwitches   []envSwitch
	flagSwitches  []flagSwitch
	consents      []consentSource
	optIn         bool
	telemetryCmd  bool
	delivery      Delivery
	inlineTimeout time.Duration
	sampleRate    float64
	spoolMaxBytes int64
	spoolMaxAge   time.Duration
	stderr        io.Writer
	stateDirs     func() (string, string, error)
	commandPaths  []string
	commandKind   func(*cobra.Command) string
	exporter      sdktrace.SpanExporter
	ownSignals    bool
	account       *Account
	accountErr    error
	lookupEnv     env.Lookup
	args          []string

	// The full names of runVars (cliVar).
	runVars [len(runVars)]string

	// From the environment, by resolve.
	debug     bool
	mode      Delivery
	rate      float64
	uploadURL string // "" lets the uploader read OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT
	ci        string
}

type envSwitch struct {
	name    string
	enables bool // the variable enables telemetry: false disables
}

type flagSwitch struct {
	name    string
	enables bool
}

type consentSource struct {
	name string
	f    func() (enabled, decided bool)
}

// newConfig applies the defaults and the options. name is the CLI's name
// when no option sets one (the root command's, or the executable's).
func newConfig(name string, opts []Option) *config {
	c := &config{}
	c.init(name, opts)
	return c
}

// init is newConfig in place: a Run holds its config.
func (c *config) init(name string, opts []Option) {
	*c = config{
		delivery:      DeliveryAuto,
		inlineTimeout: time.Second,
		sampleRate:    1,
		lookupEnv:     os.LookupEnv,
		args:          os.Args[1:],
	}
	for _, o := range opts {
		if o != nil {
			o.apply(c)
		}
	}
	if c.serviceName == "" {
		c.serviceName = name
	}
	if c.envPrefix == "" {
		c.envPrefix = envPrefixFor(c.serviceName)
	}
	c.nameRunVars()
	if c.inlineTimeout <= 0 {
		c.inlineTimeout = time.Second
	}
	if math.IsNaN(c.sampleRate) || c.sampleRate > 1 {
		c.sampleRate = 1
	}
	if c.account != nil {
		if c.accountErr = c.account.validate(); c.accountErr != nil {
			c.account = nil // an incomplete declaration attaches nothing
		}
	}
}

// envPrefixFor derives the variable prefix from a CLI name: upper case,
// every run of other characters one '_' (clusterctl → CLUSTERCTL_).
func envPrefixFor(name string) string {
	var b strings.Builder
	b.Grow(len(name) + 1) // a separator stands for at least one byte of name
	sep := false
	for _, r := range name {
		// unicode.ToUpper is what strings.ToUpper maps each rune with;
		// per rune, it needs no upper-cased copy of name.
		if r = unicode.ToUpper(r); r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			if sep && b.Len() > 0 {
				b.WriteByte('_')
			}
			b.WriteByte(byte(r))
			sep = false
		} else {
			sep = true
		}
	}
	b.WriteByte('_')
	return b.String()
}

// runVars are the CLI's own variables every recorded run reads.
var runVars = [...]string{env.TelemetryDisabled, env.TelemetryDebug, env.TelemetrySampleRate, env.TelemetryDelivery, env.Endpoint}

// cliVar is the full name of one of the CLI's own variables.
func (c *config) cliVar(name string) string {
	if i := slices.Index(runVars[:], name); i >= 0 {
		return c.runVars[i]
	}
	return env.Prefixed(c.envPrefix, name)
}

// nameRunVars makes the full names of runVars together, in one allocation
// instead of one each, once the prefix is known.
func (c *config) nameRunVars() {
	prefix := env.Prefixed(c.envPrefix, "")
	n := 0
	for _, v := range runVars {
		n += len(prefix) + len(v)
	}
	var b strings.Builder
	b.Grow(n)
	for _, v := range runVars {
		b.WriteString(prefix)
		b.WriteString(v)
	}
	all := b.String()
	for i, v := range runVars {
		n := len(prefix) + len(v)
		c.runVars[i], all = all[:n], all[n:]
	}
}

// resolve reads the environment once, after the consent decision: debug
// output, the delivery mode, the sample rate, the endpoint and the CI
// system are plain fields from here on.
func (c *config) resolve() {
	e := c.lookupEnv
	c.debug = e.Bool(c.cliVar(env.TelemetryDebug))
	c.ci = detect.CI(e)
	c.rate = c.sampleRate
	if r, ok := e.Rate(c.cliVar(env.TelemetrySampleRate)); ok {
		c.rate = r
	}
	c.mode = c.delivery
	switch strings.ToLower(strings.TrimSpace(e.Get(c.cliVar(env.TelemetryDelivery)))) {
	case "background":
		c.mode = DeliveryBackground
	case "inline":
		c.mode = DeliveryInline
	case "none", "spool":
		c.mode = DeliveryNone
	}
	if c.mode == DeliveryAuto {
		// CI containers are torn down when the job ends, taking a
		// background uploader with them: pay up to the inline timeout
		// instead of losing the spans.
		c.mode = DeliveryBackground
		if c.ci != "" {
			c.mode = DeliveryInline
		}
	}
	c.uploadURL = c.endpointURL()
}

// endpointURL is the URL spans are posted to, or "" to let the uploader
// read OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT itself.
func (c *config) endpointURL() string {
	e := c.lookupEnv
	if v := e.Get(c.cliVar(env.Endpoint)); v != "" {
		return tracesURL(v)
	}
	if e.Get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "" || e.Get("OTEL_EXPORTER_OTLP_ENDPOINT") != "" {
		return ""
	}
	if c.endpoint != "" {
		return tracesURL(c.endpoint)
	}
	return ""
}

// tracesURL appends the OTLP traces path to a base URL, as the exporter
// does for OTEL_EXPORTER_OTLP_ENDPOINT. A value that is not a URL is kept
// as it is, for the uploader to refuse.
func tracesURL(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/v1/traces"
	return u.String()
}

// dirs are the CLI's telemetry state directories: its own config and cache
// dirs (WithStateDirs) or the user's, each with a "telemetry" directory.
func (c *config) dirs() (store.Dirs, error) {
	if c.stateDirs == nil {
		return store.DefaultDirs(c.serviceName)
	}
	cfgDir, cacheDir, err := c.stateDirs()
	if err != nil {
		return store.Dirs{}, err
	}
	d := store.Dirs{Config: filepath.Join(cfgDir, "telemetry"), Cache: filepath.Join(cacheDir, "telemetry")}
	if cfgDir == "" || cacheDir == "" {
		def, defErr := store.DefaultDirs(c.serviceName)
		if defErr != nil {
			return store.Dirs{}, defErr
		}
		if cfgDir == "" {
			d.Config = def.Config
		}
		if cacheDir == "" {
			d.Cache = def.Cache
		}
	}
	if !filepath.IsAbs(d.Config) || !filepath.IsAbs(d.Cache) {
		return store.Dirs{}, errors.New("state dirs must be absolute")
	}
	return d.Prepared(), nil
}

// newSpool is the spool in dirs, with the author's bounds.
func (c *config) newSpool(d store.Dirs) *spool.Spool {
	sp := spool.New(d.SpoolDir())
	sp.Last = d.LastFile()
	if c.spoolMaxBytes > 0 {
		sp.MaxBytes = c.spoolMaxBytes
	}
	if c.spoolMaxAge > 0 {
		sp.MaxAge = c.spoolMaxAge
	}
	return sp
}

// policyFields are the author's fields and one per allowlisted flag, so
// that the allowlist checks a flag's value with the rule it was recorded by.
// Hashed rules are bound to the install's key here. Purposes are written
// only for documentation (doc), not on every run.
func (c *config) policyFields(key func() []byte, doc bool) []processors.Field {
	fields := make([]processors.Field, 0, len(c.fields)+len(c.flagRules)+1)
	if c.account != nil {
		fields = append(fields, c.account.field())
	}
	for _, f := range c.fields {
		f.Rule = bindHash(f.Rule, key)
		fields = append(fields, f)
	}
	flags := len(fields)
	for name, r := range c.flagRules {
		f := processors.Field{
			// Any type: a slice flag is sent as a string slice, each element
			// held to the rule.
			Key: string(r.key), Rule: r.each,
			Class: processors.Usage,
		}
		if f.Rule == nil {
			f.Rule = processors.EachOf(bindHash(r.rule, key))
		}
		if doc {
			f.Purpose = "value of the --" + name + " flag (allowlisted)"
		}
		fields = append(fields, f)
	}
	// In the order of their names (the map's is random), for the documents.
	slices.SortFunc(fields[flags:], func(a, b processors.Field) int { return strings.Compare(a.Key, b.Key) })
	return fields
}

// policy compiles the run's allowlist.
func (c *config) policy(key func() []byte) (*processors.Policy, error) {
	return processors.NewPolicy(processors.WithFields(c.policyFields(key, false)...))
}

// Fields returns every field a CLI configured with opts can send: the
// library's [processors.DefaultFields], the author's own and one per
// allowlisted flag. It is the table to generate documentation and the
// collector's allowed keys from.
func Fields(opts ...Option) ([]processors.Field, error) {
	p, err := processors.NewPolicy(processors.WithFields(newConfig("", opts).policyFields(nil, true)...))
	if err != nil {
		return nil, err
	}
	return p.Fields(), nil
}
