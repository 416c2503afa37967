package service

import (
	"context"

	"frontline/fault"
	"frontline/rbac"
	"frontline/store"
)

// Case reads a case, its trail and its derived state for a principal who
// may read cases of its street or of a unit it was sent to; to anyone
// else it reads exactly as a case that does not exist. A named
// principal's read of the trail is audited.
func (s *Service) Case(ctx context.Context, p rbac.Principal, id string) (*store.CaseView, error) {
	if err := p.AuthorizeSome(ctx, rbac.Read, "cases"); err != nil {
		return nil, err
	}
	v, err := s.DB.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := p.AuthorizeAny(ctx, rbac.Read, "cases", id, v.Units()...); err != nil {
		if fault.KindOf(err) == fault.NotFound {
			return nil, store.CaseNotFound(id)
		}
		return nil, err
	}
	if p.IsLocal() {
		return v, nil
	}
	return v, s.AuditRead(ctx, p, "case.read", id, map[string]int{"events": len(v.Trail)})
}
