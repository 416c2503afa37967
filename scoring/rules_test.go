package scoring

import (
	"math"
	"testing"
	"time"

	"frontline/evaluation"
	"frontline/evaluation/evaluationtest"
)

// A hand-computed July 2026, as of 1 August 00:00, one rule per case:
//
//	R1 pending: dispatched 23:55 on 31 July, respond due 00:05 — counts nowhere yet.
//	R2 upheld return: D1 returns within 5 minutes, the street calls D2.
//	R3 return ruled unjustified: D1 keeps the case, never resolves it.
//	R4 reopened: D2 resolves, the case reopens, D2 resolves late.
//	R5 appeal: D2 responds late, appeals the breach, the appeal is upheld.
//	R6 a finding: D1 gets a warning.
const ruleCases = `
1 R1 opened 2026-07-31T23:50 category=garbage street=S1
2 R1 dispatched 2026-07-31T23:55 unit=D1 by=S1
10 R2 opened 2026-07-06T09:00 category=garbage street=S1
11 R2 dispatched 2026-07-06T09:05 unit=D1 by=S1
12 R2 returned 2026-07-06T09:10 unit=D1 reason=misdirected
13 R2 dispatched 2026-07-06T09:20 unit=D2 by=S1
14 R2 responded 2026-07-06T09:25 unit=D2
15 R2 resolved 2026-07-06T11:00 unit=D2
16 R2 rated 2026-07-06T15:00 satisfaction=satisfied solved=true
20 R3 opened 2026-07-07T09:00 category=garbage street=S1
21 R3 dispatched 2026-07-07T09:05 unit=D1 by=S1
22 R3 returned 2026-07-07T09:10 unit=D1 reason=not_jurisdiction
23 R3 return_ruled 2026-07-07T10:00 unit=ORG target=D1 upheld=false
24 R3 rated 2026-07-09T10:00 satisfaction=dissatisfied solved=false
30 R4 opened 2026-07-08T09:00 category=garbage street=S1
31 R4 dispatched 2026-07-08T09:05 unit=D2 by=S1
32 R4 responded 2026-07-08T09:10 unit=D2
33 R4 resolved 2026-07-08T10:00 unit=D2
34 R4 reopened 2026-07-08T15:00
35 R4 resolved 2026-07-08T20:00 unit=D2
36 R4 revisited 2026-07-09T09:00 unit=S1 in_place=true
40 R5 opened 2026-07-09T09:00 category=garbage street=S1
41 R5 dispatched 2026-07-09T09:05 unit=D2 by=S1
42 R5 responded 2026-07-09T09:30 unit=D2
43 R5 resolved 2026-07-09T10:00 unit=D2
44 R5 appealed 2026-07-09T11:00 unit=D2 target=R5/D2/respond reason=system_outage
45 R5 appeal_decided 2026-07-10T11:00 unit=ORG target=44 upheld=true
46 R5 response_evaluated 2026-07-10T12:00 unit=S1 target=D2 score=5
47 R5 call_evaluated 2026-07-10T12:00 unit=D2 target=S1 accurate=false score=2
50 R6 opened 2026-07-10T09:00 category=garbage street=S1
51 R6 dispatched 2026-07-10T09:05 unit=D1 by=platform
52 R6 responded 2026-07-10T09:06 unit=D1
53 R6 resolved 2026-07-10T09:30 unit=D1
54 R6 supervised 2026-07-12T09:00 unit=DIS target=D1 severity=warning
`

func TestRulesHandComputed(t *testing.T) {
	d := dataFromTrails(evaluationtest.ParseTrails(t, shanghai, ruleCases), defaultRules(), []evaluation.Unit{
		{Code: "S1", Kind: evaluation.Street}, {Code: "D1", Kind: evaluation.Department},
		{Code: "D2", Kind: evaluation.Department}, {Code: "DIS", Kind: evaluation.Department},
	})
	r := Compute(d, Options{AsOf: time.Date(2026, 8, 1, 0, 0, 0, 0, shanghai), Scoring: evaluation.DefaultScoring()})
	got := map[string]*UnitScore{}
	for _, u := range r.Units {
		got[u.Unit] = u
	}
	type ratio struct{ num, den float64 }
	wants := map[string]map[string]ratio{
		// D1: R2 return is an on-time response; R3 response met, disposal
		// breached (the unjustified return kept the clock running); R6 met.
		// R1 is pending. Lead on R3 and R6 (R2 ended by the upheld return).
		"D1": {evaluation.ResponseRate: {3, 3}, evaluation.DisposalRate: {1, 2},
			evaluation.SatisfactionRate: {0, 1}, evaluation.ResolutionRate: {0, 1}, evaluation.RedoRate: {0, 1},
			evaluation.ResponseQuality: {0, 0}},
		// D2: responses R2, R4 met; R5's breach excused. Disposals R2, R4
		// round 1 met, R4 round 2 breached (5 h after reopening), R5 met.
		"D2": {evaluation.ResponseRate: {2, 2}, evaluation.DisposalRate: {3, 4},
			evaluation.SatisfactionRate: {1, 1}, evaluation.ResolutionRate: {2, 2}, evaluation.RedoRate: {1, 3},
			evaluation.ResponseQuality: {100, 1}},
		// S1's calls: R1 D1, R2 D1 (return upheld: inaccurate), R2 D2, R3 D1,
		// R4 D2, R5 D2 (evaluated inaccurate). R1 to R5 called in time.
		"S1": {evaluation.CallAccuracy: {4, 6}, evaluation.CallTimeliness: {5, 5}, evaluation.CallQuality: {25, 1},
			evaluation.SatisfactionRate: {1, 2}, evaluation.ResolutionRate: {2, 3}},
	}
	for unit, metrics := range wants {
		u := got[unit]
		if u == nil {
			t.Fatalf("no score for %s", unit)
		}
		for name, w := range metrics {
			m := u.Metrics[name]
			if m.Den != w.den || m.Num != w.num {
				t.Errorf("%s %s = %v/%v, want %v/%v", unit, name, m.Num, m.Den, w.num, w.den)
			}
		}
	}
	var points float64
	for _, p := range got["D1"].Penalties {
		points += p.Points
	}
	if points != 5 {
		t.Errorf("D1 penalties %+v = %v points, want 5 (warning 3, unjustified return 2)", got["D1"].Penalties, points)
	}
	// D1's composite without quality data, less the penalty.
	want := (0.15*1+0.20*0.5+0.15*0+0.25*0)/(0.15+0.20+0.15+0.25)*100 - 5
	if u := got["D1"]; u.Score == nil || math.Abs(*u.Score-want) > 1e-9 {
		t.Errorf("D1 score = %v, want %v", u.Score, want)
	}
	if got["DIS"] != nil {
		t.Errorf("DIS, with no assignments, is scored: %+v", got["DIS"])
	}
}

// TestCalibrationReadsRatersAgainstThemselves: a rater who gives
// everyone 5 says little by giving D1 a 5; a rater who gives everyone 3
// says much by giving D2 a 5.
func TestCalibrationReadsRatersAgainstThemselves(t *testing.T) {
	c := newScale(10)
	c.addN("Lenient", 5, 21)
	c.addN("Harsh", 3, 20)
	c.addN("Harsh", 5, 1)
	d1, d2 := c.calibrated("Lenient", 5), c.calibrated("Harsh", 5)
	if !(d2 > d1+5) {
		t.Errorf("calibrated: lenient 5 → %.1f, harsh 5 → %.1f; want the harsh rater's 5 clearly higher", d1, d2)
	}
	if l3 := c.calibrated("Lenient", 3); l3 > 25 {
		t.Errorf("a 3 from the lenient rater calibrates to %.1f, want it read as poor (≤ 25)", l3)
	}
	if raw := quality(5); d1 >= raw {
		t.Errorf("lenient rater's 5 calibrates to %.1f, want below the raw %.1f", d1, raw)
	}
}

// TestOddDispatchesDoNotBreakScoring: a department "calling" another is
// no street call, and a street dispatching to itself does not crash
// anything; scoring, the matrix and reciprocity go on.
func TestOddDispatchesDoNotBreakScoring(t *testing.T) {
	trails := evaluationtest.ParseTrails(t, shanghai, `
1 X1 opened 2026-07-06T09:00 category=garbage street=S1
2 X1 dispatched 2026-07-06T09:05 unit=D1 by=D2
3 X1 dispatched 2026-07-06T09:06 unit=S1 by=S1
4 X1 response_evaluated 2026-07-06T10:00 unit=D2 target=D1 score=5
5 X1 call_evaluated 2026-07-06T10:00 unit=S1 target=D2 accurate=true score=5`)
	d := dataFromTrails(trails, defaultRules(), []evaluation.Unit{
		{Code: "S1", Kind: evaluation.Street}, {Code: "D1", Kind: evaluation.Department}, {Code: "D2", Kind: evaluation.Department},
	})
	opt := Options{AsOf: time.Date(2026, 8, 1, 0, 0, 0, 0, shanghai), Scoring: evaluation.DefaultScoring()}
	r := Compute(d, opt)
	if pairs := Reciprocity(d, opt); len(pairs) != 0 {
		t.Errorf("reciprocity flagged %+v", pairs)
	}
	for _, p := range Matrix(d, opt) {
		if p.Street != "S1" {
			t.Errorf("matrix has a cell for %s×%s: only streets call", p.Street, p.Department)
		}
	}
	units := map[string]*UnitScore{}
	for _, u := range r.Units {
		units[u.Unit] = u
	}
	s1 := units["S1"]
	if s1 == nil {
		t.Fatal("S1 is not scored")
	}
	// S1's own dispatch is its one call; D2's dispatch of D1 is none.
	if m := s1.Metrics[evaluation.CallTimeliness]; m.Den != 1 {
		t.Errorf("S1 call timeliness over %v calls, want 1", m.Den)
	}
	if m := s1.Metrics[evaluation.CallAccuracy]; m.Den != 1 {
		t.Errorf("S1 call accuracy over %v calls, want 1", m.Den)
	}
	if d2 := units["D2"]; d2 != nil && d2.Metrics[evaluation.CallAccuracy] != nil {
		t.Errorf("D2 has street metrics: %+v", d2.Metrics)
	}
}

// TestNothingAfterTheAsOfTimeCounts: events after the as-of time have not
// happened yet.
func TestNothingAfterTheAsOfTimeCounts(t *testing.T) {
	trails := evaluationtest.ParseTrails(t, shanghai, `
1 A1 opened 2026-06-01T09:00 category=garbage street=S1
2 A1 dispatched 2026-06-01T09:05 unit=D1 by=S1
3 A1 responded 2026-06-01T09:06 unit=D1
4 A1 resolved 2026-06-01T10:00 unit=D1
5 A1 reopened 2026-06-20T09:00
6 A1 response_evaluated 2026-06-20T10:00 unit=S1 target=D1 score=1
7 A1 call_evaluated 2026-06-20T10:00 unit=D1 target=S1 accurate=false score=1
8 A1 supervised 2026-06-20T11:00 unit=DIS target=D1 severity=serious
10 A2 opened 2026-06-25T09:00 category=garbage street=S1
11 A2 dispatched 2026-06-25T09:05 unit=D1 by=S1`)
	d := dataFromTrails(trails, defaultRules(), []evaluation.Unit{
		{Code: "S1", Kind: evaluation.Street}, {Code: "D1", Kind: evaluation.Department},
	})
	r := Compute(d, Options{AsOf: time.Date(2026, 6, 10, 0, 0, 0, 0, shanghai), Scoring: evaluation.DefaultScoring()})
	if len(r.Units) != 2 {
		t.Fatalf("scored %d units, want S1 and D1", len(r.Units))
	}
	for _, u := range r.Units {
		switch u.Unit {
		case "D1":
			if m := u.Metrics[evaluation.RedoRate]; m.Num != 0 || m.Den != 1 {
				t.Errorf("D1 redo rate = %v/%v, want 0/1: the reopening comes later", m.Num, m.Den)
			}
			if m := u.Metrics[evaluation.ResponseQuality]; m.Den != 0 {
				t.Errorf("D1 response quality over %v scores, want none yet", m.Den)
			}
			if len(u.Penalties) != 0 || u.Cases != 1 {
				t.Errorf("D1 penalties %+v, cases %d; want none and 1", u.Penalties, u.Cases)
			}
		case "S1":
			if u.Cases != 1 {
				t.Errorf("S1 assessed %d cases, want 1: A2 is opened later", u.Cases)
			}
			if m := u.Metrics[evaluation.CallAccuracy]; m.Num != 1 || m.Den != 1 {
				t.Errorf("S1 call accuracy = %v/%v, want 1/1: the inaccurate verdict comes later", m.Num, m.Den)
			}
		}
	}
}
