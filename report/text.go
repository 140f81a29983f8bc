package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
)

// WriteText prints the report as tables for a terminal.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	p := func(format string, a ...any) { fmt.Fprintf(tw, format, a...) }

	p("Usage of %s, %s\n", r.Service, r.Period())
	p("%s runs (%d recorded), %s failed (%s), %d installs, CI %s, agents %s\n",
		Count(r.Runs), r.RecordedRuns, Count(r.Failures), Percent(r.FailureRate), r.Installs, Percent(r.CIShare), Percent(r.AgentShare))
	if r.Reweighted {
		p("Sampled: counts re-weighted by 1/cli.sample_rate (%s)\n", rowsInline(r.SampleRates, "rate "))
	}

	p("\nCOMMAND\tRUNS\tFAILED\tFAILURE RATE\tINSTALLS\tP50 MS\tP95 MS")
	if r.Metrics {
		p("\tCOLLECTOR")
	}
	p("\n")
	for _, c := range r.Commands {
		p("%s\t%s\t%s\t%s\t%d\t%s\t%s", c.Command, Count(c.Runs), Count(c.Failures), Percent(c.FailureRate), c.Installs, Millis(c.P50ms), Millis(c.P95ms))
		if c.Collector != nil {
			p("\t%s", Count(*c.Collector))
		}
		p("\n")
	}

	if len(r.Errors) > 0 {
		p("\nERROR KIND\tCOMMAND\tRUNS\n")
		for _, e := range r.Errors {
			p("%s\t%s\t%s\n", e.Type, e.Command, Count(e.Runs))
		}
	}
	if len(r.Suggestions) > 0 {
		p("\nUNKNOWN COMMAND, COBRA SUGGESTED\tRUNS\n")
		for _, s := range r.Suggestions {
			p("%s\t%s\n", s.Key, Count(s.Runs))
		}
	}
	if len(r.Flags) > 0 {
		p("\nFLAG\tCOMMAND\tRUNS\tOF THE COMMAND'S RUNS\n")
		for _, f := range r.Flags {
			p("--%s\t%s\t%s\t%s\n", f.Flag, f.Command, Count(f.Runs), Percent(f.Share))
		}
	}
	if len(r.FlagValues) > 0 {
		p("\nFLAG VALUE\tRUNS\n")
		for _, v := range r.FlagValues {
			p("--%s=%s\t%s\n", v.Flag, v.Value, Count(v.Runs))
		}
	}
	for _, d := range []struct {
		title string
		rows  []Row
	}{
		{"VERSION", r.Versions},
		{"OS/ARCH", r.Platforms},
		{"CI", r.CI},
		{"AGENT", r.Agents},
		{"INSTALL SOURCE", r.InstallSources},
	} {
		if len(d.rows) == 0 {
			continue
		}
		p("\n%s\tRUNS\tSHARE\tINSTALLS\n", d.title)
		for _, row := range d.rows {
			p("%s\t%s\t%s\t%d\n", row.Key, Count(row.Runs), Percent(row.Share), row.Installs)
		}
	}
	if len(r.Days) > 0 {
		p("\nDAY (UTC)\tRUNS\tFAILED\tINSTALLS\tNEW INSTALLS\n")
		for _, d := range r.Days {
			p("%s\t%s\t%s\t%d\t%d\n", d.Day, Count(d.Runs), Count(d.Failures), d.Installs, d.NewInstalls)
		}
	}
	if len(r.Notes) > 0 {
		p("\n")
		for _, n := range r.Notes {
			p("Note: %s\n", n)
		}
	}
	return tw.Flush()
}

// Period is the report's window as text.
func (r *Report) Period() string {
	if r.From.IsZero() {
		return "no runs"
	}
	f := "2006-01-02 15:04"
	return r.From.Format(f) + " to " + r.To.Format(f) + " UTC"
}

// Count formats an estimated count: whole numbers as such, others with one
// decimal.
func Count(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// Percent formats a share as a percentage.
func Percent(v float64) string {
	return strconv.FormatFloat(v*100, 'f', 1, 64) + "%"
}

// Millis formats milliseconds.
func Millis(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

func rowsInline(rows []Row, prefix string) string {
	var parts []string
	for _, r := range rows {
		parts = append(parts, fmt.Sprintf("%s%s: %d recorded", prefix, r.Key, r.Recorded))
	}
	return strings.Join(parts, ", ")
}
