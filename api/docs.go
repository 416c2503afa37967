package api

import (
	_ "embed"
	"encoding/json"
	"html/template"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

//go:embed docs.html
var docsHTML string

var docsTemplate = template.Must(template.New("docs").Funcs(template.FuncMap{
	"json": func(v any) string {
		b, _ := json.MarshalIndent(v, "", "  ")
		return string(b)
	},
	"upper": strings.ToUpper,
}).Parse(docsHTML))

// docsOperation is one operation on the reference page.
type docsOperation struct {
	Method, Path string
	Op           *huma.Operation
}

// docs renders the API reference from the OpenAPI document, on the
// server, with no script or style from the internet.
func (s *Server) docs(w http.ResponseWriter, r *http.Request) {
	doc := s.api.OpenAPI()
	var ops []docsOperation
	for path, item := range doc.Paths {
		for method, op := range map[string]*huma.Operation{"get": item.Get, "post": item.Post, "put": item.Put, "delete": item.Delete, "patch": item.Patch} {
			if op != nil {
				ops = append(ops, docsOperation{Method: method, Path: path, Op: op})
			}
		}
	}
	slices.SortFunc(ops, func(a, b docsOperation) int {
		return strings.Compare(a.Path+" "+a.Method, b.Path+" "+b.Method)
	})
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	if err := docsTemplate.Execute(w, map[string]any{"Info": doc.Info, "Ops": ops}); err != nil {
		s.log.Error("render docs", slog.String("error", err.Error()))
	}
}
