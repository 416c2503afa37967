package service

import (
	"context"
	"slices"
	"strings"
	"time"

	"frontline/evaluation"
	"frontline/fault"
	"frontline/rbac"
	"frontline/store"
)

// Case reads a case, its trail and its derived state for a principal who
// may read cases of its street or of a unit it was sent to; to anyone
// else it reads exactly as a case that does not exist. A named
// principal's read of the trail is audited.
//
// One who decides appeals and reads no cases otherwise (the organization
// department) reads a case that has an appeal, to judge it: read-only,
// and audited as such.
func (s *Service) Case(ctx context.Context, p rbac.Principal, id string) (*store.CaseView, error) {
	if err := p.AuthorizeSome(ctx, rbac.Read, "cases"); err != nil {
		return s.appealedCase(ctx, p, id, err)
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

// appealedCase reads a case for one who decides its appeal; refused is
// the answer for anyone else, or for a case with no appeal.
func (s *Service) appealedCase(ctx context.Context, p rbac.Principal, id string, refused error) (*store.CaseView, error) {
	if p.Authorize(ctx, rbac.Decide, rbac.Resource{Object: "appeals"}) != nil {
		return nil, refused
	}
	v, err := s.DB.Case(ctx, id)
	if fault.KindOf(err) == fault.NotFound || err == nil && len(evaluation.Appeals(v.Trail)) == 0 {
		return nil, refused
	}
	if err != nil {
		return nil, err
	}
	return v, s.AuditRead(ctx, p, "case.read.appeal", id, map[string]int{"events": len(v.Trail)})
}

// Track reads a case for a resident who holds its access code (the
// public progress page); a wrong code reads as a case that does not
// exist.
//
// A resident types what a slip or a message told them: the case number
// is read without spaces and, when not found as typed, in upper case
// ("c2026 000042" is C2026000042); the code without spaces.
func (s *Service) Track(ctx context.Context, id, code string) (*store.CaseView, error) {
	id, code = strings.Join(strings.Fields(id), ""), strings.Join(strings.Fields(code), "")
	if id == "" || code == "" {
		return nil, store.CaseNotFound(id)
	}
	v, err := s.DB.Case(ctx, id)
	if fault.KindOf(err) == fault.NotFound && strings.ToUpper(id) != id {
		id = strings.ToUpper(id)
		v, err = s.DB.Case(ctx, id)
	}
	if err != nil {
		return nil, err
	}
	if v.Case.AccessCodeHash == "" || !s.Pseudo.CheckAccessCode(id, code, v.Case.AccessCodeHash) &&
		!s.Pseudo.CheckAccessCode(id, strings.ToUpper(code), v.Case.AccessCodeHash) {
		return nil, store.CaseNotFound(id)
	}
	return v, nil
}

// ReadableCases returns up to max cases a query selects, in its order,
// after the first skip of them the principal may read, leaving out those
// it may not (Open311's pages of requests).
func (s *Service) ReadableCases(ctx context.Context, p rbac.Principal, q CaseQuery, skip, max int) ([]*store.CaseView, error) {
	var out []*store.CaseView
	// Pages of ids, until the cap is reached among the cases the principal may read.
	q.Limit = 2 * max
	for len(out) < max {
		ids, err := s.DB.CaseIDs(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			v, err := s.DB.Case(ctx, id)
			if err != nil {
				return nil, err
			}
			if p.AuthorizeAny(ctx, rbac.Read, "cases", id, v.Units()...) != nil {
				continue
			}
			if skip > 0 { // on an earlier page
				skip--
				continue
			}
			if out = append(out, v); len(out) == max {
				break
			}
		}
		if len(ids) < q.Limit {
			break
		}
		q.Offset += q.Limit
	}
	return out, nil
}

// CaseNotFound is the answer for a case that does not exist, and so for
// one the principal may not see.
func CaseNotFound(id string) error { return store.CaseNotFound(id) }

// CaseAsOf reads a case as it stood at a time: derived again from the
// events that had happened by then, under the rules in force now.
func (s *Service) CaseAsOf(ctx context.Context, p rbac.Principal, id string, asof time.Time) (*store.CaseView, error) {
	v, err := s.Case(ctx, p, id)
	if err != nil {
		return nil, err
	}
	rules, err := s.DB.Rules(ctx)
	if err != nil {
		return nil, err
	}
	return caseAsOf(v, asof, rules)
}

// caseAsOf derives a case again from the events that had happened by asof.
func caseAsOf(v *store.CaseView, asof time.Time, rules *evaluation.Rules) (*store.CaseView, error) {
	var trail []evaluation.Event
	for _, e := range v.Trail {
		if !e.At.After(asof) {
			trail = append(trail, e)
		}
	}
	if len(trail) == 0 {
		return nil, fault.Sayf(fault.NotFound, "read case", "案件 %q 在 %s 时还没有任何记录", "case %q had no events yet at %s", v.Case.ID, asof.Format(time.RFC3339))
	}
	c, as := evaluation.Derive(v.Case.ID, trail)
	deadlines := evaluation.Deadlines(&c, as, trail, rules)
	slices.SortFunc(deadlines, func(a, b evaluation.Deadline) int {
		if d := a.Due.Compare(b.Due); d != 0 {
			return d
		}
		return strings.Compare(a.ID(), b.ID())
	})
	return &store.CaseView{Case: c, Assignments: as, Deadlines: deadlines, Trail: trail}, nil
}
