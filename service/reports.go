package service

import (
	"context"
	"slices"
	"strings"
	"time"

	"frontline/evaluation"
	"frontline/fault"
	"frontline/rbac"
	"frontline/scoring"
	"frontline/store"
	"frontline/view"
)

// MonthsOf splits a period into its months (in loc), the first and last
// clipped to the period; each is named by its month.
func MonthsOf(period evaluation.Period, loc *time.Location) []evaluation.Period {
	var out []evaluation.Period
	from := period.From.In(loc)
	for m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, loc); m.Before(period.To); m = m.AddDate(0, 1, 0) {
		p := evaluation.Period{Name: m.Format("2006-01"), From: m, To: m.AddDate(0, 1, 0)}
		if p.From.Before(period.From) {
			p.From = period.From
		}
		if p.To.After(period.To) {
			p.To = period.To
		}
		out = append(out, p)
	}
	return out
}

// cadres assesses the cadres of a period as of asof: each month of it
// scored (from the kept counts where they serve) and attributed to the
// cadres by the days they led each unit. role is head, deputy or all.
func (s *Service) cadres(ctx context.Context, period evaluation.Period, asof time.Time, policies evaluation.Policies, role string) ([]*scoring.CadreScore, error) {
	reg, err := s.DB.Registry(ctx)
	if err != nil {
		return nil, err
	}
	loc := policies.At(asof).Location
	var months []scoring.MonthReport
	for _, m := range MonthsOf(period, loc) {
		report, err := s.scorePeriod(ctx, m, asof, policies)
		if err != nil {
			return nil, err
		}
		months = append(months, scoring.MonthReport{Period: m, Report: report})
	}
	var roles []string
	if role != "all" {
		roles = []string{role}
	}
	return scoring.Cadres(reg, period, months, roles, policies.At(period.From).Scoring.MinCases, loc), nil
}

// Explanation is every number behind one unit's score: each metric's
// numerator and denominator with the case ids counted and failed, the
// penalties, and the unit's appeals and the findings against it,
// whatever became of them (`explain --json`, GET /units/{code}/explain).
type Explanation struct {
	view.Unit
	CaseIDs     []string               `json:"case_ids"`
	Explained   map[string]MetricTrace `json:"explained"`
	Penalties   []scoring.Penalty      `json:"penalties"`
	Pessimistic float64                `json:"pessimistic_score"`
	Appeals     []Appeal               `json:"appeals"`
	Findings    []Finding              `json:"findings"`
	Score       *scoring.UnitScore     `json:"-"`
}

// MetricTrace is one metric with the cases behind it.
type MetricTrace struct {
	Value    *float64  `json:"value"`
	Num      float64   `json:"numerator"`
	Den      float64   `json:"denominator"`
	Interval []float64 `json:"interval,omitempty"`
	Counted  []string  `json:"counted"`
	Failed   []string  `json:"failed,omitempty"`
}

// explain counts a period's cases as of asof and explains unit's score.
// A unit the caller may not see reads exactly as one without cases.
func (s *Service) explain(ctx context.Context, c rbac.Principal, unit string, period evaluation.Period, asof time.Time, policy *evaluation.Policy, lang string) (*Explanation, error) {
	notFound := fault.Sayf(fault.NotFound, "explain", "单位 %q 在 %s 没有参与考核的案件", "unit %q has no assessed cases in %s", unit, period.Name)
	if !c.Sees("scores", unit) {
		return nil, notFound
	}
	// Explaining needs the ids behind every number: count the cases.
	data, err := s.DB.ScoringData(ctx, period.From, period.To)
	if err != nil {
		return nil, err
	}
	report := scoring.Compute(data, scoring.Options{AsOf: asof, Scoring: policy.Scoring, Explain: true})
	i := slices.IndexFunc(report.Units, func(u *scoring.UnitScore) bool { return u.Unit == unit })
	if i < 0 {
		return nil, notFound
	}
	u := report.Units[i]
	out := &Explanation{Unit: view.UnitOf(u, lang), CaseIDs: u.CaseIDs, Explained: map[string]MetricTrace{}, Penalties: u.Penalties,
		Pessimistic: u.Pessimistic, Appeals: []Appeal{}, Findings: []Finding{}, Score: u}
	for name, m := range u.Metrics {
		t := MetricTrace{Num: m.Num, Den: m.Den, Counted: m.Counted, Failed: m.Failed}
		if v, ok := m.Value(); ok {
			t.Value = view.Round(&v)
		}
		if lo, hi, ok := m.Interval(); ok {
			t.Interval = []float64{lo, hi}
		}
		if t.Counted == nil {
			t.Counted = []string{}
		}
		out.Explained[name] = t
	}
	appeals, err := s.appeals(ctx, c, period.From, period.To)
	if err != nil {
		return nil, err
	}
	for _, ap := range appeals {
		if ap.Unit == unit {
			out.Appeals = append(out.Appeals, ap)
		}
	}
	findings, err := s.findings(ctx, c, period.From, period.To)
	if err != nil {
		return nil, err
	}
	for _, f := range findings {
		if f.Target == unit {
			out.Findings = append(out.Findings, f)
		}
	}
	return out, nil
}

// Durations reports, for each unit the caller sees, the cases it led
// that were opened in the period and how long they took: to close, and
// to the first action where the data records one. wall counts hours by
// the local clock of loc, as cities' own figures do across a
// daylight-saving change; otherwise hours are real hours.
func (s *Service) Durations(ctx context.Context, c rbac.Principal, period evaluation.Period, wall bool, loc *time.Location, lang string) (*view.Durations, error) {
	if err := c.Authorize(ctx, rbac.Read, rbac.Resource{Object: "scores"}); err != nil {
		return nil, err
	}
	type times struct {
		cases, closed  int
		toClose, first []float64
	}
	per := map[string]*times{}
	all := &times{}
	err := s.DB.EachCaseTimes(ctx, period.From, period.To, func(ct store.CaseTimes) error {
		if !c.Sees("scores", ct.Unit) {
			return nil
		}
		u := per[ct.Unit]
		if u == nil {
			u = &times{}
			per[ct.Unit] = u
		}
		for _, t := range []*times{u, all} {
			t.cases++
			if !ct.Closed.IsZero() {
				t.closed++
				if !ct.Closed.Before(ct.Opened) {
					t.toClose = append(t.toClose, view.Hours(ct.Opened, ct.Closed, wall, loc))
				}
			}
			if !ct.FirstAction.IsZero() && !ct.FirstAction.Before(ct.Opened) {
				t.first = append(t.first, view.Hours(ct.Opened, ct.FirstAction, wall, loc))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	reg, err := s.DB.Registry(ctx)
	if err != nil {
		return nil, err
	}
	names := map[string]evaluation.Name{}
	for _, u := range reg.Units {
		names[u.Code] = u.Name
	}
	line := func(unit string, t *times) view.UnitDurations {
		d := view.UnitDurations{Unit: unit, Name: view.Name(names[unit], lang), Cases: t.cases, Closed: t.closed, ToClose: view.SpreadOf(t.toClose)}
		if t.cases > 0 {
			share := float64(t.closed) / float64(t.cases)
			d.ShareClosed = &share
		}
		if len(t.first) > 0 {
			first := view.SpreadOf(t.first)
			d.ToFirstAction = &first
		}
		return d
	}
	clock := "elapsed"
	if wall {
		clock = "wall"
	}
	out := &view.Durations{Period: period.Name, Clock: clock, Zone: loc.String(), Units: []view.UnitDurations{}, All: line("", all)}
	for unit, t := range per {
		out.Units = append(out.Units, line(unit, t))
	}
	slices.SortFunc(out.Units, func(a, b view.UnitDurations) int {
		if a.Cases != b.Cases {
			return b.Cases - a.Cases
		}
		return strings.Compare(a.Unit, b.Unit)
	})
	return out, nil
}

// Explain explains one unit's score over a period down to the cases and
// events behind each number, for those who may read its scores; a unit
// they may not see reads as one without assessed cases.
func (s *Service) Explain(ctx context.Context, p rbac.Principal, unit string, q PeriodQuery, lang string) (*Explanation, Span, error) {
	if err := p.AuthorizeSome(ctx, rbac.Read, "scores"); err != nil {
		return nil, Span{}, err
	}
	sp, err := s.Resolve(ctx, q)
	if err != nil {
		return nil, sp, err
	}
	ex, err := s.explain(ctx, p, unit, sp.Period, sp.AsOf, sp.Policy(), lang)
	return ex, sp, err
}

// Cadres assesses the cadres of a period (role: head, deputy or all), for
// those who may read the assessment.
func (s *Service) Cadres(ctx context.Context, p rbac.Principal, q PeriodQuery, role string) ([]*scoring.CadreScore, Span, error) {
	if err := p.Authorize(ctx, rbac.Read, rbac.Resource{Object: "cadres"}); err != nil {
		return nil, Span{}, err
	}
	sp, err := s.Resolve(ctx, q)
	if err != nil {
		return nil, sp, err
	}
	list, err := s.cadres(ctx, sp.Period, sp.AsOf, sp.Policies, role)
	return list, sp, err
}

// CadreDetail is one cadre's assessment over a period, with the breaches
// of the units they led while they led them.
type CadreDetail struct {
	Span
	Cadre    *scoring.CadreScore
	Breaches []view.Breach // excused ones aside
}

// Cadre assesses one cadre (role: head, deputy or all); the right to the
// assessment covers the breaches of the units the cadre led.
func (s *Service) Cadre(ctx context.Context, p rbac.Principal, q PeriodQuery, role, id string) (*CadreDetail, error) {
	list, sp, err := s.Cadres(ctx, p, q, role)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(list, func(c *scoring.CadreScore) bool { return c.Cadre.ID == id })
	if i < 0 {
		return nil, fault.Sayf(fault.NotFound, "cadre", "干部 %s 没有“%s”任职（%s）", "cadre %s has no %s tenure in %s", id, stateWords(role), sp.Period.Name)
	}
	out := &CadreDetail{Span: sp, Cadre: list[i]}
	for _, t := range out.Cadre.Tenures {
		led := evaluation.Period{From: t.From, To: t.To}
		err := s.EachBreach(ctx, rbac.Local(), led, sp.AsOf, t.Unit, sp.Zone, func(b view.Breach) error {
			if !b.Excused {
				out.Breaches = append(out.Breaches, b)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
