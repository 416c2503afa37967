package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"frontline/evaluation"
	"frontline/service"
)

// runStats prints statistics of the stored cases: `stats durations`,
// `stats verdicts`.
func runStats(ctx context.Context, a *app, args []string) error {
	if len(args) > 0 && args[0] == "verdicts" {
		return runStatsVerdicts(ctx, a, args[1:])
	}
	if len(args) == 0 || args[0] != "durations" {
		return a.usagef("stats：请用 `stats durations --by unit [--period 期间] [--clock elapsed|wall] [--tz 时区] [--format table|json|csv]`", "stats: want `stats durations --by unit [--period P] [--clock elapsed|wall] [--tz ZONE] [--format table|json|csv]`")
	}
	fs, dsn := a.flags("stats durations")
	by := fs.String("by", "unit", "group by: unit (the unit that led each case)")
	period := fs.String("period", "", "cases opened in this month, quarter or year (default: every case)")
	clock := fs.String("clock", "elapsed", "elapsed: real hours; wall: the difference of local clock times, as cities' own reports count across daylight saving")
	tz := fs.String("tz", "", "the zone of --period and of the wall clock (default: the policy's)")
	format := formatFlag(fs)
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *by != "unit" {
		return a.usagef("stats durations：--by 须为 unit，而不是 %q", "stats durations: --by must be unit, not %q", *by)
	}
	if *clock != "elapsed" && *clock != "wall" {
		return a.usagef("stats durations：--clock 须为 elapsed 或 wall，而不是 %q", "stats durations: --clock must be elapsed or wall, not %q", *clock)
	}
	if err := checkFormat("stats durations", *format); err != nil {
		return err
	}
	svc, s, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer svc.Close()
	loc, err := a.zoneOr(ctx, svc, "stats durations", *tz)
	if err != nil {
		return err
	}
	p := evaluation.Period{Name: "all", From: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2101, 1, 1, 0, 0, 0, 0, time.UTC)}
	if *period != "" {
		if p, err = evaluation.ParsePeriod(*period, loc); err != nil {
			return usageErrorf("stats durations: --period: %v", errText(err))
		}
	}
	r, err := svc.Durations(ctx, s, p, *clock == "wall", loc, a.lang)
	if err != nil {
		return err
	}
	switch *format {
	case "json":
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case "csv":
		w := csv.NewWriter(a.stdout)
		w.Write([]string{"unit", "name", "cases", "closed", "share_closed", "closed_valid", "median_hours_to_close", "p90_hours_to_close",
			"first_action_n", "median_hours_to_first_action", "p90_hours_to_first_action"})
		for _, u := range append(r.Units, r.All) {
			first := []string{"", "", ""}
			if f := u.ToFirstAction; f != nil {
				first = []string{strconv.Itoa(f.N), csvFloat(f.MedianHours, 2), csvFloat(f.P90Hours, 2)}
			}
			unit := u.Unit
			if unit == "" {
				unit = "*"
			}
			w.Write(safeCells(append([]string{unit, u.Name, strconv.Itoa(u.Cases), strconv.Itoa(u.Closed), csvFloat(u.ShareClosed, 4),
				strconv.Itoa(u.ToClose.N), csvFloat(u.ToClose.MedianHours, 2), csvFloat(u.ToClose.P90Hours, 2)}, first...)...))
		}
		w.Flush()
		return w.Error()
	}
	hours := func(v *float64) string {
		if v == nil {
			return "—"
		}
		return fmt.Sprintf("%.2f", *v)
	}
	t := &table{}
	t.row(a.t("单位", "unit"), a.t("名称", "name"), a.t("案件", "cases"), a.t("已结", "closed"), a.t("结案率", "share"),
		a.t("有效", "n"), a.t("中位小时", "median h"), a.t("90分位小时", "p90 h"),
		a.t("首次处置数", "first action n"), a.t("中位小时", "median h"), a.t("90分位小时", "p90 h"))
	for _, u := range append(r.Units, r.All) {
		unit, name := u.Unit, u.Name
		if unit == "" {
			unit, name = a.t("全部", "all"), ""
		}
		share := "—"
		if u.ShareClosed != nil {
			share = fmt.Sprintf("%.1f%%", *u.ShareClosed*100)
		}
		first := []string{"—", "—", "—"}
		if f := u.ToFirstAction; f != nil {
			first = []string{strconv.Itoa(f.N), hours(f.MedianHours), hours(f.P90Hours)}
		}
		t.row(append([]string{unit, name, strconv.Itoa(u.Cases), strconv.Itoa(u.Closed), share,
			strconv.Itoa(u.ToClose.N), hours(u.ToClose.MedianHours), hours(u.ToClose.P90Hours)}, first...)...)
	}
	fmt.Fprintf(a.stdout, a.t("结案用时，%s，按 %s 时钟计（%s），单位小时（分布仅计结案不早于立案的案件）：\n",
		"Time to close, %s, hours by the %s clock in %s (spread over cases closed at or after opening):\n"), r.Period, r.Clock, r.Zone)
	return t.write(a.stdout)
}

// runStatsVerdicts sets a city's own deadline verdicts beside Frontline's.
func runStatsVerdicts(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("stats verdicts")
	period := fs.String("period", "", "cases opened in this month, quarter or year (required)")
	asofFlag := fs.String("asof", "", "judge both verdicts as of this time (RFC 3339 or a date; default now)")
	tz := fs.String("tz", "", "the zone of --period and of the times shown (default: the policy's)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *period == "" {
		return a.usagef("stats verdicts：请用 --period 给出期间", "stats verdicts: give --period")
	}
	svc, s, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer svc.Close()
	loc, err := a.zoneOr(ctx, svc, "stats verdicts", *tz)
	if err != nil {
		return err
	}
	p, err := evaluation.ParsePeriod(*period, loc)
	if err != nil {
		return usageErrorf("stats verdicts: --period: %v", errText(err))
	}
	var asof time.Time
	if *asofFlag != "" {
		if asof, err = parseAsOf(*asofFlag, loc); err != nil {
			return err
		}
	}
	v, err := svc.Verdicts(ctx, s, p, asof, loc)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	pct := "—"
	if v.AgreeShare != nil {
		pct = fmt.Sprintf("%.1f%%", 100**v.AgreeShare)
	}
	fmt.Fprintf(a.stdout, a.t("%s：%d 件带有城市自己的时限或判定；%d 件已撤销（不参与考核），%d 件尚无定论\n",
		"%s: %d cases carry the city's own deadline or verdict; %d withdrawn (out of assessment), %d not yet decided\n"),
		v.Period, v.Cases, v.Withdrawn, v.Undecided)
	fmt.Fprintf(a.stdout, a.t("比较 %d 件，一致 %d 件（%s）：都按时 %d，都超时 %d，仅城市判超时 %d，仅 Frontline 判超时 %d\n",
		"compared %d, agree %d (%s): both on time %d, both late %d, late by the city only %d, late by Frontline only %d\n"),
		v.Compared, v.Agree, pct, v.BothOnTime, v.BothLate, v.CityLateOnly, v.FrontlineLateOnly)
	if g := v.DueGap; g.N > 0 {
		fmt.Fprintf(a.stdout, a.t("Frontline 的处置时限减城市的时限：中位数 %.2f 小时，90 分位 %.2f 小时（%d 件）\n",
			"Frontline's disposal deadline minus the city's: median %.2f h, 90th percentile %.2f h (%d cases)\n"), *g.MedianHours, *g.P90Hours, g.N)
	}
	if len(v.Disagreements) > 0 {
		t := &table{}
		t.row(strings.Split(a.t("案件|单位|城市时限|城市判定|Frontline 时限|Frontline 判定|办结", "CASE|UNIT|CITY DUE|CITY|DUE|FRONTLINE|CLOSED"), "|")...)
		verdict := func(onTime bool) string {
			if onTime {
				return a.t("按时", "on time")
			}
			return a.t("超时", "late")
		}
		show := func(t *time.Time) string {
			if t == nil {
				return "—"
			}
			return t.Format("2006-01-02 15:04")
		}
		for _, d := range v.Disagreements {
			t.row(d.Case, d.Unit, show(d.CityDue), verdict(d.CityOnTime), show(d.Due), verdict(d.OnTime), show(d.Closed))
		}
		return t.write(a.stdout)
	}
	return nil
}

// zoneOr is the zone a --tz flag names, or the policy's when it names
// none.
func (a *app) zoneOr(ctx context.Context, svc *service.Service, command, tz string) (*time.Location, error) {
	if tz == "" {
		return a.policyZone(ctx, svc), nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, a.usagef("%s：--tz %q 不是时区", "%s: --tz %q is not a time zone", command, tz)
	}
	return loc, nil
}
