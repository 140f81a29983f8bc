// Command usage-report writes the usage report of a CLI instrumented with
// otelcli, from what the pipeline stored: a self-contained HTML page and a
// table on stdout.
//
//	usage-report --jaeger http://127.0.0.1:16686 --service clusterctl --out usage.html
//	usage-report --traces traces.json --service clusterctl --out usage.html
//
// --jaeger reads Jaeger's HTTP query API (GET /api/traces); --traces reads
// a saved response of it instead. --metrics adds the collector's span
// metrics (its Prometheus endpoint) beside the counts. --json writes the
// report's numbers as JSON.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/cli-telemetry/otelcli/report"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "usage-report:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("usage-report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		jaegerURL = fs.String("jaeger", "", "Jaeger query service base URL, e.g. http://127.0.0.1:16686")
		traces    = fs.String("traces", "", "read a saved JSON response of Jaeger's /api/traces instead (- for stdin)")
		service   = fs.String("service", "", "the CLI's service.name (required)")
		since     = fs.Duration("since", 7*24*time.Hour, "how far back to read, from now")
		limit     = fs.Int("limit", 1000, "traces per Jaeger request; a full window is split and asked again")
		metrics   = fs.String("metrics", "", "the collector's Prometheus endpoint, e.g. http://127.0.0.1:8889/metrics (optional)")
		out       = fs.String("out", "usage-report.html", "the HTML file to write")
		jsonOut   = fs.String("json", "", "also write the report's numbers as JSON to this file")
		quiet     = fs.Bool("quiet", false, "do not print the tables")
	)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: usage-report (--jaeger URL | --traces FILE) --service NAME [flags]\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *service == "" || (*jaegerURL == "") == (*traces == "") {
		fs.Usage()
		return errors.New("--service and one of --jaeger or --traces are required")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	began := time.Now()
	end := began.UTC()
	opt := report.Options{Service: *service, GeneratedAt: end}

	var spans []report.Span
	if *jaegerURL != "" {
		j := &report.Jaeger{URL: *jaegerURL, Limit: *limit}
		opt.From, opt.To = end.Add(-*since), end
		opt.Source = strings.TrimRight(*jaegerURL, "/") + "/api/traces?service=" + *service
		var st report.FetchStats
		var err error
		spans, st, err = j.Spans(ctx, *service, opt.From, opt.To)
		if err != nil {
			return err
		}
		if st.Truncated {
			opt.Notes = append(opt.Notes, fmt.Sprintf("Jaeger returned %d traces for a window of under a second: some runs may be missing.", *limit))
		}
	} else {
		var r io.Reader = os.Stdin
		opt.Source = "saved Jaeger response"
		if *traces != "-" {
			b, err := os.ReadFile(*traces)
			if err != nil {
				return err
			}
			r = bytes.NewReader(b)
			opt.Source = filepath.Base(*traces)
		}
		var err error
		if spans, err = report.DecodeJaeger(r); err != nil {
			return err
		}
	}
	if *metrics != "" {
		ms, err := report.FetchSpanMetrics(ctx, *metrics, *service)
		if err != nil {
			return fmt.Errorf("span metrics: %w", err)
		}
		if ms == nil {
			ms = []report.MetricSeries{}
		}
		opt.Metrics = ms
	}

	rep := report.Aggregate(spans, opt)
	var page bytes.Buffer
	if err := rep.WriteHTML(&page); err != nil {
		return err
	}
	if err := writeFile(*out, page.Bytes()); err != nil {
		return err
	}
	if *jsonOut != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := writeFile(*jsonOut, append(b, '\n')); err != nil {
			return err
		}
	}
	if !*quiet {
		if err := rep.WriteText(stdout); err != nil {
			return err
		}
		fmt.Fprintln(stdout)
	}
	abs, _ := filepath.Abs(*out)
	fmt.Fprintf(stdout, "Report: %s (%d KiB, %d spans read, %v)\n", abs, (page.Len()+1023)/1024, len(spans), time.Since(began).Round(time.Millisecond))
	return nil
}

// writeFile writes atomically, so a page open in a browser is never half
// written.
func writeFile(name string, b []byte) error {
	if dir := filepath.Dir(name); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), ".usage-report-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}
