package processors

import (
	"fmt"
	"slices"
	"sync"

	"go.opentelemetry.io/otel/attribute"

	"github.com/cli-telemetry/otelcli/internal/detect"
	"github.com/cli-telemetry/otelcli/internal/semconv"
)

// Attribute keys that otelcli defines where the semantic conventions have
// none. They live under "cli." so that they never collide with semconv.
const (
	KeyCommandPath        = attribute.Key("cli.command.path")
	KeyCommandFlags       = attribute.Key("cli.command.flags")
	KeyCommandArgsCount   = attribute.Key("cli.command.args.count")
	KeyCommandSuggestions = attribute.Key("cli.command.suggestions")
	KeyErrorChain         = attribute.Key("cli.error.chain")
	KeyFlagPrefix         = "cli.flag."
	KeyExecutionID        = attribute.Key("cli.execution.id")
	KeyInstallID          = attribute.Key("cli.install.id")
	KeyInstallSource      = attribute.Key("cli.install.source")
	KeyCISystem           = attribute.Key("cli.ci.system")
	KeyAgent              = attribute.Key("cli.agent")
	KeyStdinTerminal      = attribute.Key("cli.terminal.stdin")
	KeyStdoutTerminal     = attribute.Key("cli.terminal.stdout")
	KeyStderrTerminal     = attribute.Key("cli.terminal.stderr")
	KeySampleRate         = attribute.Key("cli.sample_rate")
	KeySnapshotSequence   = attribute.Key("cli.snapshot.sequence")
)

// MaxErrorChain is the most error types cli.error.chain holds.
const MaxErrorChain = 8

// The rules the default fields use: character sets, not regular
// expressions, so that they cost nothing to build on each run of a CLI.
var (
	uuidValue      = uuidRule{}
	versionRule    = Describe(Chars("A-Za-z0-9", "A-Za-z0-9.+_-", 1, 64), "a version string")
	nameRule       = Describe(LowCardinalityName(), "a low-cardinality name")
	flagNameRule   = Describe(EachOf(Chars("A-Za-z0-9", "A-Za-z0-9_-", 1, 64)), "flag names")
	errorTypeChars = Chars("A-Za-z0-9_.*/[]-", "A-Za-z0-9_.*/[]-", 1, 128)
	errorTypeRule  = Describe(errorTypeChars, "an error kind or Go type name")
	errorChainRule = Describe(All(MaxItems(MaxErrorChain), EachOf(errorTypeChars)), fmt.Sprintf("up to %d Go type names", MaxErrorChain))
)

// DefaultFields declares every attribute the otelcli package produces, and
// nothing else: with no configuration, an [Allowlist] keeps exactly these.
// The README's "what is collected" table and the bundled collector's allowed
// keys are generated from this table. The returned slice is the caller's.
func DefaultFields() []Field { return slices.Clone(defaultFields()) }

// defaultFields is built once: a CLI makes one policy per run, and the
// table's rules are immutable.
var defaultFields = sync.OnceValue(func() []Field {
	return []Field{
		// Resource: what program, on what kind of system.
		{Key: string(semconv.ServiceNameKey), Type: attribute.STRING, Rule: nameRule, Where: OnResource, Class: SystemMetadata, Purpose: "which CLI sent the record", Example: "clusterctl"},
		{Key: string(semconv.ServiceVersionKey), Type: attribute.STRING, Rule: versionRule, Where: OnResource, Class: SystemMetadata, Purpose: "which release is in use", Example: "1.4.2"},
		{Key: string(semconv.OSTypeKey), Type: attribute.STRING, Rule: OneOf(detect.OSTypes()...), Where: OnResource, Class: SystemMetadata, Purpose: "which operating systems to support", Example: "linux"},
		{Key: string(semconv.OSVersionKey), Type: attribute.STRING, Rule: versionRule, Where: OnResource, Class: SystemMetadata, Purpose: "which OS releases to support (kernel or OS version, no host name)", Example: "6.1.0"},
		{Key: string(semconv.HostArchKey), Type: attribute.STRING, Rule: OneOf(detect.HostArchs()...), Where: OnResource, Class: SystemMetadata, Purpose: "which architectures to build for", Example: "amd64"},
		{Key: string(semconv.ProcessRuntimeNameKey), Type: attribute.STRING, Rule: OneOf("go"), Where: OnResource, Class: SystemMetadata, Purpose: "runtime of the CLI", Example: "go"},
		{Key: string(semconv.ProcessRuntimeVersionKey), Type: attribute.STRING, Rule: versionRule, Where: OnResource, Class: SystemMetadata, Purpose: "Go version the CLI was built with", Example: "go1.26.8"},
		{Key: string(semconv.TelemetrySDKNameKey), Type: attribute.STRING, Rule: OneOf("opentelemetry"), Where: OnResource, Class: SystemMetadata, Purpose: "telemetry SDK (set by OpenTelemetry)", Example: "opentelemetry"},
		{Key: string(semconv.TelemetrySDKLanguageKey), Type: attribute.STRING, Rule: OneOf("go"), Where: OnResource, Class: SystemMetadata, Purpose: "telemetry SDK language (set by OpenTelemetry)", Example: "go"},
		{Key: string(semconv.TelemetrySDKVersionKey), Type: attribute.STRING, Rule: versionRule, Where: OnResource, Class: SystemMetadata, Purpose: "telemetry SDK version (set by OpenTelemetry)", Example: "1.47.0"},
		{Key: string(KeyCISystem), Type: attribute.STRING, Rule: OneOf(detect.CISystems()...), Where: OnResource, Class: SystemMetadata, Purpose: "how much use is automated, and on which CI vendor (the vendor only)", Example: "github_actions"},
		{Key: string(KeyInstallSource), Type: attribute.STRING, Rule: OneOf(detect.InstallSources()...), Where: OnResource, Class: SystemMetadata, Purpose: "which distribution channels matter (the channel only, never the path)", Example: "homebrew"},
		{Key: string(KeyAgent), Type: attribute.STRING, Rule: OneOf(detect.Agents()...), Where: OnResource, Class: SystemMetadata, Purpose: "whether an AI coding agent or an editor runs the CLI (its name only)", Example: "claude_code"},
		{Key: string(KeyStdinTerminal), Type: attribute.BOOL, Where: OnResource, Class: SystemMetadata, Purpose: "interactive or scripted use", Example: "true"},
		{Key: string(KeyStdoutTerminal), Type: attribute.BOOL, Where: OnResource, Class: SystemMetadata, Purpose: "interactive or scripted use", Example: "true"},
		{Key: string(KeyStderrTerminal), Type: attribute.BOOL, Where: OnResource, Class: SystemMetadata, Purpose: "interactive or scripted use", Example: "true"},
		{Key: string(KeySampleRate), Type: attribute.FLOAT64, Where: OnResource, Class: SystemMetadata, Purpose: "re-weighting counts when only a sample of runs is recorded", Example: "1"},
		{Key: string(KeyInstallID), Type: attribute.STRING, Rule: uuidValue, Where: OnResource, Class: PseudonymousID, Purpose: "counting installs rather than runs; random, not derived from the machine or the user", Example: "0b7c…"},
		{Key: string(KeyExecutionID), Type: attribute.STRING, Rule: uuidValue, Where: OnResource, Class: PseudonymousID, Purpose: "grouping the spans of one run; random per run", Example: "5f3e…"},

		// Span: what was run and how it ended.
		{Key: string(semconv.ProcessExecutableNameKey), Type: attribute.STRING, Rule: nameRule, Class: SystemMetadata, Purpose: "the CLI's executable name (semantic conventions for CLIs)", Example: "clusterctl"},
		{Key: string(semconv.ProcessPIDKey), Type: attribute.INT64, Class: SystemMetadata, Purpose: "required by the semantic conventions for CLIs; recycled by the OS, identifies nothing", Example: "4242"},
		{Key: string(semconv.ProcessExitCodeKey), Type: attribute.INT64, Class: Usage, Purpose: "how the command ended", Example: "0"},
		{Key: string(semconv.ErrorTypeKey), Type: attribute.STRING, Rule: errorTypeRule, Class: Usage, Purpose: "why it failed, as a kind (unknown_command, invalid_args, a declared code, a Go type), never the message", Example: "unknown_flag"},
		{Key: string(KeyErrorChain), Type: attribute.STRINGSLICE, Rule: errorChainRule, Class: Usage, Purpose: "the Go types of the wrapped errors, never their messages", Example: `["*fs.PathError"]`},
		{Key: string(KeyCommandPath), Type: attribute.STRING, Rule: nameRule, Class: Usage, Purpose: "which command ran (from the CLI's command tree, never typed text)", Example: "clusterctl cluster create"},
		{Key: string(KeyCommandFlags), Type: attribute.STRINGSLICE, Rule: All(MaxItems(64), flagNameRule), Class: Usage, Purpose: "which flags are used (names only)", Example: `["name","provider"]`},
		{Key: string(KeyCommandArgsCount), Type: attribute.INT64, Class: Usage, Purpose: "how many positional arguments were given (never their text)", Example: "1"},
		{Key: string(KeyCommandSuggestions), Type: attribute.STRINGSLICE, Rule: Describe(All(MaxItems(8), EachOf(nameRule)), "up to 8 command names"), Class: Usage, Purpose: "for an unknown command, the commands cobra suggested (never the typed word)", Example: `["register"]`},
		{Key: string(KeySnapshotSequence), Type: attribute.INT64, Class: Usage, Purpose: "orders the periodic reports of a long-running command (a server, a watch mode)", Example: "3"},

		// Exception events for panics.
		{Key: string(semconv.ExceptionTypeKey), Type: attribute.STRING, Rule: errorTypeRule, Where: OnEvent, Class: Usage, Purpose: "kind of a panic", Example: "panic"},
		{Key: string(semconv.ExceptionStacktraceKey), Type: attribute.STRING, Rule: Describe(Sanitized(FunctionsOnly()), "function names only"), Where: OnEvent, Class: Usage, Purpose: "where a panic happened: function names only, no file paths, arguments or message", Example: "main.run\\nmain.main"},
	}
})

// DefaultEventNames are the span event names the default policy keeps.
func DefaultEventNames() []string { return []string{"exception"} }
