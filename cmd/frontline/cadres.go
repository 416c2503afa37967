package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"frontline/evaluation"
	"frontline/fault"
	"frontline/rbac"
	"frontline/scoring"
	"frontline/service"
	"frontline/view"
)

// monthsOf splits a period into its months.
func monthsOf(period evaluation.Period, loc *time.Location) []evaluation.Period {
	return service.MonthsOf(period, loc)
}

// cadreRun is a period's cadre assessment.
type cadreRun struct {
	service.Span
	cadres []*scoring.CadreScore
}

// assessCadres scores the period's months and attributes them to cadres.
func (a *app) assessCadres(ctx context.Context, svc *service.Service, s rbac.Principal, pf *periodFlags, role string) (*cadreRun, error) {
	cadres, r, err := svc.Cadres(ctx, s, pf.query(), role)
	if err != nil {
		return nil, flagged(err)
	}
	return &cadreRun{Span: r, cadres: cadres}, nil
}

// cadreOut is one cadre in `cadres --format json` (DESIGN.md §7).
type cadreOut = view.Cadre

type tenureOut = view.Tenure

func (a *app) cadreJSON(c *scoring.CadreScore, loc *time.Location) cadreOut {
	return view.CadreOf(c, loc, a.lang)
}

func runCadres(ctx context.Context, a *app, args []string) error {
	if len(args) > 0 && args[0] == "show" {
		return runCadreShow(ctx, a, args[1:])
	}
	fs, dsn := a.flags("cadres")
	pf := addPeriodFlags(fs)
	role := roleFlag(fs)
	kind := fs.String("kind", "", "only cadres of streets, departments or enterprises")
	format := formatFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkFormat("cadres", *format); err != nil {
		return err
	}
	if err := checkRole(*role); err != nil {
		return err
	}
	svc, s, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer svc.Close()
	run, err := a.assessCadres(ctx, svc, s, pf, *role)
	if err != nil {
		return err
	}
	var cadres []*scoring.CadreScore
	for _, c := range run.cadres {
		if *kind == "" || string(c.Kind) == *kind {
			cadres = append(cadres, c)
		}
	}
	switch *format {
	case "json":
		out := struct {
			Period string     `json:"period"`
			From   time.Time  `json:"from"`
			To     time.Time  `json:"to"`
			AsOf   time.Time  `json:"asof"`
			Role   string     `json:"role"`
			Cadres []cadreOut `json:"cadres"`
		}{run.Period.Name, run.Period.From, run.Period.To, run.AsOf.In(run.Zone), *role, []cadreOut{}}
		for _, c := range cadres {
			out.Cadres = append(out.Cadres, a.cadreJSON(c, run.Zone))
		}
		return writeJSON(a, out)
	case "csv":
		w := csv.NewWriter(a.stdout)
		w.Write([]string{"cadre", "name", "kind", "score", "rank", "percentile", "eligible", "cases", "penalty", "tenures"})
		for _, c := range cadres {
			o := a.cadreJSON(c, run.Zone)
			w.Write(safeCells(o.Cadre, o.Name, o.Kind, csvFloat(o.Score, 2), csvInt(o.Rank), csvFloat(o.Percentile, 1),
				fmt.Sprint(o.Eligible), fmt.Sprintf("%.1f", o.Cases), fmt.Sprint(o.Penalty), a.tenureText(o.Tenures)))
		}
		w.Flush()
		return w.Error()
	}
	fmt.Fprintf(a.stdout, a.t("%s 干部考核（受理于 %s 至 %s 的案件），截至 %s；职务：%s\n",
		"Cadre assessment for %s (cases opened %s – %s), as of %s; role: %s\n"),
		run.Period.Name, run.Period.From.In(run.Zone).Format("2006-01-02"), run.Period.To.In(run.Zone).AddDate(0, 0, -1).Format("2006-01-02"),
		run.AsOf.In(run.Zone).Format("2006-01-02 15:04"), a.label(*role))
	var current evaluation.UnitKind
	var t *table
	for _, c := range cadres {
		if t == nil || c.Kind != current {
			if t != nil {
				t.write(a.stdout)
			}
			current = c.Kind
			fmt.Fprintf(a.stdout, "\n%s\n", a.kindName(current))
			t = &table{}
			t.row(strings.Split(a.t("排名|干部|姓名|得分|百分位|案件|扣分|所任单位（任职占比，单位得分）",
				"RANK|CADRE|NAME|SCORE|PERCENTILE|CASES|PENALTY|UNITS LED (SHARE OF PERIOD, UNIT SCORE)"), "|")...)
		}
		o := a.cadreJSON(c, run.Zone)
		rank := a.t("不排名", "not ranked")
		if o.Rank != nil {
			rank = fmt.Sprint(*o.Rank)
		}
		t.row(rank, o.Cadre, o.Name, optFloat(o.Score, 1), optFloat(o.Percentile, 0), fmt.Sprintf("%.0f", o.Cases),
			fmt.Sprint(o.Penalty), a.tenureText(o.Tenures))
	}
	if t != nil {
		t.write(a.stdout)
	}
	head, err := svc.AuditHead(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, a.t("\n审计链头：%s\n", "\naudit chain head: %s\n"), head)
	return nil
}

// tenureText writes tenures on one line: "S01 head 50% 83.2; …".
func (a *app) tenureText(ts []tenureOut) string {
	var parts []string
	for _, t := range ts {
		parts = append(parts, fmt.Sprintf("%s %s %s–%s %.0f%% %s", t.Unit, a.label(t.Role), t.From, t.To, t.Weight*100, optFloat(t.UnitScore, 1)))
	}
	return strings.Join(parts, "; ")
}

func roleFlag(fs *flag.FlagSet) *string {
	return fs.String("role", "head", "assess cadres by their tenures in this role: head, deputy or all")
}

func checkRole(role string) error {
	if !slices.Contains([]string{"head", "deputy", "all"}, role) {
		return fault.Sayf(fault.Invalid, "", "--role 须为 head（主要负责人）、deputy（副职）或 all（全部），收到的是 %q", "--role must be head, deputy or all, got %q", role)
	}
	return nil
}

func writeJSON(a *app, v any) error {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// runCadreShow shows one cadre: composite, metrics, rank, tenures, the
// breaches of their units while they led them, findings and the trend.
func runCadreShow(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("cadres show")
	pf := addPeriodFlags(fs)
	role := roleFlag(fs)
	asJSON := fs.Bool("json", false, "print as JSON")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return a.usagef("cadres show：请给出一个干部编号", "cadres show: give one cadre id")
	}
	if err := checkRole(*role); err != nil {
		return err
	}
	id := pos[0]
	svc, s, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer svc.Close()
	run, err := svc.Cadre(ctx, s, pf.query(), *role, id)
	if err != nil {
		return flagged(err)
	}
	c, breaches := run.Cadre, run.Breaches
	type monthOut struct {
		Month string   `json:"month"`
		Score *float64 `json:"score"`
	}
	out := struct {
		Period string    `json:"period"`
		AsOf   time.Time `json:"asof"`
		cadreOut
		Findings []scoring.Penalty `json:"penalties"`
		Breaches []breachOut       `json:"breaches"`
		Months   []monthOut        `json:"months"`
	}{Period: run.Period.Name, AsOf: run.AsOf.In(run.Zone), cadreOut: a.cadreJSON(c, run.Zone), Findings: c.Penalties, Breaches: breaches}
	for _, m := range c.Months {
		out.Months = append(out.Months, monthOut{m.Month, round(m.Score)})
	}
	if out.Findings == nil {
		out.Findings = []scoring.Penalty{}
	}
	if out.Breaches == nil {
		out.Breaches = []breachOut{}
	}
	if *asJSON {
		return writeJSON(a, out)
	}
	o := out.cadreOut
	rank := a.t("不排名", "not ranked")
	if o.Rank != nil {
		rank = fmt.Sprintf(a.t("排名 %d，百分位 %.0f", "rank %d, percentile %.0f"), *o.Rank, *o.Percentile)
	}
	fmt.Fprintf(a.stdout, a.t("%s %s（%s），%s，截至 %s\n", "%s %s (%s), %s, as of %s\n"), o.Cadre, o.Name, o.Position, run.Period.Name,
		run.AsOf.In(run.Zone).Format("2006-01-02 15:04"))
	fmt.Fprintf(a.stdout, a.t("得分 %s；%s；案件 %.0f；扣分 %g\n", "score %s; %s; %.0f cases; penalty %g\n"), optFloat(o.Score, 1), rank, o.Cases, o.Penalty)
	t := &table{}
	t.row(strings.Split(a.t("单位|名称|职务|起|止|占比|单位得分", "UNIT|NAME|ROLE|FROM|TO|SHARE|UNIT SCORE"), "|")...)
	for _, tn := range o.Tenures {
		t.row(tn.Unit, tn.UnitName, a.label(tn.Role), tn.From, tn.To, fmt.Sprintf("%.0f%%", tn.Weight*100), optFloat(tn.UnitScore, 1))
	}
	fmt.Fprintln(a.stdout)
	t.write(a.stdout)
	t = &table{}
	t.row(a.t("指标", "METRIC"), a.t("值", "VALUE"))
	for _, name := range metricColumns {
		if v, ok := o.Metrics[name]; ok {
			t.row(a.label(name), optFloat(v, 4))
		}
	}
	fmt.Fprintln(a.stdout)
	t.write(a.stdout)
	t = &table{}
	t.row(a.t("月份", "MONTH"), a.t("得分", "SCORE"))
	for _, m := range out.Months {
		t.row(m.Month, optFloat(m.Score, 1))
	}
	fmt.Fprintln(a.stdout)
	t.write(a.stdout)
	fmt.Fprintf(a.stdout, a.t("\n任职期间超时（%d）：\n", "\nbreaches while they led (%d):\n"), len(breaches))
	for _, b := range breaches {
		fmt.Fprintf(a.stdout, "  %s  %s %s\n", b.ID, a.t("时限", "due"), b.Deadline.Format("2006-01-02 15:04"))
	}
	fmt.Fprintf(a.stdout, a.t("监督发现与扣分（%d）：\n", "findings and penalties (%d):\n"), len(out.Findings))
	for _, p := range out.Findings {
		fmt.Fprintf(a.stdout, "  %s −%g  %s\n", a.label(p.Kind), p.Points, p.Ref)
	}
	return nil
}
