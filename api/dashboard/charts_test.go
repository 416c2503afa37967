package dashboard

import (
	"fmt"
	"image/color"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestBarSVGRanksDownwards: the ranking chart lists units top-down in
// rank order, every name in full with its value, and grows with the
// number of units so that thirty long names still leave room for their bars.
func TestBarSVGRanksDownwards(t *testing.T) {
	chart := func(n int, name string) (float64, string) {
		t.Helper()
		var points []point
		for i := range n {
			v := float64(90 - i)
			points = append(points, point{label: fmt.Sprintf("%s %02d", name, i+1), value: &v})
		}
		svg, err := barSVG(chartText{title: "ranking", yLabel: "Score"}, points)
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`<svg [^>]*height="([0-9.]+)"`).FindStringSubmatch(string(svg))
		if m == nil {
			t.Fatalf("no height in %.200s", svg)
		}
		h, _ := strconv.ParseFloat(m[1], 64)
		return h, string(svg)
	}
	few, _ := chart(3, "Municipal Engineering Management Centre")
	many, svg := chart(30, "Municipal Engineering Management Centre")
	if many < 3*few {
		t.Errorf("30 bars in %.0f, 3 in %.0f: the chart does not grow with its bars", many, few)
	}
	// Top-down: the first-ranked first, the last last, each with its value.
	first, last := strings.Index(svg, "Centre 01<"), strings.Index(svg, "Centre 30<")
	if first < 0 || last < 0 || first > last || !strings.Contains(svg, ">90.00<") || !strings.Contains(svg, ">61.00<") {
		t.Errorf("names of the 1st and 30th at %d and %d, or values missing: the 1st is not at the top", first, last)
	}
	// A long Chinese name ends where its bar begins, with room for all of
	// it before: the names are right-aligned, and the margin is at least
	// a full em for each of its characters.
	_, svg = chart(2, "公安分局交通警察大队")
	label := regexp.MustCompile(`<text x="([0-9.]+)" y="[0-9.]+" text-anchor="end" dominant-baseline="central">公安分局交通警察大队 01</text>`).FindStringSubmatch(svg)
	bar := regexp.MustCompile(`<rect x="([0-9.]+)" y="[0-9.]+" width`).FindStringSubmatch(svg)
	if label == nil || bar == nil {
		t.Fatalf("no right-aligned name or no bar in %s", svg)
	}
	end, _ := strconv.ParseFloat(label[1], 64)
	start, _ := strconv.ParseFloat(bar[1], 64)
	if end < 10*12+3*0.6*12 || end > start {
		t.Errorf("the name ends at %.1f, its bar starts at %.1f: it is cut or runs into the bar", end, start)
	}
	// Names are text, escaped.
	if _, svg := chart(1, "A&B <C>"); !strings.Contains(svg, "A&amp;B &lt;C&gt; 01<") {
		t.Errorf("a name with markup characters: %s", svg)
	}
	if _, err := barSVG(chartText{}, nil); err != errNoChartData {
		t.Errorf("no points: %v, want errNoChartData", err)
	}
}

// TestPaginate cuts pages and links their neighbours, keeping the query.
func TestPaginate(t *testing.T) {
	for _, c := range []struct {
		query         string
		n, per        int
		lo, hi        int
		prev, next    string
		from, to, tot int
	}{
		{"period=2026-06", 250, 100, 0, 100, "", "/breaches?page=2&period=2026-06", 1, 100, 250},
		{"period=2026-06&page=3", 250, 100, 200, 250, "/breaches?page=2&period=2026-06", "", 201, 250, 250},
		{"page=9", 250, 100, 0, 100, "", "/breaches?page=2", 1, 100, 250}, // past the end: the first page
		{"page=x", 5, 100, 0, 5, "", "", 1, 5, 5},
		{"", 0, 100, 0, 0, "", "", 1, 0, 0},
	} {
		u, _ := url.Parse("/breaches?" + c.query)
		lo, hi, pg := paginate(u, c.n, c.per)
		if lo != c.lo || hi != c.hi || pg.Prev != c.prev || pg.Next != c.next || pg.From != c.from || pg.To != c.to || pg.Total != c.tot {
			t.Errorf("paginate(%q, %d, %d) = %d, %d, %+v", c.query, c.n, c.per, lo, hi, pg)
		}
	}
}

// TestHeatBandsAreFixed: a rate's colour depends on its band alone, not
// on the other cells: 100% is green in any month, 95% amber, 85% red.
func TestHeatBandsAreFixed(t *testing.T) {
	pal := bands(0.975).Colors()
	at := func(v float64) color.Color { return pal[int(v*float64(len(pal)-1)+0.5)] }
	red, amber, green := at(0.5), at(0.95), at(1)
	for v, want := range map[float64]color.Color{0: red, 0.899: red, 0.9: amber, 0.974: amber, 0.975: green, 1: green} {
		if got := at(v); got != want {
			t.Errorf("%.3f is %v, want %v", v, got, want)
		}
	}
	if red == amber || amber == green || red == green {
		t.Errorf("the bands' colours are not told apart: %v %v %v", red, amber, green)
	}
}
