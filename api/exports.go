package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"frontline/workflow"
)

// registerExports adds the Excel packs.
func (s *Server) registerExports() {
	huma.Register(s.api, huma.Operation{OperationID: "get-export", Method: http.MethodGet, Path: "/api/v1/exports/{file}", Tags: []string{"exports"},
		Summary: "An Excel pack: meeting.xlsx and cadres.xlsx (organization department), breaches.xlsx (discipline commission), unit.xlsx (a head's own unit)",
		Description: "The workbook of DESIGN.md §6 for the caller's domain, with a cover sheet (period, as-of time, policy version, " +
			"exporter, audit chain head). Every export is audited with the file's SHA-256; `frontline export verify FILE` checks a file later.",
		Security: bearer}, s.getExport)
}

// ExportInput names a pack and its period.
type ExportInput struct {
	File string `path:"file" doc:"KIND.xlsx: breaches.xlsx, cadres.xlsx or unit.xlsx" pattern:"^[a-z]+\\.xlsx$" maxLength:"32"`
	Unit string `query:"unit" maxLength:"64" doc:"the unit pack's unit (default: the caller's own)"`
	PeriodInput
}

// ExportOutput is a workbook.
type ExportOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	CacheControl       string `header:"Cache-Control"`
	Digest             string `header:"X-Content-SHA256"`
	Body               []byte
}

func (s *Server) getExport(ctx context.Context, in *ExportInput) (*ExportOutput, error) {
	w, c, err := s.workflow(ctx)
	if err != nil {
		return nil, err
	}
	kind := strings.TrimSuffix(in.File, ".xlsx")
	p, asof, policies, err := s.resolve(ctx, &in.PeriodInput)
	if err != nil {
		return nil, err
	}
	unit := in.Unit
	if u, ok := c.authz.User(c.name); ok && unit == "" {
		unit = u.Unit
	}
	pack, err := w.Export(ctx, c, workflow.ExportRequest{Kind: kind, Unit: unit, Period: p, AsOf: asof, Policies: policies, Lang: in.Lang})
	if err != nil {
		return nil, problem(s.log, err)
	}
	return &ExportOutput{
		ContentType:        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		ContentDisposition: fmt.Sprintf(`attachment; filename="frontline-%s-%s.xlsx"`, kind, p.Name),
		CacheControl:       "no-store",
		Digest:             pack.SHA256,
		Body:               pack.File,
	}, nil
}
