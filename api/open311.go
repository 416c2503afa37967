package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"frontline/formats/open311"
	"frontline/rbac"
	"frontline/service"
	"frontline/view"
)

// registerOpen311 adds the read side of Open311 GeoReport v2, so that
// Open311 clients can read Frontline's cases: the services (categories),
// the requests (cases) with the standard filters, one request.
func (s *Server) registerOpen311() {
	register(s, huma.Operation{OperationID: "open311-services", Method: http.MethodGet, Path: "/open311/v2/services.json",
		Tags: []string{"open311"}, Summary: "Open311 GeoReport v2: the services (Frontline's categories)", Security: bearer}, s.open311Services)
	register(s, huma.Operation{OperationID: "open311-requests", Method: http.MethodGet, Path: "/open311/v2/requests.json",
		Tags: []string{"open311"}, Summary: "Open311 GeoReport v2: service requests (Frontline's cases) the caller may read",
		Description: "The latest opened first, at most 1,000. With extensions=true each request carries its notes trail " +
			"(opened, the lead unit's response and reports, follow-on dispatches and resolutions, closes) and " +
			"extended_attributes with the street and agency codes. Reporters are never named.",
		Security: bearer}, s.open311Requests)
	register(s, huma.Operation{OperationID: "open311-request", Method: http.MethodGet, Path: "/open311/v2/requests/{file}",
		Tags: []string{"open311"}, Summary: "Open311 GeoReport v2: one service request, as an array of one (GeoReport's form)",
		Security: bearer}, s.open311Request)
}

// Open311ServicesOutput lists the services.
type Open311ServicesOutput struct {
	Body []open311.Service
}

// Open311Lang chooses the language of names.
type Open311Lang struct {
	Lang string `query:"lang" enum:"zh,en" default:"zh" doc:"language of names"`
}

func (s *Server) open311Services(ctx context.Context, in *Open311Lang) (*Open311ServicesOutput, error) {
	if _, err := s.auth.Reader(ctx, "registry"); err != nil {
		return nil, err
	}
	reg, err := s.svc.Registry(ctx)
	if err != nil {
		return nil, err
	}
	return &Open311ServicesOutput{Body: open311.ServicesOf(reg.Categories, in.Lang)}, nil
}

// Open311RequestsInput carries GeoReport v2's filters.
type Open311RequestsInput struct {
	ServiceRequestID string `query:"service_request_id" maxLength:"10000" doc:"comma-separated request ids; the other filters are then ignored, as GeoReport v2 says"`
	ServiceCode      string `query:"service_code" maxLength:"10000" doc:"comma-separated service codes"`
	StartDate        string `query:"start_date" doc:"requests opened at or after this time (ISO 8601)"`
	EndDate          string `query:"end_date" doc:"requests opened before this time (ISO 8601)"`
	Status           string `query:"status" maxLength:"32" doc:"open, closed, or both comma-separated"`
	Extensions       bool   `query:"extensions" doc:"include the notes trail and extended_attributes"`
	Open311Lang
}

// Open311RequestsOutput is a list of requests.
type Open311RequestsOutput struct {
	Body []open311.Request
}

func (s *Server) open311Requests(ctx context.Context, in *Open311RequestsInput) (*Open311RequestsOutput, error) {
	c, err := s.auth.Reader(ctx, "cases")
	if err != nil {
		return nil, err
	}
	q := service.CaseQuery{IDs: splitList(in.ServiceRequestID)}
	if len(q.IDs) == 0 {
		q.Categories = splitList(in.ServiceCode)
		for _, d := range []struct {
			name, v string
			t       *time.Time
		}{{"start_date", in.StartDate, &q.From}, {"end_date", in.EndDate, &q.To}} {
			if d.v == "" {
				continue
			}
			t, err := time.Parse(time.RFC3339, d.v)
			if err != nil {
				return nil, huma.Error400BadRequest(d.name+": want an ISO 8601 time with its offset, such as 2026-10-01T00:00:00+08:00", err)
			}
			*d.t = t
		}
		switch statuses := splitList(in.Status); {
		case len(statuses) == 1 && (statuses[0] == "open" || statuses[0] == "closed"):
			q.Status = statuses[0]
		case len(statuses) > 0:
			for _, st := range statuses {
				if st != "open" && st != "closed" {
					return nil, huma.Error400BadRequest("status: want open, closed or both, not " + st)
				}
			}
		}
	}
	out, err := s.open311List(ctx, c, q, in.Extensions, in.Lang)
	if err != nil {
		return nil, err
	}
	return &Open311RequestsOutput{Body: out}, nil
}

// Open311RequestInput names one request.
type Open311RequestInput struct {
	File       string `path:"file" maxLength:"200" doc:"ID.json"`
	Extensions bool   `query:"extensions" doc:"include the notes trail and extended_attributes"`
	Open311Lang
}

func (s *Server) open311Request(ctx context.Context, in *Open311RequestInput) (*Open311RequestsOutput, error) {
	c, err := s.auth.Reader(ctx, "cases")
	if err != nil {
		return nil, err
	}
	id, ok := strings.CutSuffix(in.File, ".json")
	if !ok || id == "" {
		return nil, huma.Error404NotFound("want /open311/v2/requests/ID.json")
	}
	out, err := s.open311List(ctx, c, service.CaseQuery{IDs: []string{id}}, in.Extensions, in.Lang)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, service.CaseNotFound(id)
	}
	return &Open311RequestsOutput{Body: out}, nil
}

// maxOpen311Requests caps a listing, as GeoReport v2 allows.
const maxOpen311Requests = 1000

// open311List writes the cases a query selects that the caller may read,
// at most maxOpen311Requests of them.
func (s *Server) open311List(ctx context.Context, c rbac.Principal, q service.CaseQuery, extensions bool, lang string) ([]open311.Request, error) {
	reg, err := s.svc.Registry(ctx)
	if err != nil {
		return nil, err
	}
	policies, err := s.svc.Policies(ctx)
	if err != nil {
		return nil, err
	}
	names := view.NamesOf(reg, lang)
	loc := policies.At(s.now()).Location
	cases, err := s.svc.ReadableCases(ctx, c, q, maxOpen311Requests)
	if err != nil {
		return nil, err
	}
	out := []open311.Request{}
	for _, v := range cases {
		out = append(out, open311.RequestOf(v.Case, v.Assignments, v.Trail, names, loc, extensions))
	}
	if err := s.svc.AuditRead(ctx, c, "open311.read", "requests", map[string]int{"requests": len(out)}); err != nil {
		return nil, err
	}
	return out, nil
}

// splitList reads a comma-separated list, without blanks.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
