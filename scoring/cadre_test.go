package scoring

import (
	"math"
	"testing"

	"frontline/evaluation"
)

func TestCadreTenureWeighting(t *testing.T) {
	month := func(name string, scores map[string]float64) MonthReport {
		p, err := evaluation.ParsePeriod(name, shanghai)
		if err != nil {
			t.Fatal(err)
		}
		r := &Report{}
		for unit, s := range scores {
			v := s
			r.Units = append(r.Units, &UnitScore{Unit: unit, Kind: evaluation.Department, Score: &v, Cases: 31,
				Metrics: map[string]*Metric{evaluation.ResponseRate: {Num: s / 100 * 10, Den: 10, Rate: true}}})
		}
		return MonthReport{Period: p, Report: r}
	}
	months := []MonthReport{month("2026-01", map[string]float64{"D1": 80}), month("2026-02", map[string]float64{"D1": 60})}
	period := evaluation.Period{Name: "2026-01/02", From: months[0].Period.From, To: months[1].Period.To}
	date := func(s string) evaluation.Date {
		d, err := evaluation.ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	tests := []struct {
		name    string
		tenures []evaluation.Tenure
		want    map[string]float64 // cadre → score
		weights map[string]float64 // cadre → weight of its first tenure
	}{
		{"a tenure that starts mid-month",
			[]evaluation.Tenure{{Cadre: "A", Unit: "D1", Role: "head", From: date("2026-01-16")}},
			map[string]float64{"A": (80*16 + 60*28) / 44.0}, map[string]float64{"A": 44.0 / 59}},
		{"two cadres in one unit in one month",
			[]evaluation.Tenure{{Cadre: "A", Unit: "D1", Role: "head", From: date("2025-03-01"), To: date("2026-01-15")},
				{Cadre: "B", Unit: "D1", Role: "head", From: date("2026-01-16")}},
			map[string]float64{"A": 80, "B": (80*16 + 60*28) / 44.0}, map[string]float64{"A": 15.0 / 59, "B": 44.0 / 59}},
		{"a gap with no head",
			[]evaluation.Tenure{{Cadre: "A", Unit: "D1", Role: "head", From: date("2025-03-01"), To: date("2026-01-10")},
				{Cadre: "B", Unit: "D1", Role: "head", From: date("2026-02-01")}},
			map[string]float64{"A": 80, "B": 60}, map[string]float64{"A": 10.0 / 59, "B": 28.0 / 59}},
		{"a cadre who moved carries each part with the unit of the time",
			[]evaluation.Tenure{{Cadre: "A", Unit: "D1", Role: "head", From: date("2026-02-01")},
				{Cadre: "A", Unit: "D2", Role: "head", From: date("2025-01-01"), To: date("2026-01-31")}},
			map[string]float64{"A": (60*28 + 90*31) / 59.0}, map[string]float64{"A": 28.0 / 59}},
		{"a deputy is not assessed as a head", []evaluation.Tenure{{Cadre: "A", Unit: "D1", Role: "deputy", From: date("2026-01-01")}},
			map[string]float64{}, nil},
		{"a tenure outside the period", []evaluation.Tenure{{Cadre: "A", Unit: "D1", Role: "head", From: date("2026-03-01")}},
			map[string]float64{}, nil},
	}
	months[0].Report.Units = append(months[0].Report.Units, &UnitScore{Unit: "D2", Kind: evaluation.Department, Score: ptrTo(90.0), Cases: 31, Metrics: map[string]*Metric{}})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := &evaluation.Registry{
				Units:   []evaluation.Unit{{Code: "D1", Kind: evaluation.Department}, {Code: "D2", Kind: evaluation.Department}},
				Cadres:  []evaluation.Cadre{{ID: "A", Name: "甲"}, {ID: "B", Name: "乙"}},
				Tenures: tt.tenures,
			}
			got := Cadres(reg, period, months, []string{"head"}, 20, shanghai)
			if len(got) != len(tt.want) {
				t.Fatalf("assessed %d cadres, want %d", len(got), len(tt.want))
			}
			for _, c := range got {
				want := tt.want[c.Cadre.ID]
				if c.Score == nil || math.Abs(*c.Score-want) > 1e-9 {
					t.Errorf("%s score = %v, want %v", c.Cadre.ID, c.Score, want)
				}
				if w := tt.weights[c.Cadre.ID]; math.Abs(c.Tenures[0].Weight-w) > 1e-9 {
					t.Errorf("%s first tenure weight = %v, want %v", c.Cadre.ID, c.Tenures[0].Weight, w)
				}
				if v := c.Metrics[evaluation.ResponseRate]; c.Tenures[0].Unit == "D1" && len(c.Tenures) == 1 && math.Abs(v*100-want) > 1e-9 {
					t.Errorf("%s response_rate = %v, want it weighted like the score (%v)", c.Cadre.ID, v, want/100)
				}
			}
		})
	}
}

func TestCadreRanksAndPercentiles(t *testing.T) {
	p, _ := evaluation.ParsePeriod("2026-01", shanghai)
	r := &Report{}
	reg := &evaluation.Registry{}
	date, _ := evaluation.ParseDate("2025-01-01")
	for i, s := range []float64{70, 90, 90, 50} {
		unit, cadre := string(rune('A'+i))+"U", string(rune('A'+i))
		v := s
		cases := 40
		if i == 3 {
			cases = 5 // too few to be ranked
		}
		r.Units = append(r.Units, &UnitScore{Unit: unit, Kind: evaluation.Street, Score: &v, Cases: cases, Metrics: map[string]*Metric{}})
		reg.Units = append(reg.Units, evaluation.Unit{Code: unit, Kind: evaluation.Street})
		reg.Cadres = append(reg.Cadres, evaluation.Cadre{ID: cadre})
		reg.Tenures = append(reg.Tenures, evaluation.Tenure{Cadre: cadre, Unit: unit, Role: "head", From: date})
	}
	got := Cadres(reg, p, []MonthReport{{Period: p, Report: r}}, nil, 20, shanghai)
	want := []struct {
		id         string
		rank       int
		percentile float64
	}{{"B", 1, 50}, {"C", 1, 50}, {"A", 3, 0}, {"D", 0, -1}}
	for i, w := range want {
		c := got[i]
		pct := -1.0
		if c.Percentile != nil {
			pct = *c.Percentile
		}
		if c.Cadre.ID != w.id || c.Rank != w.rank || pct != w.percentile {
			t.Errorf("#%d = %s rank %d percentile %v, want %s rank %d percentile %v", i, c.Cadre.ID, c.Rank, pct, w.id, w.rank, w.percentile)
		}
	}
}

func ptrTo[T any](v T) *T { return &v }
