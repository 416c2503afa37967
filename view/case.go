package view

import (
	"time"

	"frontline/evaluation"
)

// Case is a case as `frontline case --json` and GET /cases/{id} show it.
type Case struct {
	ID          string             `json:"id"`
	OpenedAt    *time.Time         `json:"opened_at"`
	Category    string             `json:"category,omitempty"`
	Street      string             `json:"street,omitempty"`
	Community   string             `json:"community,omitempty"`
	Source      string             `json:"source,omitempty"`
	Urgency     string             `json:"urgency,omitempty"`
	Closed      bool               `json:"closed"`
	Withdrawn   string             `json:"withdrawn,omitempty"` // closed without resolution: cancelled or duplicate, out of assessment
	ClosedAt    *time.Time         `json:"closed_at"`
	Reopenings  int                `json:"reopenings"`
	Rating      *Rating            `json:"rating"`
	Revisits    int                `json:"revisits"`
	InPlace     *bool              `json:"in_place"`
	Assignments []Assignment       `json:"assignments"`
	Deadlines   []Deadline         `json:"deadlines"`
	Trail       []evaluation.Event `json:"trail"`
	Urgeable    []string           `json:"urgeable,omitempty"` // the units that may be urged on it now (督办)
}

// Deadline is a deadline with its status as of a time.
type Deadline struct {
	ID             string     `json:"id"`
	Unit           string     `json:"unit"`
	Milestone      string     `json:"milestone"`
	Round          int        `json:"round"`
	Start          *time.Time `json:"start"`
	Deadline       *time.Time `json:"deadline"`
	Actual         *time.Time `json:"actual"`
	Stopped        *time.Time `json:"stopped"`
	Status         string     `json:"status"`
	OverdueSeconds int64      `json:"overdue_seconds"`
	Excused        bool       `json:"excused"`
}

// Rating is the resident's latest rating.
type Rating struct {
	Satisfaction string     `json:"satisfaction"`
	Solved       *bool      `json:"solved"`
	At           *time.Time `json:"at"`
}

// Assignment is a unit's part in a case.
type Assignment struct {
	Unit          string     `json:"unit"`
	Role          string     `json:"role"`
	By            string     `json:"by,omitempty"`
	DispatchedAt  *time.Time `json:"dispatched_at"`
	RespondedAt   *time.Time `json:"responded_at"`
	ReportedAt    *time.Time `json:"reported_at"`
	ResolvedAt    *time.Time `json:"resolved_at"`
	ReturnedAt    *time.Time `json:"returned_at"`
	ReturnReason  string     `json:"return_reason,omitempty"`
	ReturnUpheld  *bool      `json:"return_upheld"`
	CallAccurate  *bool      `json:"call_accurate"`
	CallScore     *int       `json:"call_score"`
	ResponseScore *int       `json:"response_score"`
}

// CaseOf shapes a case with its deadlines judged as of asof, times in loc.
func CaseOf(c evaluation.Case, assignments []evaluation.Assignment, deadlines []evaluation.Deadline, trail []evaluation.Event, asof time.Time, loc *time.Location) Case {
	timeOrNil := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		l := t.In(loc)
		return &l
	}
	out := Case{ID: c.ID, OpenedAt: timeOrNil(c.OpenedAt), Category: c.Category, Street: c.Street,
		Community: c.Community, Source: c.Source, Urgency: c.Urgency, Closed: c.Closed, Withdrawn: c.Withdrawn,
		ClosedAt: timeOrNil(c.ClosedAt), Reopenings: c.Reopenings, Revisits: c.Revisits, InPlace: c.InPlace,
		Assignments: []Assignment{}, Trail: trail}
	if c.Satisfaction != "" {
		out.Rating = &Rating{Satisfaction: c.Satisfaction, Solved: c.Solved, At: timeOrNil(c.RatedAt)}
	}
	for _, a := range assignments {
		out.Assignments = append(out.Assignments, Assignment{Unit: a.Unit, Role: a.Role, By: a.By,
			DispatchedAt: timeOrNil(a.DispatchedAt), RespondedAt: timeOrNil(a.RespondedAt),
			ReportedAt: timeOrNil(a.ReportedAt), ResolvedAt: timeOrNil(a.ResolvedAt),
			ReturnedAt: timeOrNil(a.ReturnedAt), ReturnReason: a.ReturnReason, ReturnUpheld: a.ReturnUpheld,
			CallAccurate: a.CallAccurate, CallScore: a.CallScore, ResponseScore: a.ResponseScore})
	}
	out.Deadlines = []Deadline{}
	for _, d := range deadlines {
		st, late := d.StatusAt(asof)
		out.Deadlines = append(out.Deadlines, Deadline{ID: d.ID(), Unit: d.Unit, Milestone: string(d.Milestone),
			Round: d.Round, Start: timeOrNil(d.Start), Deadline: timeOrNil(d.Due), Actual: timeOrNil(d.Actual),
			Stopped: timeOrNil(d.Stopped), Status: string(st), OverdueSeconds: int64(late / time.Second), Excused: d.Excused})
	}
	out.Trail = PublicTrail(out.Trail, loc)
	out.Urgeable = evaluation.Urgeable(&c, assignments)
	return out
}

// publicTrail prepares events for output: times in the policy's zone, and
// without the reporter's pseudonym and the access code's hash, which
// nobody reading a trail needs.
func PublicTrail(trail []evaluation.Event, loc *time.Location) []evaluation.Event {
	out := make([]evaluation.Event, len(trail))
	for i, e := range trail {
		e.At = e.At.In(loc)
		e.Reporter, e.AccessCode = "", ""
		out[i] = e
	}
	return out
}
