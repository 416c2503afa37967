package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"frontline/evaluation"
	"frontline/formats"
	"frontline/scoring"
	"frontline/synth"
)

// TestScoresMatchANaiveRecount ingests a synthetic district, scores the
// year from what storage holds, and compares every metric of every unit
// with a second, naive implementation that works from the raw events.
func TestScoresMatchANaiveRecount(t *testing.T) {
	cfg := synth.Config{Cases: 2500, Seed: 21}
	reg := synth.District(cfg)
	var buf bytes.Buffer
	byCase := map[string][]evaluation.Event{}
	enc := json.NewEncoder(&buf)
	if _, err := synth.Generate(cfg, func(e *evaluation.Event) error {
		ev := *e
		ev.Normalize()
		byCase[ev.Case] = append(byCase[ev.Case], ev)
		return enc.Encode(e)
	}); err != nil {
		t.Fatal(err)
	}
	asof := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	policy := formats.DefaultPolicy()
	want := naiveMetrics(reg, byCase, policy, asof)
	forEachDB(t, func(t *testing.T, db *DB) {
		if _, err := db.LoadRegistry(context.Background(), reg, OriginRegistry); err != nil {
			t.Fatal(err)
		}
		ingestString(t, db, buf.String(), 0)
		data, err := db.ScoringData(context.Background(), time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), asof)
		if err != nil {
			t.Fatal(err)
		}
		r := scoring.Compute(data, scoring.Options{AsOf: asof, Scoring: policy.Scoring})
		got := map[string]string{}
		for _, u := range r.Units {
			for name, m := range u.Metrics {
				if name == evaluation.ResponseQualityCl || name == evaluation.CallQualityCl || m.Den == 0 {
					continue
				}
				got[u.Unit+" "+name] = fmt.Sprintf("%.6g/%g", m.Num, m.Den)
			}
		}
		compared := 0
		for k, w := range want {
			if got[k] != w {
				t.Errorf("%s = %s, naive recount says %s", k, got[k], w)
			}
			compared++
		}
		for k, g := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("%s = %s, naive recount has no data", k, g)
			}
		}
		t.Logf("%d metric values of %d units agree with the naive recount", compared, len(r.Units))
	})
}

// naiveMetrics recounts every metric from raw events: "UNIT metric" →
// "num/den". It follows DESIGN.md §5 step by step, with no derived state.
func naiveMetrics(reg *evaluation.Registry, byCase map[string][]evaluation.Event, p *evaluation.Policy, asof time.Time) map[string]string {
	kind, class := map[string]evaluation.UnitKind{}, map[string]string{}
	for _, u := range reg.Units {
		kind[u.Code] = u.Kind
	}
	for _, c := range reg.Categories {
		class[c.Code] = c.Class
	}
	type ratio struct{ num, den float64 }
	acc := map[string]*ratio{}
	count := func(unit, metric string, num float64) {
		if k := kind[unit]; k == "" || k == evaluation.Community {
			return
		}
		key := unit + " " + metric
		if acc[key] == nil {
			acc[key] = &ratio{}
		}
		acc[key].num += num
		acc[key].den++
	}
	quality := func(unit, metric string, score int) {
		count(unit, metric, 0)
		acc[unit+" "+metric].num += float64(score-1) / 4 * 100
	}
	onTime := func(due, done time.Time) float64 {
		if !done.IsZero() && !done.After(due) {
			return 1
		}
		return 0
	}
	for _, trail := range byCase {
		trail = slices.Clone(trail)
		slices.SortFunc(trail, func(a, b evaluation.Event) int {
			if c := a.At.Compare(b.At); c != 0 {
				return c
			}
			return bytes.Compare([]byte(a.ID), []byte(b.ID))
		})
		// Upheld appeals remove their targets.
		appeals, removed := map[string]string{}, map[string]bool{}
		for _, e := range trail {
			if e.Type == evaluation.Appealed {
				appeals[e.ID] = e.Target
			}
			if e.Type == evaluation.AppealDecided && *e.Upheld {
				removed[appeals[e.Target]] = true
			}
		}
		var opened evaluation.Event
		type unitState struct {
			dispatched                    evaluation.Event
			responded, reported, returned time.Time
			resolved                      []time.Time
			ruling                        *bool
			redispatched                  bool
			callAccurate                  *bool
			callScore, responseScore      *int
		}
		units := map[string]*unitState{}
		var order []string
		var rating, visit *evaluation.Event
		var reopenings []time.Time
		firstCall := evaluation.Event{}
		for i := range trail {
			e := trail[i]
			if removed[e.ID] {
				continue
			}
			st := func(u string) *unitState {
				if units[u] == nil {
					units[u] = &unitState{}
					order = append(order, u)
				}
				return units[u]
			}
			switch e.Type {
			case evaluation.Opened:
				opened = e
			case evaluation.Dispatched:
				for _, u := range order {
					if u != e.Unit && !units[u].returned.IsZero() {
						units[u].redispatched = true
					}
				}
				if s := st(e.Unit); s.dispatched.ID == "" {
					s.dispatched = e
				}
				if firstCall.ID == "" && e.By != evaluation.PlatformDispatcher {
					firstCall = e
				}
			case evaluation.Responded:
				if s := st(e.Unit); s.responded.IsZero() {
					s.responded = e.At
				}
			case evaluation.Reported:
				if s := st(e.Unit); s.reported.IsZero() {
					s.reported = e.At
				}
			case evaluation.Returned:
				if s := st(e.Unit); s.returned.IsZero() {
					s.returned = e.At
				}
			case evaluation.Resolved:
				st(e.Unit).resolved = append(st(e.Unit).resolved, e.At)
			case evaluation.ReturnRuled:
				st(e.Target).ruling = e.Upheld
			case evaluation.Reopened:
				reopenings = append(reopenings, e.At)
			case evaluation.Rated:
				rating = &trail[i]
			case evaluation.Revisited:
				visit = &trail[i]
			case evaluation.CallEvaluated:
				st(e.Unit).callAccurate, st(e.Unit).callScore = e.Accurate, e.Score
			case evaluation.ResponseEvaluated:
				st(e.Target).responseScore = e.Score
			}
		}
		if opened.ID == "" {
			continue
		}
		cls := class[opened.Category]
		limits := p.Classes[cls]
		sat, rated := 0.0, false
		if rating != nil {
			sat, rated = p.Scoring.SatisfactionWeights[rating.Satisfaction], true
		}
		solved, confirmed := false, false
		if rating != nil && rating.Solved != nil {
			solved, confirmed = *rating.Solved, true
		} else if visit != nil {
			solved, confirmed = *visit.InPlace, true
		}
		street := opened.Street
		if rated {
			count(street, evaluation.SatisfactionRate, sat)
		}
		if confirmed {
			count(street, evaluation.ResolutionRate, map[bool]float64{true: 1}[solved])
		}
		if firstCall.ID != "" {
			count(firstCall.By, evaluation.CallTimeliness, onTime(p.CallLimit.Due(opened.At, p.Calendar), firstCall.At))
		}
		for _, u := range order {
			s := units[u]
			if s.dispatched.ID == "" {
				continue
			}
			start := s.dispatched.At
			upheld := s.ruling
			if upheld == nil && s.redispatched {
				yes := true
				upheld = &yes
			}
			var stop time.Time
			if !s.returned.IsZero() && (upheld == nil || *upheld) {
				stop = s.returned
			}
			responded := s.responded
			if !s.returned.IsZero() && (responded.IsZero() || s.returned.Before(responded)) {
				responded = s.returned
			}
			count(u, evaluation.ResponseRate, onTime(limits.Respond.Due(start, p.Calendar), responded))
			if s.responseScore != nil {
				quality(u, evaluation.ResponseQuality, *s.responseScore)
			}
			if by := s.dispatched.By; by != evaluation.PlatformDispatcher {
				inaccurate := (upheld != nil && *upheld && !s.returned.IsZero()) || (s.callAccurate != nil && !*s.callAccurate)
				count(by, evaluation.CallAccuracy, map[bool]float64{false: 1}[inaccurate])
				if s.callScore != nil {
					quality(by, evaluation.CallQuality, *s.callScore)
				}
			}
			if s.dispatched.Role == "assist" {
				continue
			}
			// judge counts a stoppable milestone unless a return stopped the clock first.
			judge := func(metric string, due, done time.Time) {
				if !done.IsZero() && !done.After(due) {
					count(u, metric, 1)
				} else if stop.IsZero() || stop.After(due) {
					count(u, metric, 0)
				}
			}
			if !limits.Report.IsZero() {
				judge(evaluation.ReportRate, limits.Report.Due(start, p.Calendar), s.reported)
			}
			firstFrom := func(t time.Time) time.Time {
				for _, r := range s.resolved {
					if !r.Before(t) {
						return r
					}
				}
				return time.Time{}
			}
			judge(evaluation.DisposalRate, limits.Dispose.Due(start, p.Calendar), firstFrom(start))
			for _, r := range reopenings {
				if r.After(start) && (stop.IsZero() || r.Before(stop)) {
					judge(evaluation.DisposalRate, limits.Dispose.Due(r, p.Calendar), firstFrom(r))
				}
			}
			if upheld != nil && *upheld && !s.returned.IsZero() {
				continue // the upheld return ended the unit's part
			}
			if rated {
				count(u, evaluation.SatisfactionRate, sat)
			}
			if confirmed {
				count(u, evaluation.ResolutionRate, map[bool]float64{true: 1}[solved])
			}
			if len(s.resolved) > 0 {
				count(u, evaluation.RedoRate, map[bool]float64{true: 1}[len(reopenings) > 0])
			}
		}
	}
	out := map[string]string{}
	for k, r := range acc {
		out[k] = fmt.Sprintf("%.6g/%g", r.num, r.den)
	}
	return out
}

// TestWithdrawnFindingsCostNothing: an upheld appeal withdraws a finding.
func TestWithdrawnFindingsCostNothing(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		loadRegistry(t, db, "testdata/registry.yaml")
		ingestString(t, db, readFile(t, "testdata/worked.ndjson")+`
{"id":"F-1","case":"W1","type":"supervised","at":"2026-06-05T09:00:00+08:00","unit":"D2","target":"D1","severity":"serious"}
{"id":"F-2","case":"W3","type":"supervised","at":"2026-06-26T09:00:00+08:00","unit":"D2","target":"D1","severity":"warning"}
{"id":"F-3","case":"W1","type":"appealed","at":"2026-06-06T09:00:00+08:00","unit":"D1","target":"F-1","reason":"wrong unit"}
{"id":"F-4","case":"W1","type":"appeal_decided","at":"2026-06-07T09:00:00+08:00","unit":"D2","target":"F-3","upheld":true}
`, 100)
		june, _ := evaluation.ParsePeriod("2026-06", time.UTC)
		data, err := db.ScoringData(ctx, june.From.Add(-8*time.Hour), june.To.Add(-8*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(data.Findings) != 1 || data.Findings[0].ID != "F-2" {
			t.Errorf("findings = %+v, want only F-2 (F-1 withdrawn on appeal)", data.Findings)
		}
		for _, u := range scoring.Compute(data, scoring.Options{AsOf: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), Scoring: evaluation.DefaultScoring()}).Units {
			if u.Unit == "D1" && (len(u.Penalties) != 1 || u.Penalties[0].Points != 3) {
				t.Errorf("D1 penalties = %+v, want the warning only", u.Penalties)
			}
		}
	})
}

// TestScoringDataKeptUntilTheDataChange: a second read of the same period
// is the first's, until an event is stored, a policy is loaded or the
// registry changes; then it is read afresh, and says what was stored.
func TestScoringDataKeptUntilTheDataChange(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		loadRegistry(t, db, "testdata/registry.yaml")
		ingestString(t, db, readFile(t, "testdata/worked.ndjson"), 0)
		from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
		read := func() *scoring.Data {
			t.Helper()
			d, err := db.ScoringData(ctx, from, to)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		first := read()
		if again := read(); again != first {
			t.Error("the same period read twice, nothing stored between: read afresh")
		}
		if other, err := db.ScoringData(ctx, from, to.AddDate(0, -6, 0)); err != nil || other == first {
			t.Errorf("another period: %v, the first's data", err)
		}
		// A new case: read afresh, and there.
		ingestString(t, db, `{"id":"K-1","case":"K1","type":"opened","at":"2026-07-01T09:00:00+08:00","category":"garbage","street":"S1"}`+"\n", 0)
		after := read()
		if after == first || len(after.Cases) != len(first.Cases)+1 {
			t.Errorf("after a new case: %d cases (before %d), same data %v", len(after.Cases), len(first.Cases), after == first)
		}
		// A policy loaded: read afresh.
		if _, err := db.StorePolicy(ctx, formats.DefaultPolicy().Effective, []byte("effective: 2026-01-01\nclasses:\n  A: {respond: 10m, dispose: 4h}\n")); err != nil {
			t.Fatal(err)
		}
		if read() == after {
			t.Error("after a policy load: the data read before it")
		}
	})
}
