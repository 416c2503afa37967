package service

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"frontline/evaluation"
	"frontline/fault"
	"frontline/rbac"
	"frontline/store"
)

// FindingRequest is a supervision finding against a unit on a case.
type FindingRequest struct {
	Case, Unit, Target, Severity, Note, Actor string
}

// AddFinding records a supervision finding.
func (s *Service) AddFinding(ctx context.Context, c rbac.Principal, r FindingRequest) (evaluation.Event, error) {
	if err := s.actFor(ctx, evaluation.Supervised, &r.Unit); err != nil {
		return evaluation.Event{}, err
	}
	if r.Unit == "" || r.Target == "" || r.Note == "" {
		return evaluation.Event{}, fault.Sayf(fault.Invalid, "add finding", "监督发现需写明案件、记录单位、被发现单位、等级和说明", "the case, recording unit, unit found against, severity and note are required")
	}
	if !slices.Contains(evaluation.Severities, r.Severity) {
		return evaluation.Event{}, fault.Sayf(fault.Invalid, "add finding", "等级须为提醒、警告或严重，收到的是 %q", "severity must be notice, warning or serious, got %q", r.Severity)
	}
	if err := allowed(ctx, c, evaluation.Supervised, r.Unit); err != nil {
		return evaluation.Event{}, err
	}
	if _, err := s.caseView(ctx, "add finding", r.Case); err != nil {
		return evaluation.Event{}, err
	}
	return s.record(ctx, c, evaluation.Event{Case: r.Case, Type: evaluation.Supervised, Unit: r.Unit, Target: r.Target,
		Severity: r.Severity, Note: r.Note, Actor: r.Actor})
}

// WithdrawalRequest withdraws a finding.
type WithdrawalRequest struct {
	Finding, Unit, Note, Actor string
}

// WithdrawFinding records the withdrawal of a finding in force.
func (s *Service) WithdrawFinding(ctx context.Context, c rbac.Principal, r WithdrawalRequest) (evaluation.Event, error) {
	if err := s.actFor(ctx, evaluation.FindingWithdrawn, &r.Unit); err != nil {
		return evaluation.Event{}, err
	}
	if r.Unit == "" || r.Note == "" {
		return evaluation.Event{}, fault.Sayf(fault.Invalid, "withdraw finding", "撤销需写明撤销单位和理由", "the withdrawing unit and a note are required")
	}
	if err := allowed(ctx, c, evaluation.FindingWithdrawn, r.Unit); err != nil {
		return evaluation.Event{}, err
	}
	all, err := s.findings(ctx, rbac.Local(), time.Time{}, time.Time{})
	if err != nil {
		return evaluation.Event{}, err
	}
	i := slices.IndexFunc(all, func(f Finding) bool { return f.ID == r.Finding })
	if i < 0 {
		return evaluation.Event{}, fault.Sayf(fault.NotFound, "withdraw finding", "没有监督发现 %q", "finding %q not found", r.Finding)
	}
	if f := all[i]; f.State != string(evaluation.FindingActive) {
		return evaluation.Event{}, fault.Sayf(fault.Conflict, "withdraw finding", "监督发现 %s 已是“%s”状态", "finding %s is %s already", f.ID, stateWords(f.State))
	}
	return s.record(ctx, c, evaluation.Event{Case: all[i].Case, Type: evaluation.FindingWithdrawn, Unit: r.Unit, Target: r.Finding,
		Note: r.Note, Actor: r.Actor})
}

// Finding is a supervision finding as listed.
type Finding struct {
	ID          string     `json:"id"`
	Case        string     `json:"case"`
	Unit        string     `json:"unit"`
	Target      string     `json:"target"`
	Severity    string     `json:"severity"`
	Note        string     `json:"note,omitempty"`
	At          time.Time  `json:"at"`
	State       string     `json:"state"`
	WithdrawnBy string     `json:"withdrawn_by,omitempty"`
	WithdrawnAt *time.Time `json:"withdrawn_at,omitempty"`
	Withdrawal  string     `json:"withdrawal_note,omitempty"`
}

// findings lists the findings on cases opened in [from, to) (all when
// zero) against units the caller may see (every one when c is nil).
func (s *Service) findings(ctx context.Context, c rbac.Principal, from, to time.Time) ([]Finding, error) {
	trails, err := s.DB.ProcessTrails(ctx, from, to)
	if err != nil {
		return nil, err
	}
	loc, _, err := s.zone(ctx)
	if err != nil {
		return nil, err
	}
	out := []Finding{}
	for _, trail := range trails {
		for _, f := range evaluation.Findings(trail) {
			if !c.Sees("findings", f.Target) {
				continue
			}
			o := Finding{ID: f.ID, Case: f.Case, Unit: f.Unit, Target: f.Target, Severity: cmp.Or(f.Severity, "notice"), Note: f.Note,
				At: f.At.In(loc), State: string(f.State), WithdrawnBy: f.WithdrawnBy, Withdrawal: f.WithdrawalNote}
			if !f.WithdrawnAt.IsZero() {
				t := f.WithdrawnAt.In(loc)
				o.WithdrawnAt = &t
			}
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(x, y Finding) int { return cmp.Or(x.At.Compare(y.At), strings.Compare(x.ID, y.ID)) })
	return out, nil
}

// EvaluationRequest is a two-way evaluation: a street rating a
// department's response (Call false), or a department rating the street
// call that brought it in (Call true).
type EvaluationRequest struct {
	Case, Unit, Target, Note, Actor string
	Call                            bool
	Score                           int   // 1–5; 0 for none (a call only)
	Accurate                        *bool // a call: whether the department was the right one
}

// Evaluate records an evaluation and returns it with the earlier one of
// the same case and pair that it replaces, if any (both stay in the trail).
func (s *Service) Evaluate(ctx context.Context, c rbac.Principal, r EvaluationRequest) (evaluation.Event, *evaluation.Event, error) {
	op, typ := "evaluate response", evaluation.ResponseEvaluated
	if r.Call {
		op, typ = "evaluate call", evaluation.CallEvaluated
	}
	if r.Unit == "" || r.Target == "" {
		return evaluation.Event{}, nil, fault.Sayf(fault.Invalid, op, "评价需写明案件、评价单位和被评价单位", "the case, unit and target are required")
	}
	e := evaluation.Event{Case: r.Case, Type: typ, Unit: r.Unit, Target: r.Target, Note: r.Note, Actor: r.Actor}
	if r.Score != 0 || !r.Call {
		if r.Score < 1 || r.Score > 5 {
			return e, nil, fault.Sayf(fault.Invalid, op, "评分须为 1 到 5 分", "the score must be 1 to 5")
		}
		score := r.Score
		e.Score = &score
	}
	if r.Call {
		if r.Accurate == nil {
			return e, nil, fault.Sayf(fault.Invalid, op, "请说明呼叫是否准确", "say whether the call was accurate: true or false")
		}
		e.Accurate = r.Accurate
	}
	cv, err := s.caseToActOn(ctx, c, typ, r.Case, r.Unit)
	if err != nil {
		return e, nil, err
	}
	if r.Call {
		as, err := assignmentOf(cv, r.Unit)
		if err != nil {
			return e, nil, err
		}
		if as.By != r.Target {
			return e, nil, fault.Sayf(fault.Invalid, op, "%s 是由 %q 呼叫的，不是 %s", "%s was called in by %q, not by %s", r.Unit, as.By, r.Target)
		}
	} else {
		as, err := assignmentOf(cv, r.Target)
		if err != nil {
			return e, nil, err
		}
		if r.Unit != as.By && r.Unit != cv.Case.Street {
			return e, nil, fault.Sayf(fault.Invalid, op, "%s 既没有呼叫 %s，也不是本案所属街道", "%s neither called %s in nor is the case's street", r.Unit, r.Target)
		}
	}
	var previous *evaluation.Event
	for i := range cv.Trail {
		if p := &cv.Trail[i]; p.Type == e.Type && p.Unit == e.Unit && p.Target == e.Target {
			previous = p
		}
	}
	stored, err := s.record(ctx, c, e)
	return stored, previous, err
}

// assignmentOf returns the case's assignment of unit.
func assignmentOf(cv *store.CaseView, unit string) (*evaluation.Assignment, error) {
	i := slices.IndexFunc(cv.Assignments, func(a evaluation.Assignment) bool { return a.Unit == unit && !a.DispatchedAt.IsZero() })
	if i < 0 {
		return nil, fault.Sayf(fault.Invalid, "evaluate", "案件 %s 从未派给 %s", "case %s was never dispatched to %s", cv.Case.ID, unit)
	}
	return &cv.Assignments[i], nil
}

// RulingRequest rules on a unit's return of a case.
type RulingRequest struct {
	Case, Unit, Target, Note, Actor string
	Justified                       bool
}

// RuleReturn records a ruling on a return: justified (the call counts
// against the street's accuracy) or not (shirking: a penalty). A ruled
// return is not ruled again.
func (s *Service) RuleReturn(ctx context.Context, c rbac.Principal, r RulingRequest) (evaluation.Event, error) {
	if err := s.actFor(ctx, evaluation.ReturnRuled, &r.Unit); err != nil {
		return evaluation.Event{}, err
	}
	if r.Unit == "" || r.Target == "" || r.Note == "" {
		return evaluation.Event{}, fault.Sayf(fault.Invalid, "rule return", "裁定需写明案件、裁定单位、退回单位和理由", "the case, ruling body, returning unit and a note are required")
	}
	if err := allowed(ctx, c, evaluation.ReturnRuled, r.Unit); err != nil {
		return evaluation.Event{}, err
	}
	cv, err := s.caseView(ctx, "rule return", r.Case)
	if err != nil {
		return evaluation.Event{}, err
	}
	as, err := assignmentOf(cv, r.Target)
	if err != nil {
		return evaluation.Event{}, err
	}
	if as.ReturnedAt.IsZero() {
		return evaluation.Event{}, fault.Sayf(fault.Invalid, "rule return", "%s 从未退回案件 %s", "%s never returned case %s", r.Target, r.Case)
	}
	if as.ReturnRuledBy != "" {
		return evaluation.Event{}, fault.Sayf(fault.Conflict, "rule return", "%s 退回案件 %s 已由 %s 裁定；如有异议请对裁定申诉", "%s's return of %s was already ruled by %s; appeal the ruling instead",
			r.Target, r.Case, as.ReturnRuledBy)
	}
	justified := r.Justified
	return s.record(ctx, c, evaluation.Event{Case: r.Case, Type: evaluation.ReturnRuled, Unit: r.Unit, Target: r.Target,
		Upheld: &justified, Note: r.Note, Actor: r.Actor})
}

// FindingQuery filters the supervision findings: of the cases opened in a
// period (none: all), against a unit, in a state (active, withdrawn,
// appealed_away; "" or all: every state).
type FindingQuery struct {
	PeriodQuery
	Unit, State string
}

// ListFindings lists the findings the principal may see.
func (s *Service) ListFindings(ctx context.Context, p rbac.Principal, q FindingQuery) ([]Finding, error) {
	if err := p.AuthorizeSome(ctx, rbac.Read, "findings"); err != nil {
		return nil, err
	}
	var from, to time.Time
	if q.Period != "" || q.From != "" || q.To != "" {
		sp, err := s.Resolve(ctx, q.PeriodQuery)
		if err != nil {
			return nil, err
		}
		from, to = sp.Period.From, sp.Period.To
	}
	all, err := s.findings(ctx, p, from, to)
	if err != nil {
		return nil, err
	}
	out := []Finding{}
	for _, f := range all {
		if (q.Unit == "" || f.Target == q.Unit) && (q.State == "" || q.State == "all" || f.State == q.State) {
			out = append(out, f)
		}
	}
	return out, nil
}
