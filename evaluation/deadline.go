package evaluation

import (
	"strconv"
	"strings"
	"time"
)

// Milestone names what a deadline is for.
type Milestone string

// The milestones with time limits.
const (
	Call    Milestone = "call"    // the street calls a department in (from opened)
	Respond Milestone = "respond" // the department responds (from dispatch)
	Report  Milestone = "report"  // the department reports back (lead only)
	Dispose Milestone = "dispose" // the department disposes of the problem (lead only)
)

// Deadline is one time limit of one unit in one case, with what happened.
type Deadline struct {
	Case      string
	Unit      string
	Milestone Milestone
	Round     int // 1, or the disposal round after the case was reopened
	Start     time.Time
	Due       time.Time
	Actual    time.Time // zero while not done
	Stopped   time.Time // when a return stopped this unit's clock; zero otherwise
	Excused   bool      // an upheld appeal excuses a breach
}

// ID is the deadline's stable id, "case/unit/milestone" with "/round"
// after the first disposal round; appeals and findings refer to it.
func (d *Deadline) ID() string {
	return DeadlineID(d.Case, d.Unit, d.Milestone, d.Round)
}

// DeadlineID builds the stable id of a deadline.
func DeadlineID(caseID, unit string, m Milestone, round int) string {
	id := caseID + "/" + unit + "/" + string(m)
	if round > 1 {
		id += "/" + strconv.Itoa(round)
	}
	return id
}

// ParseDeadlineID splits a deadline id into its parts.
func ParseDeadlineID(id string) (caseID, unit string, m Milestone, round int, ok bool) {
	parts := strings.Split(id, "/")
	round = 1
	switch len(parts) {
	case 4:
		n, err := strconv.Atoi(parts[3])
		if err != nil || n < 2 {
			return "", "", "", 0, false
		}
		round = n
	case 3:
	default:
		return "", "", "", 0, false
	}
	return parts[0], parts[1], Milestone(parts[2]), round, true
}

// Status is where a deadline stands as of some time.
type Status string

// The statuses of a deadline.
const (
	Met      Status = "met"      // done at or before the deadline
	Breached Status = "breached" // done late, or not done and past due
	Pending  Status = "pending"  // not done, not yet due (or not yet started)
	Stopped  Status = "stopped"  // a return stopped the clock before the deadline
)

// StatusAt judges the deadline as of asof: events after asof have not
// happened yet. A milestone at the deadline itself is on time. It also
// returns how late the milestone was (or is, while open).
func (d *Deadline) StatusAt(asof time.Time) (Status, time.Duration) {
	if d.Start.After(asof) {
		return Pending, 0
	}
	end, done := asof, false
	if !d.Actual.IsZero() && !d.Actual.After(asof) {
		end, done = d.Actual, true
	}
	stopped := false
	if !d.Stopped.IsZero() && d.Stopped.Before(end) {
		end, done, stopped = d.Stopped, false, true
	}
	switch {
	case done && !end.After(d.Due):
		return Met, 0
	case !end.After(d.Due) && stopped:
		return Stopped, 0
	case !end.After(d.Due):
		return Pending, 0
	}
	return Breached, end.Sub(d.Due)
}

// Rules are what deadlines depend on besides the trail: the policy
// versions, the categories' classes and the units' kinds (only a street's
// dispatch is a call).
type Rules struct {
	Policies   Policies
	Categories map[string]Category
	Units      map[string]UnitKind
}

// Deadlines computes every deadline of a case from its derived state and
// its trail in time order (as Derive leaves it). A case without its
// opened event has no deadlines yet: its class is unknown.
//
// A case withdrawn (cancelled, a duplicate) has none: it left assessment.
func Deadlines(c *Case, as []Assignment, trail []Event, rules *Rules) []Deadline {
	if c.OpenedAt.IsZero() || len(rules.Policies) == 0 || c.Withdrawn != "" {
		return nil
	}
	policy := rules.Policies.At(c.OpenedAt)
	cat := rules.Categories[c.Category]
	urgency := c.Urgency
	if urgency == "" {
		urgency = cat.Urgency
	}
	limits := policy.Limits(cat.Class, urgency)
	cal := policy.Calendar

	var reopenings []time.Time
	resolutions := map[string][]time.Time{}
	excused := AppealedAway(trail) // deadline ids among them
	for i := range trail {
		e := &trail[i]
		if excused[e.ID] {
			continue
		}
		switch e.Type {
		case Reopened:
			reopenings = append(reopenings, e.At)
		case Resolved:
			resolutions[e.Unit] = append(resolutions[e.Unit], e.At)
		}
	}
	firstAfter := func(ts []time.Time, t time.Time) time.Time {
		for _, x := range ts {
			if !x.Before(t) {
				return x
			}
		}
		return time.Time{}
	}

	var out []Deadline
	add := func(d Deadline) {
		d.Case = c.ID
		d.Excused = excused[d.ID()]
		out = append(out, d)
	}
	called := false
	for i := range trail {
		e := &trail[i]
		if e.Type == Dispatched && rules.Units[e.By] == Street && !called && !policy.CallLimit.IsZero() {
			called = true
			add(Deadline{Unit: e.By, Milestone: Call, Round: 1, Start: c.OpenedAt,
				Due: policy.CallLimit.Due(c.OpenedAt, cal), Actual: e.At})
		}
	}
	for i := range as {
		a := &as[i]
		if a.DispatchedAt.IsZero() {
			continue
		}
		// An upheld or undecided return stops the unit's clock; a return
		// ruled unjustified does not.
		var stop time.Time
		if !a.ReturnedAt.IsZero() && (a.ReturnUpheld == nil || *a.ReturnUpheld) {
			stop = a.ReturnedAt
		}
		if !limits.Respond.IsZero() {
			actual := a.RespondedAt
			if !a.ReturnedAt.IsZero() && (actual.IsZero() || a.ReturnedAt.Before(actual)) {
				actual = a.ReturnedAt // a return is a response
			}
			add(Deadline{Unit: a.Unit, Milestone: Respond, Round: 1, Start: a.DispatchedAt,
				Due: limits.Respond.Due(a.DispatchedAt, cal), Actual: actual})
		}
		if a.Role != "lead" {
			continue
		}
		if !limits.Report.IsZero() {
			add(Deadline{Unit: a.Unit, Milestone: Report, Round: 1, Start: a.DispatchedAt,
				Due: limits.Report.Due(a.DispatchedAt, cal), Actual: a.ReportedAt, Stopped: stop})
		}
		if limits.Dispose.IsZero() {
			continue
		}
		add(Deadline{Unit: a.Unit, Milestone: Dispose, Round: 1, Start: a.DispatchedAt,
			Due:    limits.Dispose.Due(a.DispatchedAt, cal),
			Actual: firstAfter(resolutions[a.Unit], a.DispatchedAt), Stopped: stop})
		// A reopened case restarts the disposal clock of a lead still on it.
		round := 1
		for _, r := range reopenings {
			if !r.After(a.DispatchedAt) || (!stop.IsZero() && !r.Before(stop)) {
				continue
			}
			round++
			add(Deadline{Unit: a.Unit, Milestone: Dispose, Round: round, Start: r,
				Due: limits.Dispose.Due(r, cal), Actual: firstAfter(resolutions[a.Unit], r), Stopped: stop})
		}
	}
	return out
}
