// Package otelcli turns every execution of a cobra command tree into one
// OpenTelemetry span that is safe to collect: the command path, the names of
// the flags that were set, the values of the few flags the author
// allowlisted, the number of positional arguments, how the command ended
// and how long it took, with a resource that describes the system but not
// the person. It adds opt-out through the environment variables people
// already use, a persisted setting and a "telemetry" command, a first-run
// notice, and delivery that never makes a command wait on the network.
//
// A CLI adopts it with two lines in main. The first hands the process over
// when it is otelcli's background uploader (the CLI's own binary, started
// again), before main does anything else; the second runs the tree:
//
//	func main() {
//		if otelcli.IsUploader() {
//			os.Exit(otelcli.RunUploader(telemetryOptions()...))
//		}
//		os.Exit(otelcli.Execute(newRootCmd(), telemetryOptions()...))
//	}
//
//	func telemetryOptions() []otelcli.Option {
//		return []otelcli.Option{
//			otelcli.WithServiceName("clusterctl"),
//			otelcli.WithVersion(version),
//			otelcli.WithEndpoint("https://telemetry.example.com"),
//			otelcli.WithFlagValues("provider", otelcli.OneOf("AWS", "GCP", "AZURE")),
//			otelcli.WithTelemetryCommand(),
//		}
//	}
//
// A CLI that prints its own errors and chooses its own exit codes after
// cobra's ExecuteC keeps doing so with [New], [Run.ExecuteContextC] and
// [Run.End], which records the exit code the process really exits with.
//
// Nothing is printed by the library except the first-run notice and, when
// the user asks for it with <PREFIX>_TELEMETRY_DEBUG=1, debug output; a
// telemetry problem never changes the CLI's output or exit code, and
// neither does the library, with telemetry on or off.
//
// Every span the process makes, the CLI's own included, passes the
// [github.com/cli-telemetry/otelcli/processors] consent gate and default-deny
// allowlist before it is written to a spool on disk, as OTLP protobuf. A
// detached process of the same binary uploads the spool over OTLP/HTTP.
package otelcli
