package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"unicode"

	"github.com/danielgtaylor/huma/v2"

	"frontline/service"
)

// registerExports adds the Excel packs.
// fileSafe keeps what a file name may hold of a code: letters, digits,
// dots, dashes and underscores; anything else becomes an underscore.
func fileSafe(code string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '-' || r == '_') {
			return r
		}
		return '_'
	}, code)
}

func (s *Server) registerExports() {
	register(s, huma.Operation{OperationID: "get-export", Method: http.MethodGet, Path: "/api/v1/exports/{file}", Tags: []string{"exports"},
		Summary: "An Excel pack: meeting.xlsx and cadres.xlsx (organization department), breaches.xlsx (discipline commission), unit.xlsx (a head's own unit)",
		Description: "The workbook of DESIGN.md §6 for the caller's domain, with a cover sheet (period, as-of time, policy version, " +
			"exporter, audit chain head). Every export is audited with the file's SHA-256; `frontline export verify FILE` checks a file later.",
		Security: bearer,
		Responses: map[string]*huma.Response{"200": {Description: "The workbook; X-Content-SHA256 is the digest the audit log keeps.",
			Content: map[string]*huma.MediaType{xlsxType: {Schema: &huma.Schema{Type: huma.TypeString, Format: "binary"}}}}},
	}, s.getExport)
}

// xlsxType is the media type of a workbook.
const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// ExportInput names a pack and its period.
type ExportInput struct {
	File string `path:"file" doc:"KIND.xlsx: breaches.xlsx, cadres.xlsx or unit.xlsx" pattern:"^[a-z]+\\.xlsx$" maxLength:"32"`
	Unit string `query:"unit" maxLength:"64" doc:"the unit pack's unit (default: the caller's own)"`
	PeriodInput
}

// ExportOutput is a workbook, streamed from the temporary file it was
// written to.
type ExportOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	ContentLength      int64  `header:"Content-Length"`
	CacheControl       string `header:"Cache-Control"`
	Digest             string `header:"X-Content-SHA256"`
	Body               func(huma.Context)
}

func (s *Server) getExport(ctx context.Context, in *ExportInput) (*ExportOutput, error) {
	w, c, err := s.service(ctx)
	if err != nil {
		return nil, err
	}
	kind := strings.TrimSuffix(in.File, ".xlsx")
	p, asof, policies, err := s.resolve(ctx, &in.PeriodInput)
	if err != nil {
		return nil, err
	}
	unit := in.Unit
	if u, ok := c.User(); ok && unit == "" {
		unit = u.Unit
	}
	// The pack goes to a temporary file first, not to the client: only an
	// audited pack leaves the server, and a large one never sits in memory.
	file, err := os.CreateTemp("", "frontline-export-*.xlsx")
	if err != nil {
		return nil, err
	}
	discard := func() {
		file.Close()
		os.Remove(file.Name())
	}
	pack, err := w.Export(ctx, c, service.ExportRequest{Kind: kind, Unit: unit, Period: p, AsOf: asof, Policies: policies, Lang: in.Lang}, file)
	if err == nil {
		_, err = file.Seek(0, io.SeekStart)
	}
	if err != nil {
		discard()
		return nil, err
	}
	name := kind // the file's name says what it is: the unit's pack, its unit
	if kind == "unit" {
		name += "-" + fileSafe(unit)
	}
	return &ExportOutput{
		ContentType:        xlsxType,
		ContentDisposition: fmt.Sprintf(`attachment; filename="frontline-%s-%s.xlsx"`, name, fileSafe(p.Name)),
		ContentLength:      pack.Bytes,
		CacheControl:       "no-store",
		Digest:             pack.SHA256,
		Body: func(hc huma.Context) {
			defer discard()
			hc.SetStatus(http.StatusOK)
			if _, err := io.Copy(hc.BodyWriter(), file); err != nil {
				s.log.Warn("export: sending the pack", "kind", kind, "error", err)
			}
		},
	}, nil
}
