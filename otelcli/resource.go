package otelcli

import (
	"os"
	"runtime"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk"

	"github.com/cli-telemetry/otelcli/internal/detect"
	"github.com/cli-telemetry/otelcli/internal/semconv"
	"github.com/cli-telemetry/otelcli/processors"
)

// resourceAttributes describe the system and the program, never the person:
// no host name, user name, path or command line (sdk/resource's WithProcess
// would add the command line). They are gathered by hand, one source a
// line, from what the run already knows, and pass the policy here, once:
// the session attaches them to the spans after the allowlist (the spool's
// exporter, or bufferProcessor for an author's exporter), instead of
// handing a resource to the SDK, which would merge it with
// OTEL_RESOURCE_ATTRIBUTES into a new set for the allowlist to filter into
// a third.
func resourceAttributes(c *config, p *processors.Policy, installID, execID string) []attribute.KeyValue {
	attrs := make([]attribute.KeyValue, 0, 20)
	attrs = append(attrs,
		semconv.ServiceNameKey.String(c.serviceName),
		semconv.OSTypeKey.String(detect.OSType()),
		semconv.HostArchKey.String(detect.HostArch()),
		semconv.ProcessRuntimeNameKey.String("go"),
		semconv.ProcessRuntimeVersionKey.String(runtime.Version()),
		semconv.TelemetrySDKNameKey.String("opentelemetry"),
		semconv.TelemetrySDKLanguageKey.String("go"),
		semconv.TelemetrySDKVersionKey.String(sdk.Version()),
		processors.KeyInstallID.String(installID),
		processors.KeyExecutionID.String(execID),
		processors.KeySampleRate.Float64(c.rate),
		processors.KeyInstallSource.String(installSource()),
		processors.KeyStdinTerminal.Bool(detect.IsTerminal(detect.Stdin)),
		processors.KeyStdoutTerminal.Bool(detect.IsTerminal(detect.Stdout)),
		processors.KeyStderrTerminal.Bool(detect.IsTerminal(detect.Stderr)),
	)
	if c.version != "" {
		attrs = append(attrs, semconv.ServiceVersionKey.String(c.version))
	}
	if v := osVersion(); v != "" {
		attrs = append(attrs, semconv.OSVersionKey.String(v))
	}
	if c.ci != "" {
		attrs = append(attrs, processors.KeyCISystem.String(c.ci))
	}
	if a := detect.Agent(c.lookupEnv); a != "" {
		attrs = append(attrs, processors.KeyAgent.String(a))
	}
	kept, _ := p.FilterAttributes(attrs, processors.OnResource)
	return kept
}

// installSource is the channel the executable came through; only the
// channel's name leaves, never the path.
func installSource() string {
	exe, err := executable()
	if err != nil {
		return "unknown"
	}
	bins := [3]detect.GoBin{{Root: os.Getenv("GOBIN")}}
	if p := os.Getenv("GOPATH"); p != "" {
		p, _, _ = strings.Cut(p, string(os.PathListSeparator))
		bins[1] = detect.GoBin{Root: p, Sub: "bin"}
	}
	if h, err := os.UserHomeDir(); err == nil {
		bins[2] = detect.GoBin{Root: h, Sub: "go/bin"}
	}
	return detect.InstallSource(exe, bins[:]...)
}
