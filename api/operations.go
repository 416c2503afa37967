package api

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"frontline/api/present"
	"frontline/audit"
	"frontline/evaluation"
	"frontline/formats"
	"frontline/ingest"
	"frontline/service"
	"frontline/view"
)

// register adds every operation.
func (s *Server) register() {
	register(s, huma.Operation{
		OperationID: "post-events", Method: http.MethodPost, Path: "/api/v1/events", Tags: []string{"ingest"},
		Summary: "Post case-trail events",
		Description: "NDJSON (`application/x-ndjson`, one event per line, read as it streams) or a JSON array (`application/json`). " +
			"Idempotent by event id. The answer counts what happened and lists every rejected line with its reason. " +
			"Only the dispatch service account may post.",
		Security: bearer,
	}, s.postEvents)
	// The body is read as it streams, by the handler: documented here only,
	// so that huma does not buffer and validate it first.
	s.api.OpenAPI().Paths["/api/v1/events"].Post.RequestBody = eventsBody
	register(s, huma.Operation{
		OperationID: "get-case", Method: http.MethodGet, Path: "/api/v1/cases/{id}", Tags: []string{"cases"},
		Summary: "A case: its derived state, deadlines and trail", Security: bearer,
	}, s.getCase)
	register(s, huma.Operation{
		OperationID: "list-scores", Method: http.MethodGet, Path: "/api/v1/scores", Tags: []string{"scores"},
		Summary: "Scores and ranks of the units the caller may see",
		Description: "Every metric of DESIGN.md §5 with Wilson 95% intervals, the composite, eligibility and rank within unit kind. " +
			"Units are ordered by kind, then eligible ones by rank, then code.",
		Security: bearer,
	}, s.listScores)
	register(s, huma.Operation{
		OperationID: "get-unit-scores", Method: http.MethodGet, Path: "/api/v1/units/{code}/scores", Tags: []string{"scores"},
		Summary: "One unit's scores", Security: bearer,
	}, s.unitScores)
	register(s, huma.Operation{
		OperationID: "explain-unit", Method: http.MethodGet, Path: "/api/v1/units/{code}/explain", Tags: []string{"scores"},
		Summary: "Every number behind one unit's score",
		Description: "Each metric's numerator and denominator with the ids of the cases counted and failed, the penalties, " +
			"and the unit's appeals and the findings against it. Counts the period's cases: slower than GET /scores.",
		Security: bearer,
	}, s.explainUnit)
	register(s, huma.Operation{
		OperationID: "verify-audit", Method: http.MethodGet, Path: "/api/v1/audit/verify", Tags: []string{"audit"},
		Summary: "Verify the audit log's hash chain", Security: bearer,
	}, s.verifyAudit)
	s.registerProcesses()
	s.registerReports()
	s.registerWarnings()
	s.registerWebhooks()
	s.registerAnalyses()
	s.registerUsers()
	s.registerLogin()
	s.registerRegistry()
	s.registerExports()
	s.registerOpen311()
}

var eventsBody = &huma.RequestBody{
	Description: "Events in the format of DESIGN.md §3.",
	Required:    true,
	Content: map[string]*huma.MediaType{
		"application/x-ndjson": {Schema: &huma.Schema{Type: "string", Description: "one JSON event per line"}},
		"application/json":     {Schema: &huma.Schema{Type: "array", Items: &huma.Schema{Type: "object"}}},
	},
}

// EventsOutput answers POST /events.
type EventsOutput struct {
	Body struct {
		ingest.Summary
		RejectedLines []ingest.Reject `json:"rejected_lines" doc:"every rejected line (or array element) with its reason, up to 1,000"`
	}
}

// maxRejectsListed caps the rejected lines an answer lists.
const maxRejectsListed = 1000

func (s *Server) postEvents(ctx context.Context, _ *struct{}) (*EventsOutput, error) {
	svc, c, err := s.service(ctx)
	if err != nil {
		return nil, err
	}
	r := ctx.Value(requestKey).(*http.Request)
	body := http.MaxBytesReader(nil, r.Body, s.cfg.MaxEventBytes)
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var dec ingest.Decoder
	switch mediaType {
	case "application/x-ndjson", "application/ndjson", "text/plain", "":
		dec = formats.NewNDJSONDecoder(body)
	case "application/json":
		dec = formats.NewJSONArrayDecoder(body)
	default:
		return nil, huma.Error415UnsupportedMediaType(fmt.Sprintf("Content-Type %q: send application/x-ndjson or application/json", mediaType))
	}
	out := &EventsOutput{}
	out.Body.RejectedLines = []ingest.Reject{}
	sum, err := svc.Ingest(ctx, c, service.IngestRequest{Source: "POST /api/v1/events", Decoder: dec, OnReject: func(r ingest.Reject) {
		if len(out.Body.RejectedLines) < maxRejectsListed {
			r.Raw = "" // the record may hold personal data: the client has it
			out.Body.RejectedLines = append(out.Body.RejectedLines, r)
		}
	}})
	s.countEvents(sum)
	out.Body.Summary = sum
	out.Body.Errors = nil
	var unreadable *ingest.ReadError
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, huma.Error413RequestEntityTooLarge(fmt.Sprintf("body over %d bytes; the %d events before the cap were stored: send the rest in another request",
			s.cfg.MaxEventBytes, sum.Accepted+sum.Duplicates))
	case errors.As(err, &unreadable):
		return nil, huma.Error400BadRequest(fmt.Sprintf("%v; the %d events before it were stored", err, sum.Accepted+sum.Duplicates))
	case err != nil:
		return nil, err
	}
	return out, nil
}

func (s *Server) countEvents(sum ingest.Summary) {
	for outcome, n := range map[string]int{"accepted": sum.Accepted, "duplicate": sum.Duplicates, "conflict": sum.Conflicts,
		"rejected": sum.Rejected, "quarantined": sum.Quarantined} {
		if n > 0 {
			s.metrics.events.WithLabelValues(outcome).Add(float64(n))
		}
	}
}

// CaseInput names a case.
type CaseInput struct {
	ID string `path:"id" maxLength:"128" doc:"case id"`
}

// CaseOutput is a case, as `frontline case --json` shows it.
type CaseOutput struct {
	Body view.Case
}

func (s *Server) getCase(ctx context.Context, in *CaseInput) (*CaseOutput, error) {
	v, err := s.reads.Case(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &CaseOutput{Body: v}, nil
}

// PeriodInput chooses a period and an as-of time.
type PeriodInput struct {
	Period string `query:"period" doc:"a month (2026-10), a quarter (2026-Q4) or a year (2026)"`
	From   string `query:"from" doc:"first day of the period, instead of period" format:"date"`
	To     string `query:"to" doc:"last day of the period, instead of period" format:"date"`
	AsOf   string `query:"asof" doc:"judge as of this time (RFC 3339, or a date meaning its start); default now"`
	Lang   string `query:"lang" enum:"zh,en" default:"zh" doc:"language of names"`
}

// query is the period asked for, for the service to resolve.
func (in *PeriodInput) query() service.PeriodQuery {
	return service.PeriodQuery{Period: in.Period, From: in.From, To: in.To, AsOf: in.AsOf}
}

// resolve reads the period in the policy's zone.
func (s *Server) resolve(ctx context.Context, in *PeriodInput) (evaluation.Period, time.Time, evaluation.Policies, error) {
	sp, err := s.svc.Resolve(ctx, in.query())
	if err != nil {
		return sp.Period, sp.AsOf, nil, err
	}
	return sp.Period, sp.AsOf, sp.Policies, nil
}

// ScoresInput filters scores.
type ScoresInput struct {
	PeriodInput
	Kind    string `query:"kind" enum:"street,department,enterprise" doc:"only units of this kind"`
	Page    int    `query:"page" minimum:"1" default:"1"`
	PerPage int    `query:"per_page" minimum:"1" maximum:"1000" default:"100"`
}

// ScoresOutput is a period's scores (the shape of `score --format json`).
type ScoresOutput struct {
	Body struct {
		Period    string      `json:"period"`
		From      time.Time   `json:"from"`
		To        time.Time   `json:"to"`
		AsOf      time.Time   `json:"asof"`
		Policy    string      `json:"policy"`
		AuditHead string      `json:"audit_head" doc:"the audit chain's head when the scores were read: check it later with GET /audit/verify?head="`
		Total     int         `json:"total" doc:"units in all pages"`
		Page      int         `json:"page"`
		PerPage   int         `json:"per_page"`
		Units     []view.Unit `json:"units"`
	}
}

func (s *Server) scores(ctx context.Context, in *PeriodInput, kind, unit string) (*ScoresOutput, []view.Unit, error) {
	r, units, err := s.reads.Scores(ctx, service.ScoresQuery{PeriodQuery: in.query(), Kind: kind, Unit: unit}, in.Lang)
	if err != nil {
		return nil, nil, err
	}
	return scoresOutput(r), units, nil
}

// scoresOutput is the head of a scores answer, without its units.
func scoresOutput(r *service.Scores) *ScoresOutput {
	out := &ScoresOutput{}
	out.Body.Period, out.Body.From, out.Body.To, out.Body.AsOf = r.Period.Name, r.Period.From, r.Period.To, r.AsOf.In(r.Policy.Location)
	out.Body.Policy, out.Body.AuditHead = r.Policy.Effective.String(), r.AuditHead.String()
	return out
}

func (s *Server) listScores(ctx context.Context, in *ScoresInput) (*ScoresOutput, error) {
	out, units, err := s.scores(ctx, &in.PeriodInput, in.Kind, "")
	if err != nil {
		return nil, err
	}
	out.Body.Total, out.Body.Page, out.Body.PerPage = len(units), in.Page, in.PerPage
	from := min((in.Page-1)*in.PerPage, len(units))
	out.Body.Units = append([]view.Unit{}, units[from:min(from+in.PerPage, len(units))]...)
	return out, nil
}

// UnitScoresInput names a unit and a period.
type UnitScoresInput struct {
	Code string `path:"code" maxLength:"64" doc:"unit code"`
	PeriodInput
}

func (s *Server) unitScores(ctx context.Context, in *UnitScoresInput) (*ScoresOutput, error) {
	r, u, err := s.reads.UnitScore(ctx, in.Code, in.query(), in.Lang)
	if err != nil {
		return nil, err
	}
	out := scoresOutput(r)
	out.Body.Units, out.Body.Total, out.Body.Page, out.Body.PerPage = []view.Unit{u}, 1, 1, 1
	return out, nil
}

// ExplainOutput is `frontline explain --json`.
type ExplainOutput struct {
	Body *service.Explanation
}

func (s *Server) explainUnit(ctx context.Context, in *UnitScoresInput) (*ExplainOutput, error) {
	svc, c, err := s.service(ctx)
	if err != nil {
		return nil, err
	}
	ex, _, err := svc.Explain(ctx, c, in.Code, in.query(), in.Lang)
	if err != nil {
		return nil, err
	}
	return &ExplainOutput{Body: ex}, nil
}

// VerifyInput optionally anchors the check.
type VerifyInput struct {
	Head       string `query:"head" doc:"the audit chain's head printed earlier (SEQ:HASH): the log must still hold it"`
	EventsHead string `query:"events_head" doc:"the event chain's head printed earlier (SEQ:HASH): the event log must still hold it"`
}

// VerifyOutput is the record's state: intact when both chains are; the
// audit chain's entries, head and problem; the event chain's.
type VerifyOutput struct {
	Body struct {
		Intact  bool                  `json:"intact"`
		Entries int64                 `json:"entries"`
		Head    string                `json:"head"`
		Problem *present.AuditProblem `json:"problem,omitempty"`
		Events  present.EventsState   `json:"events"`
	}
}

func (s *Server) verifyAudit(ctx context.Context, in *VerifyInput) (*VerifyOutput, error) {
	anchors := [2]*audit.Head{}
	for i, text := range []string{in.Head, in.EventsHead} {
		if text == "" {
			continue
		}
		h, err := audit.ParseHead(text)
		if err != nil {
			return nil, huma.Error422UnprocessableEntity(err.Error())
		}
		anchors[i] = &h
	}
	st, err := s.reads.Audit(ctx, anchors[0], anchors[1])
	if err != nil {
		return nil, err
	}
	out := &VerifyOutput{}
	out.Body.Intact, out.Body.Entries, out.Body.Head, out.Body.Problem = st.Intact, st.Entries, st.Head, st.Problem
	out.Body.Events = st.Events
	return out, nil
}
