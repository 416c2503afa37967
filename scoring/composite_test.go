package scoring

import (
	"math"
	"testing"
	"time"

	"frontline/evaluation"
)

func unitWith(kind evaluation.UnitKind, cases int, metrics map[string][2]float64, penalty float64) *UnitScore {
	u := &UnitScore{Unit: "U", Kind: kind, Cases: cases, Metrics: map[string]*Metric{}}
	for name, nd := range metrics {
		u.Metrics[name] = &Metric{Num: nd[0], Den: nd[1], Rate: name != evaluation.ResponseQuality && name != evaluation.ResponseQualityCl}
	}
	if penalty > 0 {
		u.Penalties = []Penalty{{Kind: "serious", Points: penalty}}
	}
	return u
}

func TestCompositeRules(t *testing.T) {
	sc := evaluation.DefaultScoring()
	sc.DepartmentWeights = map[string]float64{evaluation.ResponseRate: 1}
	tests := []struct {
		name   string
		weight map[string]float64
		qual   string
		unit   *UnitScore
		want   float64
	}{
		{"floored at 0", nil, "", unitWith(evaluation.Department, 30, map[string][2]float64{evaluation.ResponseRate: {1, 2}}, 60), 0},
		{"redo rate enters as its complement", map[string]float64{evaluation.RedoRate: 1}, "",
			unitWith(evaluation.Department, 30, map[string][2]float64{evaluation.RedoRate: {1, 4}}, 0), 75},
		{"raw quality when the policy says raw", map[string]float64{evaluation.ResponseQuality: 1}, "raw",
			unitWith(evaluation.Department, 30, map[string][2]float64{evaluation.ResponseQuality: {80, 1}, evaluation.ResponseQualityCl: {60, 1}}, 0), 80},
		{"calibrated quality by default", map[string]float64{evaluation.ResponseQuality: 1}, "calibrated",
			unitWith(evaluation.Department, 30, map[string][2]float64{evaluation.ResponseQuality: {80, 1}, evaluation.ResponseQualityCl: {60, 1}}, 0), 60},
		{"weights renormalise over metrics with data", map[string]float64{evaluation.ResponseRate: 1, evaluation.ReportRate: 3}, "",
			unitWith(evaluation.Department, 30, map[string][2]float64{evaluation.ResponseRate: {1, 2}, evaluation.ReportRate: {0, 0}}, 0), 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sc
			if tt.weight != nil {
				s.DepartmentWeights = tt.weight
			}
			if tt.qual != "" {
				s.Quality = tt.qual
			}
			tt.unit.composite(s)
			if tt.unit.Score == nil || math.Abs(*tt.unit.Score-tt.want) > 1e-9 {
				t.Errorf("score = %v, want %v", tt.unit.Score, tt.want)
			}
		})
	}
}

func TestEligibilityAndRanks(t *testing.T) {
	sc := evaluation.DefaultScoring()
	sc.DepartmentWeights = map[string]float64{evaluation.ResponseRate: 1}
	mk := func(code string, cases int, num, den float64) *UnitScore {
		u := unitWith(evaluation.Department, cases, map[string][2]float64{evaluation.ResponseRate: {num, den}}, 0)
		u.Unit = code
		u.composite(sc)
		return u
	}
	units := []*UnitScore{
		mk("A", 19, 9, 10),  // 90, one case short: shown, not ranked
		mk("B", 20, 9, 10),  // 90 on 10 deadlines
		mk("C", 40, 18, 20), // 90 on 20: a higher lower bound, so ahead of B
		mk("D", 40, 18, 20), // the same as C in every way: shares its rank
		mk("E", 25, 1, 1),   // 100
		mk("F", 900, 0, 0),  // cases enough, no deadline to judge: eligible, no score, not ranked
	}
	if f := units[5]; !f.Eligible || f.Score != nil {
		t.Errorf("a unit with cases enough and no data: eligible %v, score %v", f.Eligible, f.Score)
	}
	rank(units)
	got := map[string]int{}
	for _, u := range units {
		got[u.Unit] = u.Rank
	}
	want := map[string]int{"A": 0, "E": 1, "C": 2, "D": 2, "B": 4, "F": 0}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("rank of %s = %d, want %d (all: %v)", k, got[k], v, got)
		}
	}
	// The ranked first; then the eligible without a score; the ineligible last.
	if order := units[len(units)-2].Unit + units[len(units)-1].Unit; order != "FA" {
		t.Errorf("the unranked units are listed %s last, want F then A", order)
	}
}

func TestFindingWithoutSeverityIsANotice(t *testing.T) {
	d := &Data{
		Units:       []evaluation.Unit{{Code: "D1", Kind: evaluation.Department}},
		Cases:       []Case{{ID: "C1", OpenedAt: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}},
		Assignments: []Assignment{{Assignment: evaluation.Assignment{Case: "C1", Unit: "D1", Role: "lead", DispatchedAt: time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC)}}},
		Findings:    []Finding{{ID: "F1", Case: "C1", Unit: "D1"}},
	}
	r := Compute(d, Options{AsOf: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), Scoring: evaluation.DefaultScoring()})
	if len(r.Units) != 1 || len(r.Units[0].Penalties) != 1 || r.Units[0].Penalties[0].Kind != "notice" || r.Units[0].Penalties[0].Points != 1 {
		t.Errorf("penalties = %+v, want one notice of 1 point", r.Units)
	}
}

func TestClearlyBelowTheTarget(t *testing.T) {
	opt := Options{AsOf: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), Scoring: evaluation.DefaultScoring()}
	mk := func(street string, satisfied, rated int) []Case {
		var cs []Case
		for i := range rated {
			sat := "satisfied"
			if i >= satisfied {
				sat = "dissatisfied"
			}
			cs = append(cs, Case{ID: street + string(rune('a'+i%26)) + string(rune('a'+i/26)), Street: street, Satisfaction: sat,
				OpenedAt: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), RatedAt: time.Date(2026, 6, 2, 0, 0, 0, 0, time.UTC)})
		}
		return cs
	}
	d := &Data{Units: []evaluation.Unit{{Code: "S1", Kind: evaluation.Street}, {Code: "S2", Kind: evaluation.Street}}}
	d.Cases = append(mk("S1", 90, 100), mk("S2", 97, 100)...)
	r := Satisfaction(d, opt, time.UTC)
	lines := map[string]SatisfactionLine{}
	for _, l := range r.Units {
		lines[l.Unit] = l
	}
	if !lines["S1"].AtRisk || !lines["S1"].ClearlyBelow {
		t.Errorf("S1 at 90%% = %+v, want at risk and clearly below", lines["S1"])
	}
	if !lines["S2"].AtRisk || lines["S2"].ClearlyBelow {
		t.Errorf("S2 at 97%% = %+v, want at risk but not clearly below", lines["S2"])
	}
}
