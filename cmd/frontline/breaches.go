package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"frontline/evaluation"
	"frontline/fault"
	"frontline/formats"
	"frontline/service"
	"frontline/view"
)

// periodFlags are the flags that choose a period and an as-of time.
type periodFlags struct {
	period, from, to, asof *string
}

func addPeriodFlags(fs *flag.FlagSet) *periodFlags {
	return &periodFlags{
		period: fs.String("period", "", "period: a month (2026-10), a quarter (2026-Q4) or a year (2026)"),
		from:   fs.String("from", "", "first day of the period (instead of --period)"),
		to:     fs.String("to", "", "last day of the period (instead of --period)"),
		asof:   fs.String("asof", "", "judge as of this time (RFC 3339, or a date meaning its start; default now)"),
	}
}

// query is the period the flags name, for the service to resolve.
func (f *periodFlags) query() service.PeriodQuery {
	return service.PeriodQuery{Period: *f.period, From: *f.from, To: *f.to, AsOf: *f.asof}
}

// flagged words a period or as-of time the service could not read in
// terms of the flags that gave it, as a usage error.
func flagged(err error) error {
	var e *fault.Error
	if !errors.As(err, &e) || e.Kind != fault.Invalid {
		return err
	}
	switch e.Op {
	case "period":
		return &usageError{msg: periodWords.Replace(errText(err)), cause: err}
	case "asof":
		return &usageError{msg: "--asof: " + errText(err), cause: err}
	}
	return err
}

var periodWords = strings.NewReplacer("from/to", "--from/--to", "a period", "--period", "both from", "both --from", "from:", "--from:", "to:", "--to:")

func parseAsOf(s string, loc *time.Location) (time.Time, error) {
	t, err := evaluation.ParseAsOf(s, loc)
	if err != nil {
		return t, fault.Sayf(fault.Invalid, "", "--asof：截至时间须为日期（2026-10-31）或 RFC 3339 时间，收到的是 %q", "--asof: want an RFC 3339 time or a date, got %q", s)
	}
	return t, nil
}

// errOp is the operation an error names ("" when none).
func errOp(err error) string {
	var e *fault.Error
	if errors.As(err, &e) {
		return e.Op
	}
	return ""
}

// errText is an error's message without its operation prefix.
func errText(err error) string {
	var e *fault.Error
	if errors.As(err, &e) {
		return e.Err.Error()
	}
	return err.Error()
}

// breachOut is one breach in `breaches --format json` (DESIGN.md §7).
type breachOut = view.Breach

func runBreaches(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("breaches")
	pf := addPeriodFlags(fs)
	unit := fs.String("unit", "", "only this unit's breaches")
	format := formatFlag(fs)
	summary := fs.Bool("summary", false, "one line per breach, without the case timelines")
	counts := fs.Bool("counts", false, "only the number of breaches per unit and milestone")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkFormat("breaches", *format); err != nil {
		return err
	}
	svc, s, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer svc.Close()
	list, err := svc.ListBreaches(ctx, s, service.BreachQuery{PeriodQuery: pf.query(), Unit: *unit,
		Trails: !*counts && !*summary && *format != "csv", Counting: *counts})
	if err != nil {
		return flagged(err)
	}
	if *counts {
		return a.printBreachCounts(list.Breaches, *format)
	}
	period, asof, loc, breaches, cases, trails := list.Period, list.AsOf, list.Zone, list.Breaches, list.Cases, list.Trails
	switch *format {
	case "json":
		out := struct {
			Period   string                        `json:"period"`
			From     time.Time                     `json:"from"`
			To       time.Time                     `json:"to"`
			AsOf     time.Time                     `json:"asof"`
			Breaches []breachOut                   `json:"breaches"`
			Trails   map[string][]evaluation.Event `json:"trails,omitempty"`
		}{period.Name, period.From, period.To, asof.In(loc), breaches, trails}
		if out.Breaches == nil {
			out.Breaches = []breachOut{}
		}
		for c, tr := range trails {
			trails[c] = publicTrail(tr, loc)
		}
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	case "csv":
		w := csv.NewWriter(a.stdout)
		w.Write(strings.Split(a.t("编号,案件,单位,节点,轮次,起算,时限,实际,超时秒数,超时,已免责",
			"id,case,unit,milestone,round,start,deadline,actual,overdue_seconds,overdue,excused"), ","))
		for _, b := range breaches {
			actual := ""
			if b.Actual != nil {
				actual = b.Actual.Format(time.RFC3339)
			}
			w.Write(safeCells(b.ID, b.Case, b.Unit, b.Milestone, fmt.Sprint(b.Round), b.Start.Format(time.RFC3339),
				b.Deadline.Format(time.RFC3339), actual, fmt.Sprint(b.OverdueSeconds),
				formatOverdue(time.Duration(b.OverdueSeconds)*time.Second), fmt.Sprint(b.Excused)))
		}
		w.Flush()
		return w.Error()
	}
	a.printBreaches(period, asof, loc, breaches, cases, trails)
	return nil
}

func (a *app) printBreaches(period evaluation.Period, asof time.Time, loc *time.Location, breaches []breachOut, cases []string, trails map[string][]evaluation.Event) {
	fmt.Fprintf(a.stdout, a.t("%d 项超时，涉及 %d 个案件（受理于 %s，截至 %s）\n\n", "%d breaches in %d cases opened in %s, as of %s\n\n"),
		len(breaches), len(cases), period.Name, asof.In(loc).Format("2006-01-02 15:04"))
	var t table
	t.row(strings.Split(a.t("超时编号|单位|节点|时限|实际|超时|已免责", "BREACH|UNIT|MILESTONE|DEADLINE|ACTUAL|OVERDUE|EXCUSED"), "|")...)
	show := func(tm time.Time) string { return tm.In(loc).Format("2006-01-02 15:04:05") }
	for _, b := range breaches {
		actual := a.t("未完成", "not done")
		if b.Actual != nil {
			actual = show(*b.Actual)
		}
		excused := ""
		if b.Excused {
			excused = a.t("是", "yes")
		}
		t.row(b.ID, b.Unit, a.label(b.Milestone), show(b.Deadline), actual,
			formatOverdue(time.Duration(b.OverdueSeconds)*time.Second), excused)
	}
	t.write(a.stdout)
	if trails == nil {
		return
	}
	for _, c := range cases {
		fmt.Fprintf(a.stdout, a.t("\n案件 %s\n", "\nCase %s\n"), c)
		var tl table
		for _, e := range trails[c] {
			tl.row("  "+show(e.At), e.ID, a.label(string(e.Type)), dash(e.Unit), detail(e))
		}
		tl.write(a.stdout)
	}
}

// breachCount is one unit's breaches by milestone.
type breachCount struct {
	Unit      string         `json:"unit"`
	Total     int            `json:"total"`
	Milestone map[string]int `json:"milestones"`
}

func (a *app) printBreachCounts(breaches []breachOut, format string) error {
	byUnit := map[string]*breachCount{}
	var list []*breachCount
	for _, b := range breaches {
		c, ok := byUnit[b.Unit]
		if !ok {
			c = &breachCount{Unit: b.Unit, Milestone: map[string]int{}}
			byUnit[b.Unit] = c
			list = append(list, c)
		}
		c.Total++
		c.Milestone[b.Milestone]++
	}
	slices.SortFunc(list, func(x, y *breachCount) int {
		if x.Total != y.Total {
			return y.Total - x.Total
		}
		return strings.Compare(x.Unit, y.Unit)
	})
	milestones := []string{"call", "respond", "report", "dispose"}
	switch format {
	case "json":
		return json.NewEncoder(a.stdout).Encode(struct {
			Units []*breachCount `json:"units"`
		}{list})
	case "csv":
		w := csv.NewWriter(a.stdout)
		w.Write(append([]string{"unit", "total"}, milestones...))
		for _, c := range list {
			row := []string{c.Unit, fmt.Sprint(c.Total)}
			for _, m := range milestones {
				row = append(row, fmt.Sprint(c.Milestone[m]))
			}
			w.Write(safeCells(row...))
		}
		w.Flush()
		return w.Error()
	}
	var t table
	head := []string{a.t("单位", "UNIT"), a.t("合计", "TOTAL")}
	for _, m := range milestones {
		head = append(head, a.label(m))
	}
	t.row(head...)
	for _, c := range list {
		row := []string{c.Unit, fmt.Sprint(c.Total)}
		for _, m := range milestones {
			row = append(row, fmt.Sprint(c.Milestone[m]))
		}
		t.row(row...)
	}
	return t.write(a.stdout)
}

// formatOverdue writes a duration as days, hours and minutes.
func formatOverdue(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	d = d.Round(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case days > 0:
		return fmt.Sprintf("%dd%dh%dm", days, hours, mins)
	case hours > 0:
		return fmt.Sprintf("%dh%dm", hours, mins)
	}
	return fmt.Sprintf("%dm", max(mins, 1))
}

// safeCells escapes cells that a spreadsheet would read as a formula.
func safeCells(cells ...string) []string {
	for i, c := range cells {
		cells[i] = formats.SafeCell(c)
	}
	return cells
}
