package service

import (
	"context"
	"slices"
	"strings"
	"time"

	"frontline/evaluation"
	"frontline/rbac"
	"frontline/store"
	"frontline/view"
)

// maxDisagreements is how many cases a verdicts report lists by name.
const maxDisagreements = 20

// Verdicts compares, for the cases opened in period whose data carried a
// city's own deadline or verdict, the city's verdict on disposal with
// Frontline's (the lead's first disposal deadline), as of asof (zero:
// now). A city's verdict is its on-time flag where the data had one, else
// its due time against the close. Only the units the caller may see.
func (s *Service) Verdicts(ctx context.Context, c rbac.Principal, period evaluation.Period, asof time.Time, loc *time.Location) (*view.Verdicts, error) {
	if err := c.Authorize(ctx, rbac.Read, rbac.Resource{Object: "scores"}); err != nil {
		return nil, err
	}
	if asof.IsZero() {
		asof = s.Now()
	}
	city := map[string]evaluation.Event{}
	if err := s.DB.EachCityVerdict(ctx, period.From, period.To, func(e evaluation.Event) error {
		city[e.Case] = e
		return nil
	}); err != nil {
		return nil, err
	}
	times := map[string]store.CaseTimes{}
	if err := s.DB.EachCaseTimes(ctx, period.From, period.To, func(ct store.CaseTimes) error {
		if _, ok := city[ct.Case]; ok {
			times[ct.Case] = ct
		}
		return nil
	}); err != nil {
		return nil, err
	}
	dispose := map[string]evaluation.Deadline{} // the lead's first disposal deadline
	if err := s.DB.EachDeadline(ctx, store.DeadlineFilter{From: period.From, To: period.To}, func(d evaluation.Deadline) error {
		if _, ok := city[d.Case]; ok && d.Milestone == evaluation.Dispose && d.Round == 1 {
			if old, seen := dispose[d.Case]; !seen || d.Start.Before(old.Start) {
				dispose[d.Case] = d
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}
	out := &view.Verdicts{Period: period.Name, AsOf: asof.In(loc), Disagreements: []view.VerdictCase{}}
	var gaps []float64
	at := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		l := t.In(loc)
		return &l
	}
	for id, e := range city {
		ct := times[id]
		if !c.Sees("scores", ct.Unit) {
			continue
		}
		out.Cases++
		d, judged := dispose[id]
		if !judged {
			out.Withdrawn++ // no disposal deadline: out of assessment
			continue
		}
		if e.Due != nil {
			gaps = append(gaps, d.Due.Sub(*e.Due).Hours())
		}
		var cityOnTime, cityKnows bool
		switch {
		case e.OnTime != nil:
			cityOnTime, cityKnows = *e.OnTime, true
		case e.Due != nil && !ct.Closed.IsZero():
			cityOnTime, cityKnows = !ct.Closed.After(*e.Due), true
		case e.Due != nil && asof.After(*e.Due):
			cityOnTime, cityKnows = false, true // open past the city's own deadline
		}
		st, late := d.StatusAt(asof)
		if !cityKnows || (st != evaluation.Met && st != evaluation.Breached) {
			out.Undecided++
			continue
		}
		onTime := st == evaluation.Met
		out.Compared++
		switch {
		case onTime && cityOnTime:
			out.BothOnTime++
		case !onTime && !cityOnTime:
			out.BothLate++
		case onTime:
			out.CityLateOnly++
		default:
			out.FrontlineLateOnly++
		}
		if onTime == cityOnTime {
			out.Agree++
		} else {
			out.Disagreements = append(out.Disagreements, view.VerdictCase{Case: id, Unit: d.Unit, CityDue: at(derefTime(e.Due)), CityOnTime: cityOnTime,
				Due: at(d.Due), OnTime: onTime, Closed: at(ct.Closed), OverdueHours: late.Hours()})
		}
	}
	if out.Compared > 0 {
		share := float64(out.Agree) / float64(out.Compared)
		out.AgreeShare = &share
	}
	out.DueGap = view.SpreadOf(gaps)
	sortVerdictCases(out.Disagreements)
	if len(out.Disagreements) > maxDisagreements {
		out.Disagreements = out.Disagreements[:maxDisagreements]
	}
	return out, nil
}

func derefTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// sortVerdictCases orders disagreements by case id.
func sortVerdictCases(v []view.VerdictCase) {
	slices.SortFunc(v, func(a, b view.VerdictCase) int { return strings.Compare(a.Case, b.Case) })
}
