package service

import (
	"context"
	"slices"

	"frontline/rbac"
	"frontline/scoring"
)

// analysis reads a span's compact rows and the options to score them with.
func (s *Service) analysis(ctx context.Context, q PeriodQuery) (*scoring.Data, scoring.Options, Span, error) {
	sp, err := s.Resolve(ctx, q)
	if err != nil {
		return nil, scoring.Options{}, sp, err
	}
	data, err := s.DB.ScoringData(ctx, sp.Period.From, sp.Period.To)
	if err != nil {
		return nil, scoring.Options{}, sp, err
	}
	return data, scoring.Options{AsOf: sp.AsOf, Scoring: sp.Policy().Scoring}, sp, nil
}

// Satisfaction is resident satisfaction against the target over a
// period, by month: the district's line for everyone who may read it,
// each unit's line only for those who may see that unit.
func (s *Service) Satisfaction(ctx context.Context, p rbac.Principal, q PeriodQuery) (*scoring.SatisfactionReport, Span, error) {
	if err := p.Authorize(ctx, rbac.Read, rbac.Resource{Object: "satisfaction.district"}); err != nil {
		return nil, Span{}, err
	}
	data, opt, sp, err := s.analysis(ctx, q)
	if err != nil {
		return nil, sp, err
	}
	r := scoring.Satisfaction(data, opt, sp.Zone)
	r.Units = slices.DeleteFunc(r.Units, func(l scoring.SatisfactionLine) bool { return !p.Sees("satisfaction", l.Unit) })
	return r, sp, nil
}

// Matrix is the street × department matrix over a period: the pairs of
// which the principal may see one side.
func (s *Service) Matrix(ctx context.Context, p rbac.Principal, q PeriodQuery) ([]scoring.Pair, Span, error) {
	if err := p.AuthorizeSome(ctx, rbac.Read, "matrix"); err != nil {
		return nil, Span{}, err
	}
	data, opt, sp, err := s.analysis(ctx, q)
	if err != nil {
		return nil, sp, err
	}
	pairs := slices.DeleteFunc(scoring.Matrix(data, opt), func(x scoring.Pair) bool {
		return !p.Sees("matrix", x.Street) && !p.Sees("matrix", x.Department)
	})
	return pairs, sp, nil
}

// Reciprocity is the street/department pairs that rate each other far
// above how each rates everyone else, for those who may read it.
func (s *Service) Reciprocity(ctx context.Context, p rbac.Principal, q PeriodQuery) ([]scoring.Reciprocal, Span, error) {
	if err := p.Authorize(ctx, rbac.Read, rbac.Resource{Object: "reciprocity"}); err != nil {
		return nil, Span{}, err
	}
	data, opt, sp, err := s.analysis(ctx, q)
	if err != nil {
		return nil, sp, err
	}
	return scoring.Reciprocity(data, opt), sp, nil
}
