package evaluation

import "time"

// Appeals and findings are processes written into the trail: an appeal
// and its decision, a finding and its withdrawal are events like any
// other, and their state is read from the trail, never edited.

// AppealState is where an appeal stands.
type AppealState string

// Appeal states. A duplicate is a later appeal on a target already
// appealed: it changes nothing and no decision on it counts.
const (
	AppealOpen      AppealState = "open"
	AppealUpheld    AppealState = "upheld"
	AppealRejected  AppealState = "rejected"
	AppealDuplicate AppealState = "duplicate"
)

// Appeal is a unit's appeal against a breach, a rating, an evaluation or a
// finding, with its decision.
type Appeal struct {
	ID, Case, Unit, Actor string
	Target, Reason        string
	At                    time.Time
	State                 AppealState
	// Of is the earlier appeal on the same target, for a duplicate.
	Of string
	// The decision, once there is one: the first on the appeal is final.
	Decision, DecidedBy, DecisionActor, DecisionNote string
	DecidedAt                                        time.Time
}

// Appeals reads the appeals of a trail in time order (as Derive leaves
// it): the first appeal on a target counts, a later one is a duplicate;
// the first decision on an appeal that counts is final.
func Appeals(trail []Event) []Appeal {
	var out []Appeal
	index := map[string]int{}       // appeal event id → position in out
	byTarget := map[string]string{} // target → the appeal that counts
	for i := range trail {
		e := &trail[i]
		if e.Type != Appealed {
			continue
		}
		a := Appeal{ID: e.ID, Case: e.Case, Unit: e.Unit, Actor: e.Actor, Target: e.Target, Reason: e.Reason, At: e.At, State: AppealOpen}
		if first, ok := byTarget[e.Target]; ok {
			a.State, a.Of = AppealDuplicate, first
		} else {
			byTarget[e.Target] = e.ID
		}
		index[e.ID] = len(out)
		out = append(out, a)
	}
	for i := range trail {
		e := &trail[i]
		if e.Type != AppealDecided {
			continue
		}
		j, ok := index[e.Target]
		if !ok || out[j].State != AppealOpen {
			continue
		}
		a := &out[j]
		a.State = AppealRejected
		if e.Upheld != nil && *e.Upheld {
			a.State = AppealUpheld
		}
		a.Decision, a.DecidedBy, a.DecisionActor, a.DecisionNote, a.DecidedAt = e.ID, e.Unit, e.Actor, e.Note, e.At
	}
	return out
}

// AppealedAway returns the targets of the trail's upheld appeals: event
// ids (a rating, an evaluation, a finding) and deadline ids.
func AppealedAway(trail []Event) map[string]bool {
	removed := map[string]bool{}
	for _, a := range Appeals(trail) {
		if a.State == AppealUpheld {
			removed[a.Target] = true
		}
	}
	return removed
}

// FindingState is where a supervision finding stands.
type FindingState string

// Finding states: in force, withdrawn by the discipline body, or removed
// by an upheld appeal.
const (
	FindingActive    FindingState = "active"
	FindingRetracted FindingState = "withdrawn"
	FindingAppealed  FindingState = "appealed_away"
)

// Finding is a supervision finding against a unit, as the trail has it.
type Finding struct {
	ID, Case, Unit, Actor                   string // Unit: the discipline body that found it
	Target, Severity, Note                  string // Target: the unit found against
	At                                      time.Time
	State                                   FindingState
	Withdrawal, WithdrawnBy, WithdrawalNote string
	WithdrawnAt                             time.Time
}

// Findings reads the supervision findings of a trail in time order; the
// first withdrawal of a finding counts.
func Findings(trail []Event) []Finding {
	var out []Finding
	index := map[string]int{}
	for i := range trail {
		e := &trail[i]
		if e.Type == Supervised {
			index[e.ID] = len(out)
			out = append(out, Finding{ID: e.ID, Case: e.Case, Unit: e.Unit, Actor: e.Actor, Target: e.Target,
				Severity: e.Severity, Note: e.Note, At: e.At, State: FindingActive})
		}
	}
	removed := AppealedAway(trail)
	for i := range trail {
		e := &trail[i]
		j, ok := index[e.Target]
		if e.Type != FindingWithdrawn || !ok || out[j].State != FindingActive {
			continue
		}
		f := &out[j]
		f.State, f.Withdrawal, f.WithdrawnBy, f.WithdrawalNote, f.WithdrawnAt = FindingRetracted, e.ID, e.Unit, e.Note, e.At
	}
	for i := range out {
		if out[i].State == FindingActive && removed[out[i].ID] {
			out[i].State = FindingAppealed
		}
	}
	return out
}
