package report

import (
	"math"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// cmdSpan builds a command span as Jaeger gives it after decoding.
func cmdSpan(id, cmd string, at time.Time, exit int64, attrs map[string]any, res map[string]any) Span {
	a := map[string]any{keyCommandPath: cmd, keyExitCode: exit}
	for k, v := range attrs {
		a[k] = v
	}
	r := map[string]any{keyService: "clusterctl", keyVersion: "1.0.0", keyOS: "linux", keyArch: "amd64",
		keyInstallID: "install-a", keySampleRate: 1.0}
	for k, v := range res {
		if v == nil {
			delete(r, k)
			continue
		}
		r[k] = v
	}
	return Span{TraceID: "t" + id, SpanID: "s" + id, Name: cmd, Scope: ScopeName, Start: at,
		Duration: time.Duration(len(id)) * time.Millisecond, Error: exit != 0, Attributes: a, Resource: r}
}

func TestAggregateCountsOnlyCommandSpans(t *testing.T) {
	spans := []Span{
		cmdSpan("1", "cli list", t0, 0, nil, nil),
		// The CLI's own child span: another scope.
		{TraceID: "t1", SpanID: "c1", Name: "clusters.load", Scope: "clusterctl", Start: t0,
			Attributes: map[string]any{}, Resource: map[string]any{keyService: "clusterctl"}},
		// otelcli's scope but no exit code: not the span of a finished run.
		{TraceID: "t2", SpanID: "c2", Name: "snapshot", Scope: ScopeName, Start: t0,
			Attributes: map[string]any{keyCommandPath: "cli serve"}, Resource: map[string]any{keyService: "clusterctl"}},
		// Another service.
		cmdSpan("3", "other list", t0, 0, nil, map[string]any{keyService: "other"}),
		// The same run delivered twice.
		cmdSpan("1", "cli list", t0, 0, nil, nil),
	}
	r := Aggregate(spans, Options{Service: "clusterctl"})
	if r.RecordedRuns != 1 || r.Runs != 1 {
		t.Fatalf("runs = %v (%d recorded), want 1", r.Runs, r.RecordedRuns)
	}
	if r.OtherSpans != 2 || r.Duplicates != 1 {
		t.Errorf("other spans %d, duplicates %d; want 2 and 1", r.OtherSpans, r.Duplicates)
	}
	if len(r.Commands) != 1 || r.Commands[0].Command != "cli list" {
		t.Errorf("commands = %+v", r.Commands)
	}
}

func TestAggregate(t *testing.T) {
	ci := map[string]any{keyCI: "github_actions", keyInstallID: "install-ci", keyVersion: "0.9.0"}
	agent := map[string]any{keyAgent: "claude_code"}
	day2 := t0.Add(24 * time.Hour)
	day4 := t0.Add(72 * time.Hour)
	spans := []Span{
		cmdSpan("1", "cli create", t0, 0, map[string]any{keyFlags: []string{"name", "provider"}, "cli.flag.provider": "AWS"}, nil),
		cmdSpan("2", "cli create", t0.Add(time.Minute), 1, map[string]any{keyFlags: []string{"provider"}, keyErrorType: "missing_required_flag", "cli.flag.provider": "GCP"}, agent),
		cmdSpan("3", "cli list", t0.Add(2*time.Minute), 0, nil, ci),
		cmdSpan("4", "cli", day2, 1, map[string]any{keyErrorType: "unknown_command", keySuggestion: "list"}, nil),
		cmdSpan("5", "cli list", day4, 0, map[string]any{keyFlags: []string{"output"}}, ci),
		cmdSpan("6", "cli list", day4, 0, nil, map[string]any{keyInstallID: "install-b", keyOS: "darwin", keyArch: "arm64"}),
		// Failed by exit code alone (no error.type): counted as _OTHER.
		cmdSpan("7", "cli delete", day4, 2, nil, nil),
	}
	r := Aggregate(spans, Options{Service: "clusterctl"})

	eq(t, "runs", r.Runs, 7)
	eq(t, "failures", r.Failures, 3)
	eq(t, "failure rate", r.FailureRate, 3.0/7)
	eqi(t, "installs", r.Installs, 3)
	eq(t, "CI runs", r.CIRuns, 2)
	eq(t, "CI share", r.CIShare, 2.0/7)
	eq(t, "agent runs", r.AgentRuns, 1)
	if r.Reweighted {
		t.Error("reweighted without sampling")
	}

	cmds := map[string]CommandRow{}
	for _, c := range r.Commands {
		cmds[c.Command] = c
	}
	if r.Commands[0].Command != "cli list" {
		t.Errorf("first command %q, want the most used", r.Commands[0].Command)
	}
	eq(t, "list runs", cmds["cli list"].Runs, 3)
	eqi(t, "list installs", cmds["cli list"].Installs, 2)
	eq(t, "create failures", cmds["cli create"].Failures, 1)
	eq(t, "create failure rate", cmds["cli create"].FailureRate, 0.5)
	eq(t, "unknown command failures", cmds["cli"].Failures, 1)

	kinds := rowMap(r.ErrorKinds)
	eq(t, "missing_required_flag", kinds["missing_required_flag"], 1)
	eq(t, "unknown_command", kinds["unknown_command"], 1)
	eq(t, "_OTHER", kinds["_OTHER"], 1)
	if len(r.Errors) != 3 {
		t.Errorf("errors = %+v", r.Errors)
	}
	eq(t, "suggestion", rowMap(r.Suggestions)["list"], 1)

	flags := map[string]FlagRow{}
	for _, f := range r.Flags {
		flags[f.Command+" --"+f.Flag] = f
	}
	eq(t, "create --provider", flags["cli create --provider"].Runs, 2)
	eq(t, "create --provider share", flags["cli create --provider"].Share, 1)
	eq(t, "create --name share", flags["cli create --name"].Share, 0.5)
	eq(t, "list --output share", flags["cli list --output"].Share, 1.0/3)
	values := map[string]float64{}
	for _, v := range r.FlagValues {
		values[v.Flag+"="+v.Value] = v.Runs
	}
	eq(t, "provider=AWS", values["provider=AWS"], 1)
	eq(t, "provider=GCP", values["provider=GCP"], 1)

	eq(t, "version 1.0.0", rowMap(r.Versions)["1.0.0"], 5)
	eq(t, "version 0.9.0", rowMap(r.Versions)["0.9.0"], 2)
	eq(t, "linux/amd64", rowMap(r.Platforms)["linux/amd64"], 6)
	eq(t, "darwin/arm64", rowMap(r.Platforms)["darwin/arm64"], 1)
	eq(t, "not CI", rowMap(r.CI)[NotCI], 5)
	eq(t, "github_actions", rowMap(r.CI)["github_actions"], 2)
	eq(t, "claude_code", rowMap(r.Agents)["claude_code"], 1)
	eq(t, "no agent", rowMap(r.Agents)[NoAgent], 6)

	// Days: the gap (day 3) is filled; installs are distinct per day.
	want := []DayRow{
		{Day: "2026-11-20", Runs: 3, Failures: 1, Installs: 2, NewInstalls: 2},
		{Day: "2026-11-21", Runs: 1, Failures: 1, Installs: 1},
		{Day: "2026-11-22"},
		{Day: "2026-11-23", Runs: 3, Failures: 1, Installs: 3, NewInstalls: 1},
	}
	if len(r.Days) != len(want) {
		t.Fatalf("days = %+v", r.Days)
	}
	for i := range want {
		if r.Days[i] != want[i] {
			t.Errorf("day %d = %+v, want %+v", i, r.Days[i], want[i])
		}
	}
	if !r.FirstRun.Equal(t0) || !r.LastRun.Equal(day4) {
		t.Errorf("first %v last %v", r.FirstRun, r.LastRun)
	}
}

func TestAggregateReweightsBySampleRate(t *testing.T) {
	half := map[string]any{keySampleRate: 0.5, keyInstallID: "sampled"}
	tenth := map[string]any{keySampleRate: 0.1, keyInstallID: "rare", keyCI: "gitlab_ci"}
	spans := []Span{
		cmdSpan("1", "cli list", t0, 0, nil, nil),                                  // rate 1
		cmdSpan("2", "cli list", t0, 0, nil, half),                                 // counts 2
		cmdSpan("3", "cli list", t0, 1, nil, half),                                 // counts 2, failed
		cmdSpan("4", "cli create", t0, 0, nil, tenth),                              // counts 10
		cmdSpan("5", "cli create", t0, 0, nil, map[string]any{keySampleRate: 0.0}), // invalid: 1
		cmdSpan("6", "cli create", t0, 0, nil, map[string]any{keySampleRate: nil}), // missing: 1
	}
	r := Aggregate(spans, Options{})
	if !r.Reweighted {
		t.Fatal("not marked as re-weighted")
	}
	eqi(t, "recorded", r.RecordedRuns, 6)
	eq(t, "runs", r.Runs, 1+2+2+10+1+1)
	eq(t, "failures", r.Failures, 2)
	eq(t, "CI share", r.CIShare, 10.0/17)
	eqi(t, "installs (not re-weighted)", r.Installs, 3)
	cmds := map[string]CommandRow{}
	for _, c := range r.Commands {
		cmds[c.Command] = c
	}
	eq(t, "list", cmds["cli list"].Runs, 5)
	eqi(t, "list recorded", cmds["cli list"].Recorded, 3)
	eq(t, "list failure rate", cmds["cli list"].FailureRate, 0.4)
	eq(t, "create", cmds["cli create"].Runs, 12)
	rates := map[string]int{}
	for _, s := range r.SampleRates {
		rates[s.Key] = s.Recorded
	}
	if rates["1"] != 3 || rates["0.5"] != 2 || rates["0.1"] != 1 {
		t.Errorf("sample rates = %+v", r.SampleRates)
	}
	if r.Service != "clusterctl" {
		t.Errorf("service %q, want the spans'", r.Service)
	}
	found := false
	for _, n := range r.Notes {
		found = found || strings.Contains(n, "1/rate")
	}
	if !found {
		t.Errorf("no note about re-weighting: %q", r.Notes)
	}
}

func TestAggregateEmpty(t *testing.T) {
	r := Aggregate(nil, Options{Service: "clusterctl"})
	if r.Runs != 0 || len(r.Commands) != 0 || len(r.Days) != 0 || r.FailureRate != 0 {
		t.Errorf("%+v", r)
	}
}

func TestAggregateWithMetrics(t *testing.T) {
	spans := []Span{cmdSpan("1", "cli list", t0, 0, nil, nil)}
	r := Aggregate(spans, Options{Metrics: []MetricSeries{
		{Command: "cli list", Calls: 3}, {Command: "cli list", ErrorType: "x", Calls: 1}, {Command: "cli gone", Calls: 2}}})
	got := map[string]float64{}
	for _, c := range r.Commands {
		if c.Collector == nil {
			t.Fatalf("%s: no collector count", c.Command)
		}
		got[c.Command] = *c.Collector
	}
	if got["cli list"] != 4 || got["cli gone"] != 2 {
		t.Errorf("collector counts %v", got)
	}
}

func TestQuantile(t *testing.T) {
	xs := []weighted{{5, 1}, {1, 1}, {3, 1}, {2, 1}, {4, 1}}
	if q := quantile(xs, 0.5); q != 3 {
		t.Errorf("median %v", q)
	}
	if q := quantile(xs, 0.95); q != 5 {
		t.Errorf("p95 %v", q)
	}
	// A value with weight 4 of 5 is the median.
	if q := quantile([]weighted{{1, 1}, {9, 4}}, 0.5); q != 9 {
		t.Errorf("weighted median %v", q)
	}
}

func eq(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-9 {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func eqi(t *testing.T, what string, got, want int) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %d, want %d", what, got, want)
	}
}

func rowMap(rows []Row) map[string]float64 {
	m := map[string]float64{}
	for _, r := range rows {
		m[r.Key] = r.Runs
	}
	return m
}
