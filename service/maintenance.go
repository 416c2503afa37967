package service

import (
	"context"

	"frontline/evaluation"
	"frontline/rbac"
	"frontline/store"
)

// Rebuild recomputes every case's derived state from the event log,
// audits it and refreshes the kept scores; it returns the cases rebuilt.
// It takes the right to change the policy, which recomputes the same.
func (s *Service) Rebuild(ctx context.Context, p rbac.Principal) (int, error) {
	if err := p.Authorize(ctx, rbac.Write, rbac.Resource{Object: "policy"}); err != nil {
		return 0, err
	}
	n, err := s.DB.Rebuild(ctx)
	if err != nil {
		return 0, err
	}
	return n, s.audit(ctx, p, "rebuild", "cases", map[string]int{"cases": n})
}

// RefreshKept recomputes the kept monthly scores as of a time (RFC 3339
// or a date; "" for now, another time to replay history): the months
// events made stale, or every month when all is set (pending deadlines
// fall due as time passes). It returns the months refreshed.
func (s *Service) RefreshKept(ctx context.Context, p rbac.Principal, asofText string, all bool) ([]string, error) {
	if err := p.Authorize(ctx, rbac.Write, rbac.Resource{Object: "policy"}); err != nil {
		return nil, err
	}
	asof := s.Now()
	if asofText != "" {
		policies, err := s.DB.Policies(ctx)
		if err != nil {
			return nil, err
		}
		if asof, err = evaluation.ParseAsOf(asofText, policies.At(asof).Location); err != nil {
			return nil, err
		}
	}
	if all {
		if err := s.DB.MarkScoresStale(ctx); err != nil {
			return nil, err
		}
	}
	return s.Refresh(ctx, asof)
}

// QuarantineEntry is an event held back for codes the registry lacks.
type QuarantineEntry = store.QuarantineEntry

// Quarantine lists up to limit events held back for unknown codes, and
// how many there are.
func (s *Service) Quarantine(ctx context.Context, p rbac.Principal, limit int) ([]QuarantineEntry, int, error) {
	if err := p.Authorize(ctx, rbac.Read, rbac.Resource{Object: "registry"}); err != nil {
		return nil, 0, err
	}
	return s.DB.QuarantineList(ctx, limit)
}
