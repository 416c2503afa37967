package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // the policy time zone must load on machines without zoneinfo

	"frontline/evaluation"
	"frontline/service"
	"frontline/view"
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
	asofFlag := fs.String("asof", "", "judge deadlines as of this time (RFC 3339 or a date; default now)")
	pos, err := parseMixed(fs, args) // the id before or after the flags
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return a.usagef("case：请给出一个案件编号", "case: name one case ID")
	}
	id := pos[0]
	svc, s, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer svc.Close()
	v, err := svc.Case(ctx, s, id)
	if err != nil {
		return err
	}
	loc := a.policyZone(ctx, svc)
	asof := a.now()
	if *asofFlag != "" {
		if asof, err = parseAsOf(*asofFlag, loc); err != nil {
			return err
		}
		if v, err = svc.CaseAsOf(ctx, s, id, asof); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(caseJSON(v, asof, loc))
	}
	reg, err := svc.Registry(ctx)
	if err != nil {
		return err
	}
	a.printCase(v, registryNames(reg), asof, loc)
	return nil
}

// caseOut is the JSON form of `frontline case --json`.
type caseOut = view.Case

func caseJSON(v *service.CaseView, asof time.Time, loc *time.Location) caseOut {
	return view.CaseOf(v.Case, v.Assignments, v.Deadlines, v.Trail, asof, loc)
}

// printCase writes the case, its assignments and its trail as tables.
// Codes are shown with their registry names where the registry has them.
func (a *app) printCase(v *service.CaseView, names map[string]evaluation.Name, asof time.Time, loc *time.Location) {
	c := v.Case
	show := func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.In(loc).Format("2006-01-02 15:04:05")
	}
	named := func(code string) string {
		if code == "" {
			return "—"
		}
		if n, ok := names[code]; ok {
			return a.name(n) + " (" + code + ")"
		}
		return code
	}
	var head table
	head.row(a.t("案件", "Case"), c.ID)
	head.row(a.t("受理", "Opened"), show(c.OpenedAt)+" ("+loc.String()+")")
	head.row(a.t("类别", "Category"), named(c.Category))
	head.row(a.t("街道 / 社区", "Street / community"), named(c.Street)+" / "+named(c.Community))
	head.row(a.t("来源 / 紧急程度", "Source / urgency"), a.label(c.Source)+" / "+a.label(c.Urgency))
	status := a.t("办理中", "open")
	switch {
	case c.Withdrawn != "":
		status = fmt.Sprintf(a.t("已撤销（%s，不参与考核）%s", "withdrawn (%s, out of assessment) %s"), a.label(c.Withdrawn), show(c.ClosedAt))
	case c.Closed:
		status = a.t("已办结 ", "closed ") + show(c.ClosedAt)
	}
	head.row(a.t("状态", "Status"), status)
	head.row(a.t("重办次数", "Reopened"), fmt.Sprint(c.Reopenings))
	rating := "—"
	if c.Satisfaction != "" {
		rating = a.label(c.Satisfaction) + " " + show(c.RatedAt)
		if c.Solved != nil {
			rating += fmt.Sprintf(" (solved=%t)", *c.Solved)
		}
	}
	head.row(a.t("群众评价", "Resident rating"), rating)
	visit := fmt.Sprint(c.Revisits)
	if c.InPlace != nil {
		visit += fmt.Sprintf(" (in_place=%t)", *c.InPlace)
	}
	head.row(a.t("回访", "Return visits"), visit)
	head.write(a.stdout)
	fmt.Fprintln(a.stdout)

	var as table
	as.row(strings.Split(a.t("单位|角色|派遣方|派遣|响应|报告|处置|退回|呼叫评价|响应评分",
		"UNIT|ROLE|BY|DISPATCHED|RESPONDED|REPORTED|RESOLVED|RETURNED|CALL|RESPONSE SCORE"), "|")...)
	for _, x := range v.Assignments {
		ret := show(x.ReturnedAt)
		if !x.ReturnedAt.IsZero() {
			ret += " " + a.label(x.ReturnReason) + " upheld=" + optBool(x.ReturnUpheld)
		}
		call := "—"
		if x.CallAccurate != nil {
			call = fmt.Sprintf("accurate=%t score=%s", *x.CallAccurate, optInt(x.CallScore))
		}
		as.row(named(x.Unit), a.label(x.Role), dash(x.By), show(x.DispatchedAt), show(x.RespondedAt), show(x.ReportedAt),
			show(x.ResolvedAt), ret, call, optInt(x.ResponseScore))
	}
	as.write(a.stdout)
	fmt.Fprintln(a.stdout)

	var dl table
	dl.row(strings.Split(a.t("时限编号|单位|节点|起算|时限|完成|状态|超时",
		"DEADLINE|UNIT|MILESTONE|FROM|DUE|DONE|STATUS|OVERDUE"), "|")...)
	for _, d := range v.Deadlines {
		st, late := d.StatusAt(asof)
		done := show(d.Actual)
		if !d.Stopped.IsZero() && d.Actual.IsZero() {
			done = a.t("退回 ", "returned ") + show(d.Stopped)
		}
		status := a.statusName(st)
		if d.Excused {
			status += a.t("（已免责）", " (excused)")
		}
		dl.row(d.ID(), d.Unit, a.label(string(d.Milestone)), show(d.Start), show(d.Due), done, status, formatOverdue(late))
	}
	dl.write(a.stdout)
	fmt.Fprintln(a.stdout)

	var trail table
	trail.row(strings.Split(a.t("时间|事件|类型|单位|详情", "TIME|EVENT|TYPE|UNIT|DETAIL"), "|")...)
	for _, e := range v.Trail {
		trail.row(show(e.At), e.ID, a.label(string(e.Type)), dash(e.Unit), detail(e))
	}
	trail.write(a.stdout)
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
		return a.usagef("quarantine：请用 `quarantine list`", "quarantine: want `quarantine list`")
	}
	fs, dsn := a.flags("quarantine list")
	asJSON := fs.Bool("json", false, "print as JSON")
	limit := fs.Int("limit", 100, "list at most this many")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	svc, s, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer svc.Close()
	list, total, err := svc.Quarantine(ctx, s, *limit)
	if err != nil {
		return err
	}
	loc := a.policyZone(ctx, svc)
	if *asJSON {
		return json.NewEncoder(a.stdout).Encode(struct {
			Total  int                       `json:"total"`
			Events []service.QuarantineEntry `json:"events"`
		}{total, list})
	}
	var t table
	t.row(strings.Split(a.t("事件|案件|类型|时间|未登记代码|行号", "EVENT|CASE|TYPE|AT|UNKNOWN CODES|LINE"), "|")...)
	for _, q := range list {
		t.row(q.ID, q.Case, q.Type, q.At.In(loc).Format("2006-01-02 15:04:05"), strings.Join(q.Missing, ", "), fmt.Sprint(q.Line))
	}
	if err := t.write(a.stdout); err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, a.t("共 %d 条隔离事件；`registry load` 登记其代码后将自动生效\n",
		"%d events in quarantine; they are applied when `registry load` adds their codes\n"), total)
	return nil
}

// registryNames maps unit and category codes to their names.
func registryNames(reg *evaluation.Registry) map[string]evaluation.Name {
	names := map[string]evaluation.Name{}
	for _, u := range reg.Units {
		names[u.Code] = u.Name
	}
	for _, c := range reg.Categories {
		names[c.Code] = c.Name
	}
	return names
}

func (a *app) statusName(s evaluation.Status) string {
	switch s {
	case evaluation.Met:
		return a.t("按时", "met")
	case evaluation.Breached:
		return a.t("超时", "BREACHED")
	case evaluation.Pending:
		return a.t("未到期", "pending")
	case evaluation.Stopped:
		return a.t("退回停止计时", "stopped by return")
	}
	return string(s)
}

func publicTrail(trail []evaluation.Event, loc *time.Location) []evaluation.Event {
	return view.PublicTrail(trail, loc)
}
