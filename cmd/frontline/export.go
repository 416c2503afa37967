package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"frontline/service"
)

func runExport(ctx context.Context, a *app, args []string) error {
	if len(args) > 0 && args[0] == "verify" {
		return runExportVerify(ctx, a, args[1:])
	}
	if len(args) == 0 || args[0] == "" || args[0][0] == '-' {
		return a.usagef("export：请给出材料种类：export 种类 --period 期间 --out 文件.xlsx（种类：%v）", "export: name a kind: export KIND --period P --out FILE.xlsx (kinds: %v)", service.ExportKinds)
	}
	kind := args[0]
	fs, dsn := a.flags("export " + kind)
	pf := addPeriodFlags(fs)
	out := fs.String("out", "", "the workbook to write (.xlsx; required)")
	unit := fs.String("unit", "", "export unit: the unit (default: the user's own)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *out == "" || filepath.Ext(*out) != ".xlsx" {
		return a.usagef("export：须给出 --out 文件.xlsx", "export: --out FILE.xlsx is required")
	}
	svc, s, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer svc.Close()
	r, err := a.resolvePeriod(ctx, svc, pf)
	if err != nil {
		return err
	}
	if *unit == "" {
		if u, ok := s.User(); ok {
			*unit = u.Unit
		}
	}
	// Written whole and audited, then renamed: no half-written or
	// unaudited pack under the name.
	tmp := *out + ".partial"
	file, err := os.Create(tmp)
	if err != nil {
		return err
	}
	defer os.Remove(tmp) // a no-op once renamed
	pack, err := svc.Export(ctx, s, service.ExportRequest{Kind: kind, Unit: *unit, Period: r.Period, AsOf: r.AsOf, Policies: r.Policies, Lang: a.lang}, file)
	if err != nil {
		file.Close()
		return err
	}
	if err := file.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, *out); err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, a.t("已写出 %s：%d 行，SHA-256 %s（已记入审计日志）\n", "wrote %s: %d rows, SHA-256 %s (in the audit log)\n"),
		*out, pack.Rows, pack.SHA256)
	return nil
}

// runExportVerify says whether a file is exactly a pack Frontline issued.
func runExportVerify(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("export verify")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return a.usagef("export verify：请给出一个文件", "export verify: name one FILE")
	}
	file, err := os.ReadFile(pos[0])
	if err != nil {
		return err
	}
	svc, s, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer svc.Close()
	e, err := svc.VerifyExport(ctx, s, file)
	if err != nil {
		return err
	}
	if e == nil {
		return errors.New(a.t("不是 Frontline 导出的文件，或导出后已被改动：审计日志中没有与此文件 SHA-256 相同的导出",
			"not issued by Frontline, or changed since: no export in the audit log has this file's SHA-256"))
	}
	fmt.Fprintf(a.stdout, a.t("Frontline 导出的原始文件：%s，由 %s 于 %s 导出（审计日志第 %d 条）\n", "issued by Frontline: %s, exported by %s at %s (audit entry %d)\n"),
		e.Object, e.Actor, e.At.In(a.policyZone(ctx, svc)).Format("2006-01-02 15:04:05"), e.Seq)
	return nil
}
