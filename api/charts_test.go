package api

import (
	"fmt"
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
		svg, err := barSVG(chartText{title: "ranking", yLabel: "Score"}, points, -1)
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
	if _, err := barSVG(chartText{}, nil, -1); err != errNoChartData {
		t.Errorf("no points: %v, want errNoChartData", err)
	}
}
