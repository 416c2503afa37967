package main

import (
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"frontline/fault"
	"frontline/service"
	"frontline/view"
)

func runWarnings(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("warnings")
	state := fs.String("state", "", "only amber (past the warning share of the limit) or red (past the deadline)")
	unit := fs.String("unit", "", "only this unit's milestones")
	limit := fs.Int("limit", service.MaxWarningLimit, "at most this many warnings")
	format := formatFlag(fs)
	watch := fs.Bool("watch", false, "draw the board again as it changes, until interrupted")
	every := fs.Duration("every", 10*time.Second, "with --watch, how often to look")
	rounds := fs.Int("rounds", 0, "with --watch, stop after this many drawings (0: until interrupted)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkFormat("warnings", *format); err != nil {
		return err
	}
	if *every < time.Second {
		return fault.Sayf(fault.Invalid, "", "warnings：--every 至少 1 秒", "warnings: --every must be at least a second")
	}
	svc, s, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer svc.Close()
	q := service.WarningQuery{State: *state, Unit: *unit, Limit: *limit}
	clear := false
	if f, ok := a.stdout.(*os.File); ok && *watch && *format == "table" && term.IsTerminal(int(f.Fd())) {
		clear = true
	}
	for drawn := 1; ; drawn++ {
		list, err := svc.Warnings(ctx, s, q)
		if err != nil {
			return flagged(err)
		}
		if clear {
			fmt.Fprint(a.stdout, "\x1b[H\x1b[2J")
		}
		if err := a.printWarnings(list, *format); err != nil {
			return err
		}
		if !*watch || *rounds > 0 && drawn >= *rounds {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(*every):
		}
		if !clear && *format == "table" {
			fmt.Fprintln(a.stdout)
		}
	}
}

func (a *app) printWarnings(list *view.WarningBoard, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	case "csv":
		w := csv.NewWriter(a.stdout)
		w.Write(strings.Split(a.t("编号,案件,单位,节点,轮次,状态,起算,预警时刻,时限,剩余秒数,类别,街道,已督办",
			"id,case,unit,milestone,round,state,start,amber_at,deadline,seconds_left,category,street,urged"), ","))
		for _, x := range list.Warnings {
			w.Write(safeCells(x.ID, x.Case, x.Unit, x.Milestone, fmt.Sprint(x.Round), x.State, x.Start.Format(time.RFC3339),
				x.AmberAt.Format(time.RFC3339), x.Deadline.Format(time.RFC3339), fmt.Sprint(x.SecondsLeft), x.Category, x.Street,
				fmt.Sprint(x.Urged)))
		}
		w.Flush()
		return w.Error()
	}
	fmt.Fprintf(a.stdout, a.t("预警看板（截至 %s）：%d 项逾期（红），%d 项临近时限（黄）\n\n", "The live board as of %s: %d red (past the deadline), %d amber (nearing it)\n\n"),
		list.AsOf.Format("2006-01-02 15:04:05"), list.Red, list.Amber)
	if list.Total == 0 {
		fmt.Fprintln(a.stdout, a.t("没有预警。", "No warnings."))
		return nil
	}
	var t table
	t.row(strings.Split(a.t("状态|剩余|时限|案件|单位|节点|街道|督办", "STATE|TIME LEFT|DEADLINE|CASE|UNIT|MILESTONE|STREET|URGED"), "|")...)
	for _, x := range list.Warnings {
		light := a.t("黄 临近", "AMBER")
		if x.State == "red" {
			light = a.t("红 逾期", "RED")
		}
		left := time.Duration(x.SecondsLeft) * time.Second
		remaining := cmp.Or(formatOverdue(left), "0m")
		if left < 0 {
			remaining = a.t("已超 ", "over by ") + formatOverdue(-left)
		}
		urged := ""
		if x.Urged {
			urged = a.t("已督办", "urged")
		}
		t.row(light, remaining, x.Deadline.Format("01-02 15:04"), x.Case, x.Unit, a.label(x.Milestone), dash(x.Street), urged)
	}
	t.write(a.stdout)
	if len(list.Warnings) < list.Total {
		fmt.Fprintf(a.stdout, a.t("\n另有 %d 项未列出（--limit）。\n", "\n%d more not listed (--limit).\n"), list.Total-len(list.Warnings))
	}
	return nil
}
