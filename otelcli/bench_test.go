package otelcli

import (
	"io"
	"testing"

	"github.com/spf13/cobra"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/cli-telemetry/otelcli/internal/spool"
)

func benchTree() *cobra.Command {
	root := testTree()
	root.SetOut(io.Discard)
	root.SetErr(io.Discard)
	return root
}

var benchArgs = []string{"cluster", "create", "--provider", "AWS", "--region", "US_EAST_1", "--name", "x"}

// benchSetup gives the benchmark a home of its own, telemetry on and no
// delivery, and runs the command once: the first run only shows the notice.
func benchSetup(b *testing.B, extra ...Option) (string, []Option) {
	dir := b.TempDir()
	b.Setenv("HOME", dir)
	b.Setenv("XDG_CONFIG_HOME", dir+"/config")
	b.Setenv("XDG_CACHE_HOME", dir+"/cache")
	opts := append(append([]Option{}, appOpts...), WithDelivery(DeliveryNone), withArgs(benchArgs),
		withLookupEnv(func(string) (string, bool) { return "", false }), WithSpoolLimits(1<<30, 0))
	opts = append(opts, extra...)
	root := benchTree()
	root.SetArgs(benchArgs)
	Execute(root, opts...)
	return dir, opts
}

// BenchmarkExecutePlain is the uninstrumented baseline: cobra alone.
func BenchmarkExecutePlain(b *testing.B) {
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		root := benchTree()
		root.SetArgs(benchArgs)
		root.Execute()
	}
}

// BenchmarkExecuteInstrumented runs the same command through Execute with
// telemetry on: consent, provider, span, attributes, allowlist and the
// write to the spool on disk. Delivery (the network) is excluded.
func BenchmarkExecuteInstrumented(b *testing.B) {
	dir, opts := benchSetup(b)
	sp := spool.New(dir + "/cache/app/telemetry/spool")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 1; i <= b.N; i++ {
		root := benchTree()
		root.SetArgs(benchArgs)
		Execute(root, opts...)
		// A real spool holds the few invocations not yet uploaded; drain
		// it as the uploader would, off the clock.
		if i%20 == 0 {
			b.StopTimer()
			sp.Clear()
			b.StartTimer()
		}
	}
}

// BenchmarkExecuteInstrumentedNoDisk is the in-process cost of the
// instrumentation alone: as above, with the spans handed to an exporter that
// discards them instead of the spool file.
func BenchmarkExecuteInstrumentedNoDisk(b *testing.B) {
	_, opts := benchSetup(b, WithExporter(tracetest.NewNoopExporter()))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		root := benchTree()
		root.SetArgs(benchArgs)
		Execute(root, opts...)
	}
}

// BenchmarkOptedOut is the cost of deciding that telemetry is off when the
// environment says so: it must be under a microsecond and allocate nothing.
func BenchmarkOptedOut(b *testing.B) {
	env := map[string]string{"DO_NOT_TRACK": "1"}
	c := newConfig("app", append(appOpts, withLookupEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if d, ok := decideForRun(c); !ok || d.enabled {
			b.Fatal("not opted out")
		}
	}
}
