package main

import (
	"context"
	"fmt"
	"os"

	"frontline/fault"
	"frontline/store"
)

// runBackup writes a consistent copy of the database to FILE: SQLite's
// VACUUM INTO while others go on, or pg_dump's custom format.
func runBackup(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("backup")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return a.usagef("backup：请给出一个要写入的文件", "backup: name one FILE to write")
	}
	file := pos[0]
	if _, err := os.Stat(file); err == nil {
		return a.usagef("backup：%s 已存在；Frontline 不覆盖已有文件", "backup: %s exists; Frontline does not overwrite a file", file)
	}
	svc, s, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer svc.Close()
	b, err := svc.Backup(ctx, s, file)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, a.t("已备份到 %s：%d 字节，SHA-256 %s；审计链头 %s\n",
		"backed up to %s: %d bytes, SHA-256 %s; audit chain head %s\n"), b.File, b.Bytes, b.SHA256, b.Head)
	return nil
}

// runRestore loads a backup into an empty database (or, with --force,
// over one), checks the audit chain it holds and records the restore.
func runRestore(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("restore")
	force := fs.Bool("force", false, "replace a database that already holds data")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return a.usagef("restore：请给出一个备份文件", "restore: name one backup FILE")
	}
	file := pos[0]
	switch err := store.Restore(ctx, *dsn, file, *force); {
	case fault.KindOf(err) == fault.Conflict:
		return usageErrorf("restore: %v; add --force to replace it", errText(err))
	case fault.KindOf(err) == fault.Invalid:
		return usageErrorf("restore: %v", errText(err))
	case err != nil:
		return err
	}
	svc, s, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer svc.Close()
	head, n, problem, err := svc.Restored(ctx, s, file)
	if err != nil {
		return err
	}
	if problem != nil {
		fmt.Fprintf(a.stdout, a.t("已恢复，但审计链在第 %d 条处损坏：%s\n", "restored, but the audit chain is BROKEN at entry %d: %s\n"), problem.Seq, problem.Detail)
		return errChainBroken{problem}
	}
	fmt.Fprintf(a.stdout, a.t("已恢复 %s：审计链完整，共 %d 条，链头 %s\n", "restored %s: audit chain intact, %d entries, head %s\n"), file, n, head)
	return nil
}
