package service

import (
	"context"
	"time"

	"frontline/evaluation"
	"frontline/rbac"
	"frontline/store"
	"frontline/view"
)

// A breach is a deadline of a case opened in the period that has passed
// without its milestone, or was met late, as of the time asked: one
// definition for the lists, the counts, the gauge and the packs.

// Breaches lists the deadlines of the cases opened in a period that are
// breached as of asof, in the caller's domain (one unit's when unit is
// set), with times in loc, in the order of EachBreach: GET /breaches and
// the dashboard read them here.
func (s *Service) Breaches(ctx context.Context, c rbac.Principal, period evaluation.Period, asof time.Time, unit string, loc *time.Location) ([]view.Breach, error) {
	out := []view.Breach{}
	err := s.EachBreach(ctx, c, period, asof, unit, loc, func(b view.Breach) error {
		out = append(out, b)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// EachBreach calls fn with each breach Breaches would list, by due time,
// one at a time as the store reads them: the packs write a million
// breaches without holding them.
func (s *Service) EachBreach(ctx context.Context, c rbac.Principal, period evaluation.Period, asof time.Time, unit string, loc *time.Location, fn func(view.Breach) error) error {
	f := store.DeadlineFilter{From: period.From, To: period.To, Unit: unit, LateBy: asof}
	return s.DB.EachDeadline(ctx, f, func(d evaluation.Deadline) error {
		st, late := d.StatusAt(asof)
		if st != evaluation.Breached || !c.Sees("breaches", d.Unit) {
			return nil
		}
		b := view.Breach{ID: d.ID(), Case: d.Case, Unit: d.Unit, Milestone: string(d.Milestone), Round: d.Round,
			Start: d.Start.In(loc), Deadline: d.Due.In(loc), OverdueSeconds: int64(late / time.Second), Excused: d.Excused}
		if !d.Actual.IsZero() && !d.Actual.After(asof) {
			t := d.Actual.In(loc)
			b.Actual = &t
		}
		return fn(b)
	})
}

// BreachesByMilestone counts the breaches of the cases opened in the
// current month, as of now, by milestone (call, respond, report,
// dispose): the figures the frontline_breaches gauge shows.
func (s *Service) BreachesByMilestone(ctx context.Context) (map[string]int, error) {
	policies, err := s.DB.RecentPolicies(ctx, time.Second)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	loc := policies.At(now).Location
	month, err := evaluation.ParsePeriod(now.In(loc).Format("2006-01"), loc)
	if err != nil {
		return nil, err
	}
	out := map[string]int{"call": 0, "respond": 0, "report": 0, "dispose": 0}
	err = s.EachBreach(ctx, rbac.Local(), month, now, "", loc, func(b view.Breach) error {
		out[b.Milestone]++
		return nil
	})
	return out, err
}

// BreachQuery asks for the breaches of a period.
type BreachQuery struct {
	PeriodQuery
	Unit string // only this unit's
	// Trails asks for every event of the breaches' cases too.
	Trails bool
	// Counting says only their number per unit and milestone will be
	// shown, no case: such a read is not audited.
	Counting bool
}

// BreachList is a period's breaches as one principal may see them.
type BreachList struct {
	Span
	Breaches []view.Breach
	Cases    []string                      // the cases, in order of their first breach
	Trails   map[string][]evaluation.Event // by case, when asked for
}

// ListBreaches lists the breaches of the cases opened in a period that
// the principal may see, by due time, with their cases' trails when
// asked; every such read is audited (DESIGN.md §6).
func (s *Service) ListBreaches(ctx context.Context, p rbac.Principal, q BreachQuery) (*BreachList, error) {
	if err := p.AuthorizeSome(ctx, rbac.Read, "breaches"); err != nil {
		return nil, err
	}
	sp, err := s.Resolve(ctx, q.PeriodQuery)
	if err != nil {
		return nil, err
	}
	out := &BreachList{Span: sp}
	if out.Breaches, err = s.Breaches(ctx, p, sp.Period, sp.AsOf, q.Unit, sp.Zone); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, b := range out.Breaches {
		if !seen[b.Case] {
			seen[b.Case] = true
			out.Cases = append(out.Cases, b.Case)
		}
	}
	details := map[string]any{"unit": q.Unit, "asof": sp.AsOf.UTC(), "breaches": len(out.Breaches)}
	if q.Trails {
		if out.Trails, err = s.DB.Trails(ctx, out.Cases); err != nil {
			return nil, err
		}
		details["trails"] = len(out.Trails)
	}
	if q.Counting {
		return out, nil
	}
	return out, s.AuditRead(ctx, p, "breaches.read", sp.Period.Name, details)
}
