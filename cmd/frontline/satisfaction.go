package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"frontline/scoring"
	"frontline/service"
	"frontline/view"
)

// resolvePeriod reads the period flags against the policies in force.
func (a *app) resolvePeriod(ctx context.Context, svc *service.Service, pf *periodFlags) (service.Span, error) {
	sp, err := svc.Resolve(ctx, pf.query())
	return sp, flagged(err)
}

func runSatisfaction(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("satisfaction")
	pf := addPeriodFlags(fs)
	format := formatFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkFormat("satisfaction", *format); err != nil {
		return err
	}
	svc, s, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer svc.Close()
	r, sp, err := svc.Satisfaction(ctx, s, pf.query())
	if err != nil {
		return flagged(err)
	}
	period := sp.Period
	switch *format {
	case "json":
		out := view.SatisfactionOf(r, period.Name, sp.AsOf.In(sp.Zone), a.lang)
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	case "csv":
		w := csv.NewWriter(a.stdout)
		w.Write([]string{"scope", "kind", "month", "satisfied", "rated", "rate", "low", "high", "gap", "at_risk"})
		row := func(scope, kind, month string, t scoring.Tally, risk bool) {
			o := view.TallyOf(t, r.Target)
			w.Write(safeCells(scope, kind, month, fmt.Sprint(o.Satisfied), fmt.Sprint(o.Rated), csvFloat(o.Rate, 4),
				fmt.Sprintf("%.4f", o.Interval[0]), fmt.Sprintf("%.4f", o.Interval[1]), fmt.Sprint(o.Gap), fmt.Sprint(risk)))
		}
		row("district", "", "", r.District.Total, r.District.AtRisk)
		for _, m := range r.Months {
			t := r.District.Months[m]
			rate, ok := t.Rate()
			row("district", "", m, t, ok && rate < r.Target)
		}
		for _, l := range r.Units {
			row(l.Unit, string(l.Kind), "", l.Total, l.AtRisk)
		}
		w.Flush()
		return w.Error()
	}
	pct := func(t scoring.Tally) string {
		rate, ok := t.Rate()
		if !ok {
			return "—"
		}
		return fmt.Sprintf("%.2f%%", rate*100)
	}
	d := r.District.Total
	lo, hi := d.Interval()
	fmt.Fprintf(a.stdout, a.t("全区满意率（受理于 %s 的案件）：%s，共 %g 件评价（95%%：%.2f%%–%.2f%%）；目标 %.1f%%",
		"District satisfaction, cases opened in %s: %s of %g rated (95%%: %.2f%%–%.2f%%); target %.1f%%"),
		period.Name, pct(d), d.Rated, lo*100, hi*100, r.Target*100)
	if d.Rated == 0 {
		fmt.Fprintln(a.stdout, a.t(" —— 尚无评价", " — no ratings yet"))
	} else if g := d.Gap(r.Target); g > 0 {
		fmt.Fprintf(a.stdout, a.t(" —— 还需新增 %d 件满意评价\n", " — %d more satisfied ratings needed\n"), g)
	} else {
		fmt.Fprintln(a.stdout, a.t(" —— 已达标", " — target met"))
	}
	var months table
	months.row(strings.Split(a.t("月份|评价数|满意率|差距|", "MONTH|RATED|SATISFACTION|GAP|"), "|")...)
	for _, m := range r.Months {
		t := r.District.Months[m]
		rate, _ := t.Rate()
		bar := strings.Repeat("█", int(max(0, (rate-0.9)*400)))
		months.row(m, fmt.Sprint(t.Rated), pct(t), fmt.Sprint(t.Gap(r.Target)), bar)
	}
	fmt.Fprintln(a.stdout)
	months.write(a.stdout)
	var risk table
	risk.row(strings.Split(a.t("单位|名称|类型|评价数|满意率|95%上限|差距", "UNIT|NAME|KIND|RATED|SATISFACTION|95% HIGH|GAP"), "|")...)
	n := 0
	for _, l := range r.Units {
		if !l.AtRisk {
			continue
		}
		n++
		_, hi := l.Total.Interval()
		high := fmt.Sprintf("%.1f%%", hi*100)
		if l.ClearlyBelow {
			high += a.t("（明显低于目标）", " (clearly below)")
		}
		risk.row(l.Unit, a.name(l.Name), a.kindName(l.Kind), fmt.Sprint(l.Total.Rated), pct(l.Total),
			high, fmt.Sprint(l.Total.Gap(r.Target)))
	}
	fmt.Fprintf(a.stdout, a.t("\n%d 个单位低于目标：\n", "\n%d units below the target:\n"), n)
	risk.write(a.stdout)
	return nil
}

func runMatrix(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("matrix")
	pf := addPeriodFlags(fs)
	format := formatFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkFormat("matrix", *format); err != nil {
		return err
	}
	svc, s, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer svc.Close()
	pairs, sp, err := svc.Matrix(ctx, s, pf.query())
	if err != nil {
		return flagged(err)
	}
	out := view.PairsOf(pairs)
	switch *format {
	case "json":
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Period string      `json:"period"`
			AsOf   time.Time   `json:"asof"`
			Pairs  []view.Pair `json:"pairs"`
		}{sp.Period.Name, sp.AsOf.In(sp.Zone), out})
	case "csv":
		w := csv.NewWriter(a.stdout)
		w.Write([]string{"street", "department", "calls", "accurate_calls", "call_score", "response_score", "respond_on_time", "dispose_on_time", "satisfaction"})
		for _, p := range out {
			w.Write(safeCells(p.Street, p.Department, fmt.Sprint(p.Calls), fmt.Sprint(p.AccurateCalls), csvFloat(p.CallScore, 2),
				csvFloat(p.ResponseScore, 2), csvFloat(p.Respond, 4), csvFloat(p.Dispose, 4), csvFloat(p.Satisfaction, 4)))
		}
		w.Flush()
		return w.Error()
	}
	var t table
	t.row(strings.Split(a.t("街道|部门|呼叫|准确|呼叫评分|响应评分|按时响应|按时处置|满意率",
		"STREET|DEPARTMENT|CALLS|ACCURATE|CALL SCORE|RESPONSE SCORE|RESPOND ON TIME|DISPOSE ON TIME|SATISFACTION"), "|")...)
	for _, p := range out {
		t.row(p.Street, p.Department, fmt.Sprint(p.Calls), fmt.Sprint(p.AccurateCalls), optFloat(p.CallScore, 1),
			optFloat(p.ResponseScore, 1), percent(p.Respond), percent(p.Dispose), percent(p.Satisfaction))
	}
	return t.write(a.stdout)
}

// reciprocityOut is one flagged pair in `reciprocity --format json`.
type reciprocityOut = view.Reciprocity

func runReciprocity(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("reciprocity")
	pf := addPeriodFlags(fs)
	asJSON := fs.Bool("json", false, "print as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	svc, s, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer svc.Close()
	flags, sp, err := svc.Reciprocity(ctx, s, pf.query())
	if err != nil {
		return flagged(err)
	}
	period := sp.Period
	out := view.ReciprocityOf(flags)
	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Period string           `json:"period"`
			Pairs  []reciprocityOut `json:"pairs"`
		}{period.Name, out})
	}
	fmt.Fprintf(a.stdout, a.t("%d 对街道与部门互评明显高于各自对其他单位的评分（%s）：\n",
		"%d street/department pairs rate each other far above how each rates everyone else (%s):\n"), len(out), period.Name)
	var t table
	t.row(strings.Split(a.t("街道|部门|街→部|街→他|部→街|部→他|评分数|本对按时|部门按时|本对满意|部门满意",
		"STREET|DEPT|S→D|S→OTHERS|D→S|D→OTHERS|RATINGS|PAIR ON TIME|DEPT ON TIME|PAIR SATISFIED|DEPT SATISFIED"), "|")...)
	for _, r := range out {
		t.row(r.Street, r.Department, fmt.Sprintf("%.2f", r.StreetToDept), fmt.Sprintf("%.2f", r.StreetToOthers),
			fmt.Sprintf("%.2f", r.DeptToStreet), fmt.Sprintf("%.2f", r.DeptToOthers), fmt.Sprintf("%d/%d", r.Ratings[0], r.Ratings[1]),
			percent(r.PairRespond), percent(r.DeptRespond), percent(r.PairSatisfaction), percent(r.DeptSatisfaction))
	}
	return t.write(a.stdout)
}
