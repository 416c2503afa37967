package main

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"frontline/evaluation"
	"frontline/ingest"
	"frontline/rbac"
	"frontline/store"
)

// Appeals, decisions, findings, evaluations and return rulings made in
// Frontline are events written into the case's trail through the same
// ingest path as the platform's: one trail, one source of truth.

// newEventID returns a fresh id for an event Frontline writes.
func (a *app) newEventID() string {
	b := make([]byte, 5)
	rand.Read(b)
	return "FL" + a.now().UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b)
}

// record writes one event into its case's trail, prints its id and
// refreshes the kept scores.
func (a *app) record(ctx context.Context, db *store.DB, e evaluation.Event) error {
	e.ID, e.At = a.newEventID(), a.now()
	right := recordRights[e.Type]
	res := rbac.Resource{Object: right.object}
	if right.inUnit {
		res.Unit = e.Unit // the acting unit must be the user's own
	}
	if err := a.authorize(ctx, db, right.action, res); err != nil {
		return err
	}
	reg, err := db.Registry(ctx)
	if err != nil {
		return err
	}
	for _, code := range e.UnitRefs() {
		if !slices.ContainsFunc(reg.Units, func(u evaluation.Unit) bool { return u.Code == code }) {
			return usageErrorf("%s: unit %q is not in the registry", e.Type, code)
		}
	}
	body, err := json.Marshal(e)
	if err != nil {
		return err
	}
	pseudo, err := a.pseudonymizer(ctx, db)
	if err != nil {
		return err
	}
	var reject *ingest.Reject
	in := &ingest.Ingester{Store: db, Pseudo: pseudo, OnReject: func(r ingest.Reject) { reject = &r }}
	sum, err := in.Run(ctx, ingest.NewNDJSONDecoder(bytes.NewReader(body)))
	if err != nil {
		return err
	}
	if reject != nil {
		return usageErrorf("%s: %s", e.Type, reject.Reason)
	}
	if sum.Accepted != 1 {
		return fmt.Errorf("%s: not stored (%+v)", e.Type, sum)
	}
	if err := a.audit(ctx, db, string(e.Type), e.Case+"/"+e.ID, e); err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, e.ID)
	fmt.Fprintf(a.stderr, a.t("recorded %s %s in case %s\n", "已记录%[1]s %[2]s（案件 %[3]s）\n"), a.label(string(e.Type)), e.ID, e.Case)
	return a.refreshScores(ctx, db)
}

// recordRights says what writing each kind of event takes: the object and
// action, and whether the acting unit must be the user's own.
var recordRights = map[evaluation.EventType]struct {
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
}

// caseTrail reads a case's trail, or says the case does not exist.
func caseTrail(ctx context.Context, db *store.DB, caseID string) (*store.CaseView, error) {
	if caseID == "" {
		return nil, usageErrorf("--case is required")
	}
	return db.Case(ctx, caseID)
}

// appealTarget checks that unit may appeal target in the case: a breached
// deadline of the unit, or a rating, evaluation or finding that judges it.
func appealTarget(cv *store.CaseView, unit, target string, asof time.Time) error {
	for _, d := range cv.Deadlines {
		if d.ID() != target {
			continue
		}
		if d.Unit != unit {
			return usageErrorf("appeal: deadline %s is %s's, not %s's", target, d.Unit, unit)
		}
		if st, _ := d.StatusAt(asof); st != evaluation.Breached {
			return usageErrorf("appeal: deadline %s is not breached (%s): there is nothing to appeal", target, st)
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
			return usageErrorf("appeal: event %s is a %s; only breaches, ratings, evaluations and findings can be appealed", target, e.Type)
		}
		if !slices.Contains(judged, unit) {
			return usageErrorf("appeal: %s %s does not judge %s", e.Type, target, unit)
		}
		return nil
	}
	return usageErrorf("appeal: case %s has no deadline or event %q", cv.Case.ID, target)
}

func runAppeal(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("appeal")
	caseID := fs.String("case", "", "the case (required)")
	unit := fs.String("unit", "", "the appealing unit (required)")
	target := fs.String("target", "", "what is appealed: a breached deadline's id (case/unit/milestone[/round]) or the id of a rating, evaluation or finding (required)")
	reason := fs.String("reason", "", "why (required)")
	actor := fs.String("actor", "", "who appeals, for the trail")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *unit == "" || *target == "" || *reason == "" {
		return usageErrorf("appeal: --case, --unit, --target and --reason are required")
	}
	db, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := a.authorize(ctx, db, rbac.Write, rbac.Resource{Object: "appeals", Unit: *unit}); err != nil {
		return err
	}
	cv, err := caseTrail(ctx, db, *caseID)
	if err != nil {
		return err
	}
	if err := appealTarget(cv, *unit, *target, a.now()); err != nil {
		return err
	}
	for _, ap := range evaluation.Appeals(cv.Trail) {
		if ap.Target == *target && ap.State != evaluation.AppealDuplicate {
			return evaluation.Errorf(evaluation.KindConflict, "appeal", "%s was already appealed by %s in %s on %s (%s): a target is appealed once",
				*target, ap.Unit, ap.ID, ap.At.In(a.policyZone(ctx, db)).Format("2006-01-02 15:04"), a.label(string(ap.State)))
		}
	}
	err = a.record(ctx, db, evaluation.Event{Case: *caseID, Type: evaluation.Appealed, Unit: *unit, Target: *target, Reason: *reason, Actor: *actor})
	return err
}

// appealOut is one appeal in `appeals --format json`.
type appealOut struct {
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
}

// appeals reads the appeals on cases opened in [from, to) (all when
// zero) with their deadlines for deciding.
func (a *app) appeals(ctx context.Context, db *store.DB, from, to time.Time) ([]appealOut, error) {
	trails, err := db.ProcessTrails(ctx, from, to)
	if err != nil {
		return nil, err
	}
	policies, err := db.Policies(ctx)
	if err != nil {
		return nil, err
	}
	loc := policies.At(a.now()).Location
	var out []appealOut
	for _, trail := range trails {
		for _, ap := range evaluation.Appeals(trail) {
			p := policies.At(ap.At)
			o := appealOut{ID: ap.ID, Case: ap.Case, Unit: ap.Unit, Target: ap.Target, Reason: ap.Reason, At: ap.At.In(loc),
				Due: p.AppealLimit.Due(ap.At, p.Calendar).In(loc), State: string(ap.State), Of: ap.Of,
				Decision: ap.Decision, DecidedBy: ap.DecidedBy, DecisionNote: ap.DecisionNote}
			if !ap.DecidedAt.IsZero() {
				o.DecidedAt = timeIn(ap.DecidedAt, loc)
			}
			o.Overdue = ap.State == evaluation.AppealOpen && a.now().After(o.Due)
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(x, y appealOut) int { return cmp.Or(x.At.Compare(y.At), strings.Compare(x.ID, y.ID)) })
	return out, nil
}

func runAppeals(ctx context.Context, a *app, args []string) error {
	if len(args) > 0 && args[0] == "decide" {
		return runAppealDecide(ctx, a, args[1:])
	}
	fs, dsn := a.flags("appeals")
	state := fs.String("state", "open", "open, upheld, rejected, duplicate or all")
	unit := fs.String("unit", "", "only this unit's appeals")
	format := formatFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkFormat("appeals", *format); err != nil {
		return err
	}
	if !slices.Contains([]string{"open", "upheld", "rejected", "duplicate", "all"}, *state) {
		return usageErrorf("appeals: --state must be open, upheld, rejected, duplicate or all")
	}
	db, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	all, err := a.appeals(ctx, db, time.Time{}, time.Time{})
	if err != nil {
		return err
	}
	s, err := a.session(ctx, db)
	if err != nil {
		return err
	}
	if err := s.authorizeSome(ctx, rbac.Read, "appeals"); err != nil {
		return err
	}
	list := []appealOut{}
	for _, o := range all {
		if (*state == "all" || o.State == *state) && (*unit == "" || o.Unit == *unit) && s.sees("appeals", o.Unit) {
			list = append(list, o)
		}
	}
	switch *format {
	case "json":
		return writeJSON(a, struct {
			State   string      `json:"state"`
			Appeals []appealOut `json:"appeals"`
		}{*state, list})
	case "csv":
		w := csv.NewWriter(a.stdout)
		w.Write([]string{"id", "case", "unit", "target", "reason", "at", "decide_by", "state", "overdue", "decided_by", "decided_at", "decision_note"})
		for _, o := range list {
			decided := ""
			if o.DecidedAt != nil {
				decided = o.DecidedAt.Format(time.RFC3339)
			}
			w.Write(safeCells(o.ID, o.Case, o.Unit, o.Target, o.Reason, o.At.Format(time.RFC3339), o.Due.Format(time.RFC3339),
				o.State, fmt.Sprint(o.Overdue), o.DecidedBy, decided, o.DecisionNote))
		}
		w.Flush()
		return w.Error()
	}
	fmt.Fprintf(a.stdout, a.t("Appeals (%s): %d\n\n", "申诉（%s）：%d 件\n\n"), a.label(*state), len(list))
	t := &table{}
	t.row(strings.Split(a.t("APPEAL|CASE|UNIT|TARGET|FILED|DECIDE BY|STATE|REASON", "申诉|案件|单位|申诉对象|提出时间|决定时限|状态|理由"), "|")...)
	for _, o := range list {
		st := a.label(o.State)
		if o.Overdue {
			st += a.t(" (overdue)", "（已超期）")
		}
		t.row(o.ID, o.Case, o.Unit, o.Target, o.At.Format("2006-01-02 15:04"), o.Due.Format("2006-01-02 15:04"), st, o.Reason)
	}
	return t.write(a.stdout)
}

func runAppealDecide(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("appeals decide")
	unit := fs.String("unit", "", "the deciding unit: the organization department (required)")
	upheld := fs.Bool("upheld", false, "uphold the appeal: its target leaves every metric")
	rejected := fs.Bool("rejected", false, "reject the appeal: nothing changes")
	note := fs.String("note", "", "the reasons for the decision (required)")
	actor := fs.String("actor", "", "who decides, for the trail")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *upheld == *rejected || *unit == "" || *note == "" {
		return usageErrorf("appeals decide: give one appeal id, --upheld or --rejected, --unit and --note")
	}
	db, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := a.authorize(ctx, db, rbac.Decide, rbac.Resource{Object: "appeals"}); err != nil {
		return err
	}
	all, err := a.appeals(ctx, db, time.Time{}, time.Time{})
	if err != nil {
		return err
	}
	i := slices.IndexFunc(all, func(o appealOut) bool { return o.ID == pos[0] })
	if i < 0 {
		return evaluation.Errorf(evaluation.KindNotFound, "appeals decide", "appeal %q not found", pos[0])
	}
	ap := all[i]
	switch evaluation.AppealState(ap.State) {
	case evaluation.AppealDuplicate:
		return evaluation.Errorf(evaluation.KindConflict, "appeals decide", "appeal %s repeats %s on the same target: decide %s", ap.ID, ap.Of, ap.Of)
	case evaluation.AppealUpheld, evaluation.AppealRejected:
		return evaluation.Errorf(evaluation.KindConflict, "appeals decide", "appeal %s was already decided (%s) by %s on %s: decisions are final",
			ap.ID, ap.State, ap.DecidedBy, ap.DecidedAt.Format("2006-01-02 15:04"))
	}
	err = a.record(ctx, db, evaluation.Event{Case: ap.Case, Type: evaluation.AppealDecided, Unit: *unit, Target: ap.ID,
		Upheld: upheld, Note: *note, Actor: *actor})
	return err
}

// findingOut is one finding in `findings --format json`.
type findingOut struct {
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

func runFindings(ctx context.Context, a *app, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "add":
			return runFindingAdd(ctx, a, args[1:])
		case "withdraw":
			return runFindingWithdraw(ctx, a, args[1:])
		}
	}
	fs, dsn := a.flags("findings")
	pf := addPeriodFlags(fs)
	unit := fs.String("unit", "", "only findings against this unit")
	format := formatFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkFormat("findings", *format); err != nil {
		return err
	}
	db, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	var from, to time.Time
	loc := a.policyZone(ctx, db)
	if *pf.period != "" || *pf.from != "" || *pf.to != "" {
		p, _, err := pf.resolve(loc, a.now())
		if err != nil {
			return err
		}
		from, to = p.From, p.To
	}
	list, err := a.findings(ctx, db, from, to, loc)
	if err != nil {
		return err
	}
	s, err := a.session(ctx, db)
	if err != nil {
		return err
	}
	if err := s.authorizeSome(ctx, rbac.Read, "findings"); err != nil {
		return err
	}
	shown := []findingOut{}
	for _, f := range list {
		if (*unit == "" || f.Target == *unit) && s.sees("findings", f.Target) {
			shown = append(shown, f)
		}
	}
	switch *format {
	case "json":
		return writeJSON(a, struct {
			Findings []findingOut `json:"findings"`
		}{shown})
	case "csv":
		w := csv.NewWriter(a.stdout)
		w.Write([]string{"id", "case", "unit", "target", "severity", "at", "state", "note"})
		for _, f := range shown {
			w.Write(safeCells(f.ID, f.Case, f.Unit, f.Target, f.Severity, f.At.Format(time.RFC3339), f.State, f.Note))
		}
		w.Flush()
		return w.Error()
	}
	fmt.Fprintf(a.stdout, a.t("Supervision findings: %d\n\n", "监督发现：%d 条\n\n"), len(shown))
	t := &table{}
	t.row(strings.Split(a.t("FINDING|CASE|BY|AGAINST|SEVERITY|AT|STATE|NOTE", "编号|案件|发现单位|被监督单位|严重程度|时间|状态|说明"), "|")...)
	for _, f := range shown {
		t.row(f.ID, f.Case, f.Unit, f.Target, a.label(f.Severity), f.At.Format("2006-01-02 15:04"), a.label(f.State), f.Note)
	}
	return t.write(a.stdout)
}

// findings lists the findings on cases opened in [from, to) (all when zero).
func (a *app) findings(ctx context.Context, db *store.DB, from, to time.Time, loc *time.Location) ([]findingOut, error) {
	trails, err := db.ProcessTrails(ctx, from, to)
	if err != nil {
		return nil, err
	}
	var out []findingOut
	for _, trail := range trails {
		for _, f := range evaluation.Findings(trail) {
			o := findingOut{ID: f.ID, Case: f.Case, Unit: f.Unit, Target: f.Target, Severity: cmp.Or(f.Severity, "notice"), Note: f.Note,
				At: f.At.In(loc), State: string(f.State), WithdrawnBy: f.WithdrawnBy, Withdrawal: f.WithdrawalNote}
			if !f.WithdrawnAt.IsZero() {
				o.WithdrawnAt = timeIn(f.WithdrawnAt, loc)
			}
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(x, y findingOut) int { return cmp.Or(x.At.Compare(y.At), strings.Compare(x.ID, y.ID)) })
	return out, nil
}

func runFindingAdd(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("findings add")
	caseID := fs.String("case", "", "the case the finding concerns (required)")
	unit := fs.String("unit", "", "the discipline body recording it (required)")
	target := fs.String("target", "", "the unit found against (required)")
	severity := fs.String("severity", "", "notice, warning or serious (required)")
	note := fs.String("note", "", "what was found (required)")
	actor := fs.String("actor", "", "who records it, for the trail")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *unit == "" || *target == "" || *note == "" {
		return usageErrorf("findings add: --case, --unit, --target, --severity and --note are required")
	}
	if !slices.Contains(evaluation.Severities, *severity) {
		return usageErrorf("findings add: --severity must be notice, warning or serious, got %q", *severity)
	}
	db, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := a.authorize(ctx, db, rbac.Write, rbac.Resource{Object: "findings"}); err != nil {
		return err
	}
	if _, err := caseTrail(ctx, db, *caseID); err != nil {
		return err
	}
	err = a.record(ctx, db, evaluation.Event{Case: *caseID, Type: evaluation.Supervised, Unit: *unit, Target: *target,
		Severity: *severity, Note: *note, Actor: *actor})
	return err
}

func runFindingWithdraw(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("findings withdraw")
	unit := fs.String("unit", "", "the discipline body withdrawing it (required)")
	note := fs.String("note", "", "why it is withdrawn (required)")
	actor := fs.String("actor", "", "who withdraws it, for the trail")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *unit == "" || *note == "" {
		return usageErrorf("findings withdraw: give one finding id, --unit and --note")
	}
	db, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := a.authorize(ctx, db, rbac.Write, rbac.Resource{Object: "findings"}); err != nil {
		return err
	}
	all, err := a.findings(ctx, db, time.Time{}, time.Time{}, a.policyZone(ctx, db))
	if err != nil {
		return err
	}
	i := slices.IndexFunc(all, func(f findingOut) bool { return f.ID == pos[0] })
	if i < 0 {
		return evaluation.Errorf(evaluation.KindNotFound, "findings withdraw", "finding %q not found", pos[0])
	}
	if f := all[i]; f.State != string(evaluation.FindingActive) {
		return evaluation.Errorf(evaluation.KindConflict, "findings withdraw", "finding %s is %s already", f.ID, f.State)
	}
	err = a.record(ctx, db, evaluation.Event{Case: all[i].Case, Type: evaluation.FindingWithdrawn, Unit: *unit, Target: pos[0],
		Note: *note, Actor: *actor})
	return err
}
