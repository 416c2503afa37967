package scoring

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"testing"
	"time"

	"frontline/evaluation"
	"frontline/formats"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// dataFromTrails derives scoring input straight from trails, as storage
// does from its rows.
func dataFromTrails(trails map[string][]evaluation.Event, rules *evaluation.Rules, units []evaluation.Unit) *Data {
	d := &Data{Units: units}
	for id, trail := range trails {
		c, as := evaluation.Derive(id, trail)
		deadlines := evaluation.Deadlines(&c, as, trail, rules)
		sc := Case{ID: id, OpenedAt: c.OpenedAt, Street: c.Street, Satisfaction: c.Satisfaction, Solved: c.Solved,
			RatedAt: c.RatedAt, InPlace: c.InPlace, RevisitedAt: c.RevisitedAt, Reopenings: c.Reopenings, ReopenedAt: c.ReopenedAt}
		for i := range deadlines {
			if deadlines[i].Milestone == evaluation.Call {
				sc.Call = &deadlines[i]
			}
		}
		d.Cases = append(d.Cases, sc)
		for _, a := range as {
			sa := Assignment{Assignment: a}
			for _, dl := range deadlines {
				if dl.Unit == a.Unit && dl.Milestone != evaluation.Call {
					sa.Deadlines = append(sa.Deadlines, dl)
				}
			}
			d.Assignments = append(d.Assignments, sa)
		}
		removed := evaluation.AppealedAway(trail)
		for _, e := range trail {
			if e.Type == evaluation.Supervised && !removed[e.ID] {
				d.Findings = append(d.Findings, Finding{ID: e.ID, Case: e.Case, Unit: e.Target, Severity: e.Severity, At: e.At})
			}
		}
	}
	return d
}

func readTrails(t testing.TB, path string) map[string][]evaluation.Event {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	trails := map[string][]evaluation.Event{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e evaluation.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		e.Normalize()
		trails[e.Case] = append(trails[e.Case], e)
	}
	return trails
}

func workedExampleUnits() []evaluation.Unit {
	return []evaluation.Unit{
		{Code: "S1", Kind: evaluation.Street, Name: evaluation.Name{Zh: "鼓东街道"}},
		{Code: "D1", Kind: evaluation.Department, Name: evaluation.Name{Zh: "城管局"}},
		{Code: "D2", Kind: evaluation.Department, Name: evaluation.Name{Zh: "住建局"}},
	}
}

func defaultRules() *evaluation.Rules {
	return &evaluation.Rules{Policies: evaluation.Policies{formats.DefaultPolicy()}, Units: map[string]evaluation.UnitKind{"S1": evaluation.Street}, Categories: map[string]evaluation.Category{
		"garbage": {Code: "garbage", Class: "A", Urgency: "normal"},
		"road":    {Code: "road", Class: "B", Urgency: "normal"},
	}}
}

// TestWorkedExampleMetrics is the table of examples/worked-example.md.
func TestWorkedExampleMetrics(t *testing.T) {
	d := dataFromTrails(readTrails(t, "../store/testdata/worked.ndjson"), defaultRules(), workedExampleUnits())
	r := Compute(d, Options{AsOf: time.Date(2026, 7, 1, 0, 0, 0, 0, shanghai), Scoring: evaluation.DefaultScoring()})
	type want struct {
		num, den float64 // den 0: null
	}
	wants := map[string]map[string]want{
		"D1": {evaluation.ResponseRate: {1, 2}, evaluation.ReportRate: {0, 0}, evaluation.DisposalRate: {1, 2},
			evaluation.ResolutionRate: {1, 1}, evaluation.SatisfactionRate: {1, 1}, evaluation.RedoRate: {0, 1},
			evaluation.ResponseQuality: {75, 1}},
		"D2": {evaluation.ResponseRate: {0, 1}, evaluation.ReportRate: {1, 1}, evaluation.DisposalRate: {1, 1},
			evaluation.ResolutionRate: {1, 1}, evaluation.SatisfactionRate: {0, 1}, evaluation.ResponseQuality: {0, 0}},
		"S1": {evaluation.CallAccuracy: {2, 2}, evaluation.CallTimeliness: {1, 2}, evaluation.CallQuality: {100, 1},
			evaluation.SatisfactionRate: {1, 2}, evaluation.ResolutionRate: {2, 2}},
	}
	got := map[string]*UnitScore{}
	for _, u := range r.Units {
		got[u.Unit] = u
	}
	for unit, metrics := range wants {
		u := got[unit]
		if u == nil {
			t.Fatalf("no score for %s", unit)
		}
		for name, w := range metrics {
			m := u.Metrics[name]
			if m.Den != w.den || (w.den > 0 && m.Num != w.num) {
				t.Errorf("%s %s = %v/%v, want %v/%v", unit, name, m.Num, m.Den, w.num, w.den)
			}
		}
		if u.Eligible || u.Rank != 0 {
			t.Errorf("%s eligible %t rank %d; want neither with %d cases", unit, u.Eligible, u.Rank, u.Cases)
		}
	}
	// D1: one rating of 4 from a street with no other ratings calibrates
	// to the district mean of the one response score: 75.
	if v, _ := got["D1"].Value(evaluation.ResponseQualityCl); math.Abs(v-75) > 1e-9 {
		t.Errorf("D1 calibrated quality = %v, want 75", v)
	}
	// D1's composite: 0.15×0.5 + 0.20×0.5 + 0.15×1 + 0.25×1 + 0.20×0.75 over 0.95 (no report rate).
	if want := (0.15*0.5 + 0.20*0.5 + 0.15 + 0.25 + 0.20*0.75) / 0.95 * 100; got["D1"].Score == nil || math.Abs(*got["D1"].Score-want) > 1e-9 {
		t.Errorf("D1 score = %v, want %v", got["D1"].Score, want)
	}
	if got["D1"].Cases != 2 || got["D2"].Cases != 1 || got["S1"].Cases != 3 {
		t.Errorf("assessed cases D1 %d D2 %d S1 %d, want 2 1 3", got["D1"].Cases, got["D2"].Cases, got["S1"].Cases)
	}
}

func TestWilson(t *testing.T) {
	tests := []struct {
		num, den, lo, hi float64
	}{
		{0, 0, 0, 1},
		{1, 2, 0.0945, 0.9055},
		{0, 10, 0, 0.2775},
		{10, 10, 0.7225, 1},
		{975, 1000, 0.9632, 0.9835},
	}
	for _, tt := range tests {
		lo, hi := Wilson(tt.num, tt.den)
		if math.Abs(lo-tt.lo) > 5e-4 || math.Abs(hi-tt.hi) > 5e-4 {
			t.Errorf("Wilson(%v, %v) = [%.4f, %.4f], want [%.4f, %.4f]", tt.num, tt.den, lo, hi, tt.lo, tt.hi)
		}
	}
}
