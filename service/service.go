// Package service holds Frontline's use cases, each written once for the
// command line, the JSON API and the dashboard alike: it authorizes the
// principal, reads, computes, filters by what the principal may see and
// audits. The processes people carry out — appeals and their decisions,
// supervision findings and their withdrawal, two-way evaluations, return
// rulings — are each an event written into the case's trail through the
// same ingest path as the platform's (one trail, one source of truth).
package service

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"frontline/evaluation"
	"frontline/fault"
	"frontline/ingest"
	"frontline/rbac"
	"frontline/store"
	"frontline/view"
)

// Service runs the processes over one database.
type Service struct {
	DB     Storage
	Pseudo *evaluation.Pseudonymizer
	// PseudoKey, when Pseudo is not given, makes it the first time events
	// are stored (the command line's key from the environment); without
	// it the key the database keeps is read, or made, then: only for
	// commands that store personal data, never for a read.
	PseudoKey func(context.Context) (*evaluation.Pseudonymizer, error)
	Now       func() time.Time
	// Stale, when set, is told that stored events made kept scores stale,
	// for a refresher in the background; without it they are refreshed
	// at once.
	Stale func()
	// Board, when set, is the live board's clock that a server runs:
	// every ingest pokes it, so that crossings and milestones met show at
	// once.
	Board *Clock
	// Hooks, when set, delivers the board's events to webhooks; a new or
	// resumed hook pokes it.
	Hooks *Hooks
	// UsersChanged, when set, is told that users, roles or tokens may
	// have changed, for a door that keeps a view of them.
	UsersChanged func()
	// KeyInDatabase, when set, is told that the pseudonymisation key in
	// use is the one the database keeps, for the door to say how to move
	// it out.
	KeyInDatabase func()
	// LockLifted, when set, is told that an admin lifted the lock that
	// failed sign-ins put on a user name (LiftLock), for the door that
	// counts them.
	LockLifted func(name string)

	reads *readLog    // the reads audited this minute (New)
	marks *staleMarks // months marked stale lately, so that a read marks one once
}

// New returns the use cases over a database for a long-running door (the
// server): reads it audits are recorded once a minute per reader and
// record. The clock is time.Now when now is nil.
func New(db Storage, pseudo *evaluation.Pseudonymizer, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{DB: db, Pseudo: pseudo, Now: now, reads: &readLog{}, marks: &staleMarks{}}
}

// Close closes the database.
func (s *Service) Close() error { return s.DB.Close() }

// usersChanged tells the door that users may have changed.
func (s *Service) usersChanged() {
	if s.UsersChanged != nil {
		s.UsersChanged()
	}
}

func invalid(op, format string, args ...any) error {
	return fault.Errorf(fault.Invalid, op, format, args...)
}

// rights says what writing each kind of event takes: the object and
// action, and whether the acting unit must be the caller's own.
var rights = map[evaluation.EventType]struct {
	object, action string
	inUnit         bool
}{
	evaluation.Appealed:          {"appeals", rbac.Write, true},
	evaluation.AppealDecided:     {"appeals", rbac.Decide, false},
	evaluation.Supervised:        {"findings", rbac.Write, false},
	evaluation.FindingWithdrawn:  {"findings", rbac.Write, false},
	evaluation.ResponseEvaluated: {"evaluations.response", rbac.Write, true},
	evaluation.CallEvaluated:     {"evaluations.call", rbac.Write, true},
	evaluation.ReturnRuled:       {"rulings", rbac.Write, false},
	evaluation.Urged:             {"urgings", rbac.Write, false},
}

// Body is the oversight body that records events of a type, as the
// policy in force names it: the organization department decides appeals
// and rules on returns, the discipline body records and withdraws
// findings and urges; "" for any other type.
func (s *Service) Body(ctx context.Context, typ evaluation.EventType) (string, error) {
	policies, err := s.Policies(ctx)
	if err != nil || len(policies) == 0 {
		return "", err
	}
	bodies := policies.At(s.Now()).Bodies
	switch typ {
	case evaluation.AppealDecided, evaluation.ReturnRuled:
		return bodies.Organization, nil
	case evaluation.Supervised, evaluation.FindingWithdrawn, evaluation.Urged:
		return bodies.Discipline, nil
	}
	return "", nil
}

// actFor fills in the unit an event is recorded for, when the request
// leaves it out, with the body that records its type (Body). Whether
// the caller may write it for that body is asked as always.
func (s *Service) actFor(ctx context.Context, typ evaluation.EventType, unit *string) error {
	if *unit != "" {
		return nil
	}
	body, err := s.Body(ctx, typ)
	*unit = body
	return err
}

// stateWords is a state or type code as a message shows it: its label in
// Chinese, the code with spaces in English.
func stateWords(code string) fault.Words {
	return fault.Words{Zh: view.Words(code, "zh"), En: view.Words(code, "en")}
}

// allowed asks whether the caller may write an event of this type for unit.
func allowed(ctx context.Context, c rbac.Principal, typ evaluation.EventType, unit string) error {
	r := rights[typ]
	res := rbac.Resource{Object: r.object}
	if r.inUnit {
		res.Unit = unit
	}
	return c.Authorize(ctx, r.action, res)
}

// newEventID returns a fresh id for an event Frontline writes.
func (s *Service) newEventID() string {
	b := make([]byte, 5)
	rand.Read(b)
	return "FL" + s.Now().UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b)
}

// record writes one event into its case's trail, audits it and refreshes
// the kept scores; it returns the event as stored.
func (s *Service) record(ctx context.Context, c rbac.Principal, e evaluation.Event) (evaluation.Event, error) {
	e.ID, e.At = s.newEventID(), s.Now()
	if err := allowed(ctx, c, e.Type, e.Unit); err != nil {
		return e, err
	}
	reg, err := s.DB.Registry(ctx)
	if err != nil {
		return e, err
	}
	for _, code := range e.UnitRefs() {
		if !slices.ContainsFunc(reg.Units, func(u evaluation.Unit) bool { return u.Code == code }) {
			return e, fault.Sayf(fault.Invalid, string(e.Type), "单位 %q 不在登记信息中", "unit %q is not in the registry", code)
		}
	}
	var reject *ingest.Reject
	sum, err := s.store(ctx, IngestRequest{Decoder: &events{list: []evaluation.Event{e}}, OnReject: func(r ingest.Reject) { reject = &r },
		note: &ingest.Note{Actor: c.Actor(), Source: e.Case + "/" + e.ID}})
	if err != nil {
		return e, err
	}
	if reject != nil {
		return e, invalid(string(e.Type), "%s", reject.Reason)
	}
	if sum.Accepted != 1 {
		return e, fmt.Errorf("%s: not stored (%+v)", e.Type, sum)
	}
	if err := s.audit(ctx, c, string(e.Type), e.Case+"/"+e.ID, e); err != nil {
		return e, err
	}
	return e, s.ScoresChanged(ctx)
}

// caseToActOn reads the case a unit's write names (an appeal, an
// evaluation): a case that does not exist, one the principal may not act
// on for unit, and one unit has no part in all answer alike — as a case
// not found, the answer a read gives — so that a write reveals no more
// than a read; each refusal is audited as a probe. Only the local
// operator, who may read everything, is told that the unit has no part.
func (s *Service) caseToActOn(ctx context.Context, p rbac.Principal, typ evaluation.EventType, caseID, unit string) (*store.CaseView, error) {
	r := rights[typ]
	if err := p.AuthorizeSome(ctx, r.action, r.object); err != nil {
		return nil, err // a role that never may: forbidden
	}
	if caseID == "" {
		return nil, fault.Sayf(fault.Invalid, string(typ), "须写明案件", "the case is required")
	}
	cv, err := s.DB.Case(ctx, caseID)
	switch {
	case fault.KindOf(err) == fault.NotFound:
	case err != nil:
		return nil, err
	case p.IsLocal() && !slices.Contains(cv.Units(), unit):
		// The operator holds the database and may know: say why.
		return nil, fault.Sayf(fault.Invalid, string(typ), "%s 与案件 %s 无关", "%s has no part in case %s", unit, caseID)
	case allowed(ctx, p, typ, unit) == nil && slices.Contains(cv.Units(), unit):
		return cv, nil
	}
	if err := s.audit(ctx, p, string(typ)+".refused", caseID, map[string]string{"unit": unit}); err != nil {
		return nil, err
	}
	return nil, store.CaseNotFound(caseID)
}

// caseView reads a case, or says it does not exist.
func (s *Service) caseView(ctx context.Context, op, caseID string) (*store.CaseView, error) {
	if caseID == "" {
		return nil, fault.Sayf(fault.Invalid, op, "须写明案件", "the case is required")
	}
	return s.DB.Case(ctx, caseID)
}

// zone is the policy's time zone now.
func (s *Service) zone(ctx context.Context) (*time.Location, evaluation.Policies, error) {
	policies, err := s.DB.Policies(ctx)
	if err != nil {
		return nil, nil, err
	}
	return policies.At(s.Now()).Location, policies, nil
}

// AppealRequest is a unit's appeal.
type AppealRequest struct {
	Case, Unit, Target, Reason, Actor string
}

// Appeal records an appeal: the unit's own breached deadline, or a
// rating, evaluation or finding that judges it; a target is appealed once.
func (s *Service) Appeal(ctx context.Context, c rbac.Principal, r AppealRequest) (evaluation.Event, error) {
	if r.Unit == "" || r.Target == "" || r.Reason == "" {
		return evaluation.Event{}, fault.Sayf(fault.Invalid, "appeal", "申诉需写明案件、申诉单位、申诉对象和理由", "the case, unit, target and reason are required")
	}
	cv, err := s.caseToActOn(ctx, c, evaluation.Appealed, r.Case, r.Unit)
	if err != nil {
		return evaluation.Event{}, err
	}
	if err := appealTarget(cv, r.Unit, r.Target, s.Now()); err != nil {
		return evaluation.Event{}, err
	}
	loc, _, err := s.zone(ctx)
	if err != nil {
		return evaluation.Event{}, err
	}
	for _, ap := range evaluation.Appeals(cv.Trail) {
		if ap.Target == r.Target && ap.State != evaluation.AppealDuplicate {
			return evaluation.Event{}, fault.Sayf(fault.Conflict, "appeal", "%s 已由 %s 于 %[4]s 申诉过（申诉 %[3]s，%[5]s）：同一对象只能申诉一次",
				"%s was already appealed by %s in %s on %s (%s): a target is appealed once",
				r.Target, ap.Unit, ap.ID, ap.At.In(loc).Format("2006-01-02 15:04"), stateWords(string(ap.State)))
		}
	}
	return s.record(ctx, c, evaluation.Event{Case: r.Case, Type: evaluation.Appealed, Unit: r.Unit, Target: r.Target, Reason: r.Reason, Actor: r.Actor})
}

// appealTarget checks that unit may appeal target in the case.
func appealTarget(cv *store.CaseView, unit, target string, asof time.Time) error {
	for _, d := range cv.Deadlines {
		if d.ID() != target {
			continue
		}
		if d.Unit != unit {
			return fault.Sayf(fault.Invalid, "appeal", "时限 %s 属于 %s，不属于 %s", "deadline %s is %s's, not %s's", target, d.Unit, unit)
		}
		if st, _ := d.StatusAt(asof); st != evaluation.Breached {
			return fault.Sayf(fault.Invalid, "appeal", "时限 %s 没有超时（%s），无须申诉", "deadline %s is not breached (%s): there is nothing to appeal", target, stateWords(string(st)))
		}
		return nil
	}
	for _, e := range cv.Trail {
		if e.ID != target {
			continue
		}
		judged := []string{e.Target}
		switch e.Type {
		case evaluation.CallEvaluated, evaluation.ResponseEvaluated, evaluation.Supervised:
		case evaluation.Rated:
			judged = []string{cv.Case.Street}
			for _, as := range cv.Assignments {
				judged = append(judged, as.Unit)
			}
		default:
			return fault.Sayf(fault.Invalid, "appeal", "事件 %s 是“%s”：只能对超时、群众评价、互评和监督发现申诉",
				"event %s is a %s; only breaches, ratings, evaluations and findings can be appealed", target, stateWords(string(e.Type)))
		}
		if !slices.Contains(judged, unit) {
			return fault.Sayf(fault.Invalid, "appeal", "“%s” %s 并未评判 %s", "%s %s does not judge %s", stateWords(string(e.Type)), target, unit)
		}
		return nil
	}
	return fault.Sayf(fault.Invalid, "appeal", "案件 %s 没有时限或事件 %q", "case %s has no deadline or event %q", cv.Case.ID, target)
}

// Appeal is an appeal with its deadline for deciding, as listed.
type Appeal struct {
	ID           string     `json:"id"`
	Case         string     `json:"case"`
	Unit         string     `json:"unit"`
	Target       string     `json:"target"`
	Reason       string     `json:"reason"`
	At           time.Time  `json:"at"`
	Due          time.Time  `json:"decide_by"`
	State        string     `json:"state"`
	Overdue      bool       `json:"overdue"`
	Of           string     `json:"duplicate_of,omitempty"`
	Decision     string     `json:"decision,omitempty"`
	DecidedBy    string     `json:"decided_by,omitempty"`
	DecidedAt    *time.Time `json:"decided_at,omitempty"`
	DecisionNote string     `json:"decision_note,omitempty"`
	// TargetEvent is what the appeal is against when that is an event, not
	// a deadline; filled by DescribeTargets.
	TargetEvent *view.TargetEvent `json:"target_event,omitempty"`
}

// describeTargets fills in the target event of each appeal against an
// event, read from its case's trail; appeals against deadlines are left
// as they are.
func (s *Service) describeTargets(ctx context.Context, appeals []Appeal) error {
	var cases []string
	for _, a := range appeals {
		if _, _, _, _, deadline := evaluation.ParseDeadlineID(a.Target); !deadline {
			cases = append(cases, a.Case)
		}
	}
	if len(cases) == 0 {
		return nil
	}
	slices.Sort(cases)
	trails, err := s.DB.Trails(ctx, slices.Compact(cases))
	if err != nil {
		return err
	}
	loc, _, err := s.zone(ctx)
	if err != nil {
		return err
	}
	for i, a := range appeals {
		j := slices.IndexFunc(trails[a.Case], func(e evaluation.Event) bool { return e.ID == a.Target })
		if j < 0 {
			continue
		}
		e := trails[a.Case][j]
		appeals[i].TargetEvent = &view.TargetEvent{Type: string(e.Type), At: e.At.In(loc), Unit: e.Unit, Target: e.Target, Score: e.Score,
			Accurate: e.Accurate, Satisfaction: e.Satisfaction, InPlace: e.InPlace, Severity: e.Severity}
	}
	return nil
}

// appeals lists the appeals on cases opened in [from, to) (all when zero)
// that the caller may see, in filing order, times in the policy's zone.
func (s *Service) appeals(ctx context.Context, c rbac.Principal, from, to time.Time) ([]Appeal, error) {
	trails, err := s.DB.ProcessTrails(ctx, from, to)
	if err != nil {
		return nil, err
	}
	loc, policies, err := s.zone(ctx)
	if err != nil {
		return nil, err
	}
	out := []Appeal{}
	for _, trail := range trails {
		for _, ap := range evaluation.Appeals(trail) {
			if !c.Sees("appeals", ap.Unit) {
				continue
			}
			p := policies.At(ap.At)
			o := Appeal{ID: ap.ID, Case: ap.Case, Unit: ap.Unit, Target: ap.Target, Reason: ap.Reason, At: ap.At.In(loc),
				Due: p.AppealLimit.Due(ap.At, p.Calendar).In(loc), State: string(ap.State), Of: ap.Of,
				Decision: ap.Decision, DecidedBy: ap.DecidedBy, DecisionNote: ap.DecisionNote}
			if !ap.DecidedAt.IsZero() {
				t := ap.DecidedAt.In(loc)
				o.DecidedAt = &t
			}
			o.Overdue = ap.State == evaluation.AppealOpen && s.Now().After(o.Due)
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(x, y Appeal) int { return cmp.Or(x.At.Compare(y.At), strings.Compare(x.ID, y.ID)) })
	return out, nil
}

// DecisionRequest decides an appeal.
type DecisionRequest struct {
	Appeal, Unit, Note, Actor string
	Upheld                    bool
}

// Decide records the decision on an appeal; the first is final.
func (s *Service) Decide(ctx context.Context, c rbac.Principal, r DecisionRequest) (evaluation.Event, error) {
	if err := s.actFor(ctx, evaluation.AppealDecided, &r.Unit); err != nil {
		return evaluation.Event{}, err
	}
	if r.Unit == "" || r.Note == "" {
		return evaluation.Event{}, fault.Sayf(fault.Invalid, "decide appeal", "决定需写明决定单位和理由", "the deciding unit and a note are required")
	}
	if err := allowed(ctx, c, evaluation.AppealDecided, r.Unit); err != nil {
		return evaluation.Event{}, err
	}
	all, err := s.appeals(ctx, rbac.Local(), time.Time{}, time.Time{})
	if err != nil {
		return evaluation.Event{}, err
	}
	i := slices.IndexFunc(all, func(o Appeal) bool { return o.ID == r.Appeal })
	if i < 0 {
		return evaluation.Event{}, fault.Sayf(fault.NotFound, "decide appeal", "没有申诉 %q", "appeal %q not found", r.Appeal)
	}
	ap := all[i]
	switch evaluation.AppealState(ap.State) {
	case evaluation.AppealDuplicate:
		return evaluation.Event{}, fault.Sayf(fault.Conflict, "decide appeal", "申诉 %s 与申诉 %s 针对同一对象：请对 %[2]s 作出决定",
			"appeal %s repeats %s on the same target: decide %[2]s", ap.ID, ap.Of)
	case evaluation.AppealUpheld, evaluation.AppealRejected:
		return evaluation.Event{}, fault.Sayf(fault.Conflict, "decide appeal", "申诉 %s 已由 %[3]s 于 %[4]s 作出决定（%[2]s）：决定不可更改",
			"appeal %s was already decided (%s) by %s on %s: decisions are final",
			ap.ID, stateWords(ap.State), ap.DecidedBy, ap.DecidedAt.Format("2006-01-02 15:04"))
	}
	upheld := r.Upheld
	return s.record(ctx, c, evaluation.Event{Case: ap.Case, Type: evaluation.AppealDecided, Unit: r.Unit, Target: ap.ID,
		Upheld: &upheld, Note: r.Note, Actor: r.Actor})
}

// AppealQuery filters the appeal queue: by state (open, upheld, rejected,
// duplicate; "" or all: every state) and appealing unit.
type AppealQuery struct {
	State, Unit string
}

// ListAppeals lists the appeals the principal may see, in filing order,
// with what each appeal against an event is against.
func (s *Service) ListAppeals(ctx context.Context, p rbac.Principal, q AppealQuery) ([]Appeal, error) {
	if err := p.AuthorizeSome(ctx, rbac.Read, "appeals"); err != nil {
		return nil, err
	}
	all, err := s.appeals(ctx, p, time.Time{}, time.Time{})
	if err != nil {
		return nil, err
	}
	out := []Appeal{}
	for _, a := range all {
		if (q.State == "" || q.State == "all" || a.State == q.State) && (q.Unit == "" || a.Unit == q.Unit) {
			out = append(out, a)
		}
	}
	return out, s.describeTargets(ctx, out)
}
