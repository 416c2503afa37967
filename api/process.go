package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"frontline/evaluation"
	"frontline/rbac"
	"frontline/service"
)

// registerProcesses adds the operations of appeals, findings, urging,
// evaluations and rulings: every one an event in the case's trail.
func (s *Server) registerProcesses() {
	register(s, huma.Operation{OperationID: "list-appeals", Method: http.MethodGet, Path: "/api/v1/appeals",
		Tags: []string{"appeals"}, Summary: "The appeal queue", Security: bearer}, s.listAppeals)
	register(s, huma.Operation{OperationID: "post-appeal", Method: http.MethodPost, Path: "/api/v1/appeals",
		Tags: []string{"appeals"}, Summary: "Appeal a breach, a rating, an evaluation or a finding", DefaultStatus: http.StatusCreated,
		Description: "A unit appeals its own breached deadline (target: case/unit/milestone[/round]) or an event that judges it. A target is appealed once.",
		Security:    bearer}, s.postAppeal)
	register(s, huma.Operation{OperationID: "decide-appeal", Method: http.MethodPost, Path: "/api/v1/appeals/{id}/decision",
		Tags: []string{"appeals"}, Summary: "Decide an appeal (final)", DefaultStatus: http.StatusCreated, Security: bearer}, s.decideAppeal)
	register(s, huma.Operation{OperationID: "list-findings", Method: http.MethodGet, Path: "/api/v1/findings",
		Tags: []string{"findings"}, Summary: "Supervision findings and their state", Security: bearer}, s.listFindings)
	register(s, huma.Operation{OperationID: "post-finding", Method: http.MethodPost, Path: "/api/v1/findings",
		Tags: []string{"findings"}, Summary: "Record a supervision finding", DefaultStatus: http.StatusCreated, Security: bearer}, s.postFinding)
	register(s, huma.Operation{OperationID: "withdraw-finding", Method: http.MethodPost, Path: "/api/v1/findings/{id}/withdrawal",
		Tags: []string{"findings"}, Summary: "Withdraw a finding (by a new event that names it)", DefaultStatus: http.StatusCreated, Security: bearer}, s.withdrawFinding)
	register(s, huma.Operation{OperationID: "post-urging", Method: http.MethodPost, Path: "/api/v1/urgings",
		Tags: []string{"findings"}, Summary: "Urge a unit on an open case (督办)", DefaultStatus: http.StatusCreated,
		Description: "The discipline body urges the case's street or a unit whose part has not ended; a closed case is not urged.",
		Security:    bearer}, s.postUrging)
	register(s, huma.Operation{OperationID: "post-evaluation", Method: http.MethodPost, Path: "/api/v1/evaluations",
		Tags: []string{"evaluations"}, Summary: "Evaluate a response (a street) or a call (a department)", DefaultStatus: http.StatusCreated,
		Description: "One evaluation counts per case and pair: a later one replaces it, and both stay in the trail.", Security: bearer}, s.postEvaluation)
	register(s, huma.Operation{OperationID: "post-ruling", Method: http.MethodPost, Path: "/api/v1/rulings",
		Tags: []string{"rulings"}, Summary: "Rule on a return: justified or shirking", DefaultStatus: http.StatusCreated, Security: bearer}, s.postRuling)
}

// service returns the use cases over the server's database and the
// principal they run for.
func (s *Server) service(ctx context.Context) (*service.Service, rbac.Principal, error) {
	c, err := s.auth.Caller(ctx)
	if err != nil {
		return nil, c, err
	}
	return s.svc, c, nil
}

// EventOutput is the event a process wrote.
type EventOutput struct {
	Body struct {
		Event    evaluation.Event  `json:"event"`
		Replaces *evaluation.Event `json:"replaces,omitempty" doc:"the earlier evaluation of the same case and pair, which stays in the trail"`
	}
}

func (s *Server) written(e evaluation.Event, err error) (*EventOutput, error) {
	if err != nil {
		return nil, err
	}
	out := &EventOutput{}
	out.Body.Event = e
	return out, nil
}

// AppealsInput filters the queue.
type AppealsInput struct {
	State string `query:"state" enum:"open,upheld,rejected,duplicate,all" default:"open"`
	Unit  string `query:"unit" doc:"only this unit's appeals"`
}

// AppealsOutput is the appeal queue, in filing order.
type AppealsOutput struct {
	Body struct {
		Appeals []service.Appeal `json:"appeals"`
	}
}

func (s *Server) listAppeals(ctx context.Context, in *AppealsInput) (*AppealsOutput, error) {
	list, err := s.reads.Appeals(ctx, service.AppealQuery{State: in.State, Unit: in.Unit})
	if err != nil {
		return nil, err
	}
	out := &AppealsOutput{}
	out.Body.Appeals = list
	return out, nil
}

// AppealInput is an appeal.
type AppealInput struct {
	Body struct {
		Case   string `json:"case" minLength:"1" maxLength:"128"`
		Unit   string `json:"unit" minLength:"1" maxLength:"64" doc:"the appealing unit: the caller's own"`
		Target string `json:"target" minLength:"1" maxLength:"200" doc:"a breached deadline's id or the id of a rating, evaluation or finding"`
		Reason string `json:"reason" minLength:"1" maxLength:"4000"`
	}
}

func (s *Server) postAppeal(ctx context.Context, in *AppealInput) (*EventOutput, error) {
	w, c, err := s.service(ctx)
	if err != nil {
		return nil, err
	}
	b := in.Body
	return s.written(w.Appeal(ctx, c, service.AppealRequest{Case: b.Case, Unit: b.Unit, Target: b.Target, Reason: b.Reason, Actor: c.Actor()}))
}

// DecisionInput decides an appeal.
type DecisionInput struct {
	ID   string `path:"id" maxLength:"128"`
	Body struct {
		Unit   string `json:"unit,omitempty" maxLength:"64" doc:"the deciding unit; left out, the organization department the policy names (bodies.organization)"`
		Upheld bool   `json:"upheld" doc:"true: the target leaves every metric; false: nothing changes"`
		Note   string `json:"note" minLength:"1" maxLength:"4000"`
	}
}

func (s *Server) decideAppeal(ctx context.Context, in *DecisionInput) (*EventOutput, error) {
	w, c, err := s.service(ctx)
	if err != nil {
		return nil, err
	}
	return s.written(w.Decide(ctx, c, service.DecisionRequest{Appeal: in.ID, Unit: in.Body.Unit, Note: in.Body.Note, Upheld: in.Body.Upheld, Actor: c.Actor()}))
}

// FindingsInput filters findings.
type FindingsInput struct {
	Unit   string `query:"unit" doc:"only findings against this unit"`
	Period string `query:"period" doc:"only findings on cases opened in this month (2026-10), quarter (2026-Q4) or year (2026), as the scores count them; default all"`
	State  string `query:"state" enum:"active,withdrawn,appealed_away,all" default:"all" doc:"only findings in this state"`
}

// FindingsOutput lists findings, oldest first.
type FindingsOutput struct {
	Body struct {
		Findings []service.Finding `json:"findings"`
	}
}

func (s *Server) listFindings(ctx context.Context, in *FindingsInput) (*FindingsOutput, error) {
	list, err := s.reads.Findings(ctx, service.FindingQuery{PeriodQuery: service.PeriodQuery{Period: in.Period}, Unit: in.Unit, State: in.State})
	if err != nil {
		return nil, err
	}
	out := &FindingsOutput{}
	out.Body.Findings = list
	return out, nil
}

// FindingInput is a finding.
type FindingInput struct {
	Body struct {
		Case     string `json:"case" minLength:"1" maxLength:"128"`
		Unit     string `json:"unit,omitempty" maxLength:"64" doc:"the discipline body recording it; left out, the one the policy names (bodies.discipline)"`
		Target   string `json:"target" minLength:"1" maxLength:"64" doc:"the unit found against"`
		Severity string `json:"severity" enum:"notice,warning,serious"`
		Note     string `json:"note" minLength:"1" maxLength:"4000"`
	}
}

func (s *Server) postFinding(ctx context.Context, in *FindingInput) (*EventOutput, error) {
	w, c, err := s.service(ctx)
	if err != nil {
		return nil, err
	}
	b := in.Body
	return s.written(w.AddFinding(ctx, c, service.FindingRequest{Case: b.Case, Unit: b.Unit, Target: b.Target, Severity: b.Severity, Note: b.Note, Actor: c.Actor()}))
}

// WithdrawalInput withdraws a finding.
type WithdrawalInput struct {
	ID   string `path:"id" maxLength:"128"`
	Body struct {
		Unit string `json:"unit,omitempty" maxLength:"64" doc:"the withdrawing body; left out, the discipline body the policy names"`
		Note string `json:"note" minLength:"1" maxLength:"4000"`
	}
}

func (s *Server) withdrawFinding(ctx context.Context, in *WithdrawalInput) (*EventOutput, error) {
	w, c, err := s.service(ctx)
	if err != nil {
		return nil, err
	}
	return s.written(w.WithdrawFinding(ctx, c, service.WithdrawalRequest{Finding: in.ID, Unit: in.Body.Unit, Note: in.Body.Note, Actor: c.Actor()}))
}

// UrgingInput urges a unit on a case.
type UrgingInput struct {
	Body struct {
		Case   string `json:"case" minLength:"1" maxLength:"128"`
		Unit   string `json:"unit,omitempty" maxLength:"64" doc:"the urging body; left out, the discipline body the policy names (bodies.discipline)"`
		Target string `json:"target" minLength:"1" maxLength:"64" doc:"the unit urged: the case's street or a unit whose part has not ended"`
		Note   string `json:"note,omitempty" maxLength:"4000"`
	}
}

func (s *Server) postUrging(ctx context.Context, in *UrgingInput) (*EventOutput, error) {
	w, c, err := s.service(ctx)
	if err != nil {
		return nil, err
	}
	b := in.Body
	return s.written(w.Urge(ctx, c, service.UrgeRequest{Case: b.Case, Unit: b.Unit, Target: b.Target, Note: b.Note, Actor: c.Actor()}))
}

// EvaluationInput is a two-way evaluation.
type EvaluationInput struct {
	Body struct {
		Kind     string `json:"kind" enum:"response,call" doc:"response: a street rates a department; call: a department rates the street's call"`
		Case     string `json:"case" minLength:"1" maxLength:"128"`
		Unit     string `json:"unit" minLength:"1" maxLength:"64" doc:"the evaluating unit: the caller's own"`
		Target   string `json:"target" minLength:"1" maxLength:"64" doc:"the evaluated unit"`
		Score    int    `json:"score,omitempty" minimum:"0" maximum:"5" doc:"1 (poor) to 5 (excellent); required for a response"`
		Accurate *bool  `json:"accurate,omitempty" doc:"for a call: whether the department was the right one to call"`
		Note     string `json:"note,omitempty" maxLength:"4000"`
	}
}

func (s *Server) postEvaluation(ctx context.Context, in *EvaluationInput) (*EventOutput, error) {
	w, c, err := s.service(ctx)
	if err != nil {
		return nil, err
	}
	b := in.Body
	e, previous, err := w.Evaluate(ctx, c, service.EvaluationRequest{Case: b.Case, Unit: b.Unit, Target: b.Target, Note: b.Note,
		Actor: c.Actor(), Call: b.Kind == "call", Score: b.Score, Accurate: b.Accurate})
	out, err := s.written(e, err)
	if out != nil {
		out.Body.Replaces = previous
	}
	return out, err
}

// RulingInput rules on a return.
type RulingInput struct {
	Body struct {
		Case      string `json:"case" minLength:"1" maxLength:"128"`
		Unit      string `json:"unit,omitempty" maxLength:"64" doc:"the ruling body; left out, the organization department the policy names"`
		Target    string `json:"target" minLength:"1" maxLength:"64" doc:"the unit that returned the case"`
		Justified bool   `json:"justified" doc:"true: the case was misdirected; false: shirking"`
		Note      string `json:"note" minLength:"1" maxLength:"4000"`
	}
}

func (s *Server) postRuling(ctx context.Context, in *RulingInput) (*EventOutput, error) {
	w, c, err := s.service(ctx)
	if err != nil {
		return nil, err
	}
	b := in.Body
	return s.written(w.RuleReturn(ctx, c, service.RulingRequest{Case: b.Case, Unit: b.Unit, Target: b.Target, Justified: b.Justified, Note: b.Note, Actor: c.Actor()}))
}
