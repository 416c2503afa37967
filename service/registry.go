package service

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"frontline/evaluation"
	"frontline/formats"
	"frontline/ingest"
	"frontline/rbac"
	"frontline/store"
)

// RegistryLoad is what loading a registry file changed.
type RegistryLoad struct {
	store.RegistryResult
	Released int `json:"released" doc:"quarantined events released because their codes are now known"`
}

// LoadRegistry reads a registry file (format "yaml" or "csv") and merges
// it into the registry: units, categories, cadres and tenures are added
// or changed, never removed. What depends on them follows: kept scores
// are recomputed when names or kinds change, deadlines when a category's
// class or urgency does, and quarantined events whose codes are now known
// are released. source names the file in the audit log.
func (s *Service) LoadRegistry(ctx context.Context, c rbac.Principal, r io.Reader, format, source string) (RegistryLoad, error) {
	if err := c.Authorize(ctx, rbac.Write, rbac.Resource{Object: "registry"}); err != nil {
		return RegistryLoad{}, err
	}
	codes, err := s.DB.Codes(ctx)
	if err != nil {
		return RegistryLoad{}, err
	}
	cadres, err := s.DB.CadreIDs(ctx)
	if err != nil {
		return RegistryLoad{}, err
	}
	known := func(code string) bool {
		if id, ok := strings.CutPrefix(code, "cadre:"); ok {
			return cadres[id]
		}
		return codes.Units[code]
	}
	// Read, checked and stored a chunk at a time, in one transaction: a
	// record found wrong further on leaves nothing stored.
	var bad error
	res, err := s.DB.LoadRegistryStream(ctx, store.OriginRegistry, func(put func(*evaluation.Registry) error) error {
		bad = formats.StreamRegistry(r, format, known, 2000, put)
		return bad
	})
	if bad != nil {
		return RegistryLoad{}, invalid("registry", "%s: %v", source, bad)
	}
	if err != nil {
		return RegistryLoad{}, err
	}
	return s.afterRegistry(ctx, c, res, "registry.load", source)
}

// RegisterFound adds to the registry what imported data named and the
// registry lacks (`ingest --register-units`): units and categories only,
// marked as added from data, never changing a record already there. The
// events quarantined for those codes are then released.
func (s *Service) RegisterFound(ctx context.Context, c rbac.Principal, found *evaluation.Registry, source string) (RegistryLoad, error) {
	if err := c.Authorize(ctx, rbac.Write, rbac.Resource{Object: "registry"}); err != nil {
		return RegistryLoad{}, err
	}
	codes, err := s.DB.Codes(ctx)
	if err != nil {
		return RegistryLoad{}, err
	}
	add := &evaluation.Registry{}
	for _, u := range found.Units {
		if !codes.Units[u.Code] {
			add.Units = append(add.Units, u)
		}
	}
	for _, cat := range found.Categories {
		if !codes.Categories[cat.Code] {
			add.Categories = append(add.Categories, cat)
		}
	}
	if err := add.Validate(func(code string) bool { return codes.Units[code] }); err != nil {
		return RegistryLoad{}, invalid("registry", "%s: %v", source, err)
	}
	return s.mergeRegistry(ctx, c, add, store.OriginData, "registry.data", source)
}

// mergeRegistry stores reg and brings what depends on it up to date.
func (s *Service) mergeRegistry(ctx context.Context, c rbac.Principal, reg *evaluation.Registry, origin, action, source string) (RegistryLoad, error) {
	res, err := s.DB.LoadRegistry(ctx, reg, origin)
	if err != nil {
		return RegistryLoad{}, err
	}
	return s.afterRegistry(ctx, c, res, action, source)
}

// afterRegistry audits a registry load and brings what depends on the
// registry up to date: kept scores (names), deadlines (categories'
// classes), quarantined events whose codes are now known.
func (s *Service) afterRegistry(ctx context.Context, c rbac.Principal, res store.RegistryResult, action, source string) (RegistryLoad, error) {
	if err := s.auditUser(ctx, c, action, source, res); err != nil {
		return RegistryLoad{}, err
	}
	if res.Units.Changed > 0 {
		// Names and kinds show in kept scores; no event marks them.
		if err := s.DB.MarkScoresStale(ctx); err != nil {
			return RegistryLoad{}, err
		}
	}
	if res.Categories.Changed > 0 {
		// A category's class or default urgency decides its deadlines.
		if _, err := s.DB.Rebuild(ctx); err != nil {
			return RegistryLoad{}, fmt.Errorf("recompute deadlines: %w", err)
		}
	}
	released, err := (&ingest.Ingester{Store: s.DB, Note: &ingest.Note{Actor: c.Actor(), Source: "quarantine released by " + source}}).Release(ctx)
	if err != nil {
		return RegistryLoad{}, fmt.Errorf("release quarantine: %w", err)
	}
	if _, err := s.Refresh(ctx, s.Now()); err != nil {
		return RegistryLoad{}, err
	}
	return RegistryLoad{RegistryResult: res, Released: released}, nil
}

// Registry returns the registry of units, categories, cadres and tenures
// (units are named by it on every page).
func (s *Service) Registry(ctx context.Context) (*evaluation.Registry, error) {
	return s.DB.Registry(ctx)
}

// Policies returns the versions of the policy, as checked within the
// last second (for reads that many requests a second make).
func (s *Service) Policies(ctx context.Context) (evaluation.Policies, error) {
	return s.DB.RecentPolicies(ctx, time.Second)
}

// StorageFault says how the database's storage refused a write (full,
// read-only or failed: StorageFull…), or "" if err is no such refusal.
func StorageFault(err error) string { return store.StorageFault(err) }

// The ways storage refuses a write.
const (
	StorageFull     = store.StorageFull
	StorageReadOnly = store.StorageReadOnly
	StorageFailed   = store.StorageFailed
)

// Unavailable says whether err means the database cannot be reached now:
// the same request may succeed in a moment.
func Unavailable(err error) bool { return store.Unavailable(err) }
