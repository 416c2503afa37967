package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"strings"

	"frontline/rbac"
	"frontline/store"
)

// Backups are for the machine's operator, who can read the database
// anyway: no user role is granted them (the policy file names none).
var backupResource = rbac.Resource{Object: "backup"}

// runBackup writes a consistent copy of the database to FILE: SQLite's
// VACUUM INTO while others go on, or pg_dump's custom format.
func runBackup(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("backup")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErrorf("backup: name one FILE to write")
	}
	file := fs.Arg(0)
	if _, err := os.Stat(file); err == nil {
		return usageErrorf("backup: %s exists; Frontline does not overwrite a file", file)
	}
	db, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := a.authorize(ctx, db, rbac.Read, backupResource); err != nil {
		return err
	}
	head, err := db.AuditHead(ctx)
	if err != nil {
		return err
	}
	tmp := file + ".partial"
	os.Remove(tmp)
	defer os.Remove(tmp) // a no-op once renamed
	if db.Engine() == store.SQLite {
		err = db.BackupSQLite(ctx, tmp)
	} else {
		err = pgTool(ctx, "pg_dump", "--format=custom", "--no-owner", "--file="+tmp, "--dbname="+libpqDSN(*dsn))
	}
	if err != nil {
		return err
	}
	sum, size, err := fileDigest(tmp)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, file); err != nil {
		return err
	}
	if err := a.audit(ctx, db, "backup", file, map[string]any{"sha256": sum, "bytes": size, "engine": string(db.Engine()),
		"audit_head": head.String()}); err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, a.t("已备份到 %s：%d 字节，SHA-256 %s；审计链头 %s\n",
		"backed up to %s: %d bytes, SHA-256 %s; audit chain head %s\n"), file, size, sum, head)
	return nil
}

// runRestore loads a backup into an empty database (or, with --force,
// over one), checks the audit chain it holds and records the restore.
func runRestore(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("restore")
	force := fs.Bool("force", false, "replace a database that already holds data")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErrorf("restore: name one backup FILE")
	}
	file := fs.Arg(0)
	kind, err := backupKind(file)
	if err != nil {
		return err
	}
	target := *dsn
	postgres := strings.HasPrefix(target, "postgres://") || strings.HasPrefix(target, "postgresql://")
	switch {
	case kind == "sqlite" && postgres, kind == "pg_dump" && !postgres:
		return usageErrorf("restore: %s is a %s backup; --db names a %s database", file, kind, map[bool]string{true: "PostgreSQL", false: "SQLite"}[postgres])
	case kind == "sqlite":
		if _, err := os.Stat(target); err == nil && !*force {
			return usageErrorf("restore: %s exists; add --force to replace it", target)
		}
		// Copied beside the target, then renamed: never half a database.
		if err := copyFile(file, target+".restoring"); err != nil {
			return err
		}
		for _, suffix := range []string{"-wal", "-shm"} {
			os.Remove(target + suffix)
		}
		if err := os.Rename(target+".restoring", target); err != nil {
			return err
		}
	default:
		args := []string{"--no-owner", "--exit-on-error", "--dbname=" + libpqDSN(target), file}
		if *force {
			args = append([]string{"--clean", "--if-exists"}, args...)
		} else if empty, err := pgEmpty(ctx, target); err != nil {
			return err
		} else if !empty {
			return usageErrorf("restore: the database already holds Frontline's tables; add --force to replace them")
		}
		if err := pgTool(ctx, "pg_restore", args...); err != nil {
			return err
		}
	}
	db, err := a.open(ctx, target)
	if err != nil {
		return err
	}
	defer db.Close()
	head, n, problem, err := db.VerifyAudit(ctx, nil)
	if err != nil {
		return err
	}
	if problem != nil {
		fmt.Fprintf(a.stdout, a.t("已恢复，但审计链在第 %d 条处损坏：%s\n", "restored, but the audit chain is BROKEN at entry %d: %s\n"), problem.Seq, problem.Detail)
		return errChainBroken{problem}
	}
	sum, _, err := fileDigest(file)
	if err != nil {
		return err
	}
	if err := a.audit(ctx, db, "restore", file, map[string]any{"sha256": sum, "audit_head": head.String()}); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, a.t("已恢复 %s：审计链完整，共 %d 条，链头 %s\n", "restored %s: audit chain intact, %d entries, head %s\n"), file, n, head)
	return nil
}

// backupKind tells a SQLite file from a pg_dump archive by its first bytes.
func backupKind(file string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	magic := make([]byte, 16)
	n, _ := io.ReadFull(f, magic)
	switch {
	case bytes.HasPrefix(magic[:n], []byte("SQLite format 3\x00")):
		return "sqlite", nil
	case bytes.HasPrefix(magic[:n], []byte("PGDMP")):
		return "pg_dump", nil
	}
	return "", usageErrorf("restore: %s is neither a SQLite database nor a pg_dump archive", file)
}

// pgEmpty says whether a PostgreSQL database has no Frontline tables yet.
func pgEmpty(ctx context.Context, dsn string) (bool, error) {
	out, err := exec.CommandContext(ctx, "psql", "--no-psqlrc", "--tuples-only", "--no-align", "--dbname="+libpqDSN(dsn),
		"--command=SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'events'").Output()
	if err != nil {
		return false, fmt.Errorf("restore: ask the database whether it is empty: %w", err)
	}
	return strings.TrimSpace(string(out)) == "0", nil
}

// libpqDSN turns a DSN that pgx reads into one that libpq's tools read:
// pgx takes search_path as a parameter, libpq as a server option.
func libpqDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	q := u.Query()
	if path := q.Get("search_path"); path != "" {
		q.Del("search_path")
		q.Set("options", "-csearch_path="+path)
		u.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20") // libpq reads no + as a space
	}
	return u.String()
}

// pgTool runs pg_dump or pg_restore, with its own message on failure.
func pgTool(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if said := strings.TrimSpace(stderr.String()); said != "" {
			return fmt.Errorf("%s: %w: %s", name, err, said)
		}
		return fmt.Errorf("%s: %w (is the PostgreSQL client installed?)", name, err)
	}
	return nil
}

func fileDigest(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	return hex.EncodeToString(h.Sum(nil)), n, err
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(to)
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
