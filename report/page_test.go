package report

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// demoDir is the data of one `make demo` session: traces.json (Jaeger's
// answer), sent.jsonl (what each recorded run sent, as `clusterctl
// telemetry show` printed it) and metrics.txt (the collector's span
// metrics). The demo sets USAGE_REPORT_DEMO_DIR to its own session's data;
// otherwise the copy of one session in testdata is used.
func demoDir() string {
	if d := os.Getenv("USAGE_REPORT_DEMO_DIR"); d != "" {
		return d
	}
	return "testdata/demo"
}

// sentRun is one line of sent.jsonl.
type sentRun struct {
	Exit    int    `json:"exit"`
	Context string `json:"context"`
	Sent    []struct {
		Resource map[string]any `json:"resource"`
		Spans    []struct {
			Name       string         `json:"name"`
			Scope      string         `json:"scope"`
			Attributes map[string]any `json:"attributes"`
		} `json:"spans"`
	} `json:"sent"`
}

// expected is what the report must show, counted straight from what the
// demo's runs sent (not through Aggregate).
type expected struct {
	runs, failures                                  int
	installs                                        map[string]bool
	commands, errorKinds, flags, values             map[string]float64
	versions, platforms, ci, agents, failedCommands map[string]float64
}

func loadExpected(t *testing.T, dir string) expected {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "sent.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	e := expected{installs: map[string]bool{}, commands: map[string]float64{}, errorKinds: map[string]float64{},
		flags: map[string]float64{}, values: map[string]float64{}, versions: map[string]float64{},
		platforms: map[string]float64{}, ci: map[string]float64{}, agents: map[string]float64{}, failedCommands: map[string]float64{}}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r sentRun
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("sent.jsonl: %v", err)
		}
		// The run's command span: otelcli's scope, with an exit code.
		var attrs, res map[string]any
		for _, rec := range r.Sent {
			for _, s := range rec.Spans {
				if _, ok := s.Attributes["process.exit.code"]; ok && s.Scope == ScopeName && attrs == nil {
					attrs, res = s.Attributes, rec.Resource
				}
			}
		}
		if attrs == nil {
			t.Fatal("a run sent no command span")
		}
		e.runs++
		cmd := attrs["cli.command.path"].(string)
		e.commands[cmd]++
		if r.Exit != 0 {
			e.failures++
			e.failedCommands[cmd]++
		}
		if et, ok := attrs["error.type"].(string); ok {
			e.errorKinds[et]++
		}
		if fl, ok := attrs["cli.command.flags"].([]any); ok {
			for _, f := range fl {
				e.flags[cmd+" --"+f.(string)]++
			}
		}
		for k, v := range attrs {
			if name, ok := strings.CutPrefix(k, "cli.flag."); ok {
				e.values[name+"="+fmt.Sprint(v)]++
			}
		}
		e.installs[res["cli.install.id"].(string)] = true
		e.versions[res["service.version"].(string)]++
		e.platforms[fmt.Sprintf("%s/%s", res["os.type"], res["host.arch"])]++
		ci, _ := res["cli.ci.system"].(string)
		if ci == "" {
			ci = NotCI
		}
		e.ci[ci]++
		agent, _ := res["cli.agent"].(string)
		if agent == "" {
			agent = NoAgent
		}
		e.agents[agent]++
		// What the demo set up, as a check of the data itself.
		switch {
		case strings.Contains(r.Context, "GitHub") && ci != "github_actions":
			t.Errorf("a run in the GitHub Actions context sent cli.ci.system=%q", ci)
		case strings.Contains(r.Context, "Claude") && agent != "claude_code":
			t.Errorf("a run in the Claude Code context sent cli.agent=%q", agent)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if e.runs == 0 {
		t.Fatal("sent.jsonl is empty")
	}
	return e
}

func demoReport(t *testing.T, dir string) *Report {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "traces.json"))
	if err != nil {
		t.Fatal(err)
	}
	spans, err := DecodeJaeger(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	opt := Options{Service: "clusterctl", Source: "demo"}
	if m, err := os.Open(filepath.Join(dir, "metrics.txt")); err == nil {
		defer m.Close()
		if opt.Metrics, err = ParseSpanMetrics(m, "clusterctl"); err != nil {
			t.Fatal(err)
		}
	}
	return Aggregate(spans, opt)
}

// TestDemoReport renders the report from a demo session's data and checks
// its numbers, in the report, in the page's tables and in its embedded
// data, against what the session's runs sent; then loads the page in
// headless Chromium.
func TestDemoReport(t *testing.T) {
	dir := demoDir()
	want := loadExpected(t, dir)
	r := demoReport(t, dir)

	// The report.
	eqi(t, "recorded runs", r.RecordedRuns, want.runs)
	eq(t, "runs", r.Runs, float64(want.runs))
	eq(t, "failures", r.Failures, float64(want.failures))
	eqi(t, "installs", r.Installs, len(want.installs))
	if r.Reweighted {
		t.Error("the demo records every run: nothing to re-weight")
	}
	got := map[string]float64{}
	failed := map[string]float64{}
	for _, c := range r.Commands {
		got[c.Command] = c.Runs
		failed[c.Command] = c.Failures
		if c.Collector == nil || *c.Collector != c.Runs {
			t.Errorf("%s: the collector's span metrics count %v, the stored spans %v", c.Command, c.Collector, c.Runs)
		}
	}
	same(t, "runs per command", got, want.commands)
	same(t, "failures per command", nonzero(failed), want.failedCommands)
	same(t, "error kinds", rowMap(r.ErrorKinds), want.errorKinds)
	flags := map[string]float64{}
	for _, f := range r.Flags {
		flags[f.Command+" --"+f.Flag] = f.Runs
	}
	same(t, "flags", flags, want.flags)
	values := map[string]float64{}
	for _, v := range r.FlagValues {
		values[v.Flag+"="+v.Value] = v.Runs
	}
	same(t, "flag values", values, want.values)
	same(t, "versions", rowMap(r.Versions), want.versions)
	same(t, "platforms", rowMap(r.Platforms), want.platforms)
	same(t, "CI", rowMap(r.CI), want.ci)
	same(t, "agents", rowMap(r.Agents), want.agents)
	var dayRuns float64
	var newInstalls int
	for _, d := range r.Days {
		dayRuns += d.Runs
		newInstalls += d.NewInstalls
	}
	eq(t, "runs over the days", dayRuns, float64(want.runs))
	eqi(t, "new installs over the days", newInstalls, len(want.installs))

	// The page, as written.
	var page bytes.Buffer
	if err := r.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	doc := parsePage(t, page.Bytes())
	checkPage(t, "page", doc, r, want)
	checkSelfContained(t, doc)
	if len(doc.all("svg")) != len(pageSections) {
		t.Errorf("%d charts, want %d", len(doc.all("svg")), len(pageSections))
	}
	data := doc.byID("report-data")
	if data == nil {
		t.Fatal("no embedded data")
	}
	var embedded Report
	if err := json.Unmarshal([]byte(data.text()), &embedded); err != nil {
		t.Fatalf("embedded data: %v", err)
	}
	var direct Report
	b, _ := json.Marshal(r)
	_ = json.Unmarshal(b, &direct)
	if !reflect.DeepEqual(embedded, direct) {
		t.Error("the embedded data is not the report")
	}

	// The page, in a browser.
	file := filepath.Join(t.TempDir(), "usage.html")
	if os.Getenv("USAGE_REPORT_DEMO_DIR") != "" {
		file = filepath.Join(dir, "usage-test.html")
	}
	if err := os.WriteFile(file, page.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Run("chromium", func(t *testing.T) {
		browser := chromium(t)
		dom := runChromium(t, browser, "--dump-dom", "file://"+file)
		bdoc := parsePage(t, dom)
		checkPage(t, "chromium's DOM", bdoc, r, want)
		// The browser parsed the charts as SVG: bars are drawn as paths.
		svgs := bdoc.all("svg")
		if len(svgs) != len(pageSections) {
			t.Fatalf("chromium's DOM has %d charts, want %d", len(svgs), len(pageSections))
		}
		for _, s := range svgs {
			if len(s.all("path")) < 3 || len(s.all("text")) < 3 {
				t.Errorf("chart %q: %d paths, %d texts", s.attr["aria-label"], len(s.all("path")), len(s.all("text")))
			}
		}

		shot := strings.TrimSuffix(file, ".html") + ".png"
		runChromium(t, browser, "--screenshot="+shot, "--window-size=1280,6400", "file://"+file)
		img := readPNG(t, shot)
		for _, c := range []struct {
			name string
			col  color.RGBA
			min  int
		}{
			{"runs", ColorRuns, 3000},
			{"failed", ColorFailed, 800},
			{"installs", ColorInstalls, 300},
		} {
			if n := countColor(img, c.col); n < c.min {
				t.Errorf("screenshot: %d pixels of the %s colour, want at least %d: charts not drawn?", n, c.name, c.min)
			} else {
				t.Logf("screenshot: %d pixels of the %s colour", n, c.name)
			}
		}
		t.Logf("screenshot: %s", shot)
	})
}

// pageSections are the ids of the sections, each with a chart and a table.
var pageSections = []string{"commands", "errors", "flags", "flag-values", "days", "versions", "platforms", "ci", "agents", "sources"}

// checkPage checks the numbers a reader sees: the summary and the tables.
func checkPage(t *testing.T, what string, doc *node, r *Report, want expected) {
	t.Helper()
	for id, v := range map[string]string{
		"runs":           Count(float64(want.runs)),
		"installs":       fmt.Sprint(len(want.installs)),
		"failure-rate":   Percent(float64(want.failures) / float64(want.runs)),
		"ci-share":       Percent(want.ci["github_actions"] / float64(want.runs)),
		"agent-share":    Percent(want.agents["claude_code"] / float64(want.runs)),
		"commands-count": fmt.Sprint(len(want.commands)),
	} {
		n := doc.byID(id)
		if n == nil || strings.TrimSpace(n.text()) != v {
			t.Errorf("%s: #%s shows %q, want %q", what, id, textOf(n), v)
		}
	}
	for _, id := range pageSections {
		if s := doc.byID(id); s == nil || len(s.all("table")) != 1 {
			t.Errorf("%s: section %s missing or without its table", what, id)
		}
	}
	// Each table: first column → the runs column.
	for _, c := range []struct {
		id   string
		col  int
		want map[string]float64
	}{
		{"commands", 1, want.commands},
		{"versions", 1, want.versions},
		{"platforms", 1, want.platforms},
		{"ci", 1, want.ci},
		{"agents", 1, want.agents},
	} {
		got := map[string]float64{}
		for _, row := range tableRows(doc.byID(c.id)) {
			var v float64
			fmt.Sscan(row[c.col], &v)
			got[row[0]] = v
		}
		same(t, what+": table "+c.id, got, c.want)
	}
	kinds := map[string]float64{}
	for _, row := range tableRows(doc.byID("errors")) {
		if row[1] == "" { // cobra's suggestions
			continue
		}
		var v float64
		fmt.Sscan(row[2], &v)
		kinds[row[0]] += v
	}
	same(t, what+": table errors", kinds, want.errorKinds)
	var dayRuns float64
	for _, row := range tableRows(doc.byID("days")) {
		var v float64
		fmt.Sscan(row[1], &v)
		dayRuns += v
	}
	eq(t, what+": runs in the days table", dayRuns, float64(want.runs))
}

// checkSelfContained: nothing on the page points outside it, and its
// Content-Security-Policy forbids loading anything.
func checkSelfContained(t *testing.T, doc *node) {
	t.Helper()
	doc.walk(func(n *node) {
		for _, a := range []string{"src", "href", "xlink:href", "action", "srcset", "data"} {
			if v, ok := n.attr[a]; ok && !strings.HasPrefix(v, "#") && !strings.HasPrefix(v, "data:") {
				t.Errorf("<%s %s=%q>: the page must not load anything", n.tag, a, v)
			}
		}
		if n.tag == "link" || (n.tag == "script" && n.attr["type"] != "application/json") {
			t.Errorf("<%s> on the page", n.tag)
		}
	})
	found := false
	for _, m := range doc.all("meta") {
		found = found || (m.attr["http-equiv"] == "Content-Security-Policy" && strings.Contains(m.attr["content"], "default-src 'none'"))
	}
	if !found {
		t.Error("no Content-Security-Policy forbidding loads")
	}
	for _, s := range doc.all("style") {
		if strings.Contains(s.text(), "url(") || strings.Contains(s.text(), "@import") {
			t.Error("the style sheet loads something")
		}
	}
}

func TestPageEscapesWhatItShows(t *testing.T) {
	evil := `clusterctl <script>alert(1)</script></script>&"`
	spans := []Span{cmdSpan("1", evil, t0, 1, map[string]any{keyErrorType: `<img src=x onerror=alert(1)>`, keyFlags: []string{`"><b>`}}, nil)}
	r := Aggregate(spans, Options{Service: "clusterctl"})
	var page bytes.Buffer
	if err := r.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	s := page.String()
	for _, bad := range []string{"<script>alert", "<img", `"><b>`} {
		if strings.Contains(s, bad) {
			t.Errorf("the page holds %q unescaped", bad)
		}
	}
	doc := parsePage(t, page.Bytes())
	if n := len(doc.all("script")); n != 1 {
		t.Errorf("%d script elements, want the data block only", n)
	}
	rows := tableRows(doc.byID("commands"))
	if len(rows) != 1 || rows[0][0] != evil {
		t.Errorf("the command is not shown as text: %q", rows)
	}
	var back Report
	if err := json.Unmarshal([]byte(doc.byID("report-data").text()), &back); err != nil || back.Commands[0].Command != evil {
		t.Errorf("embedded data: %v %+v", err, back.Commands)
	}
}

func TestPageWithoutRuns(t *testing.T) {
	r := Aggregate(nil, Options{Service: "clusterctl", From: t0, To: t0.Add(time.Hour)})
	var page, text bytes.Buffer
	if err := r.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	doc := parsePage(t, page.Bytes())
	if n := len(doc.all("svg")); n != 0 {
		t.Errorf("%d charts for no data", n)
	}
	if !strings.Contains(page.String(), "None in this window.") || !strings.Contains(text.String(), "0 runs") {
		t.Error("an empty report does not say so")
	}
}

func TestWriteText(t *testing.T) {
	r := demoReport(t, "testdata/demo")
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, s := range []string{
		"14 runs (14 recorded), 3 failed (21.4%), 2 installs, CI 14.3%, agents 14.3%",
		"clusterctl cluster create  5     1       20.0%",
		"missing_required_flag  clusterctl cluster create  1",
		"github_actions  2     14.3%",
		"claude_code  2     14.3%",
		"0.3.0    2     14.3%  1",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("the tables lack %q:\n%s", s, out)
		}
	}
}

func same(t *testing.T, what string, got, want map[string]float64) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got  %v\n want %v", what, got, want)
	}
}

func nonzero(m map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range m {
		if v != 0 {
			out[k] = v
		}
	}
	return out
}

// chromium finds a Chromium to load the page in. Missing, the test is
// skipped on a developer's machine and fails in CI, which installs it.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium: CI must check the page in a browser (.ci/run installs Debian's chromium)")
	}
	t.Skip("chromium is not installed (apt-get install chromium): the page was checked as parsed HTML only, not in a browser")
	return ""
}

func runChromium(t *testing.T, browser string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	// Flags for a closed network and a throwaway profile.
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--hide-scrollbars", "--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, browser, append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(browser), args[0], err, tail(stderr.String(), 2000))
	}
	return stdout.Bytes()
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func readPNG(t *testing.T, name string) image.Image {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// countColor counts the pixels within 6 of c in every channel.
func countColor(img image.Image, c color.RGBA) int {
	near := func(a uint32, b uint8) bool { d := int(a>>8) - int(b); return d >= -6 && d <= 6 }
	n := 0
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if near(r, c.R) && near(g, c.G) && near(b, c.B) {
				n++
			}
		}
	}
	return n
}

// A small DOM, from encoding/xml in its lenient HTML mode: enough to find
// elements by id and read tables, with no dependency.
type node struct {
	tag   string
	attr  map[string]string
	kids  []*node
	texts []string // text directly inside, in order
}

func parsePage(t *testing.T, page []byte) *node {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(page))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	root := &node{tag: "#document"}
	stack := []*node{root}
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the page does not parse: %v", err)
		}
		top := stack[len(stack)-1]
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &node{tag: strings.ToLower(tok.Name.Local), attr: map[string]string{}}
			for _, a := range tok.Attr {
				k := strings.ToLower(a.Name.Local)
				if a.Name.Space != "" {
					k = strings.ToLower(a.Name.Space) + ":" + k
				}
				n.attr[k] = a.Value
			}
			top.kids = append(top.kids, n)
			stack = append(stack, n)
		case xml.EndElement:
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
		case xml.CharData:
			top.texts = append(top.texts, string(tok))
		}
	}
	if len(stack) != 1 {
		t.Fatalf("the page leaves %d elements open", len(stack)-1)
	}
	if len(root.all("html")) != 1 || len(root.all("body")) != 1 || len(root.all("title")) != 1 {
		t.Fatal("the page lacks html, body or title")
	}
	return root
}

func (n *node) walk(f func(*node)) {
	f(n)
	for _, k := range n.kids {
		k.walk(f)
	}
}

func (n *node) all(tag string) []*node {
	var out []*node
	n.walk(func(m *node) {
		if m.tag == tag {
			out = append(out, m)
		}
	})
	return out
}

func (n *node) byID(id string) *node {
	var found *node
	n.walk(func(m *node) {
		if found == nil && m.attr["id"] == id {
			found = m
		}
	})
	return found
}

func (n *node) text() string {
	var b strings.Builder
	var rec func(*node)
	rec = func(m *node) {
		for _, s := range m.texts {
			b.WriteString(s)
		}
		for _, k := range m.kids {
			rec(k)
		}
	}
	rec(n)
	return b.String()
}

func textOf(n *node) string {
	if n == nil {
		return "<missing>"
	}
	return n.text()
}

// tableRows are the body rows of the section's table, as cell texts.
func tableRows(section *node) [][]string {
	if section == nil {
		return nil
	}
	var rows [][]string
	for _, tb := range section.all("tbody") {
		for _, tr := range tb.all("tr") {
			var row []string
			for _, td := range tr.all("td") {
				row = append(row, strings.TrimSpace(td.text()))
			}
			rows = append(rows, row)
		}
	}
	return rows
}
