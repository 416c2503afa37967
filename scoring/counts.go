package scoring

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"frontline/evaluation"
)

// Every metric is a sum over countable outcomes: a deadline met, a rating
// of "satisfied", a call score of 4 given by a department. Scoring counts
// the outcomes of each case (Contribute), then turns the counts into
// metrics, composites and ranks (FromCounts). Storage keeps the counts of
// every month, updated as cases change, so a year of a large district is
// scored from a few thousand counts instead of a million cases; Compute
// counts the cases it is given and goes through the same FromCounts, so
// both ways give the same numbers.

// Side says which side of the two-way relation an outcome judges: a
// street's (its cases, its calls) or a handling unit's (its assignments).
// Outcomes are recorded for whatever unit a trail names; FromCounts keeps
// street outcomes of streets and handling outcomes of departments and
// enterprises, so counts do not depend on the registry's kinds.
type Side byte

// The two sides.
const (
	StreetSide   Side = 's'
	HandlingSide Side = 'd'
)

// What is a kind of outcome.
type What string

// The kinds of outcome. Value is 1 or 0 for the rate kinds, the score 1–5
// for the quality kinds; Arg is the rating for satisfaction, the rater for
// quality scores and the reference for a penalty.
const (
	WhatCase     What = "case"    // an assessed case
	WhatRated    What = "sat"     // a satisfaction rating (Arg)
	WhatResolved What = "res"     // confirmed solved (1) or not (0)
	WhatRedo     What = "redo"    // a resolved lead assignment, reopened (1) or not (0)
	WhatCall     What = "callt"   // the street's call deadline met (1) or breached (0)
	WhatRespond  What = "respond" // the respond deadline met or breached
	WhatReport   What = "report"  // the report deadline
	WhatDispose  What = "dispose" // a disposal deadline, any round
	WhatAccurate What = "acc"     // a call accurate (1) or not (0)
	WhatCallQ    What = "cq"      // a call score (Value) given by a department (Arg)
	WhatRespQ    What = "rq"      // a response score (Value) given by a street (Arg)
	WhatShirked  What = "shirked" // a return ruled unjustified (Arg: case/unit)
	WhatUrged    What = "urged"   // an urged assignment: its deadlines open at the urging then met (1) or not (0)
)

// Outcome is one kind of countable outcome of one unit.
type Outcome struct {
	Unit  string
	Side  Side
	What  What
	Value int
	Arg   string
}

// Key encodes an outcome without its unit, for storage: "d.rq.4.S01".
func (o Outcome) Key() string {
	return string(o.Side) + "." + string(o.What) + "." + strconv.Itoa(o.Value) + "." + o.Arg
}

// ParseOutcome decodes a unit and a Key.
func ParseOutcome(unit, key string) (Outcome, error) {
	parts := strings.SplitN(key, ".", 4)
	if len(parts) != 4 || len(parts[0]) != 1 {
		return Outcome{}, fmt.Errorf("outcome key %q: want side.what.value.arg", key)
	}
	v, err := strconv.Atoi(parts[2])
	if err != nil {
		return Outcome{}, fmt.Errorf("outcome key %q: value: %w", key, err)
	}
	return Outcome{Unit: unit, Side: Side(parts[0][0]), What: What(parts[1]), Value: v, Arg: parts[3]}, nil
}

// Counts counts outcomes.
type Counts map[Outcome]int64

// Merge adds sign × o to c.
func (c Counts) Merge(o Counts, sign int64) {
	for k, n := range o {
		c[k] += sign * n
	}
}

// Explanation keeps the ids behind each outcome counted.
type Explanation map[Outcome][]string

// counter records outcomes, and their ids when explaining.
type counter struct {
	counts Counts
	sign   int64 // 1 to add, -1 to take away
	why    Explanation
}

func (r *counter) add(o Outcome, id func() string) {
	r.counts[o] += r.sign
	if r.why != nil {
		r.why[o] = append(r.why[o], id())
	}
}

// Contribute adds sign × the outcomes of one case as of asof to counts:
// its street's, its call's and those of its assignments (which must all
// be the case's). As of Forever, every open deadline counts as breached,
// as it will once due.
func Contribute(counts Counts, c *Case, as []*Assignment, asof time.Time, sign int64) {
	contribute(counter{counts: counts, sign: sign}, c, as, asof)
}

// Forever is the end of time for Contribute.
var Forever = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

func contribute(r counter, c *Case, as []*Assignment, asof time.Time) {
	if c.OpenedAt.After(asof) || c.Withdrawn {
		return
	}
	caseID := func() string { return c.ID }
	if c.Street != "" {
		r.add(Outcome{Unit: c.Street, Side: StreetSide, What: WhatCase}, caseID)
		if c.Satisfaction != "" && !c.RatedAt.After(asof) {
			r.add(Outcome{Unit: c.Street, Side: StreetSide, What: WhatRated, Arg: c.Satisfaction}, caseID)
		}
		if solved, ok := resolutionOf(c, asof); ok {
			r.add(Outcome{Unit: c.Street, Side: StreetSide, What: WhatResolved, Value: b2i(solved)}, caseID)
		}
		if dl := c.Call; dl != nil && !dl.Excused {
			if st, _ := dl.StatusAt(asof); st == evaluation.Met || st == evaluation.Breached {
				r.add(Outcome{Unit: dl.Unit, Side: StreetSide, What: WhatCall, Value: b2i(st == evaluation.Met)}, dl.ID)
			}
		}
	}
	var assessed []string
	for _, a := range as {
		if a.DispatchedAt.IsZero() || a.DispatchedAt.After(asof) {
			continue
		}
		if !slices.Contains(assessed, a.Unit) {
			assessed = append(assessed, a.Unit)
			r.add(Outcome{Unit: a.Unit, Side: HandlingSide, What: WhatCase}, caseID)
		}
		for j := range a.Deadlines {
			dl := &a.Deadlines[j]
			if dl.Excused {
				continue
			}
			if st, _ := dl.StatusAt(asof); st == evaluation.Met || st == evaluation.Breached {
				r.add(Outcome{Unit: a.Unit, Side: HandlingSide, What: milestoneWhat[dl.Milestone], Value: b2i(st == evaluation.Met)}, dl.ID)
			}
		}
		if a.Role == "lead" && !a.Ended() {
			if c.Satisfaction != "" && !c.RatedAt.After(asof) {
				r.add(Outcome{Unit: a.Unit, Side: HandlingSide, What: WhatRated, Arg: c.Satisfaction}, caseID)
			}
			if solved, ok := resolutionOf(c, asof); ok {
				r.add(Outcome{Unit: a.Unit, Side: HandlingSide, What: WhatResolved, Value: b2i(solved)}, caseID)
			}
			if !a.ResolvedAt.IsZero() && !a.ResolvedAt.After(asof) {
				reopened := c.Reopenings > 0 && !c.ReopenedAt.After(asof)
				r.add(Outcome{Unit: a.Unit, Side: HandlingSide, What: WhatRedo, Value: b2i(reopened)}, caseID)
			}
		}
		if !a.UrgedAt.IsZero() && !a.UrgedAt.After(asof) {
			if met, judged := metAfterUrging(a, asof); judged {
				r.add(Outcome{Unit: a.Unit, Side: HandlingSide, What: WhatUrged, Value: b2i(met)}, func() string { return a.Case + "/" + a.Unit })
			}
		}
		if a.ResponseScore != nil && !a.ResponseEvaluatedAt.After(asof) {
			r.add(Outcome{Unit: a.Unit, Side: HandlingSide, What: WhatRespQ, Value: *a.ResponseScore, Arg: a.ResponseRater},
				func() string { return fmt.Sprintf("%s:%d by %s", a.Case, *a.ResponseScore, a.ResponseRater) })
		}
		if a.ReturnUnjustified() {
			ref := a.Case + "/" + a.Unit
			r.add(Outcome{Unit: a.Unit, Side: HandlingSide, What: WhatShirked, Arg: ref}, func() string { return ref })
		}
		evaluated := !a.CallEvaluatedAt.After(asof)
		if a.CallScore != nil && evaluated {
			// Recorded whoever dispatched: every score a department gives
			// informs its calibration, though only a street's call is judged.
			r.add(Outcome{Unit: a.By, Side: StreetSide, What: WhatCallQ, Value: *a.CallScore, Arg: a.Unit},
				func() string { return fmt.Sprintf("%s:%d by %s", a.Case, *a.CallScore, a.Unit) })
		}
		if a.By == "" || a.By == evaluation.PlatformDispatcher {
			continue
		}
		inaccurate := a.Ended() || (evaluated && a.CallAccurate != nil && !*a.CallAccurate)
		r.add(Outcome{Unit: a.By, Side: StreetSide, What: WhatAccurate, Value: b2i(!inaccurate)},
			func() string { return a.Case + "/" + a.Unit })
	}
}

// metAfterUrging judges an urged assignment as of asof by the deadlines
// that were open when it was first urged (not excused, nor stopped by a
// return): met if each was then met, not if one was breached; not judged
// while one is still pending, nor when none was open.
func metAfterUrging(a *Assignment, asof time.Time) (met, judged bool) {
	pending, someMet := false, false
	for j := range a.Deadlines {
		dl := &a.Deadlines[j]
		open := !dl.Start.After(a.UrgedAt) && (dl.Actual.IsZero() || dl.Actual.After(a.UrgedAt)) &&
			(dl.Stopped.IsZero() || dl.Stopped.After(a.UrgedAt))
		if !open || dl.Excused {
			continue
		}
		switch st, _ := dl.StatusAt(asof); st {
		case evaluation.Breached:
			return false, true
		case evaluation.Pending:
			pending = true
		case evaluation.Met:
			someMet = true
		}
	}
	judged = someMet && !pending
	return judged, judged
}

var milestoneWhat = map[evaluation.Milestone]What{evaluation.Respond: WhatRespond, evaluation.Report: WhatReport,
	evaluation.Dispose: WhatDispose, evaluation.Call: WhatCall}

// metricOf names the metric an outcome counts toward, and whether it is on
// the side that judges a unit of the given kind.
func metricOf(o Outcome, street bool) (string, bool) {
	if (o.Side == StreetSide) != street {
		return "", false
	}
	switch o.What {
	case WhatRated:
		return evaluation.SatisfactionRate, true
	case WhatResolved:
		return evaluation.ResolutionRate, true
	}
	if street {
		switch o.What {
		case WhatCall:
			return evaluation.CallTimeliness, true
		case WhatAccurate:
			return evaluation.CallAccuracy, true
		case WhatCallQ:
			return evaluation.CallQuality, true
		}
		return "", false
	}
	switch o.What {
	case WhatRespond:
		return evaluation.ResponseRate, true
	case WhatReport:
		return evaluation.ReportRate, true
	case WhatDispose:
		return evaluation.DisposalRate, true
	case WhatRedo:
		return evaluation.RedoRate, true
	case WhatRespQ:
		return evaluation.ResponseQuality, true
	case WhatUrged:
		return evaluation.UrgedMetRate, true
	}
	return "", false
}

// Inputs is what FromCounts needs besides the counts.
type Inputs struct {
	Counts   Counts
	Why      Explanation // the ids behind the counts, when explaining
	Findings []Finding
	Units    []evaluation.Unit
}

// Rejudge judges again, as of asof, the open cases of kept counts: kept
// counts hold every deadline still open as breached, as it will be once
// due; as of asof those not yet due are pending.
func (in Inputs) Rejudge(open *Data, asof time.Time) {
	byCase := map[string][]*Assignment{}
	for i := range open.Assignments {
		a := &open.Assignments[i]
		byCase[a.Case] = append(byCase[a.Case], a)
	}
	for i := range open.Cases {
		c := &open.Cases[i]
		Contribute(in.Counts, c, byCase[c.ID], asof, 1)
		Contribute(in.Counts, c, byCase[c.ID], Forever, -1)
	}
}

// FromCounts scores every street, department and enterprise with counts:
// metrics, penalties, composite and rank.
func FromCounts(in Inputs, opt Options) *Report {
	sc := opt.Scoring
	regs := make(map[string]evaluation.Unit, len(in.Units))
	for _, u := range in.Units {
		regs[u.Code] = u
	}
	units := map[string]*UnitScore{}
	get := func(code string) *UnitScore {
		if u, ok := units[code]; ok {
			return u
		}
		reg, ok := regs[code]
		if !ok || reg.Kind == evaluation.Community {
			return nil
		}
		u := &UnitScore{Unit: code, Kind: reg.Kind, Name: reg.Name, Metrics: map[string]*Metric{}}
		names, _ := unitSide(reg.Kind)
		for _, n := range names {
			u.Metrics[n] = &Metric{Rate: n != evaluation.ResponseQuality && n != evaluation.ResponseQualityCl &&
				n != evaluation.CallQuality && n != evaluation.CallQualityCl}
		}
		units[code] = u
		return u
	}

	// A fixed order: floating-point sums must not depend on map order.
	outcomes := make([]Outcome, 0, len(in.Counts))
	cal := &calibration{responses: newScale(sc.Shrinkage), calls: newScale(sc.Shrinkage)}
	for o, n := range in.Counts {
		if n == 0 {
			continue
		}
		outcomes = append(outcomes, o)
	}
	slices.SortFunc(outcomes, compareOutcomes)
	for _, o := range outcomes {
		switch o.What {
		case WhatRespQ:
			cal.responses.addN(o.Arg, float64(o.Value), float64(in.Counts[o]))
		case WhatCallQ:
			cal.calls.addN(o.Arg, float64(o.Value), float64(in.Counts[o]))
		}
	}
	explain := opt.Explain && in.Why != nil
	for _, o := range outcomes {
		n := in.Counts[o]
		u := get(o.Unit)
		if u == nil {
			continue
		}
		if o.What == WhatCase {
			if (o.Side == StreetSide) == u.isStreet() {
				u.Cases += int(n)
				if explain {
					u.CaseIDs = append(u.CaseIDs, in.Why[o]...)
				}
			}
			continue
		}
		if o.What == WhatShirked {
			if !u.isStreet() {
				u.Penalties = append(u.Penalties, Penalty{Kind: "unjustified_return", Points: sc.Penalties["unjustified_return"], Ref: o.Arg})
			}
			continue
		}
		name, ok := metricOf(o, u.isStreet())
		if !ok {
			continue
		}
		m := u.Metrics[name]
		var ids []string
		if explain {
			ids = in.Why[o]
		}
		switch o.What {
		case WhatRespQ, WhatCallQ:
			scale, calName := cal.responses, evaluation.ResponseQualityCl
			if o.What == WhatCallQ {
				scale, calName = cal.calls, evaluation.CallQualityCl
			}
			m.addN(quality(float64(o.Value)), n, ids, false)
			v := scale.calibrated(o.Arg, float64(o.Value))
			var calIDs []string
			for _, id := range ids {
				calIDs = append(calIDs, fmt.Sprintf("%s = %.1f", id, v))
			}
			u.Metrics[calName].addN(v, n, calIDs, false)
		case WhatRated:
			w := sc.SatisfactionWeights[o.Arg]
			m.addN(w, n, ids, w < 1)
		default:
			m.addN(float64(o.Value), n, ids, o.Value < 1)
		}
	}

	for _, f := range in.Findings {
		if f.At.After(opt.AsOf) {
			continue
		}
		severity := f.Severity
		if severity == "" {
			severity = "notice" // a finding without a severity is the mildest kind
		}
		if u := get(f.Unit); u != nil {
			u.Penalties = append(u.Penalties, Penalty{Kind: severity, Points: sc.Penalties[severity], Ref: f.ID})
		}
	}

	r := &Report{AsOf: opt.AsOf}
	for _, u := range units {
		slices.Sort(u.CaseIDs)
		for _, m := range u.Metrics {
			m.sortIDs()
		}
		slices.SortFunc(u.Penalties, func(a, b Penalty) int { return cmp.Compare(a.Ref, b.Ref) })
		u.composite(sc)
		r.Units = append(r.Units, u)
	}
	rank(r.Units)
	return r
}

func compareOutcomes(a, b Outcome) int {
	return cmp.Or(cmp.Compare(a.Unit, b.Unit), cmp.Compare(a.Side, b.Side), cmp.Compare(a.What, b.What),
		cmp.Compare(a.Value, b.Value), cmp.Compare(a.Arg, b.Arg))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
