package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"
	_ "time/tzdata" // the policy time zone must load on machines without zoneinfo

	"frontline/evaluation"
	"frontline/store"
)

// displayZone is the zone times are shown in until the policy names one.
var displayZone = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func runCase(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("case")
	asJSON := fs.Bool("json", false, "print the case as JSON")
	// Accept the id before or after the flags.
	var id string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, args = args[0], args[1:]
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if id == "" && fs.NArg() == 1 {
		id = fs.Arg(0)
	} else if id == "" || fs.NArg() != 0 {
		return usageErrorf("case: name one case ID")
	}
	db, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.Case(ctx, id)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(caseJSON(v))
	}
	a.printCase(v)
	return nil
}

// caseOut is the JSON form of `frontline case --json`.
type caseOut struct {
	ID          string             `json:"id"`
	OpenedAt    *time.Time         `json:"opened_at"`
	Category    string             `json:"category,omitempty"`
	Street      string             `json:"street,omitempty"`
	Community   string             `json:"community,omitempty"`
	Source      string             `json:"source,omitempty"`
	Urgency     string             `json:"urgency,omitempty"`
	Closed      bool               `json:"closed"`
	ClosedAt    *time.Time         `json:"closed_at"`
	Reopenings  int                `json:"reopenings"`
	Rating      *ratingOut         `json:"rating"`
	Revisits    int                `json:"revisits"`
	InPlace     *bool              `json:"in_place"`
	Assignments []assignmentOut    `json:"assignments"`
	Trail       []evaluation.Event `json:"trail"`
}

type ratingOut struct {
	Satisfaction string     `json:"satisfaction"`
	Solved       *bool      `json:"solved"`
	At           *time.Time `json:"at"`
}

type assignmentOut struct {
	Unit          string     `json:"unit"`
	Role          string     `json:"role"`
	By            string     `json:"by,omitempty"`
	DispatchedAt  *time.Time `json:"dispatched_at"`
	RespondedAt   *time.Time `json:"responded_at"`
	ReportedAt    *time.Time `json:"reported_at"`
	ResolvedAt    *time.Time `json:"resolved_at"`
	ReturnedAt    *time.Time `json:"returned_at"`
	ReturnReason  string     `json:"return_reason,omitempty"`
	ReturnUpheld  *bool      `json:"return_upheld"`
	CallAccurate  *bool      `json:"call_accurate"`
	CallScore     *int       `json:"call_score"`
	ResponseScore *int       `json:"response_score"`
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	l := t.In(displayZone)
	return &l
}

func caseJSON(v *store.CaseView) caseOut {
	c := v.Case
	out := caseOut{ID: c.ID, OpenedAt: timeOrNil(c.OpenedAt), Category: c.Category, Street: c.Street,
		Community: c.Community, Source: c.Source, Urgency: c.Urgency, Closed: c.Closed,
		ClosedAt: timeOrNil(c.ClosedAt), Reopenings: c.Reopenings, Revisits: c.Revisits, InPlace: c.InPlace,
		Assignments: []assignmentOut{}, Trail: v.Trail}
	if c.Satisfaction != "" {
		out.Rating = &ratingOut{Satisfaction: c.Satisfaction, Solved: c.Solved, At: timeOrNil(c.RatedAt)}
	}
	for _, a := range v.Assignments {
		out.Assignments = append(out.Assignments, assignmentOut{Unit: a.Unit, Role: a.Role, By: a.By,
			DispatchedAt: timeOrNil(a.DispatchedAt), RespondedAt: timeOrNil(a.RespondedAt),
			ReportedAt: timeOrNil(a.ReportedAt), ResolvedAt: timeOrNil(a.ResolvedAt),
			ReturnedAt: timeOrNil(a.ReturnedAt), ReturnReason: a.ReturnReason, ReturnUpheld: a.ReturnUpheld,
			CallAccurate: a.CallAccurate, CallScore: a.CallScore, ResponseScore: a.ResponseScore})
	}
	for i := range out.Trail {
		out.Trail[i].At = out.Trail[i].At.In(displayZone)
	}
	return out
}

func (a *app) printCase(v *store.CaseView) {
	c := v.Case
	w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	defer w.Flush()
	show := func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.In(displayZone).Format("2006-01-02 15:04:05")
	}
	fmt.Fprintf(w, "%s\t%s\n", a.t("Case", "案件"), c.ID)
	fmt.Fprintf(w, "%s\t%s\n", a.t("Opened", "受理"), show(c.OpenedAt))
	fmt.Fprintf(w, "%s\t%s / %s / %s\n", a.t("Category / street / community", "类别 / 街道 / 社区"), dash(c.Category), dash(c.Street), dash(c.Community))
	fmt.Fprintf(w, "%s\t%s / %s\n", a.t("Source / urgency", "来源 / 紧急程度"), dash(c.Source), dash(c.Urgency))
	status := a.t("open", "办理中")
	if c.Closed {
		status = a.t("closed ", "已办结 ") + show(c.ClosedAt)
	}
	fmt.Fprintf(w, "%s\t%s\n", a.t("Status", "状态"), status)
	fmt.Fprintf(w, "%s\t%d\n", a.t("Reopened", "重办次数"), c.Reopenings)
	rating := "—"
	if c.Satisfaction != "" {
		rating = c.Satisfaction + " " + show(c.RatedAt)
		if c.Solved != nil {
			rating += fmt.Sprintf(" (solved=%t)", *c.Solved)
		}
	}
	fmt.Fprintf(w, "%s\t%s\n", a.t("Resident rating", "群众评价"), rating)
	visit := fmt.Sprint(c.Revisits)
	if c.InPlace != nil {
		visit += fmt.Sprintf(" (in_place=%t)", *c.InPlace)
	}
	fmt.Fprintf(w, "%s\t%s\n\n", a.t("Return visits", "回访"), visit)

	fmt.Fprintln(w, a.t("UNIT\tROLE\tBY\tDISPATCHED\tRESPONDED\tREPORTED\tRESOLVED\tRETURNED\tCALL\tRESPONSE SCORE",
		"单位\t角色\t派遣方\t派遣\t响应\t报告\t处置\t退回\t呼叫评价\t响应评分"))
	for _, as := range v.Assignments {
		ret := show(as.ReturnedAt)
		if !as.ReturnedAt.IsZero() {
			ret += " " + as.ReturnReason + " upheld=" + optBool(as.ReturnUpheld)
		}
		call := "—"
		if as.CallAccurate != nil {
			call = fmt.Sprintf("accurate=%t score=%s", *as.CallAccurate, optInt(as.CallScore))
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", as.Unit, as.Role, dash(as.By),
			show(as.DispatchedAt), show(as.RespondedAt), show(as.ReportedAt), show(as.ResolvedAt), ret, call, optInt(as.ResponseScore))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, a.t("TIME\tEVENT\tTYPE\tUNIT\tDETAIL", "时间\t事件\t类型\t单位\t详情"))
	for _, e := range v.Trail {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", show(e.At), e.ID, e.Type, dash(e.Unit), detail(e))
	}
}

// detail summarises an event's type-specific fields on one line. Reporter
// and access code are never shown: they are keyed hashes anyway.
func detail(e evaluation.Event) string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	add("category", e.Category)
	add("street", e.Street)
	add("by", e.By)
	if e.Type == evaluation.Dispatched {
		add("role", e.Role)
	}
	add("target", e.Target)
	add("reason", e.Reason)
	add("satisfaction", e.Satisfaction)
	add("severity", e.Severity)
	if e.Upheld != nil {
		add("upheld", optBool(e.Upheld))
	}
	if e.Accurate != nil {
		add("accurate", optBool(e.Accurate))
	}
	if e.Score != nil {
		add("score", optInt(e.Score))
	}
	if e.Solved != nil {
		add("solved", optBool(e.Solved))
	}
	if e.InPlace != nil {
		add("in_place", optBool(e.InPlace))
	}
	return strings.Join(parts, " ")
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func optBool(b *bool) string {
	if b == nil {
		return "—"
	}
	return fmt.Sprint(*b)
}

func optInt(n *int) string {
	if n == nil {
		return "—"
	}
	return fmt.Sprint(*n)
}

func runQuarantine(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 || args[0] != "list" {
		return usageErrorf("quarantine: want `quarantine list`")
	}
	fs, dsn := a.flags("quarantine list")
	asJSON := fs.Bool("json", false, "print as JSON")
	limit := fs.Int("limit", 100, "list at most this many")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	db, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	list, total, err := db.QuarantineList(ctx, *limit)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(a.stdout).Encode(struct {
			Total  int                     `json:"total"`
			Events []store.QuarantineEntry `json:"events"`
		}{total, list})
	}
	w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, a.t("EVENT\tCASE\tTYPE\tAT\tUNKNOWN CODES\tLINE", "事件\t案件\t类型\t时间\t未登记代码\t行号"))
	for _, q := range list {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\n", q.ID, q.Case, q.Type, q.At.In(displayZone).Format("2006-01-02 15:04:05"),
			strings.Join(q.Missing, ", "), q.Line)
	}
	w.Flush()
	fmt.Fprintf(a.stderr, a.t("%d events in quarantine; they are applied when `registry load` adds their codes\n",
		"共 %d 条隔离事件；`registry load` 登记其代码后将自动生效\n"), total)
	return nil
}
