package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"time"

	"frontline/evaluation"
	"frontline/rbac"
	"frontline/service"
)

// Appeals, decisions, findings, evaluations and return rulings made in
// Frontline are events written into the case's trail through the same
// ingest path as the platform's: one trail, one source of truth.

// runProcess opens the database and runs one process step, printing the
// event it wrote.
func (a *app) runProcess(ctx context.Context, dsn string, step func(*service.Service, rbac.Principal) (evaluation.Event, error)) error {
	w, s, err := a.open(ctx, dsn)
	if err != nil {
		return err
	}
	defer w.Close()
	return a.recorded(step(w, s))
}

// recorded prints the id of an event a process wrote, and says so.
func (a *app) recorded(e evaluation.Event, err error) error {
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, e.ID)
	fmt.Fprintf(a.stderr, a.t("已记录%[1]s %[2]s（案件 %[3]s）\n", "recorded %s %s in case %s\n"), a.label(string(e.Type)), e.ID, e.Case)
	return nil
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
	return a.runProcess(ctx, *dsn, func(w *service.Service, s rbac.Principal) (evaluation.Event, error) {
		return w.Appeal(ctx, s, service.AppealRequest{Case: *caseID, Unit: *unit, Target: *target, Reason: *reason, Actor: *actor})
	})
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
		return a.usagef("appeals：--state 须为 open、upheld、rejected、duplicate 或 all", "appeals: --state must be open, upheld, rejected, duplicate or all")
	}
	w, s, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer w.Close()
	list, err := w.ListAppeals(ctx, s, service.AppealQuery{State: *state, Unit: *unit})
	if err != nil {
		return err
	}
	// What an appeal against an event is against ("群众评价 · 不满意");
	// "" for a deadline, whose id says it.
	what := func(o appealOut) string {
		if o.TargetEvent == nil {
			return ""
		}
		return strings.Join(o.TargetEvent.Describe(a.lang, func(code string) string { return code }), " · ")
	}
	switch *format {
	case "json":
		return writeJSON(a, struct {
			State   string      `json:"state"`
			Appeals []appealOut `json:"appeals"`
		}{*state, list})
	case "csv":
		w := csv.NewWriter(a.stdout)
		w.Write([]string{"id", "case", "unit", "target", "reason", "at", "decide_by", "state", "overdue", "decided_by", "decided_at", "decision_note", "target_is"})
		for _, o := range list {
			decided := ""
			if o.DecidedAt != nil {
				decided = o.DecidedAt.Format(time.RFC3339)
			}
			w.Write(safeCells(o.ID, o.Case, o.Unit, o.Target, o.Reason, o.At.Format(time.RFC3339), o.Due.Format(time.RFC3339),
				o.State, fmt.Sprint(o.Overdue), o.DecidedBy, decided, o.DecisionNote, what(o)))
		}
		w.Flush()
		return w.Error()
	}
	fmt.Fprintf(a.stdout, a.t("申诉（%s）：%d 件\n\n", "Appeals (%s): %d\n\n"), a.label(*state), len(list))
	t := &table{}
	t.row(strings.Split(a.t("申诉|案件|单位|申诉对象|提出时间|决定时限|状态|理由", "APPEAL|CASE|UNIT|TARGET|FILED|DECIDE BY|STATE|REASON"), "|")...)
	for _, o := range list {
		st := a.label(o.State)
		if o.Overdue {
			st += a.t("（已超期）", " (overdue)")
		}
		target := o.Target
		if desc := what(o); desc != "" {
			target = fmt.Sprintf(a.t("%s（%s）", "%s (%s)"), o.Target, desc)
		}
		t.row(o.ID, o.Case, o.Unit, target, o.At.Format("2006-01-02 15:04"), o.Due.Format("2006-01-02 15:04"), st, o.Reason)
	}
	return t.write(a.stdout)
}

func runAppealDecide(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("appeals decide")
	unit := fs.String("unit", "", "the deciding unit (default: the organization department the policy names, bodies.organization)")
	upheld := fs.Bool("upheld", false, "uphold the appeal: its target leaves every metric")
	rejected := fs.Bool("rejected", false, "reject the appeal: nothing changes")
	note := fs.String("note", "", "the reasons for the decision (required)")
	actor := fs.String("actor", "", "who decides, for the trail")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *upheld == *rejected {
		return a.usagef("appeals decide：须给出一个申诉编号、--upheld 或 --rejected，以及 --note", "appeals decide: give one appeal id, --upheld or --rejected, and --note")
	}
	return a.runProcess(ctx, *dsn, func(w *service.Service, s rbac.Principal) (evaluation.Event, error) {
		return w.Decide(ctx, s, service.DecisionRequest{Appeal: pos[0], Unit: *unit, Note: *note, Actor: *actor, Upheld: *upheld})
	})
}

// appealOut is one appeal in `appeals --format json`.
type appealOut = service.Appeal

// findingOut is one finding in `findings --format json`.
type findingOut = service.Finding

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
	state := fs.String("state", "all", "active, withdrawn, appealed_away or all")
	format := formatFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkFormat("findings", *format); err != nil {
		return err
	}
	if !slices.Contains([]string{"active", "withdrawn", "appealed_away", "all"}, *state) {
		return a.usagef("findings：--state 须为 active、withdrawn、appealed_away 或 all", "findings: --state must be active, withdrawn, appealed_away or all")
	}
	svc, s, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer svc.Close()
	shown, err := svc.ListFindings(ctx, s, service.FindingQuery{PeriodQuery: pf.query(), Unit: *unit, State: *state})
	if err != nil {
		return flagged(err)
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
	fmt.Fprintf(a.stdout, a.t("监督发现：%d 条\n\n", "Supervision findings: %d\n\n"), len(shown))
	t := &table{}
	t.row(strings.Split(a.t("编号|案件|发现单位|被监督单位|严重程度|时间|状态|说明", "FINDING|CASE|BY|AGAINST|SEVERITY|AT|STATE|NOTE"), "|")...)
	for _, f := range shown {
		t.row(f.ID, f.Case, f.Unit, f.Target, a.label(f.Severity), f.At.Format("2006-01-02 15:04"), a.label(f.State), f.Note)
	}
	return t.write(a.stdout)
}

func runFindingAdd(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("findings add")
	caseID := fs.String("case", "", "the case the finding concerns (required)")
	unit := fs.String("unit", "", "the discipline body recording it (default: the one the policy names, bodies.discipline)")
	target := fs.String("target", "", "the unit found against (required)")
	severity := fs.String("severity", "", "notice, warning or serious (required)")
	note := fs.String("note", "", "what was found (required)")
	actor := fs.String("actor", "", "who records it, for the trail")
	if err := parse(fs, args); err != nil {
		return err
	}
	return a.runProcess(ctx, *dsn, func(w *service.Service, s rbac.Principal) (evaluation.Event, error) {
		return w.AddFinding(ctx, s, service.FindingRequest{Case: *caseID, Unit: *unit, Target: *target, Severity: *severity,
			Note: *note, Actor: *actor})
	})
}

func runFindingWithdraw(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("findings withdraw")
	unit := fs.String("unit", "", "the discipline body withdrawing it (default: the one the policy names)")
	note := fs.String("note", "", "why it is withdrawn (required)")
	actor := fs.String("actor", "", "who withdraws it, for the trail")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return a.usagef("findings withdraw：须给出一个监督发现编号和 --note", "findings withdraw: give one finding id and --note")
	}
	return a.runProcess(ctx, *dsn, func(w *service.Service, s rbac.Principal) (evaluation.Event, error) {
		return w.WithdrawFinding(ctx, s, service.WithdrawalRequest{Finding: pos[0], Unit: *unit, Note: *note, Actor: *actor})
	})
}
