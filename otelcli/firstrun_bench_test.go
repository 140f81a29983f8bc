package otelcli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cli-telemetry/otelcli/internal/store"
)

// BenchmarkFirstRun is the cost a user pays: a CLI runs one command per
// process, so what is computed once per process (default field tables, the
// SDK's first provider, the sanitizers' patterns) is paid by every command,
// not amortised as in the loops of BenchmarkExecute*. Each iteration starts
// this test binary anew and measures the first command in it: plain, and
// instrumented as a CLI is by default (its invocation written to the
// spool; no uploader started). The figures are the child's, reported as
// first-µs and first-allocs (ns/op is the whole child process, start-up
// included).
func BenchmarkFirstRun(b *testing.B) {
	dir := b.TempDir()
	h := home{dir: dir, config: dir + "/config", cache: dir + "/cache"}
	d := store.Dirs{Config: h.config + "/app/telemetry", Cache: h.cache + "/app/telemetry"}
	if err := store.MarkNoticeShown(d, time.Now()); err != nil {
		b.Fatal(err)
	}
	for _, mode := range []string{"plain", "instrumented"} {
		b.Run(mode, func(b *testing.B) {
			var us, allocs []float64
			for i := 0; i < b.N; i++ {
				// A spool holds the few runs not uploaded yet, not every
				// run of the benchmark.
				spooled, _ := filepath.Glob(filepath.Join(d.SpoolDir(), "*"))
				for _, f := range spooled {
					os.Remove(f)
				}
				cmd := exec.Command(os.Args[0], "-test.run=^TestFirstRunChild$", "-test.count=1")
				cmd.Env = append(os.Environ(), "OTELCLI_TEST_CHILD=1", "OTELCLI_FIRSTRUN="+mode,
					"HOME="+h.dir, "XDG_CONFIG_HOME="+h.config, "XDG_CACHE_HOME="+h.cache)
				out, err := cmd.CombinedOutput()
				if err != nil {
					b.Fatalf("%v: %s", err, out)
				}
				var ns, n float64
				if _, err := fmt.Sscanf(lastLine(string(out), "firstrun "), "firstrun %g %g", &ns, &n); err != nil {
					b.Fatalf("child said %q: %v", out, err)
				}
				us, allocs = append(us, ns/1e3), append(allocs, n)
			}
			b.ReportMetric(median(us), "first-µs")
			b.ReportMetric(median(allocs), "first-allocs")
		})
	}
}

// TestFirstRunChild is BenchmarkFirstRun's child: one command, measured.
func TestFirstRunChild(t *testing.T) {
	mode := os.Getenv("OTELCLI_FIRSTRUN")
	if !inChild() || mode == "" {
		t.Skip("run by BenchmarkFirstRun")
	}
	root := benchTree()
	root.SetArgs(benchArgs)
	opts := append(append([]Option{}, appOpts...), WithDelivery(DeliveryNone), withArgs(benchArgs),
		withLookupEnv(func(string) (string, bool) { return "", false }), WithSpoolLimits(1<<30, 0))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	if mode == "plain" {
		root.Execute()
	} else {
		Execute(root, opts...)
	}
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	fmt.Printf("firstrun %d %d\n", took.Nanoseconds(), after.Mallocs-before.Mallocs)
}

func lastLine(out, prefix string) string {
	lines := strings.Split(out, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], prefix) {
			return lines[i]
		}
	}
	return ""
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}
