package service

import (
	"context"
	"time"

	"frontline/evaluation"
)

// PeriodQuery is a report's period as a door receives it: a named period
// (2026-10, 2026-Q4, 2026) or its first and last days, and the time to
// judge as of (RFC 3339 or a date; default now).
type PeriodQuery struct {
	Period, From, To, AsOf string
}

// Span is a period resolved against the policies in force.
type Span struct {
	Period   evaluation.Period
	AsOf     time.Time
	Policies evaluation.Policies
	Zone     *time.Location // where times are read and shown: the policy's in force now
}

// Policy returns the policy that scores the period: the one in force on
// its first day.
func (sp Span) Policy() *evaluation.Policy { return sp.Policies.At(sp.Period.From) }

// Resolve reads a period and an as-of time in the policy's zone. A period
// that cannot be read is refused as invalid with the operation "period",
// an as-of time with "asof".
func (s *Service) Resolve(ctx context.Context, q PeriodQuery) (Span, error) {
	policies, err := s.DB.RecentPolicies(ctx, time.Second)
	if err != nil {
		return Span{}, err
	}
	now := s.Now()
	sp := Span{Policies: policies, Zone: policies.At(now).Location, AsOf: now}
	if sp.Period, err = evaluation.ResolvePeriod(q.Period, q.From, q.To, sp.Zone); err != nil {
		return sp, err
	}
	if q.AsOf != "" {
		if sp.AsOf, err = evaluation.ParseAsOf(q.AsOf, sp.Zone); err != nil {
			return sp, err
		}
	}
	return sp, nil
}
