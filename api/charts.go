package api

import (
	"bytes"
	"github.com/danielgtaylor/huma/v2"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Charts are drawn on the server with gonum's plot and served as SVG
// images: nothing runs in the browser and nothing comes from elsewhere.

var (
	inkBlue  = color.RGBA{R: 0x1f, G: 0x5f, B: 0xa8, A: 0xff}
	inkRed   = color.RGBA{R: 0xc0, G: 0x39, B: 0x2b, A: 0xff}
	inkGreen = color.RGBA{R: 0x2e, G: 0x8b, B: 0x57, A: 0xff}
)

func init() {
	// Sans-serif, as the pages are; Chinese words fall back to the
	// reader's CJK font.
	plot.DefaultFont = font.Font{Typeface: "Liberation", Variant: "Sans"}
}

// errNoChartData answers a chart of nothing: there is no image to draw.
var errNoChartData = huma.Error404NotFound("no data to chart")

// point is one labelled value of a chart; a nil value has no data.
type point struct {
	label string
	value *float64
}

// chartText holds a chart's words, already in the reader's language.
type chartText struct {
	title, yLabel, targetLabel string
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
		p.Legend.Add(text.targetLabel, f)
		p.Legend.Top = false
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

// barSVG draws one bar per label; bars at index mark are drawn in
// another colour (the reader's own unit).
func barSVG(text chartText, points []point, mark int) ([]byte, error) {
	if len(points) == 0 {
		return nil, errNoChartData
	}
	p := plot.New()
	p.Title.Text, p.Y.Label.Text = text.title, text.yLabel
	values := make(plotter.Values, len(points))
	labels := make([]string, len(points))
	for i, pt := range points {
		labels[i] = pt.label
		if pt.value != nil {
			values[i] = *pt.value
		}
	}
	{
		width := vg.Points(math.Max(4, math.Min(18, 420/float64(len(points)))))
		bars, err := plotter.NewBarChart(values, width)
		if err != nil {
			return nil, err
		}
		bars.Color, bars.LineStyle.Width = inkBlue, 0
		p.Add(bars)
		if mark >= 0 && mark < len(points) {
			own := make(plotter.Values, len(points))
			own[mark] = values[mark]
			ownBars, err := plotter.NewBarChart(own, width)
			if err != nil {
				return nil, err
			}
			ownBars.Color, ownBars.LineStyle.Width = inkGreen, 0
			p.Add(ownBars)
		}
	}
	p.NominalX(labels...)
	p.X.Tick.Label.Rotation = math.Pi / 3
	p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XRight, draw.YCenter
	p.Y.Min = 0
	return svgOf(p, 18*vg.Centimeter, 8*vg.Centimeter)
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
