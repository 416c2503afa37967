package api

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"frontline/api/present"
	"frontline/fault"
	"frontline/service"
	"frontline/view"
)

// registerReports adds cadres, breaches and the audit log.
func (s *Server) registerReports() {
	register(s, huma.Operation{OperationID: "list-cadres", Method: http.MethodGet, Path: "/api/v1/cadres", Tags: []string{"cadres"},
		Summary:     "Cadre assessment",
		Description: "Each cadre carries each month of the units they led in proportion to the days they led them; ranks and percentiles within unit kind.",
		Security:    bearer}, s.cadres)
	register(s, huma.Operation{OperationID: "get-cadre", Method: http.MethodGet, Path: "/api/v1/cadres/{id}", Tags: []string{"cadres"},
		Summary: "One cadre's assessment", Security: bearer}, s.getCadre)
	register(s, huma.Operation{OperationID: "list-breaches", Method: http.MethodGet, Path: "/api/v1/breaches", Tags: []string{"breaches"},
		Summary: "Breached deadlines of the cases opened in a period (every read is audited)", Security: bearer}, s.listBreaches)
	register(s, huma.Operation{OperationID: "list-audit", Method: http.MethodGet, Path: "/api/v1/audit", Tags: []string{"audit"},
		Summary: "Audit log entries, oldest first", Security: bearer}, s.listAudit)
}

// CadresInput chooses a period and a role.
type CadresInput struct {
	PeriodInput
	Role string `query:"role" enum:"head,deputy,all" default:"head"`
}

// CadresOutput is a period's cadre assessment (the shape of `cadres --format json`).
type CadresOutput struct {
	Body struct {
		Period string       `json:"period"`
		AsOf   time.Time    `json:"asof"`
		Role   string       `json:"role"`
		Cadres []view.Cadre `json:"cadres"`
	}
}

func (s *Server) cadres(ctx context.Context, in *CadresInput) (*CadresOutput, error) {
	list, sp, err := s.reads.Cadres(ctx, in.query(), in.Role, in.Lang)
	if err != nil {
		return nil, err
	}
	out := &CadresOutput{}
	out.Body.Period, out.Body.AsOf, out.Body.Role, out.Body.Cadres = sp.Period.Name, sp.AsOf.In(sp.Zone), in.Role, list
	return out, nil
}

// CadreInput names a cadre.
type CadreInput struct {
	ID string `path:"id" maxLength:"64"`
	CadresInput
}

// CadreOutput is one cadre.
type CadreOutput struct {
	Body view.Cadre
}

func (s *Server) getCadre(ctx context.Context, in *CadreInput) (*CadreOutput, error) {
	all, err := s.cadres(ctx, &in.CadresInput)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(all.Body.Cadres, func(c view.Cadre) bool { return c.Cadre == in.ID })
	if i < 0 {
		return nil, fault.Sayf(fault.NotFound, "", "干部 %q 没有“%s”任职（%s）", "cadre %q has no %s tenure in %s", in.ID,
			fault.Words{Zh: view.Words(in.Role, "zh"), En: in.Role}, all.Body.Period)
	}
	return &CadreOutput{Body: all.Body.Cadres[i]}, nil
}

// BreachesInput chooses a period and a unit.
type BreachesInput struct {
	PeriodInput
	Unit string `query:"unit" maxLength:"64" doc:"only this unit's breaches"`
}

// BreachesOutput lists breaches by due time (the shape of `breaches --format json`, without trails).
type BreachesOutput struct {
	Body struct {
		Period   string        `json:"period"`
		AsOf     time.Time     `json:"asof"`
		Breaches []view.Breach `json:"breaches"`
	}
}

func (s *Server) listBreaches(ctx context.Context, in *BreachesInput) (*BreachesOutput, error) {
	list, err := s.reads.Breaches(ctx, service.BreachQuery{PeriodQuery: in.query(), Unit: in.Unit})
	if err != nil {
		return nil, err
	}
	out := &BreachesOutput{}
	out.Body.Period, out.Body.AsOf, out.Body.Breaches = list.Period.Name, list.AsOf.In(list.Zone), list.Breaches
	return out, nil
}

// AuditInput filters the audit log.
type AuditInput struct {
	Since  string `query:"since" doc:"entries from this time (RFC 3339 or a date)"`
	Actor  string `query:"actor" maxLength:"64"`
	Action string `query:"action" maxLength:"64"`
	Limit  int    `query:"limit" minimum:"1" maximum:"10000" default:"1000"`
}

// AuditEntry is one entry as listed.
type AuditEntry = present.AuditEntry

// AuditOutput lists audit entries.
type AuditOutput struct {
	Body struct {
		Entries []AuditEntry `json:"entries"`
	}
}

func (s *Server) listAudit(ctx context.Context, in *AuditInput) (*AuditOutput, error) {
	entries, err := s.reads.AuditEntries(ctx, service.AuditQuery{Since: in.Since, Actor: in.Actor, Action: in.Action, Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	out := &AuditOutput{}
	out.Body.Entries = entries
	return out, nil
}

// registerAnalyses adds the two-way matrix and satisfaction.
func (s *Server) registerAnalyses() {
	register(s, huma.Operation{OperationID: "get-matrix", Method: http.MethodGet, Path: "/api/v1/matrix", Tags: []string{"scores"},
		Summary: "The street × department matrix: calls, accuracy, two-way scores, on-time rates, satisfaction", Security: bearer}, s.getMatrix)
	register(s, huma.Operation{OperationID: "get-satisfaction", Method: http.MethodGet, Path: "/api/v1/satisfaction", Tags: []string{"scores"},
		Summary:     "Satisfaction against the target, by month",
		Description: "The district's line for everyone; each unit's line for those who may see that unit.", Security: bearer}, s.getSatisfaction)
	register(s, huma.Operation{OperationID: "get-reciprocity", Method: http.MethodGet, Path: "/api/v1/reciprocity", Tags: []string{"scores"},
		Summary:     "Street/department pairs that rate each other far above how each rates everyone else",
		Description: "Each flagged pair with both sides' ratings of each other and of everyone else, and the objective record beside them (on-time response, satisfaction). For the discipline commission.",
		Security:    bearer}, s.getReciprocity)
}

// ReciprocityOutput is the flagged pairs (the shape of `reciprocity --json`).
type ReciprocityOutput struct {
	Body struct {
		Period string             `json:"period"`
		AsOf   time.Time          `json:"asof"`
		Pairs  []view.Reciprocity `json:"pairs"`
	}
}

func (s *Server) getReciprocity(ctx context.Context, in *PeriodInput) (*ReciprocityOutput, error) {
	pairs, sp, err := s.reads.Reciprocity(ctx, in.query())
	if err != nil {
		return nil, err
	}
	out := &ReciprocityOutput{}
	out.Body.Period, out.Body.AsOf, out.Body.Pairs = sp.Period.Name, sp.AsOf.In(sp.Zone), pairs
	return out, nil
}

// MatrixOutput is the matrix (the shape of `matrix --format json`).
type MatrixOutput struct {
	Body struct {
		Period string      `json:"period"`
		AsOf   time.Time   `json:"asof"`
		Pairs  []view.Pair `json:"pairs"`
	}
}

func (s *Server) getMatrix(ctx context.Context, in *PeriodInput) (*MatrixOutput, error) {
	pairs, sp, err := s.reads.Matrix(ctx, in.query())
	if err != nil {
		return nil, err
	}
	out := &MatrixOutput{}
	out.Body.Period, out.Body.AsOf, out.Body.Pairs = sp.Period.Name, sp.AsOf.In(sp.Zone), pairs
	return out, nil
}

// SatisfactionOutput is satisfaction (the shape of `satisfaction --format json`).
type SatisfactionOutput struct {
	Body view.Satisfaction
}

func (s *Server) getSatisfaction(ctx context.Context, in *PeriodInput) (*SatisfactionOutput, error) {
	v, err := s.reads.Satisfaction(ctx, in.query(), in.Lang)
	if err != nil {
		return nil, err
	}
	return &SatisfactionOutput{Body: v}, nil
}
