package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"time"

	"frontline/evaluation"
	"frontline/fault"
	"frontline/formats"
	"frontline/rbac"
)

// LoadPolicy loads a version of the time-limit policy from its file
// (named in the audit log), recomputes every case's deadlines under it,
// audits the load and refreshes the kept scores; it returns the policy
// and how many cases it recomputed.
func (s *Service) LoadPolicy(ctx context.Context, p rbac.Principal, source []byte, name string) (*evaluation.Policy, int, error) {
	if err := p.Authorize(ctx, rbac.Write, rbac.Resource{Object: "policy"}); err != nil {
		return nil, 0, err
	}
	policy, err := formats.ParsePolicy(source)
	if err != nil {
		return nil, 0, fault.Errorf(fault.Invalid, "load policy", "%w", err)
	}
	n, err := s.DB.StorePolicy(ctx, policy.Effective, source)
	if err != nil {
		return nil, 0, err
	}
	sum := sha256.Sum256(source)
	if err := s.audit(ctx, p, "policy.load", name, map[string]any{"sha256": hex.EncodeToString(sum[:]), "effective": policy.Effective.String(), "cases": n}); err != nil {
		return nil, 0, err
	}
	return policy, n, nil
}

// PolicyAt returns the version of the policy in force at a time, with its
// text.
func (s *Service) PolicyAt(ctx context.Context, p rbac.Principal, when time.Time) (*evaluation.Policy, []byte, error) {
	if err := p.Authorize(ctx, rbac.Read, rbac.Resource{Object: "policy"}); err != nil {
		return nil, nil, err
	}
	sources, err := s.DB.PolicySources(ctx)
	if err != nil {
		return nil, nil, err
	}
	source, policy := formats.DefaultPolicyYAML, formats.DefaultPolicy()
	for _, src := range sources {
		q, err := formats.ParsePolicy(src)
		if err != nil {
			return nil, nil, err
		}
		y, m, d := q.Effective.Date()
		if !when.In(q.Location).Before(time.Date(y, m, d, 0, 0, 0, 0, q.Location)) && !q.Effective.Before(policy.Effective.Time) {
			source, policy = src, q
		}
	}
	return policy, source, nil
}

// MissingClasses are the SLA classes that categories in reg name and the
// policy in force lacks (class R, say, under a district's own policy):
// their cases are judged as class C until a policy defines them.
func (s *Service) MissingClasses(ctx context.Context, reg *evaluation.Registry) (*evaluation.Policy, []string, error) {
	policies, err := s.Policies(ctx)
	if err != nil {
		return nil, nil, err
	}
	p := policies.At(s.Now())
	var missing []string
	for _, c := range reg.Categories {
		if _, ok := p.Classes[c.Class]; !ok && !slices.Contains(missing, c.Class) {
			missing = append(missing, c.Class)
		}
	}
	return p, missing, nil
}

// Zone is the time zone of the policy in force now, for showing times.
func (s *Service) Zone(ctx context.Context) (*time.Location, error) {
	policies, err := s.Policies(ctx)
	if err != nil || len(policies) == 0 {
		return nil, err
	}
	return policies.At(s.Now()).Location, nil
}
