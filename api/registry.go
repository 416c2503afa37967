package api

import (
	"bytes"
	"context"
	"fmt"
	"mime"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"frontline/evaluation"
	"frontline/formats"
	"frontline/rbac"
	"frontline/service"
)

// registerRegistry adds the registry's reading and administration.
func (s *Server) registerRegistry() {
	register(s, huma.Operation{OperationID: "get-registry", Method: http.MethodGet, Path: "/api/v1/registry", Tags: []string{"registry"},
		Summary:     "The district's units and categories; cadres and tenures for those who may see them",
		Description: "Units and categories are the district's public organisation; cadres and tenures are listed to the administrator and the organization department.",
		Security:    bearer}, s.getRegistry)
	register(s, huma.Operation{OperationID: "load-registry", Method: http.MethodPost, Path: "/api/v1/registry", Tags: []string{"registry"},
		Summary: "Load a registry file (YAML or CSV) into the registry (administrator)",
		Description: "Records are added or changed, never removed; every change keeps its history. Errors name the line and field. " +
			"Deadlines and kept scores that depend on a changed record are recomputed, and quarantined events whose codes are now known are released.",
		MaxBodyBytes: formats.MaxRegistryBytes, Security: bearer}, s.loadRegistry)
}

// RegistryInput chooses what to list.
type RegistryInput struct {
	Kind string `query:"kind" enum:"street,department,enterprise" doc:"only units of this kind"`
}

// The registry's records, named apart from the report shapes of the
// same name (view.Unit is a unit's score, view.Cadre an assessment).
type (
	RegistryUnit   evaluation.Unit
	RegistryCadre  evaluation.Cadre
	RegistryTenure evaluation.Tenure
)

// RegistryOutput is the registry as the caller may see it.
type RegistryOutput struct {
	Body struct {
		Units      []RegistryUnit        `json:"units"`
		Categories []evaluation.Category `json:"categories"`
		Cadres     []RegistryCadre       `json:"cadres" doc:"to the administrator and the organization department only"`
		Tenures    []RegistryTenure      `json:"tenures" doc:"to the administrator and the organization department only"`
	}
}

func (s *Server) getRegistry(ctx context.Context, in *RegistryInput) (*RegistryOutput, error) {
	c, err := s.auth.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := c.Authorize(ctx, rbac.Read, rbac.Resource{Object: "registry"}); err != nil {
		return nil, err
	}
	reg, err := s.svc.Registry(ctx)
	if err != nil {
		return nil, err
	}
	out := &RegistryOutput{}
	out.Body.Units, out.Body.Categories = []RegistryUnit{}, append([]evaluation.Category{}, reg.Categories...)
	out.Body.Cadres, out.Body.Tenures = []RegistryCadre{}, []RegistryTenure{}
	for _, u := range reg.Units {
		if in.Kind == "" || string(u.Kind) == in.Kind {
			out.Body.Units = append(out.Body.Units, RegistryUnit(u))
		}
	}
	if c.Authorize(ctx, rbac.Write, rbac.Resource{Object: "registry"}) == nil || c.Authorize(ctx, rbac.Read, rbac.Resource{Object: "cadres"}) == nil {
		for _, k := range reg.Cadres {
			out.Body.Cadres = append(out.Body.Cadres, RegistryCadre(k))
		}
		for _, t := range reg.Tenures {
			out.Body.Tenures = append(out.Body.Tenures, RegistryTenure(t))
		}
	}
	return out, nil
}

// LoadRegistryInput is a registry file.
type LoadRegistryInput struct {
	ContentType string `header:"Content-Type"`
	RawBody     []byte `contentType:"application/yaml"`
}

// LoadRegistryOutput says what changed.
type LoadRegistryOutput struct {
	Body service.RegistryLoad
}

func (s *Server) loadRegistry(ctx context.Context, in *LoadRegistryInput) (*LoadRegistryOutput, error) {
	w, c, err := s.service(ctx)
	if err != nil {
		return nil, err
	}
	format := ""
	switch mediaType, _, _ := mime.ParseMediaType(in.ContentType); mediaType {
	case "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml":
		format = "yaml"
	case "text/csv":
		format = "csv"
	default:
		return nil, huma.Error415UnsupportedMediaType(fmt.Sprintf("Content-Type %q: send application/yaml or text/csv", mediaType))
	}
	res, err := w.LoadRegistry(ctx, c, bytes.NewReader(in.RawBody), format, "POST /api/v1/registry")
	if err != nil {
		return nil, err
	}
	return &LoadRegistryOutput{Body: res}, nil
}
