package main

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"frontline/evaluation"
	"frontline/fault"
	"frontline/formats"
	"frontline/service"
)

func runPolicy(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 {
		return a.usagef("policy：请用 `policy show`、`policy init --zone 时区`、`policy check 文件` 或 `policy load 文件`", "policy: want `policy show`, `policy init --zone ZONE`, `policy check FILE` or `policy load FILE`")
	}
	switch args[0] {
	case "init":
		return a.policyInit(args[1:])
	case "show":
		return a.policyShow(ctx, args[1:])
	case "check":
		return a.policyCheck(args[1:])
	case "load":
		return a.policyLoad(ctx, args[1:])
	}
	return a.usagef("policy：没有子命令 %q（可用 show、init、check、load）", "policy: unknown verb %q (want show, init, check or load)", args[0])
}

// policyInit writes a city's own policy: every key of the default one,
// in its zone and working hours, with its public holidays.
func (a *app) policyInit(args []string) error {
	fs := flag.NewFlagSet("frontline policy init", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	zone := fs.String("zone", "", "the city's time zone, an IANA name such as America/Los_Angeles (required)")
	country := fs.String("country", "", "public holidays: CN (the State Council's calendar) or "+strings.Join(slices.Sorted(maps.Keys(formats.Countries)), ", "))
	holidays := fs.String("holidays", "", "public holidays from a CSV file of date (YYYY-MM-DD) and name, instead of --country")
	years := fs.String("years", "2015-2035", "the years whose holidays --country writes")
	effective := fs.String("effective", "2000-01-01", "the date the policy takes effect")
	hours := fs.String("working-hours", "", `working hours, spans separated by commas ("09:00-17:00"; default 09:00-17:00, China's 08:30-12:00,14:30-17:30 for CN)`)
	out := fs.String("out", "", "write to this file (default: standard output); an existing file is not overwritten")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *zone == "" || (*country == "") == (*holidays == "") {
		return a.usagef("policy init：须给出 --zone，以及 --country 或 --holidays 之一", "policy init: give --zone, and one of --country or --holidays")
	}
	o := formats.PolicyInit{Zone: *zone, Country: *country, Effective: *effective}
	if _, err := fmt.Sscanf(*years, "%d-%d", &o.From, &o.To); err != nil {
		return a.usagef("policy init：--years 须形如 2015-2035，收到的是 %q", "policy init: --years must read like 2015-2035, not %q", *years)
	}
	if *hours != "" {
		o.WorkingHours = strings.Split(*hours, ",")
	}
	if *holidays != "" {
		f, err := os.Open(*holidays)
		if err != nil {
			return err
		}
		o.Holidays, err = formats.ReadHolidays(f)
		f.Close()
		if err != nil {
			return fault.Sayf(fault.Invalid, "", "%s：%v", "%s: %v", *holidays, err)
		}
	}
	text, err := formats.InitPolicy(o)
	if err != nil {
		return fault.Sayf(fault.Invalid, "", "policy init：%v", "policy init: %v", err)
	}
	if *out == "" {
		_, err = a.stdout.Write(text)
		return err
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(text); err != nil {
		f.Close()
		return err
	}
	fmt.Fprintf(a.stderr, a.t("已写入 %s：检查后用 frontline policy load %s 载入\n", "wrote %s: check it, then load it with frontline policy load %s\n"), *out, *out)
	return f.Close()
}

func (a *app) policyCheck(args []string) error {
	fs := flag.NewFlagSet("frontline policy check", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return a.usagef("policy check：请给出一个文件", "policy check: name one FILE")
	}
	data, err := os.ReadFile(pos[0])
	if err != nil {
		return err
	}
	p, err := formats.ParsePolicy(data)
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	fmt.Fprintf(a.stdout, a.t("%s：有效；自 %s 起施行，%d 个时限类别，时区 %s\n",
		"%s: valid; takes effect %s, %d SLA classes, time zone %s\n"), pos[0], p.Effective, len(p.Classes), p.Location)
	return nil
}

func (a *app) policyLoad(ctx context.Context, args []string) error {
	fs, dsn := a.flags("policy load")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return a.usagef("policy load：请给出一个文件", "policy load: name one FILE")
	}
	data, err := os.ReadFile(pos[0])
	if err != nil {
		return err
	}
	svc, s, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer svc.Close()
	p, n, err := svc.LoadPolicy(ctx, s, data, pos[0])
	if fault.KindOf(err) == fault.Forbidden {
		return err
	} else if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	fmt.Fprintf(a.stderr, a.t("已载入自 %s 起施行的规则；已重算 %d 个案件的时限\n",
		"policy effective %s loaded; deadlines of %d cases recomputed\n"), p.Effective, n)
	if reg, err := svc.Registry(ctx); err == nil {
		a.warnUnknownClasses(ctx, svc, reg) // categories the new policy leaves to class C
	}
	return a.refreshScores(ctx, svc)
}

func (a *app) policyShow(ctx context.Context, args []string) error {
	fs, dsn := a.flags("policy show")
	at := fs.String("at", "", "show the version in force on this date (default today)")
	if err := parse(fs, args); err != nil {
		return err
	}
	svc, s, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer svc.Close()
	when := a.now()
	if *at != "" {
		d, err := evaluation.ParseDate(*at)
		if err != nil {
			return usageErrorf("policy show: --at: %v", err)
		}
		when = d.Add(12 * time.Hour)
	}
	p, source, err := svc.PolicyAt(ctx, s, when)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, a.t("# %s 施行的规则（自 %s 起）\n", "# Policy in force on %s (effective %s)\n"),
		when.In(p.Location).Format(evaluation.DateLayout), p.Effective)
	a.stdout.Write(source)
	year := when.In(p.Location).Year()
	var off, work []string
	for _, h := range p.Calendar.Adjustments() {
		if h.Date.Year() != year {
			continue
		}
		if h.Work {
			work = append(work, h.Date.Format("01-02"))
		} else {
			off = append(off, h.Date.Format("01-02"))
		}
	}
	fmt.Fprintf(a.stdout, a.t("\n# %d 年日历：工作日放假 %d 天（%s）\n#   周末调休上班 %d 天（%s）\n",
		"\n# Calendar %d: %d weekdays off (%s)\n#   %d weekend days worked (%s)\n"),
		year, len(off), strings.Join(off, " "), len(work), strings.Join(work, " "))
	return nil
}

// policyZone returns the time zone of the policy in force now, for display.
func (a *app) policyZone(ctx context.Context, svc *service.Service) *time.Location {
	loc, err := svc.Zone(ctx)
	if err != nil || loc == nil {
		return displayZone
	}
	return loc
}
