package dashboard

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Charts are drawn on the server with gonum's plot and served as SVG
// images: nothing runs in the browser and nothing comes from elsewhere.

var (
	inkBlue = color.RGBA{R: 0x1f, G: 0x5f, B: 0xa8, A: 0xff}
	inkRed  = color.RGBA{R: 0xc0, G: 0x39, B: 0x2b, A: 0xff}
)

func init() {
	// Sans-serif, as the pages are; Chinese words fall back to the
	// reader's CJK font.
	plot.DefaultFont = font.Font{Typeface: "Liberation", Variant: "Sans"}
}

// errNoChartData answers a chart of nothing: there is no image to draw.
var errNoChartData = notFound("no data to chart")

// point is one labelled value of a chart; a nil value has no data.
type point struct {
	label string
	value *float64
}

// chartText holds a chart's words, already in the reader's language.
type chartText struct {
	title, yLabel, targetLabel string
	scale                      string // a heat map's legend: a format of its low and high ends, in percent
}

// lineSVG draws values by label as a line with points, and a dashed
// target line when target is set; yMin and yMax fix the axis when set.
func lineSVG(text chartText, points []point, target *float64, yMin, yMax *float64) ([]byte, error) {
	if len(points) == 0 {
		return nil, errNoChartData
	}
	p := plot.New()
	p.Title.Text, p.Y.Label.Text = text.title, text.yLabel
	var xys plotter.XYs
	labels := make([]string, len(points))
	for i, pt := range points {
		labels[i] = pt.label
		if pt.value != nil {
			xys = append(xys, plotter.XY{X: float64(i), Y: *pt.value})
		}
	}
	if len(xys) > 0 {
		line, dots, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, err
		}
		line.Color, dots.Color, dots.Shape = inkBlue, inkBlue, draw.CircleGlyph{}
		p.Add(line, dots)
	}
	if target != nil {
		t := *target
		f := plotter.NewFunction(func(float64) float64 { return t })
		f.Color, f.Dashes, f.Width = inkRed, []vg.Length{vg.Points(4), vg.Points(3)}, vg.Points(1.5)
		p.Add(f)
		// Said under the axis, not in a legend over the points.
		p.X.Label.Text = text.targetLabel
	}
	p.Add(plotter.NewGrid())
	p.NominalX(labels...)
	p.X.Min, p.X.Max = -0.5, float64(len(points))-0.5
	if yMin != nil {
		p.Y.Min = *yMin
	}
	if yMax != nil {
		p.Y.Max = *yMax
	}
	return svgOf(p, 16*vg.Centimeter, 7*vg.Centimeter)
}

// barSVG draws points as horizontal bars on a scale from 0 to 100, the
// first at the top, each with its value at its end. It is written out by
// hand, not drawn with gonum's plot: plot places text by the widths of a
// Latin font, and Chinese names, drawn wider in the reader's CJK font,
// ran into their bars. Here names are right-aligned against the bars by
// the browser (text-anchor), whatever font it draws them in.
func barSVG(text chartText, points []point) ([]byte, error) {
	n := len(points)
	if n == 0 {
		return nil, errNoChartData
	}
	const (
		fontSize = 12.0
		rowH     = 20.0 // a bar's row
		barH     = 14.0
		top      = 32.0 // the title
		bottom   = 42.0 // the scale and its label
		barsW    = 420.0
		valueW   = 48.0 // room for a value after the longest bar
	)
	labelW := 0.0
	for _, pt := range points {
		labelW = max(labelW, textWidth(pt.label, fontSize))
	}
	scale := 100.0
	for _, pt := range points {
		if pt.value != nil && *pt.value > scale {
			scale = math.Ceil(*pt.value/20) * 20
		}
	}
	left := labelW + 10
	width, height := left+barsW+valueW, top+rowH*float64(n)+bottom
	x := func(v float64) float64 { return left + max(0, v)/scale*barsW }
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif" font-size="%g">`, width, height, width, height, fontSize)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#fff"/><text x="%.1f" y="20" text-anchor="middle" font-size="14" font-weight="bold">%s</text>`, width/2, escapeXML(text.title))
	barsBottom := top + rowH*float64(n)
	for v := 0.0; v <= scale; v += 20 {
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#ddd"/><text x="%.1f" y="%.1f" text-anchor="middle" fill="#555">%g</text>`,
			x(v), x(v), top, barsBottom, x(v), barsBottom+15, v)
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, left+barsW/2, height-8, escapeXML(text.yLabel))
	for i, pt := range points {
		mid := top + rowH*float64(i) + rowH/2
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end" dominant-baseline="central">%s</text>`, left-6, mid, escapeXML(pt.label))
		if pt.value == nil {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" dominant-baseline="central" fill="#555">—</text>`, left+4, mid)
			continue
		}
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%g" fill="#1f5fa8"/><text x="%.1f" y="%.1f" dominant-baseline="central">%.2f</text>`,
			left, mid-barH/2, x(*pt.value)-left, barH, x(*pt.value)+4, mid, *pt.value)
	}
	b.WriteString(`</svg>`)
	return b.Bytes(), nil
}

// textWidth estimates how wide a sans-serif font draws s: Chinese,
// Japanese and Korean characters a full em, others about 0.6 of one.
func textWidth(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		if r >= 0x2e80 {
			w += size
		} else {
			w += 0.6 * size
		}
	}
	return w
}

func escapeXML(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

func svgOf(p *plot.Plot, w, h vg.Length) ([]byte, error) {
	wt, err := p.WriterTo(w, h, "svg")
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := wt.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// heatCell is one cell of a heat map; a nil value has no data.
type heatCell struct {
	row, col string
	value    *float64
}

// heatGrid lays cells out for gonum's heat map: columns along x, rows
// along y, both in sorted order.
type heatGrid struct {
	rows, cols []string
	values     map[[2]int]float64
}

func (g heatGrid) Dims() (c, r int) { return len(g.cols), len(g.rows) }
func (g heatGrid) X(c int) float64  { return float64(c) }
func (g heatGrid) Y(r int) float64  { return float64(r) }
func (g heatGrid) Z(c, r int) float64 {
	if v, ok := g.values[[2]int{c, r}]; ok {
		return v
	}
	return math.NaN()
}

// heatSVG draws cells as a grid (rows × columns) of rates shaded on a
// fixed scale a reader can learn once: under 90% red, from there to the
// target amber, at or above it green; cells without data stay blank. The
// legend (text.scale) goes under it.
func heatSVG(text chartText, cells []heatCell, target float64) ([]byte, error) {
	g := heatGrid{values: map[[2]int]float64{}}
	for _, c := range cells {
		if !slices.Contains(g.rows, c.row) {
			g.rows = append(g.rows, c.row)
		}
		if !slices.Contains(g.cols, c.col) {
			g.cols = append(g.cols, c.col)
		}
	}
	if len(g.rows) == 0 || len(g.cols) == 0 {
		return nil, errNoChartData
	}
	slices.Sort(g.rows)
	slices.Sort(g.cols)
	for _, c := range cells {
		if c.value != nil {
			g.values[[2]int{slices.Index(g.cols, c.col), slices.Index(g.rows, c.row)}] = *c.value
		}
	}
	if len(g.values) == 0 {
		return nil, errNoChartData
	}
	h := plotter.NewHeatMap(g, bands(target))
	h.Min, h.Max, h.NaN = 0, 1, color.Transparent
	p := plot.New()
	p.Title.Text = text.title
	p.Add(h)
	p.NominalX(g.cols...)
	p.NominalY(g.rows...)
	p.X.Tick.Label.Rotation = math.Pi / 2
	p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XRight, draw.YCenter
	p.X.Label.Text = text.scale
	w := vg.Length(math.Max(16, 1.2+0.55*float64(len(g.cols)))) * vg.Centimeter
	hgt := vg.Length(math.Max(8, 3.5+0.55*float64(len(g.rows)))) * vg.Centimeter
	return svgOf(p, w, hgt)
}

// bands is a palette over rates from 0 to 1 in fine steps, each coloured
// by the band its rate falls in: red under 90%, amber under target,
// green at or above it.
func bands(target float64) palette.Palette {
	const steps = 1000
	cs := make([]color.Color, steps+1)
	for i := range cs {
		switch v := float64(i) / steps; {
		case v < 0.9:
			cs[i] = color.RGBA{R: 0xf8, G: 0x69, B: 0x6b, A: 0xff}
		case v < target:
			cs[i] = color.RGBA{R: 0xff, G: 0xd9, B: 0x66, A: 0xff}
		default:
			cs[i] = color.RGBA{R: 0x63, G: 0xbe, B: 0x7b, A: 0xff}
		}
	}
	return paletteOf(cs)
}

type paletteOf []color.Color

func (p paletteOf) Colors() []color.Color { return p }
