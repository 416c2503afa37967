package evaluation

import (
	"cmp"
	"slices"
	"time"
)

// Case is the state of one case derived from its trail. Zero times mean
// the milestone has not happened (or its event has not arrived yet).
type Case struct {
	ID             string
	OpenedAt       time.Time
	Category       string
	Street         string
	Community      string
	Source         string
	Urgency        string
	AccessCodeHash string
	Closed         bool      // closed and not reopened since
	ClosedAt       time.Time // the latest close
	// Withdrawn is why the latest close ended the case without resolution
	// (cancelled, duplicate): such a case leaves assessment, with no
	// deadlines and no part in any score; "" otherwise.
	Withdrawn    string
	Reopenings   int
	ReopenedAt   time.Time // the first reopening
	Satisfaction string    // the latest rating
	Solved       *bool     // from the latest rating
	RatedAt      time.Time
	Revisits     int
	InPlace      *bool // from the latest return visit
	RevisitedAt  time.Time
	Events       int
	LastEventAt  time.Time
}

// Assignment is the state of one unit's part in one case.
type Assignment struct {
	Case         string
	Unit         string
	Role         string // lead or assist
	By           string // the calling street, or "platform"
	DispatchedAt time.Time
	RespondedAt  time.Time
	ReportedAt   time.Time
	ResolvedAt   time.Time // the first resolution
	Resolutions  int
	ReturnedAt   time.Time
	ReturnReason string
	// ReturnUpheld says whether the return was justified: the ruling if
	// there is one, else true once the case was dispatched to another unit
	// after the return; nil while undecided or without a return.
	ReturnUpheld        *bool
	ReturnRuledBy       string
	CallAccurate        *bool // the department's view of the street's call
	CallScore           *int
	CallEvaluatedAt     time.Time
	ResponseScore       *int   // the street's score of the department's response
	ResponseRater       string // the street that gave ResponseScore
	ResponseEvaluatedAt time.Time
	UrgedAt             time.Time // the first time the unit was urged on the case (督办)
}

// Ended reports whether an upheld return ended the unit's part in the
// case. A ruling on a unit that never returned the case decides nothing.
func (a *Assignment) Ended() bool {
	return !a.ReturnedAt.IsZero() && a.ReturnUpheld != nil && *a.ReturnUpheld
}

// Urgeable lists the units that may be urged on a case now (督办,
// DESIGN.md §9): none once it is closed; else its street and every unit
// dispatched to it whose part has not ended.
func Urgeable(c *Case, assignments []Assignment) []string {
	if c.Closed {
		return nil
	}
	out := []string{}
	if c.Street != "" {
		out = append(out, c.Street)
	}
	for _, a := range assignments {
		if !a.DispatchedAt.IsZero() && !a.Ended() && !slices.Contains(out, a.Unit) {
			out = append(out, a.Unit)
		}
	}
	return out
}

// ReturnUnjustified reports whether the unit returned the case and the
// return was ruled unjustified (shirking).
func (a *Assignment) ReturnUnjustified() bool {
	return !a.ReturnedAt.IsZero() && a.ReturnUpheld != nil && !*a.ReturnUpheld
}

// SortTrail orders a trail by time, then event id: the order in which
// Derive reads it, so that the state never depends on arrival order.
func SortTrail(trail []Event) {
	slices.SortFunc(trail, func(a, b Event) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}

// Derive computes the state of a case and its assignments from its whole
// trail, in any order. It sorts trail in place. Assignments come ordered by
// dispatch time, then unit.
func Derive(id string, trail []Event) (Case, []Assignment) {
	SortTrail(trail)
	c := Case{ID: id, Events: len(trail)}
	var list []*Assignment
	byUnit := map[string]*Assignment{}
	assignment := func(unit string) *Assignment {
		if a, ok := byUnit[unit]; ok {
			return a
		}
		a := &Assignment{Case: id, Unit: unit, Role: "lead"}
		byUnit[unit] = a
		list = append(list, a)
		return a
	}
	removed := AppealedAway(trail)
	for i := range trail {
		e := &trail[i]
		c.LastEventAt = e.At
		if removed[e.ID] {
			continue // an upheld appeal removed it from assessment
		}
		switch e.Type {
		case Opened:
			if c.OpenedAt.IsZero() {
				c.OpenedAt = e.At
				c.Category, c.Street, c.Community = e.Category, e.Street, e.Community
				c.Source, c.Urgency, c.AccessCodeHash = e.Source, e.Urgency, e.AccessCode
			}
		case Dispatched:
			// A dispatch after another unit's return implies the return was justified.
			for _, other := range list {
				if other.Unit != e.Unit && !other.ReturnedAt.IsZero() && other.ReturnRuledBy == "" {
					other.ReturnUpheld = ptr(true)
				}
			}
			a := assignment(e.Unit)
			if a.DispatchedAt.IsZero() {
				a.DispatchedAt, a.By, a.Role = e.At, e.By, e.Role
				if a.Role == "" {
					a.Role = "lead"
				}
			}
		case Responded:
			setOnce(&assignment(e.Unit).RespondedAt, e.At)
		case Reported:
			setOnce(&assignment(e.Unit).ReportedAt, e.At)
		case Resolved:
			a := assignment(e.Unit)
			setOnce(&a.ResolvedAt, e.At)
			a.Resolutions++
		case Returned:
			a := assignment(e.Unit)
			if a.ReturnedAt.IsZero() {
				a.ReturnedAt, a.ReturnReason = e.At, e.Reason
			}
		case ReturnRuled:
			a := assignment(e.Target)
			a.ReturnUpheld, a.ReturnRuledBy = ptr(*e.Upheld), e.Unit
		case Closed:
			c.Closed, c.ClosedAt, c.Withdrawn = true, e.At, ""
			if slices.Contains(CloseReasons, e.Reason) {
				c.Withdrawn = e.Reason
			}
		case Reopened:
			c.Closed, c.Withdrawn = false, ""
			c.Reopenings++
			setOnce(&c.ReopenedAt, e.At)
		case Rated:
			c.Satisfaction, c.Solved, c.RatedAt = e.Satisfaction, e.Solved, e.At
		case Revisited:
			c.Revisits++
			c.InPlace, c.RevisitedAt = e.InPlace, e.At
		case CallEvaluated:
			// The department (unit) rates the call of the street (target).
			a := assignment(e.Unit)
			a.CallAccurate, a.CallScore, a.CallEvaluatedAt = e.Accurate, e.Score, e.At
		case ResponseEvaluated:
			// The street (unit) rates the response of the department (target).
			a := assignment(e.Target)
			a.ResponseScore, a.ResponseRater, a.ResponseEvaluatedAt = e.Score, e.Unit, e.At
		case Urged:
			// A unit dispatched to the case; a street's urging is in its trail only.
			if a, ok := byUnit[e.Target]; ok {
				setOnce(&a.UrgedAt, e.At)
			}
		}
	}
	out := make([]Assignment, len(list))
	for i, a := range list {
		out[i] = *a
	}
	slices.SortStableFunc(out, func(a, b Assignment) int {
		if c := a.DispatchedAt.Compare(b.DispatchedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.Unit, b.Unit)
	})
	return c, out
}

func setOnce(t *time.Time, at time.Time) {
	if t.IsZero() {
		*t = at
	}
}

func ptr[T any](v T) *T { return &v }
