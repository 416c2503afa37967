package service

import (
	"context"
	"sync"
	"time"

	"frontline/audit"
	"frontline/evaluation"
	"frontline/fault"
	"frontline/rbac"
	"frontline/scoring"
)

// scorePeriod scores every unit on the cases opened in a period as of
// asof, under the policy in force on the period's first day: from the
// kept counts when they can serve (whole months of one zone), with the
// cases that count differently as of asof counted again, else from the
// cases themselves. Both give the same report.
func (s *Service) scorePeriod(ctx context.Context, p evaluation.Period, asof time.Time, policies evaluation.Policies) (*scoring.Report, error) {
	opt := scoring.Options{AsOf: asof, Scoring: policies.At(p.From).Scoring}
	// A case opened after asof counts for nothing as of asof: the months
	// after asof's are not read.
	to := p.To
	if m := firstOfNextMonth(asof, policies.At(p.From).Location); m.Before(to) && m.After(p.From) {
		to = m
	}
	in, ok, err := s.DB.CountedInputs(ctx, p.From, to)
	if err != nil {
		return nil, err
	}
	if ok {
		open, err := s.DB.OpenScoringData(ctx, p.From, to, asof)
		if err != nil {
			return nil, err
		}
		in.Rejudge(open, asof)
		return scoring.FromCounts(in, opt), nil
	}
	// Counted afresh, a month at a time: a year's rows are never all in
	// memory together.
	pieces := scoring.NewPieces(opt.Explain)
	for _, m := range MonthsOf(p, policies.At(p.From).Location) {
		data, err := s.DB.ScoringData(ctx, m.From, m.To)
		if err != nil {
			return nil, err
		}
		pieces.Add(data, asof)
	}
	return pieces.Report(opt), nil
}

// firstOfNextMonth returns the start of the month after t's, in loc.
func firstOfNextMonth(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, loc)
}

// Refresh recomputes, as of asof, the kept scores of every month whose
// cases changed since they were last kept, and returns those months.
func (s *Service) Refresh(ctx context.Context, asof time.Time) ([]string, error) {
	stale, err := s.DB.StaleMonths(ctx)
	if err != nil || len(stale) == 0 {
		return nil, err
	}
	policies, err := s.DB.Policies(ctx)
	if err != nil {
		return nil, err
	}
	var done []string
	for _, m := range stale {
		period, err := evaluation.ParsePeriod(m.Period, policies.At(asof).Location)
		if err != nil {
			return done, err
		}
		policy := policies.At(period.From)
		horizon, err := s.DB.CountHorizon(ctx)
		if err != nil {
			return done, err
		}
		report, err := s.scorePeriod(ctx, period, asof, policies)
		if err != nil {
			return done, err
		}
		if err := s.DB.KeepScores(ctx, m, asof, horizon, policy.Effective.String(), report.Units); err != nil {
			return done, err
		}
		done = append(done, m.Period)
	}
	return done, nil
}

// ScoresQuery asks for a period's scores: all units the principal may
// see, or those of one kind, or one unit.
type ScoresQuery struct {
	PeriodQuery
	Kind string
	Unit string
	// Kept reads a month's kept scores as they were kept, however stale
	// (`score --cached`); the query then names one month and no as-of time.
	Kept bool
}

// keeps says whether a unit's score answers the query for the principal.
func (q ScoresQuery) keeps(p rbac.Principal, u *scoring.UnitScore) bool {
	return (q.Kind == "" || string(u.Kind) == q.Kind) && (q.Unit == "" || u.Unit == q.Unit) && p.Sees("scores", u.Unit)
}

// Scores is a period's scores as one principal may see them.
type Scores struct {
	Span
	Policy    *evaluation.Policy // the policy that scored the period
	Units     []*scoring.UnitScore
	AuditHead audit.Head // the audit chain's head when they were read
	Stale     bool       // kept scores that events have made stale since (Kept only)
}

// Scores scores a period: a month asked as of now from its kept scores
// when they are current, anything else from the counts or the cases
// (the same numbers, sooner). Units the principal may not see are left
// out, as if they had no cases.
func (s *Service) Scores(ctx context.Context, p rbac.Principal, q ScoresQuery) (*Scores, error) {
	if err := p.AuthorizeSome(ctx, rbac.Read, "scores"); err != nil {
		return nil, err
	}
	var (
		out    = &Scores{}
		report *scoring.Report
		err    error
	)
	if q.Kept {
		report, err = s.keptScores(ctx, q, out)
	} else {
		if out.Span, err = s.Resolve(ctx, q.PeriodQuery); err != nil {
			return nil, err
		}
		report, err = s.currentScores(ctx, q.PeriodQuery, out.Span)
	}
	if err != nil {
		return nil, err
	}
	out.Policy = out.Policies.At(out.Period.From)
	for _, u := range report.Units {
		if q.keeps(p, u) {
			out.Units = append(out.Units, u)
		}
	}
	out.AuditHead, err = s.DB.AuditHead(ctx)
	return out, err
}

// currentScores scores a span, from a month's kept scores when the query
// names a month, judged as of now, and they are current.
//
// A month whose kept scores no longer hold (a deadline of it has fallen
// due since) is counted afresh; where a background refresher runs (the
// Stale hook), the month is also marked stale, so that the refresher
// keeps it again as of now and the reads after are served from it.
func (s *Service) currentScores(ctx context.Context, q PeriodQuery, sp Span) (*scoring.Report, error) {
	if q.AsOf == "" && q.Period != "" && len(sp.Period.Name) == len("2006-01") {
		report, ok, err := s.DB.KeptScores(ctx, sp.Period.Name, sp.Period.From, sp.Period.To, sp.AsOf)
		if err != nil || ok {
			return report, err
		}
		if s.Stale != nil && s.marks.due(sp.Period.Name, s.Now()) {
			if err := s.DB.MarkMonthStale(ctx, sp.Period.Name); err != nil {
				return nil, err
			}
			s.Stale()
		}
	}
	return s.scorePeriod(ctx, sp.Period, sp.AsOf, sp.Policies)
}

// keptScores reads a month's kept scores as they were kept.
func (s *Service) keptScores(ctx context.Context, q ScoresQuery, out *Scores) (*scoring.Report, error) {
	policies, err := s.DB.Policies(ctx)
	if err != nil {
		return nil, err
	}
	loc := policies.At(s.Now()).Location
	period, err := evaluation.ParsePeriod(q.Period, loc)
	if err != nil {
		return nil, err
	}
	if period.To.Sub(period.From) > 31*24*time.Hour {
		return nil, fault.Sayf(fault.Invalid, "kept scores", "留存的得分按月计算；%s 超过一个月", "scores are kept per month; %s is longer", period.Name)
	}
	cp, units, err := s.DB.CachedScores(ctx, period.Name, q.Unit)
	if err != nil {
		return nil, err
	}
	out.Span = Span{Period: period, AsOf: cp.AsOf, Policies: policies, Zone: loc}
	out.Stale = cp.Stale
	return &scoring.Report{AsOf: cp.AsOf, Units: units}, nil
}

// Ranked counts the units of a kind ranked in a period ("3rd of 10"): a
// count, not the other units' scores, which a head may not see.
func (s *Service) Ranked(ctx context.Context, p rbac.Principal, q PeriodQuery, kind evaluation.UnitKind) (int, error) {
	if err := p.AuthorizeSome(ctx, rbac.Read, "scores"); err != nil {
		return 0, err
	}
	sp, err := s.Resolve(ctx, q)
	if err != nil {
		return 0, err
	}
	report, err := s.currentScores(ctx, q, sp)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, u := range report.Units {
		if u.Kind == kind && u.Rank > 0 {
			n++
		}
	}
	return n, nil
}

// MonthScores is one month of ScoresByMonth.
type MonthScores struct {
	Period evaluation.Period
	Policy *evaluation.Policy
	Units  []*scoring.UnitScore
}

// ScoresByMonth scores each month of a period that has assessed units, a
// month at a time (memory stays that of a month however long the
// period), and calls yield with the units of it the principal may see.
func (s *Service) ScoresByMonth(ctx context.Context, p rbac.Principal, q ScoresQuery, yield func(MonthScores) error) (Span, error) {
	if err := p.AuthorizeSome(ctx, rbac.Read, "scores"); err != nil {
		return Span{}, err
	}
	sp, err := s.Resolve(ctx, q.PeriodQuery)
	if err != nil {
		return sp, err
	}
	for _, month := range MonthsOf(sp.Period, sp.Zone) {
		policy := sp.Policies.At(month.From)
		r, err := s.scorePeriod(ctx, month, sp.AsOf, sp.Policies)
		if err != nil {
			return sp, err
		}
		if len(r.Units) == 0 {
			continue
		}
		m := MonthScores{Period: month, Policy: policy, Units: []*scoring.UnitScore{}}
		for _, u := range r.Units {
			if q.keeps(p, u) {
				m.Units = append(m.Units, u)
			}
		}
		if err := yield(m); err != nil {
			return sp, err
		}
	}
	return sp, nil
}

// staleMarks are the months a read marked stale, and when: one mark a
// second is enough, the refresher does the rest.
type staleMarks struct {
	mu sync.Mutex
	at map[string]time.Time
}

// due says whether month is to be marked now, and notes that it is.
func (m *staleMarks) due(month string, now time.Time) bool {
	if m == nil {
		return true
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if last, ok := m.at[month]; ok && now.Sub(last) < time.Second && !now.Before(last) {
		return false
	}
	if m.at == nil || len(m.at) > 240 {
		m.at = map[string]time.Time{}
	}
	m.at[month] = now
	return true
}
