package api

import (
	"context"
	"fmt"

	"github.com/danielgtaylor/huma/v2"

	"frontline/service"
	"frontline/view"
)

// The reads the JSON API and the dashboard both show: a service call,
// its error answered as HTTP, its result in the shapes of view. The API
// answers them as JSON, the pages render them; neither calls the other.

// scoresView reads scores, each unit named in lang.
func (s *Server) scoresView(ctx context.Context, q service.ScoresQuery, lang string) (*service.Scores, []view.Unit, error) {
	svc, c, err := s.service(ctx)
	if err != nil {
		return nil, nil, err
	}
	r, err := svc.Scores(ctx, c, q)
	if err != nil {
		return nil, nil, err
	}
	units := make([]view.Unit, 0, len(r.Units))
	for _, u := range r.Units {
		units = append(units, view.UnitOf(u, lang))
	}
	return r, units, nil
}

// unitScore reads one unit's scores over a period: a unit without
// assessed cases and one the caller may not see read alike, as not found.
func (s *Server) unitScore(ctx context.Context, code string, q service.PeriodQuery, lang string) (*service.Scores, view.Unit, error) {
	r, units, err := s.scoresView(ctx, service.ScoresQuery{PeriodQuery: q, Unit: code}, lang)
	if err != nil {
		return nil, view.Unit{}, err
	}
	if len(units) == 0 {
		return nil, view.Unit{}, huma.Error404NotFound(fmt.Sprintf("unit %q has no assessed cases in %s", code, r.Period.Name))
	}
	return r, units[0], nil
}

// matrixView reads the street × department matrix.
func (s *Server) matrixView(ctx context.Context, q service.PeriodQuery) ([]view.Pair, service.Span, error) {
	svc, c, err := s.service(ctx)
	if err != nil {
		return nil, service.Span{}, err
	}
	pairs, sp, err := svc.Matrix(ctx, c, q)
	if err != nil {
		return nil, sp, err
	}
	return view.PairsOf(pairs), sp, nil
}

// satisfactionView reads satisfaction against the target.
func (s *Server) satisfactionView(ctx context.Context, q service.PeriodQuery, lang string) (view.Satisfaction, error) {
	svc, c, err := s.service(ctx)
	if err != nil {
		return view.Satisfaction{}, err
	}
	r, sp, err := svc.Satisfaction(ctx, c, q)
	if err != nil {
		return view.Satisfaction{}, err
	}
	return view.SatisfactionOf(r, sp.Period.Name, sp.AsOf.In(sp.Zone), lang), nil
}

// reciprocityView reads the reciprocity flags.
func (s *Server) reciprocityView(ctx context.Context, q service.PeriodQuery) ([]view.Reciprocity, service.Span, error) {
	svc, c, err := s.service(ctx)
	if err != nil {
		return nil, service.Span{}, err
	}
	flags, sp, err := svc.Reciprocity(ctx, c, q)
	if err != nil {
		return nil, sp, err
	}
	return view.ReciprocityOf(flags), sp, nil
}

// breachesView reads a period's breaches.
func (s *Server) breachesView(ctx context.Context, q service.BreachQuery) (*service.BreachList, error) {
	svc, c, err := s.service(ctx)
	if err != nil {
		return nil, err
	}
	list, err := svc.ListBreaches(ctx, c, q)
	return list, err
}

// cadresView reads the cadre assessment, each cadre named in lang.
func (s *Server) cadresView(ctx context.Context, q service.PeriodQuery, role, lang string) ([]view.Cadre, service.Span, error) {
	svc, c, err := s.service(ctx)
	if err != nil {
		return nil, service.Span{}, err
	}
	list, sp, err := svc.Cadres(ctx, c, q, role)
	if err != nil {
		return nil, sp, err
	}
	out := []view.Cadre{}
	for _, cs := range list {
		out = append(out, view.CadreOf(cs, sp.Zone, lang))
	}
	return out, sp, nil
}

// caseView reads a case as of now.
func (s *Server) caseView(ctx context.Context, id string) (view.Case, error) {
	svc, c, err := s.service(ctx)
	if err != nil {
		return view.Case{}, err
	}
	v, err := svc.Case(ctx, c, id)
	if err != nil {
		return view.Case{}, err
	}
	policies, err := s.svc.Policies(ctx)
	if err != nil {
		return view.Case{}, err
	}
	return view.CaseOf(v.Case, v.Assignments, v.Deadlines, v.Trail, s.now(), policies.At(s.now()).Location), nil
}

// appealsView reads the appeal queue.
func (s *Server) appealsView(ctx context.Context, q service.AppealQuery) ([]service.Appeal, error) {
	svc, c, err := s.service(ctx)
	if err != nil {
		return nil, err
	}
	list, err := svc.ListAppeals(ctx, c, q)
	return list, err
}

// findingsView reads the supervision findings.
func (s *Server) findingsView(ctx context.Context, q service.FindingQuery) ([]service.Finding, error) {
	svc, c, err := s.service(ctx)
	if err != nil {
		return nil, err
	}
	list, err := svc.ListFindings(ctx, c, q)
	return list, err
}
