package otelcli

import (
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"go.opentelemetry.io/otel/attribute"

	"github.com/cli-telemetry/otelcli/processors"
)

var servedField = processors.Field{Key: "app.requests.served", Type: attribute.INT64, Class: processors.Usage, Purpose: "load"}

// serveTree has a long-running command that reports every 100 ms and
// waits until stop says so.
func serveTree(reports *atomic.Int64, wait func(n int) bool) *cobra.Command {
	root := testTree()
	root.AddCommand(&cobra.Command{Use: "serve", Run: func(cmd *cobra.Command, _ []string) {
		stop := ReportEvery(cmd.Context(), 100*time.Millisecond, func() []attribute.KeyValue {
			n := reports.Add(1)
			return []attribute.KeyValue{attribute.Int(servedField.Key, 10*int(n))}
		})
		defer stop()
		deadline := time.Now().Add(10 * time.Second)
		for !wait(int(reports.Load())) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
	}})
	return root
}

func snapshotSpans(t *testing.T, h home) (snapshots []map[string]any, files int) {
	t.Helper()
	rs := spooled(t, h, "app")
	for _, r := range rs {
		for _, s := range r.Spans {
			if s.Name == "app serve snapshot" {
				snapshots = append(snapshots, s.Attributes)
			}
		}
	}
	return snapshots, len(rs)
}

func TestReportEvery(t *testing.T) {
	h := newHome(t, "app", false)
	var reports atomic.Int64
	opts := append(appOpts, WithFields(servedField))
	// Three periods, each spooled on its own while the command runs.
	spooledWhileRunning := 0
	root := serveTree(&reports, func(n int) bool {
		if n >= 3 {
			time.Sleep(50 * time.Millisecond) // the third one's file
			_, spooledWhileRunning = snapshotSpans(t, h)
			return true
		}
		return false
	})
	execute(t, root, []string{"serve"}, nil, opts...)
	snaps, files := snapshotSpans(t, h)
	if len(snaps) < 3 || spooledWhileRunning < 3 {
		t.Fatalf("%d snapshots, %d files while running", len(snaps), spooledWhileRunning)
	}
	for i, a := range snaps[:3] {
		if fmt.Sprint(a["cli.snapshot.sequence"]) != fmt.Sprint(i+1) || fmt.Sprint(a["app.requests.served"]) != fmt.Sprint(10*(i+1)) {
			t.Fatalf("snapshot %d: %v", i, a)
		}
	}
	if files < 4 {
		t.Fatalf("%d spool files: want one a snapshot and one for the command", files)
	}
}

// "telemetry disable" in another terminal stops the reports within one
// period, and the command span is not sent either.
func TestReportEveryStopsOnDisable(t *testing.T) {
	h := newHome(t, "app", false)
	var reports atomic.Int64
	settings := filepath.Join(h.config, "app", "telemetry", "settings.json")
	var disabledAt time.Time
	root := serveTree(&reports, func(n int) bool {
		if n == 1 && disabledAt.IsZero() {
			mustWrite(t, settings, `{"enabled":false}`)
			disabledAt = time.Now()
		}
		// Five more periods: a reporter still running would report.
		return n >= 3 || !disabledAt.IsZero() && time.Since(disabledAt) > 500*time.Millisecond
	})
	execute(t, root, []string{"serve"}, nil, append(appOpts, WithFields(servedField))...)
	if reports.Load() > 2 {
		t.Fatalf("%d reports: disable did not stop them within a period", reports.Load())
	}
	for _, r := range spooled(t, h, "app") {
		for _, s := range r.Spans {
			if s.Name == "app serve" {
				t.Fatal("command span sent after disable")
			}
		}
	}
}

func TestReportEveryOff(t *testing.T) {
	newHome(t, "app", false)
	var reports atomic.Int64
	root := serveTree(&reports, func(int) bool { return true })
	execute(t, root, []string{"serve"}, map[string]string{"DO_NOT_TRACK": "1"}, appOpts...)
	time.Sleep(250 * time.Millisecond)
	if reports.Load() != 0 {
		t.Fatalf("%d reports while opted out", reports.Load())
	}
}
