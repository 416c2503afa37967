package api

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestBarSVGRanksDownwards: the ranking chart lists units top-down in
// rank order, every name in full, and grows with the number of units so
// that thirty long names still leave room for their bars.
func TestBarSVGRanksDownwards(t *testing.T) {
	height := func(n int) (float64, string) {
		t.Helper()
		var points []point
		for i := range n {
			v := float64(90 - i)
			points = append(points, point{label: fmt.Sprintf("Municipal Engineering Management Centre %02d", i+1), value: &v})
		}
		svg, err := barSVG(chartText{title: "ranking", yLabel: "Score"}, points)
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`height="([0-9.]+)pt"`).FindStringSubmatch(string(svg))
		if m == nil {
			t.Fatalf("no height in %.200s", svg)
		}
		h, _ := strconv.ParseFloat(m[1], 64)
		return h, string(svg)
	}
	few, _ := height(3)
	many, svg := height(30)
	if many < 3*few {
		t.Errorf("30 bars in %.0f pt, 3 in %.0f pt: the chart does not grow with its bars", many, few)
	}
	// The axis draws its names bottom-up: the last-ranked first, the first last.
	last, first := strings.Index(svg, "Centre 30<"), strings.Index(svg, "Centre 01<")
	if first < 0 || last < 0 || last > first {
		t.Errorf("names of the 1st and 30th at %d and %d: the 1st is not at the top", first, last)
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
