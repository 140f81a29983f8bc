package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strings"
	"sync"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// The charts' colours (also looked for in the screenshot test).
var (
	ColorRuns     = color.RGBA{R: 0x3b, G: 0x6e, B: 0xa8, A: 0xff} // runs, succeeded
	ColorFailed   = color.RGBA{R: 0xd6, G: 0x45, B: 0x45, A: 0xff} // failed runs, error kinds
	ColorInstalls = color.RGBA{R: 0xe8, G: 0x8a, B: 0x1a, A: 0xff} // installs
)

const (
	chartWidth = 6.2 * vg.Inch
	rowHeight  = 20 // points per bar in horizontal bar charts
	maxBars    = 15 // categories drawn; the rest are summed as "other"
	maxLabel   = 42 // characters of a category name on an axis
)

var fontOnce sync.Once

// useSans makes every chart use Liberation Sans, which is metric-compatible
// with Arial and Helvetica: the widths measured here hold in a browser that
// falls back to one of those.
func useSans() {
	fontOnce.Do(func() {
		sans := font.Font{Typeface: "Liberation", Variant: "Sans"}
		plot.DefaultFont = sans
		plotter.DefaultFont = sans
	})
}

type series struct {
	name   string
	values []float64
	color  color.Color
}

// hbars draws a horizontal bar chart, one bar per label, top to bottom in
// the order given; several series are stacked. The total of each bar is
// written at its end.
func hbars(title, xlabel string, labels []string, ss []series) (string, error) {
	if len(labels) == 0 {
		return "", nil
	}
	useSans()
	labels, ss = topN(labels, ss, maxBars)
	n := len(labels)
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.X.Label.Text = xlabel
	p.X.Min = 0

	// gonum draws category 0 at the bottom: reverse, so the first is on top.
	rev := make([]string, n)
	for i, l := range labels {
		rev[n-1-i] = shorten(l)
	}
	totals := make([]float64, n)
	var below *plotter.BarChart
	for _, s := range ss {
		vals := make(plotter.Values, n)
		for i, v := range s.values {
			vals[n-1-i] = v
			totals[n-1-i] += v
		}
		b, err := plotter.NewBarChart(vals, vg.Points(rowHeight*0.7))
		if err != nil {
			return "", err
		}
		b.Horizontal = true
		b.Color = s.color
		b.LineStyle.Width = 0
		if below != nil {
			b.StackOn(below)
		}
		below = b
		p.Add(b)
	}
	max := 0.0
	for _, t := range totals {
		max = math.Max(max, t)
	}
	p.X.Max = niceMax(max) * 1.12
	p.X.Tick.Marker = countTicks{}
	p.NominalY(rev...)
	p.Add(plotter.NewGrid())
	if err := addValueLabels(p, totals, true); err != nil {
		return "", err
	}
	// The legend is the page's (under the chart): inside the plot it hides bars.
	return render(p, chartWidth, vg.Points(float64(rowHeight*n)+70))
}

// vbars draws grouped vertical bars over a sequence (days), one group per
// label.
func vbars(title, ylabel string, labels []string, ss []series) (string, error) {
	if len(labels) == 0 {
		return "", nil
	}
	useSans()
	n := len(labels)
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.Y.Label.Text = ylabel
	p.Y.Min = 0
	// Bars share the chart's width; at most 36 points a group.
	group := math.Min(36, (float64(chartWidth.Points())-80)/float64(n))
	w := vg.Points(group * 0.8 / float64(len(ss)))
	max := 0.0
	for i, s := range ss {
		b, err := plotter.NewBarChart(plotter.Values(s.values), w)
		if err != nil {
			return "", err
		}
		b.Color = s.color
		b.LineStyle.Width = 0
		b.Offset = w * vg.Length(float64(i)-float64(len(ss)-1)/2)
		p.Add(b)
		for _, v := range s.values {
			max = math.Max(max, v)
		}
	}
	p.Y.Max = niceMax(max) * 1.1
	p.Y.Tick.Marker = countTicks{}
	p.Add(plotter.NewGrid())
	// Label every day when they fit, else every k-th.
	step := int(math.Ceil(float64(n) / 12))
	ticks := make([]plot.Tick, n)
	for i, l := range labels {
		ticks[i] = plot.Tick{Value: float64(i)}
		if i%step == 0 {
			ticks[i].Label = l
		}
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.X.Min, p.X.Max = -0.6, float64(n)-0.4
	return render(p, chartWidth, 3.2*vg.Inch)
}

// addValueLabels writes each bar's total at its end.
func addValueLabels(p *plot.Plot, totals []float64, horizontal bool) error {
	xys := make(plotter.XYs, len(totals))
	strs := make([]string, len(totals))
	for i, t := range totals {
		if horizontal {
			xys[i] = plotter.XY{X: t, Y: float64(i)}
		} else {
			xys[i] = plotter.XY{X: float64(i), Y: t}
		}
		strs[i] = Count(t)
	}
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: strs})
	if err != nil {
		return err
	}
	for i := range l.TextStyle {
		l.TextStyle[i].YAlign = text.YCenter
		l.TextStyle[i].Font.Size = vg.Points(10)
	}
	l.Offset = vg.Point{X: vg.Points(4)}
	p.Add(l)
	return nil
}

func render(p *plot.Plot, w, h vg.Length) (string, error) {
	c := vgsvg.New(w, h)
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return "", err
	}
	svg := buf.String()
	// Inline in HTML: no XML declaration, no generator comment; scalable.
	if i := strings.Index(svg, "<svg"); i >= 0 {
		svg = svg[i:]
	}
	svg = strings.Replace(svg, "<svg ", fmt.Sprintf(`<svg role="img" aria-label="%s" class="chart" `, attrEscape(p.Title.Text)), 1)
	return svg, nil
}

// topN keeps the first n-1 categories and sums the rest as "other".
func topN(labels []string, ss []series, n int) ([]string, []series) {
	if len(labels) <= n {
		return labels, ss
	}
	out := append([]string(nil), labels[:n-1]...)
	out = append(out, fmt.Sprintf("%d others", len(labels)-(n-1)))
	var res []series
	for _, s := range ss {
		vals := append([]float64(nil), s.values[:n-1]...)
		rest := 0.0
		for _, v := range s.values[n-1:] {
			rest += v
		}
		res = append(res, series{name: s.name, values: append(vals, rest), color: s.color})
	}
	return out, res
}

func shorten(s string) string {
	r := []rune(s)
	if len(r) <= maxLabel {
		return s
	}
	return string(r[:maxLabel-1]) + "…"
}

// niceMax is the axis maximum for the largest value v (1 for an empty chart).
func niceMax(v float64) float64 {
	if v <= 0 {
		return 1
	}
	return v
}

// hexColor is c as CSS.
func hexColor(c color.Color) string {
	r, g, b, _ := c.RGBA()
	return fmt.Sprintf("#%02x%02x%02x", r>>8, g>>8, b>>8)
}

// countTicks marks whole counts: every integer on small axes, else gonum's
// default ticks without fractions.
type countTicks struct{}

func (countTicks) Ticks(min, max float64) []plot.Tick {
	if max-min <= 10 {
		var t []plot.Tick
		for v := math.Ceil(min); v <= max; v++ {
			t = append(t, plot.Tick{Value: v, Label: Count(v)})
		}
		return t
	}
	var t []plot.Tick
	for _, tick := range (plot.DefaultTicks{}).Ticks(min, max) {
		if tick.Label != "" && tick.Value != math.Trunc(tick.Value) {
			tick.Label = ""
		}
		if tick.Label != "" {
			tick.Label = Count(tick.Value)
		}
		t = append(t, tick)
	}
	return t
}

func attrEscape(s string) string {
	r := strings.NewReplacer(`&`, "&amp;", `"`, "&#34;", `<`, "&lt;", `>`, "&gt;")
	return r.Replace(s)
}
