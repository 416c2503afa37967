// Package present holds the reads the JSON API and the dashboard both
// show: a service call for the request's principal, its result in the
// shapes of view. The API answers them as JSON, the pages render them;
// neither calls the other.
package present

import (
	"context"
	"encoding/json"
	"time"

	"frontline/api/auth"
	"frontline/audit"
	"frontline/fault"
	"frontline/rbac"
	"frontline/service"
	"frontline/view"
)

// Reads runs the reads for the principal a request's context names.
type Reads struct {
	svc  *service.Service
	auth *auth.Auth
	now  func() time.Time
}

// New returns the reads over the service.
func New(svc *service.Service, a *auth.Auth, now func() time.Time) *Reads {
	return &Reads{svc: svc, auth: a, now: now}
}

// service returns the use cases and the principal they run for.
func (s *Reads) service(ctx context.Context) (*service.Service, rbac.Principal, error) {
	c, err := s.auth.Caller(ctx)
	if err != nil {
		return nil, c, err
	}
	return s.svc, c, nil
}

// Scores reads scores, each unit named in lang.
func (s *Reads) Scores(ctx context.Context, q service.ScoresQuery, lang string) (*service.Scores, []view.Unit, error) {
	svc, c, err := s.service(ctx)
	if err != nil {
		return nil, nil, err
	}
	r, err := svc.Scores(ctx, c, q)
	if err != nil {
		return nil, nil, err
	}
	units := make([]view.Unit, 0, len(r.Units))
	for _, u := range r.Units {
		units = append(units, view.UnitOf(u, lang))
	}
	return r, units, nil
}

// UnitScore reads one unit's scores over a period: a unit without
// assessed cases and one the caller may not see read alike, as not found.
func (s *Reads) UnitScore(ctx context.Context, code string, q service.PeriodQuery, lang string) (*service.Scores, view.Unit, error) {
	r, units, err := s.Scores(ctx, service.ScoresQuery{PeriodQuery: q, Unit: code}, lang)
	if err != nil {
		return nil, view.Unit{}, err
	}
	if len(units) == 0 {
		return nil, view.Unit{}, fault.Sayf(fault.NotFound, "", "单位 %q 在 %s 没有参与考核的案件", "unit %q has no assessed cases in %s", code, r.Period.Name)
	}
	return r, units[0], nil
}

// Matrix reads the street × department matrix.
func (s *Reads) Matrix(ctx context.Context, q service.PeriodQuery) ([]view.Pair, service.Span, error) {
	svc, c, err := s.service(ctx)
	if err != nil {
		return nil, service.Span{}, err
	}
	pairs, sp, err := svc.Matrix(ctx, c, q)
	if err != nil {
		return nil, sp, err
	}
	return view.PairsOf(pairs), sp, nil
}

// Satisfaction reads satisfaction against the target.
func (s *Reads) Satisfaction(ctx context.Context, q service.PeriodQuery, lang string) (view.Satisfaction, error) {
	svc, c, err := s.service(ctx)
	if err != nil {
		return view.Satisfaction{}, err
	}
	r, sp, err := svc.Satisfaction(ctx, c, q)
	if err != nil {
		return view.Satisfaction{}, err
	}
	return view.SatisfactionOf(r, sp.Period.Name, sp.AsOf.In(sp.Zone), lang), nil
}

// Reciprocity reads the reciprocity flags.
func (s *Reads) Reciprocity(ctx context.Context, q service.PeriodQuery) ([]view.Reciprocity, service.Span, error) {
	svc, c, err := s.service(ctx)
	if err != nil {
		return nil, service.Span{}, err
	}
	flags, sp, err := svc.Reciprocity(ctx, c, q)
	if err != nil {
		return nil, sp, err
	}
	return view.ReciprocityOf(flags), sp, nil
}

// Breaches reads a period's breaches.
func (s *Reads) Breaches(ctx context.Context, q service.BreachQuery) (*service.BreachList, error) {
	svc, c, err := s.service(ctx)
	if err != nil {
		return nil, err
	}
	list, err := svc.ListBreaches(ctx, c, q)
	return list, err
}

// Warnings reads the live board now.
func (s *Reads) Warnings(ctx context.Context, q service.WarningQuery) (*view.WarningBoard, error) {
	svc, c, err := s.service(ctx)
	if err != nil {
		return nil, err
	}
	return svc.Warnings(ctx, c, q)
}

// WarningWatch is service.WatchWarnings for the caller.
func (s *Reads) WarningWatch(ctx context.Context, after int64) (service.Watch, error) {
	svc, c, err := s.service(ctx)
	if err != nil {
		return nil, err
	}
	return svc.WatchWarnings(ctx, c, after)
}

// Cadres reads the cadre assessment, each cadre named in lang.
func (s *Reads) Cadres(ctx context.Context, q service.PeriodQuery, role, lang string) ([]view.Cadre, service.Span, error) {
	svc, c, err := s.service(ctx)
	if err != nil {
		return nil, service.Span{}, err
	}
	list, sp, err := svc.Cadres(ctx, c, q, role)
	if err != nil {
		return nil, sp, err
	}
	out := []view.Cadre{}
	for _, cs := range list {
		out = append(out, view.CadreOf(cs, sp.Zone, lang))
	}
	return out, sp, nil
}

// Case reads a case as of now.
func (s *Reads) Case(ctx context.Context, id string) (view.Case, error) {
	svc, c, err := s.service(ctx)
	if err != nil {
		return view.Case{}, err
	}
	v, err := svc.Case(ctx, c, id)
	if err != nil {
		return view.Case{}, err
	}
	policies, err := s.svc.Policies(ctx)
	if err != nil {
		return view.Case{}, err
	}
	return view.CaseOf(v.Case, v.Assignments, v.Deadlines, v.Trail, s.now(), policies.At(s.now()).Location), nil
}

// Appeals reads the appeal queue.
func (s *Reads) Appeals(ctx context.Context, q service.AppealQuery) ([]service.Appeal, error) {
	svc, c, err := s.service(ctx)
	if err != nil {
		return nil, err
	}
	list, err := svc.ListAppeals(ctx, c, q)
	return list, err
}

// Findings reads the supervision findings.
func (s *Reads) Findings(ctx context.Context, q service.FindingQuery) ([]service.Finding, error) {
	svc, c, err := s.service(ctx)
	if err != nil {
		return nil, err
	}
	list, err := svc.ListFindings(ctx, c, q)
	return list, err
}

// UserOut is a user as listed.
type UserOut struct {
	Name         string    `json:"name"`
	Role         string    `json:"role"`
	Unit         string    `json:"unit,omitempty"`
	Disabled     bool      `json:"disabled"`
	Password     bool      `json:"password" doc:"whether a password is set"`
	ActiveTokens []string  `json:"active_tokens" doc:"ids of tokens that can be used now"`
	CreatedAt    time.Time `json:"created_at"`
}

// Users reads the users and the state of their credentials.
func (s *Reads) Users(ctx context.Context) ([]UserOut, error) {
	svc, c, err := s.service(ctx)
	if err != nil {
		return nil, err
	}
	users, err := svc.Users(ctx, c)
	if err != nil {
		return nil, err
	}
	out := []UserOut{}
	for _, u := range users {
		out = append(out, s.User(u))
	}
	return out, nil
}

// User shows a user: never a secret, only which tokens are active.
func (s *Reads) User(u service.UserRecord) UserOut {
	o := UserOut{Name: u.Name, Role: string(u.Role), Unit: u.Unit, Disabled: u.Disabled, Password: u.PasswordHash != "",
		ActiveTokens: []string{}, CreatedAt: u.CreatedAt}
	for _, t := range u.Tokens {
		if t.Active(s.now()) {
			o.ActiveTokens = append(o.ActiveTokens, t.ID)
		}
	}
	return o
}

// AuditEntry is one entry of the audit log.
type AuditEntry struct {
	Seq     int64     `json:"seq"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	Action  string    `json:"action"`
	Object  string    `json:"object"`
	Details any       `json:"details"`
	Hash    string    `json:"hash"`
}

// AuditEntries reads audit entries.
func (s *Reads) AuditEntries(ctx context.Context, q service.AuditQuery) ([]AuditEntry, error) {
	svc, c, err := s.service(ctx)
	if err != nil {
		return nil, err
	}
	out := []AuditEntry{}
	err = svc.AuditLog(ctx, c, q, func(e audit.Entry) error {
		out = append(out, AuditEntry{Seq: e.Seq, At: e.At, Actor: e.Actor, Action: e.Action, Object: e.Object,
			Details: json.RawMessage(e.Details), Hash: e.Hash})
		return nil
	})
	return out, err
}

// AuditState is whether the record is whole: the audit chain (how many
// entries, its head, the first problem found) and the event chain.
type AuditState struct {
	Intact  bool          `json:"intact"`
	Entries int64         `json:"entries"`
	Head    string        `json:"head"`
	Problem *AuditProblem `json:"problem,omitempty"`
	Events  EventsState   `json:"events"`
}

// EventsState is whether the event chain is whole: how many events, its
// head, and the first problem found.
type EventsState = struct {
	Intact  bool          `json:"intact"`
	Entries int64         `json:"entries"`
	Head    string        `json:"head"`
	Problem *AuditProblem `json:"problem,omitempty"`
}

// AuditProblem is the first break found in the chain: the entry, what
// kind of break, and how it shows. An alias of an unnamed struct, so that
// the API's schema shows it in place.
type AuditProblem = struct {
	Seq    int64  `json:"seq"`
	Kind   string `json:"kind"`
	Detail string `json:"detail"`
}

// Audit verifies the record for the caller: the audit chain against
// anchor, the event chain against events, when given.
func (s *Reads) Audit(ctx context.Context, anchor, events *audit.Head) (AuditState, error) {
	_, c, err := s.service(ctx)
	if err != nil {
		return AuditState{}, err
	}
	return s.AuditAs(ctx, c, anchor, events)
}

// AuditAs verifies the record for c: the server itself checks it for
// the audit page, whose readers share one verdict.
func (s *Reads) AuditAs(ctx context.Context, c rbac.Principal, anchor, events *audit.Head) (AuditState, error) {
	st, err := s.svc.VerifyLog(ctx, c, anchor, events)
	if err != nil {
		return AuditState{}, err
	}
	problem := func(p *audit.Problem) *AuditProblem {
		if p == nil {
			return nil
		}
		return &AuditProblem{Seq: p.Seq, Kind: p.Kind, Detail: p.Detail}
	}
	out := AuditState{Intact: st.Intact(), Entries: st.Audit.Entries, Head: st.Audit.Head.String(), Problem: problem(st.Audit.Problem)}
	out.Events = EventsState{Intact: st.Events.Problem == nil, Entries: st.Events.Entries, Head: st.Events.Head.String(), Problem: problem(st.Events.Problem)}
	return out, nil
}
