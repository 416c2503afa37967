package service

import (
	"context"
	"slices"

	"frontline/evaluation"
	"frontline/fault"
	"frontline/rbac"
)

// UrgeRequest urges a unit on an open case (督办).
type UrgeRequest struct {
	Case, Unit, Target, Note, Actor string
}

// Urge records that the urging body (the policy's discipline body unless
// the request names one) urged a unit on an open case: its street, or a
// unit whose part in it has not ended (evaluation.Urgeable). Urging
// decides nothing about the case; it is a trace that the trail, the live
// board and the unit's record show.
func (s *Service) Urge(ctx context.Context, c rbac.Principal, r UrgeRequest) (evaluation.Event, error) {
	if err := s.actFor(ctx, evaluation.Urged, &r.Unit); err != nil {
		return evaluation.Event{}, err
	}
	if r.Unit == "" || r.Target == "" {
		return evaluation.Event{}, fault.Sayf(fault.Invalid, "urge", "督办需写明案件、督办单位和被督办单位", "the case, urging body and unit urged are required")
	}
	if err := allowed(ctx, c, evaluation.Urged, r.Unit); err != nil {
		return evaluation.Event{}, err
	}
	cv, err := s.caseView(ctx, "urge", r.Case)
	if err != nil {
		return evaluation.Event{}, err
	}
	switch {
	case cv.Case.Closed:
		return evaluation.Event{}, fault.Sayf(fault.Invalid, "urge", "案件 %s 已办结，无须督办", "case %s is closed: there is nothing to urge", r.Case)
	case !slices.Contains(evaluation.Urgeable(&cv.Case, cv.Assignments), r.Target):
		return evaluation.Event{}, fault.Sayf(fault.Invalid, "urge", "%s 在案件 %s 中没有未了的任务", "%s has no open part in case %s", r.Target, r.Case)
	}
	return s.record(ctx, c, evaluation.Event{Case: r.Case, Type: evaluation.Urged, Unit: r.Unit, Target: r.Target,
		Note: r.Note, Actor: r.Actor})
}
