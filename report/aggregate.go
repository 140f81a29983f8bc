package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
)

// ScopeName is the instrumentation scope of otelcli's command spans (the
// constant otelcli.ScopeName, repeated here so that this module does not
// depend on the library).
const ScopeName = "github.com/cli-telemetry/otelcli"

// Attribute keys the report reads (see the README's "What is collected").
const (
	keyCommandPath = "cli.command.path"
	keyFlags       = "cli.command.flags"
	keyFlagPrefix  = "cli.flag."
	keySuggestion  = "cli.command.suggestions"
	keyExitCode    = "process.exit.code"
	keyErrorType   = "error.type"
	keyInstallID   = "cli.install.id"
	keySampleRate  = "cli.sample_rate"
	keyCI          = "cli.ci.system"
	keyAgent       = "cli.agent"
	keySource      = "cli.install.source"
	keyVersion     = "service.version"
	keyService     = "service.name"
	keyOS          = "os.type"
	keyArch        = "host.arch"
)

// Labels for runs that lack an attribute.
const (
	NotCI      = "not CI"
	NoAgent    = "no agent"
	Unknown    = "unknown"
	maxDayFill = 400 // days between the first and last run filled with zeros at most
)

// Options are the inputs of Aggregate besides the spans.
type Options struct {
	// Service keeps only the spans of this service.name (all when empty).
	Service string
	// Source says where the spans came from, for the page (a URL, a file).
	Source string
	// From and To are the window that was asked for (zero: unknown).
	From, To time.Time
	// GeneratedAt is the report's time (default: the latest run).
	GeneratedAt time.Time
	// Metrics are the collector's span metrics, optional: shown beside the
	// runs counted from the stored spans.
	Metrics []MetricSeries
	// Notes are added to the report's notes (e.g. a truncated fetch).
	Notes []string
}

// Report is the usage of one CLI over a window. Counts of runs are
// estimates: each recorded run counts 1/cli.sample_rate (a run recorded at
// rate 0.25 stands for 4). Installs are distinct cli.install.id values
// among the recorded runs, never re-weighted.
type Report struct {
	Service     string    `json:"service"`
	Source      string    `json:"source,omitempty"`
	GeneratedAt time.Time `json:"generated_at"`
	From        time.Time `json:"from"` // the window asked for, or the first run
	To          time.Time `json:"to"`
	FirstRun    time.Time `json:"first_run"`
	LastRun     time.Time `json:"last_run"`

	RecordedRuns int     `json:"recorded_runs"` // command spans, each run once
	Runs         float64 `json:"runs"`          // estimated runs: recorded runs weighted by 1/cli.sample_rate
	Failures     float64 `json:"failures"`
	FailureRate  float64 `json:"failure_rate"`
	Installs     int     `json:"installs"`
	CIRuns       float64 `json:"ci_runs"`
	CIShare      float64 `json:"ci_share"`
	AgentRuns    float64 `json:"agent_runs"`
	AgentShare   float64 `json:"agent_share"`
	Reweighted   bool    `json:"reweighted"` // some runs were recorded at a rate below 1
	SampleRates  []Row   `json:"sample_rates"`

	Commands       []CommandRow `json:"commands"`
	Errors         []ErrorRow   `json:"errors"`
	ErrorKinds     []Row        `json:"error_kinds"`
	Suggestions    []Row        `json:"suggestions"`
	Flags          []FlagRow    `json:"flags"`
	FlagValues     []FlagValue  `json:"flag_values"`
	Versions       []Row        `json:"versions"`
	Platforms      []Row        `json:"platforms"`
	CI             []Row        `json:"ci"`
	Agents         []Row        `json:"agents"`
	InstallSources []Row        `json:"install_sources"`
	Days           []DayRow     `json:"days"`

	// Metrics is true when the collector's span metrics were read; each
	// command's Collector column then holds its cli_calls_total.
	Metrics bool `json:"metrics"`

	// Spans that were read but are not command runs (the CLI's own child
	// spans), and copies of a run seen more than once (at-least-once
	// delivery).
	OtherSpans int      `json:"other_spans"`
	Duplicates int      `json:"duplicates"`
	Notes      []string `json:"notes"`
}

// Row is one value of a dimension and the runs that had it.
type Row struct {
	Key      string  `json:"key"`
	Runs     float64 `json:"runs"`     // estimated
	Recorded int     `json:"recorded"` // spans
	Share    float64 `json:"share"`    // of all runs in the report
	Installs int     `json:"installs"` // distinct installs among them
}

// CommandRow is one command's runs.
type CommandRow struct {
	Command     string   `json:"command"`
	Runs        float64  `json:"runs"`
	Recorded    int      `json:"recorded"`
	Failures    float64  `json:"failures"`
	FailureRate float64  `json:"failure_rate"`
	Installs    int      `json:"installs"`
	P50ms       float64  `json:"p50_ms"`
	P95ms       float64  `json:"p95_ms"`
	Collector   *float64 `json:"collector,omitempty"` // cli_calls_total, when the metrics were read
}

// ErrorRow is one error kind on one command.
type ErrorRow struct {
	Type    string  `json:"type"`
	Command string  `json:"command"`
	Runs    float64 `json:"runs"`
}

// FlagRow is one flag of one command: how many of the command's runs set it.
type FlagRow struct {
	Command string  `json:"command"`
	Flag    string  `json:"flag"`
	Runs    float64 `json:"runs"`
	Share   float64 `json:"share"` // of the command's runs
}

// FlagValue is one allowlisted value of a flag (cli.flag.<name>).
type FlagValue struct {
	Flag  string  `json:"flag"`
	Value string  `json:"value"`
	Runs  float64 `json:"runs"`
}

// DayRow is one UTC day.
type DayRow struct {
	Day         string  `json:"day"` // 2006-01-02
	Runs        float64 `json:"runs"`
	Failures    float64 `json:"failures"`
	Installs    int     `json:"installs"`     // distinct installs that ran the CLI that day
	NewInstalls int     `json:"new_installs"` // of which seen for the first time in the report
}

// run is one command span, read.
type run struct {
	start    time.Time
	service  string
	weight   float64
	rate     float64
	command  string
	failed   bool
	errType  string
	install  string
	version  string
	platform string
	ci       string
	agent    string
	source   string
	suggest  string
	flags    []string
	values   map[string][]string
	duration time.Duration
}

// IsCommandSpan tells whether s is the span of one run of a command:
// otelcli's instrumentation scope and an exit code (every command span ends
// with one; the CLI's own child spans have another scope).
func IsCommandSpan(s Span) bool {
	if s.Scope != ScopeName {
		return false
	}
	_, ok := s.Attributes[keyExitCode]
	return ok
}

// Aggregate computes the report from spans. It is a pure function: the
// same spans and options give the same report.
func Aggregate(spans []Span, opt Options) *Report {
	r := &Report{
		Service: opt.Service,
		Source:  opt.Source,
		From:    opt.From.UTC(),
		To:      opt.To.UTC(),
		Notes:   slices.Clone(opt.Notes),
	}
	seen := map[string]bool{}
	var runs []run
	for _, s := range spans {
		if opt.Service != "" && str(s.Resource[keyService]) != opt.Service {
			continue
		}
		if !IsCommandSpan(s) {
			r.OtherSpans++
			continue
		}
		// A spool file uploaded twice (at-least-once delivery) stores the
		// same span twice; count each run once.
		id := s.TraceID + "/" + s.SpanID
		if seen[id] {
			r.Duplicates++
			continue
		}
		seen[id] = true
		runs = append(runs, readRun(s))
	}
	slices.SortStableFunc(runs, func(a, b run) int { return a.start.Compare(b.start) })

	r.RecordedRuns = len(runs)
	if r.Service == "" && len(runs) > 0 {
		r.Service = runs[0].service
	}
	if len(runs) > 0 {
		r.FirstRun, r.LastRun = runs[0].start, runs[len(runs)-1].start
	}
	r.GeneratedAt = opt.GeneratedAt.UTC()
	if opt.GeneratedAt.IsZero() {
		r.GeneratedAt = r.LastRun
	}
	if r.From.IsZero() {
		r.From = r.FirstRun
	}
	if r.To.IsZero() {
		r.To = r.LastRun
	}

	installs := map[string]bool{}
	rates := newCounter()
	for _, x := range runs {
		r.Runs += x.weight
		if x.failed {
			r.Failures += x.weight
		}
		if x.ci != NotCI {
			r.CIRuns += x.weight
		}
		if x.agent != NoAgent {
			r.AgentRuns += x.weight
		}
		if x.install != "" {
			installs[x.install] = true
		}
		if x.rate < 1 {
			r.Reweighted = true
		}
		rates.add(fmtRate(x.rate), x)
	}
	r.Installs = len(installs)
	r.FailureRate = ratio(r.Failures, r.Runs)
	r.CIShare = ratio(r.CIRuns, r.Runs)
	r.AgentShare = ratio(r.AgentRuns, r.Runs)
	r.SampleRates = rates.rows(r.Runs)

	r.Commands = commands(runs, opt.Metrics)
	r.Metrics = opt.Metrics != nil
	r.Errors, r.ErrorKinds = errorRows(runs, r.Runs)
	r.Suggestions = dimension(runs, r.Runs, func(x run) string { return x.suggest }, true)
	r.Flags, r.FlagValues = flagRows(runs, r.Commands)
	r.Versions = dimension(runs, r.Runs, func(x run) string { return x.version }, false)
	r.Platforms = dimension(runs, r.Runs, func(x run) string { return x.platform }, false)
	r.CI = dimension(runs, r.Runs, func(x run) string { return x.ci }, false)
	r.Agents = dimension(runs, r.Runs, func(x run) string { return x.agent }, false)
	r.InstallSources = dimension(runs, r.Runs, func(x run) string { return x.source }, false)
	r.Days = days(runs)

	if r.Reweighted {
		r.Notes = append(r.Notes, "Some runs were recorded at a sample rate below 1 (cli.sample_rate): "+
			"each recorded run counts 1/rate runs, so run counts and shares are estimates. "+
			"Installs are counted from the recorded runs and are lower bounds.")
	}
	if r.Duplicates > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%d copies of runs already counted were skipped (the same run delivered twice).", r.Duplicates))
	}
	if r.Metrics {
		r.Notes = append(r.Notes, "The collector column is cli_calls_total from the collector's span metrics: "+
			"spans received since the collector started, not re-weighted, whatever the window above.")
	}
	return r
}

func readRun(s Span) run {
	a, res := s.Attributes, s.Resource
	x := run{
		start:    s.Start.UTC(),
		service:  str(res[keyService]),
		rate:     1,
		command:  str(a[keyCommandPath]),
		errType:  str(a[keyErrorType]),
		install:  str(res[keyInstallID]),
		version:  orUnknown(str(res[keyVersion])),
		ci:       str(res[keyCI]),
		agent:    str(res[keyAgent]),
		source:   orUnknown(str(res[keySource])),
		suggest:  first(strs(a[keySuggestion])),
		flags:    strs(a[keyFlags]),
		duration: s.Duration,
	}
	if x.command == "" {
		x.command = s.Name
	}
	if rate, ok := num(res[keySampleRate]); ok && rate > 0 && rate <= 1 {
		x.rate = rate
	}
	x.weight = 1 / x.rate
	code, _ := num(a[keyExitCode])
	x.failed = code != 0 || x.errType != "" || s.Error
	if x.failed && x.errType == "" {
		x.errType = "_OTHER"
	}
	if x.ci == "" {
		x.ci = NotCI
	}
	if x.agent == "" {
		x.agent = NoAgent
	}
	x.platform = orUnknown(str(res[keyOS])) + "/" + orUnknown(str(res[keyArch]))
	for k, v := range a {
		if name, ok := strings.CutPrefix(k, keyFlagPrefix); ok {
			if x.values == nil {
				x.values = map[string][]string{}
			}
			x.values[name] = strs(v)
		}
	}
	return x
}

func commands(runs []run, metrics []MetricSeries) []CommandRow {
	type acc struct {
		CommandRow
		installs map[string]bool
		durs     []weighted
	}
	by := map[string]*acc{}
	get := func(c string) *acc {
		a := by[c]
		if a == nil {
			a = &acc{CommandRow: CommandRow{Command: c}, installs: map[string]bool{}}
			by[c] = a
		}
		return a
	}
	for _, x := range runs {
		a := get(x.command)
		a.Runs += x.weight
		a.Recorded++
		if x.failed {
			a.Failures += x.weight
		}
		if x.install != "" {
			a.installs[x.install] = true
		}
		a.durs = append(a.durs, weighted{float64(x.duration) / float64(time.Millisecond), x.weight})
	}
	if metrics != nil {
		for _, m := range metrics {
			a := get(m.Command)
			if a.Collector == nil {
				a.Collector = new(float64)
			}
			*a.Collector += m.Calls
		}
		for _, a := range by {
			if a.Collector == nil {
				a.Collector = new(float64)
			}
		}
	}
	out := make([]CommandRow, 0, len(by))
	for _, a := range by {
		a.FailureRate = ratio(a.Failures, a.Runs)
		a.Installs = len(a.installs)
		a.P50ms = round(quantile(a.durs, 0.5), 3)
		a.P95ms = round(quantile(a.durs, 0.95), 3)
		out = append(out, a.CommandRow)
	}
	slices.SortFunc(out, func(a, b CommandRow) int {
		return cmp.Or(cmp.Compare(b.Runs, a.Runs), cmp.Compare(a.Command, b.Command))
	})
	return out
}

func errorRows(runs []run, total float64) ([]ErrorRow, []Row) {
	type key struct{ typ, cmd string }
	by := map[key]float64{}
	for _, x := range runs {
		if x.failed {
			by[key{x.errType, x.command}] += x.weight
		}
	}
	var rows []ErrorRow
	for k, n := range by {
		rows = append(rows, ErrorRow{Type: k.typ, Command: k.cmd, Runs: n})
	}
	slices.SortFunc(rows, func(a, b ErrorRow) int {
		return cmp.Or(cmp.Compare(b.Runs, a.Runs), cmp.Compare(a.Type, b.Type), cmp.Compare(a.Command, b.Command))
	})
	kinds := dimension(runs, total, func(x run) string {
		if x.failed {
			return x.errType
		}
		return ""
	}, true)
	return rows, kinds
}

func flagRows(runs []run, cmds []CommandRow) ([]FlagRow, []FlagValue) {
	cmdRuns := map[string]float64{}
	for _, c := range cmds {
		cmdRuns[c.Command] = c.Runs
	}
	type fkey struct{ cmd, flag string }
	type vkey struct{ flag, value string }
	flags := map[fkey]float64{}
	values := map[vkey]float64{}
	for _, x := range runs {
		for _, f := range dedup(x.flags) {
			flags[fkey{x.command, f}] += x.weight
		}
		for f, vs := range x.values {
			for _, v := range dedup(vs) {
				values[vkey{f, v}] += x.weight
			}
		}
	}
	var fr []FlagRow
	for k, n := range flags {
		fr = append(fr, FlagRow{Command: k.cmd, Flag: k.flag, Runs: n, Share: ratio(n, cmdRuns[k.cmd])})
	}
	slices.SortFunc(fr, func(a, b FlagRow) int {
		return cmp.Or(cmp.Compare(b.Runs, a.Runs), cmp.Compare(a.Command, b.Command), cmp.Compare(a.Flag, b.Flag))
	})
	var vr []FlagValue
	for k, n := range values {
		vr = append(vr, FlagValue{Flag: k.flag, Value: k.value, Runs: n})
	}
	slices.SortFunc(vr, func(a, b FlagValue) int {
		return cmp.Or(cmp.Compare(a.Flag, b.Flag), cmp.Compare(b.Runs, a.Runs), cmp.Compare(a.Value, b.Value))
	})
	return fr, vr
}

// dimension counts runs by one value of each; skipEmpty leaves out runs
// whose value is empty.
func dimension(runs []run, total float64, value func(run) string, skipEmpty bool) []Row {
	c := newCounter()
	for _, x := range runs {
		v := value(x)
		if v == "" && skipEmpty {
			continue
		}
		c.add(v, x)
	}
	return c.rows(total)
}

type counter struct {
	runs     map[string]float64
	recorded map[string]int
	installs map[string]map[string]bool
}

func newCounter() *counter {
	return &counter{runs: map[string]float64{}, recorded: map[string]int{}, installs: map[string]map[string]bool{}}
}

func (c *counter) add(key string, x run) {
	c.runs[key] += x.weight
	c.recorded[key]++
	if c.installs[key] == nil {
		c.installs[key] = map[string]bool{}
	}
	if x.install != "" {
		c.installs[key][x.install] = true
	}
}

func (c *counter) rows(total float64) []Row {
	out := make([]Row, 0, len(c.runs))
	for k, n := range c.runs {
		out = append(out, Row{Key: k, Runs: n, Recorded: c.recorded[k], Share: ratio(n, total), Installs: len(c.installs[k])})
	}
	slices.SortFunc(out, func(a, b Row) int {
		return cmp.Or(cmp.Compare(b.Runs, a.Runs), cmp.Compare(a.Key, b.Key))
	})
	return out
}

func days(runs []run) []DayRow {
	if len(runs) == 0 {
		return nil
	}
	type acc struct {
		DayRow
		installs map[string]bool
	}
	by := map[string]*acc{}
	firstSeen := map[string]bool{}
	for _, x := range runs { // in time order
		d := x.start.Format(time.DateOnly)
		a := by[d]
		if a == nil {
			a = &acc{DayRow: DayRow{Day: d}, installs: map[string]bool{}}
			by[d] = a
		}
		a.Runs += x.weight
		if x.failed {
			a.Failures += x.weight
		}
		if x.install != "" && !a.installs[x.install] {
			a.installs[x.install] = true
			if !firstSeen[x.install] {
				firstSeen[x.install] = true
				a.NewInstalls++
			}
		}
	}
	first := runs[0].start.Truncate(24 * time.Hour)
	last := runs[len(runs)-1].start.Truncate(24 * time.Hour)
	var out []DayRow
	if last.Sub(first) <= maxDayFill*24*time.Hour {
		for d := first; !d.After(last); d = d.Add(24 * time.Hour) {
			k := d.Format(time.DateOnly)
			if a := by[k]; a != nil {
				a.Installs = len(a.installs)
				out = append(out, a.DayRow)
			} else {
				out = append(out, DayRow{Day: k})
			}
		}
		return out
	}
	for _, a := range by {
		a.Installs = len(a.installs)
		out = append(out, a.DayRow)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Day < out[j].Day })
	return out
}

type weighted struct{ v, w float64 }

// quantile is the weighted q-quantile (the smallest value whose cumulative
// weight reaches q of the total).
func quantile(xs []weighted, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.SortFunc(s, func(a, b weighted) int { return cmp.Compare(a.v, b.v) })
	var total float64
	for _, x := range s {
		total += x.w
	}
	var cum float64
	for _, x := range s {
		cum += x.w
		if cum >= q*total-1e-9 {
			return x.v
		}
	}
	return s[len(s)-1].v
}

func str(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case nil:
		return ""
	case []string:
		return strings.Join(v, ",")
	default:
		return fmt.Sprint(v)
	}
}

func strs(v any) []string {
	switch v := v.(type) {
	case []string:
		return v
	case nil:
		return nil
	default:
		if s := str(v); s != "" {
			return []string{s}
		}
		return nil
	}
}

func num(v any) (float64, bool) {
	switch v := v.(type) {
	case int64:
		return float64(v), true
	case int:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}

func dedup(xs []string) []string {
	out := slices.Clone(xs)
	slices.Sort(out)
	return slices.Compact(out)
}

func orUnknown(s string) string {
	if s == "" {
		return Unknown
	}
	return s
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

func fmtRate(r float64) string {
	return fmt.Sprintf("%g", r)
}

// first is the first of vals, or "": cobra lists its best suggestion first.
func first(vals []string) string {
	if len(vals) == 0 {
		return ""
	}
	return vals[0]
}
