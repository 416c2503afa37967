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
