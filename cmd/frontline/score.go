package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"frontline/evaluation"
	"frontline/fault"
	"frontline/scoring"
	"frontline/service"
	"frontline/view"
)

func runRefresh(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("refresh")
	all := fs.Bool("all", false, "recompute every kept month, not only the stale ones (pending deadlines fall due as time passes)")
	asof := fs.String("asof", "", "keep the scores as of this time (RFC 3339 or a date; default now), to replay history")
	if err := parse(fs, args); err != nil {
		return err
	}
	svc, s, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer svc.Close()
	start := time.Now()
	months, err := svc.RefreshKept(ctx, s, *asof, *all)
	if err != nil {
		return flagged(err)
	}
	a.refreshed(months, start)
	return nil
}

// refreshScores recomputes the kept monthly scores that events made stale.
func (a *app) refreshScores(ctx context.Context, svc *service.Service) error {
	start := time.Now()
	months, err := svc.Refresh(ctx, a.now())
	if err != nil {
		return fmt.Errorf("refresh scores: %w", err)
	}
	a.refreshed(months, start)
	return nil
}

// refreshed says how many kept months a refresh recomputed.
func (a *app) refreshed(months []string, start time.Time) {
	if len(months) > 0 {
		fmt.Fprintf(a.stderr, a.t("已在 %[2]s 内刷新 %[1]d 个月的得分\n", "scores of %d months refreshed in %s\n"),
			len(months), time.Since(start).Round(time.Millisecond))
	}
}

// unitOut is one unit in `score --format json` (DESIGN.md §7).
type unitOut = view.Unit

func (a *app) unitJSON(u *scoring.UnitScore) unitOut { return view.UnitOf(u, a.lang) }

// round keeps six decimals, enough for any rate and quality.
func round(v *float64) *float64 { return view.Round(v) }

func runScore(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("score")
	pf := addPeriodFlags(fs)
	kind := fs.String("kind", "", "only street, department or enterprise")
	format := formatFlag(fs)
	monthly := fs.Bool("monthly", false, "score each month of the period separately (one read for all)")
	cached := fs.Bool("cached", false, "read a month's kept scores (computed after each ingest) instead of computing")
	unit := fs.String("unit", "", "only this unit")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkFormat("score", *format); err != nil {
		return err
	}
	if *kind != "" && !slices.Contains([]string{"street", "department", "enterprise"}, *kind) {
		return a.usagef("score：--kind 须为 street、department 或 enterprise", "score: --kind must be street, department or enterprise")
	}
	if *monthly {
		return a.scoreMonthly(ctx, *dsn, pf, *kind, *unit, *format)
	}
	if *cached && (*pf.period == "" || *pf.asof != "") {
		return a.usagef("score --cached：请用 --period 给出一个月份，不要给 --asof（保存的得分以其刷新时为准）", "score --cached: give one month with --period, and no --asof (kept scores are as of their refresh)")
	}
	svc, s, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer svc.Close()
	run, err := svc.Scores(ctx, s, service.ScoresQuery{PeriodQuery: pf.query(), Kind: *kind, Unit: *unit, Kept: *cached})
	if fault.KindOf(err) == fault.Invalid && errOp(err) == "kept scores" {
		return usageErrorf("score --cached: %s", errText(err))
	} else if err != nil {
		return flagged(err)
	}
	if run.Stale {
		fmt.Fprintln(a.stderr, a.t("注意：这些得分保存后又有新事件；`frontline refresh` 可重新计算",
			"note: events arrived since these scores were kept; `frontline refresh` recomputes them"))
	}
	units, head := run.Units, run.AuditHead
	switch *format {
	case "json":
		out := struct {
			Period    string    `json:"period"`
			From      time.Time `json:"from"`
			To        time.Time `json:"to"`
			AsOf      time.Time `json:"asof"`
			Policy    string    `json:"policy"`
			AuditHead string    `json:"audit_head"`
			Units     []unitOut `json:"units"`
		}{run.Period.Name, run.Period.From, run.Period.To, run.AsOf.In(run.Zone), run.Policy.Effective.String(), head.String(), []unitOut{}}
		for _, u := range units {
			out.Units = append(out.Units, a.unitJSON(u))
		}
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	case "csv":
		return a.scoreCSV(units)
	}
	a.scoreTable(run, units)
	fmt.Fprintf(a.stdout, a.t("\n审计链头：%s\n", "\naudit chain head: %s\n"), head)
	return nil
}

// metricColumns are the metric columns of score tables and CSV.
var metricColumns = []string{evaluation.ResponseRate, evaluation.ReportRate, evaluation.DisposalRate,
	evaluation.ResolutionRate, evaluation.SatisfactionRate, evaluation.RedoRate, evaluation.ResponseQuality,
	evaluation.ResponseQualityCl, evaluation.CallAccuracy, evaluation.CallQuality, evaluation.CallQualityCl,
	evaluation.CallTimeliness}

func (a *app) scoreCSV(units []*scoring.UnitScore) error {
	w := csv.NewWriter(a.stdout)
	w.Write(append([]string{"unit", "kind", "name", "cases", "score", "eligible", "rank", "penalty"}, metricColumns...))
	for _, u := range units {
		o := a.unitJSON(u)
		row := []string{o.Unit, o.Kind, o.Name, fmt.Sprint(o.Cases), csvFloat(o.Score, 2), fmt.Sprint(o.Eligible), csvInt(o.Rank), fmt.Sprint(o.Penalty)}
		for _, name := range metricColumns {
			row = append(row, csvFloat(o.Metrics[name], 4))
		}
		w.Write(safeCells(row...))
	}
	w.Flush()
	return w.Error()
}

func (a *app) scoreTable(run *service.Scores, units []*scoring.UnitScore) {
	fmt.Fprintf(a.stdout, a.t("%s 评分（受理于 %s 至 %s 的案件），截至 %s；适用 %s 起施行的规则\n",
		"Scores for %s (cases opened %s – %s), as of %s; policy of %s\n"),
		run.Period.Name, run.Period.From.Format("2006-01-02"), run.Period.To.AddDate(0, 0, -1).Format("2006-01-02"),
		run.AsOf.In(run.Zone).Format("2006-01-02 15:04"), run.Policy.Effective)
	var kind evaluation.UnitKind
	var t *table
	flush := func() {
		if t != nil {
			t.write(a.stdout)
		}
	}
	for _, u := range units {
		if u.Kind != kind {
			flush()
			kind = u.Kind
			fmt.Fprintf(a.stdout, "\n%s\n", a.kindName(kind))
			t = &table{}
			if kind == evaluation.Street {
				t.row(strings.Split(a.t("排名|单位|名称|案件|得分|呼叫准确率|呼叫质量|呼叫及时率|满意率|解决率|扣分",
					"RANK|UNIT|NAME|CASES|SCORE|CALL ACCURACY|CALL QUALITY|CALL TIMELINESS|SATISFACTION|RESOLUTION|PENALTY"), "|")...)
			} else {
				t.row(strings.Split(a.t("排名|单位|名称|案件|得分|响应率|报告率|处置率|解决率|满意率|响应质量|扣分",
					"RANK|UNIT|NAME|CASES|SCORE|RESPONSE|REPORT|DISPOSAL|RESOLUTION|SATISFACTION|QUALITY|PENALTY"), "|")...)
			}
		}
		o := a.unitJSON(u)
		rank := a.t("不排名", "not ranked")
		if o.Rank != nil {
			rank = fmt.Sprint(*o.Rank)
		}
		row := []string{rank, o.Unit, o.Name, fmt.Sprint(o.Cases), optFloat(o.Score, 1)}
		quality := evaluation.ResponseQualityCl
		if run.Policy.Scoring.Quality == "raw" {
			quality = evaluation.ResponseQuality
		}
		names := []string{evaluation.ResponseRate, evaluation.ReportRate, evaluation.DisposalRate,
			evaluation.ResolutionRate, evaluation.SatisfactionRate, quality}
		if kind == evaluation.Street {
			quality = evaluation.CallQualityCl
			if run.Policy.Scoring.Quality == "raw" {
				quality = evaluation.CallQuality
			}
			names = []string{evaluation.CallAccuracy, quality, evaluation.CallTimeliness,
				evaluation.SatisfactionRate, evaluation.ResolutionRate}
		}
		for _, n := range names {
			if strings.Contains(n, "quality") {
				row = append(row, optFloat(o.Metrics[n], 1))
			} else {
				row = append(row, percent(o.Metrics[n]))
			}
		}
		row = append(row, fmt.Sprint(o.Penalty))
		t.row(row...)
	}
	flush()
	fmt.Fprintln(a.stdout, a.t("\n评估案件数不足规则下限的单位列出但不排名。",
		"\nUnits with fewer assessed cases than the policy's minimum are shown but not ranked."))
}

func (a *app) kindName(k evaluation.UnitKind) string {
	switch k {
	case evaluation.Street:
		return a.t("街道（镇）", "Streets and towns")
	case evaluation.Department:
		return a.t("部门", "Departments")
	case evaluation.Enterprise:
		return a.t("公共服务企业", "Public-service enterprises")
	}
	return string(k)
}

// csvFloat and csvInt leave a missing value empty, as CSV input reads it.
func csvFloat(v *float64, digits int) string {
	if v == nil {
		return ""
	}
	return fmt.Sprintf("%.*f", digits, *v)
}

func csvInt(n *int) string {
	if n == nil {
		return ""
	}
	return fmt.Sprint(*n)
}

func optFloat(v *float64, digits int) string {
	if v == nil {
		return "—"
	}
	return fmt.Sprintf("%.*f", digits, *v)
}

func percent(v *float64) string {
	if v == nil {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", *v*100)
}

func runExplain(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("explain")
	pf := addPeriodFlags(fs)
	unit := fs.String("unit", "", "the unit to explain (required)")
	asJSON := fs.Bool("json", false, "print as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *unit == "" {
		return a.usagef("explain：须给出 --unit", "explain: --unit is required")
	}
	svc, s, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer svc.Close()
	ex, r, err := svc.Explain(ctx, s, *unit, pf.query(), a.lang)
	if err != nil {
		return flagged(err)
	}
	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(ex)
	}
	u, o := ex.Score, ex.Unit
	rankText := a.t("不排名", "not ranked")
	if o.Rank != nil {
		rankText = a.t("排名 ", "ranked ") + fmt.Sprint(*o.Rank)
	}
	fmt.Fprintf(a.stdout, a.t("%s %s，%s：评估案件 %d 件，得分 %s，%s\n\n", "%s %s, %s: %d assessed cases, score %s, %s\n\n"),
		u.Unit, o.Name, r.Period.Name, u.Cases, optFloat(o.Score, 2), rankText)
	names := evaluation.DepartmentMetrics
	if u.Kind == evaluation.Street {
		names = evaluation.StreetMetrics
	}
	for _, name := range names {
		m := u.Metrics[name]
		v, ok := m.Value()
		if !ok {
			fmt.Fprintf(a.stdout, a.t("%s：无数据\n", "%s: no data\n"), a.label(name))
			continue
		}
		if m.Rate {
			lo, hi, _ := m.Interval()
			fmt.Fprintf(a.stdout, "%s = %g / %g = %.1f%%  (95%%: %.1f%%–%.1f%%)\n", a.label(name), m.Num, m.Den, v*100, lo*100, hi*100)
			switch {
			case name == evaluation.RedoRate:
				// The numerator is the bad outcome here: list the reopened cases.
				var reopened []string
				for _, id := range m.Counted {
					if !slices.Contains(m.Failed, id) {
						reopened = append(reopened, id)
					}
				}
				fmt.Fprintf(a.stdout, a.t("  重办（%d）：%s\n", "  reopened (%d): %s\n"), len(reopened), strings.Join(reopened, " "))
			case len(m.Failed) > 0:
				fmt.Fprintf(a.stdout, a.t("  未达标（%d）：%s\n", "  not counted as met (%d): %s\n"), len(m.Failed), strings.Join(m.Failed, " "))
			}
		} else {
			fmt.Fprintf(a.stdout, a.t("%s = %g 个评分的均值 = %.1f\n", "%s = mean of %g scores = %.1f\n"), a.label(name), m.Den, v)
		}
		fmt.Fprintf(a.stdout, a.t("  计入（%d）：%s\n", "  counted (%d): %s\n"), len(m.Counted), strings.Join(m.Counted, " "))
	}
	for _, p := range u.Penalties {
		fmt.Fprintf(a.stdout, a.t("扣分 %s：−%g 分（%s）\n", "penalty %s: −%g points (%s)\n"), a.label(p.Kind), p.Points, p.Ref)
	}
	for _, ap := range ex.Appeals {
		fmt.Fprintf(a.stdout, a.t("申诉 %s（%s）：%s\n", "appeal %s on %s: %s\n"), ap.ID, ap.Target, a.label(ap.State))
	}
	for _, f := range ex.Findings {
		fmt.Fprintf(a.stdout, a.t("监督发现 %s（%s，%s）：%s\n", "finding %s (%s) by %s: %s\n"), f.ID, a.label(f.Severity), f.Unit, a.label(f.State))
	}
	fmt.Fprintf(a.stdout, a.t("\n评估案件：%s\n", "\ncases assessed: %s\n"), strings.Join(u.CaseIDs, " "))
	return nil
}

// scoreMonthly scores every month of the period, one month at a time.
func (a *app) scoreMonthly(ctx context.Context, dsn string, pf *periodFlags, kind, unit, format string) error {
	svc, s, err := a.open(ctx, dsn)
	if err != nil {
		return err
	}
	defer svc.Close()
	type monthOut struct {
		Month  string    `json:"month"`
		Policy string    `json:"policy"`
		Units  []unitOut `json:"units"`
	}
	var out []monthOut
	run, err := svc.ScoresByMonth(ctx, s, service.ScoresQuery{PeriodQuery: pf.query(), Kind: kind, Unit: unit}, func(m service.MonthScores) error {
		mo := monthOut{Month: m.Period.Name, Policy: m.Policy.Effective.String(), Units: []unitOut{}}
		for _, u := range m.Units {
			mo.Units = append(mo.Units, a.unitJSON(u))
		}
		out = append(out, mo)
		return nil
	})
	if err != nil {
		return flagged(err)
	}
	period, asof, loc := run.Period, run.AsOf, run.Zone
	switch format {
	case "json":
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Period string     `json:"period"`
			AsOf   time.Time  `json:"asof"`
			Months []monthOut `json:"months"`
		}{period.Name, asof.In(loc), out})
	case "csv":
		w := csv.NewWriter(a.stdout)
		w.Write(append([]string{"month", "unit", "kind", "name", "cases", "score", "eligible", "rank", "penalty"}, metricColumns...))
		for _, mo := range out {
			for _, o := range mo.Units {
				row := []string{mo.Month, o.Unit, o.Kind, o.Name, fmt.Sprint(o.Cases), csvFloat(o.Score, 2), fmt.Sprint(o.Eligible), csvInt(o.Rank), fmt.Sprint(o.Penalty)}
				for _, name := range metricColumns {
					row = append(row, csvFloat(o.Metrics[name], 4))
				}
				w.Write(safeCells(row...))
			}
		}
		w.Flush()
		return w.Error()
	}
	// A unit × month table of scores.
	var months []string
	for _, m := range monthsOf(period, loc) {
		months = append(months, m.Name)
	}
	var t table
	t.row(append([]string{a.t("单位", "UNIT"), a.t("名称", "NAME")}, months...)...)
	byUnit := map[string]map[string]string{}
	var units []unitOut
	for _, mo := range out {
		for _, o := range mo.Units {
			if byUnit[o.Unit] == nil {
				byUnit[o.Unit] = map[string]string{}
				units = append(units, o)
			}
			cell := optFloat(o.Score, 1)
			if o.Rank != nil {
				cell += fmt.Sprintf(" (%d)", *o.Rank)
			}
			byUnit[o.Unit][mo.Month] = cell
		}
	}
	slices.SortFunc(units, func(x, y unitOut) int { return strings.Compare(x.Kind+x.Unit, y.Kind+y.Unit) })
	for _, o := range units {
		row := []string{o.Unit, o.Name}
		for _, m := range months {
			row = append(row, dash(byUnit[o.Unit][m]))
		}
		t.row(row...)
	}
	fmt.Fprintf(a.stdout, a.t("%s 各月得分（排名）\n\n", "Monthly scores (rank) for %s\n\n"), period.Name)
	return t.write(a.stdout)
}
