package store

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"strings"

	"frontline/fault"
)

// Backup writes a consistent copy of the database to path, which must not
// exist: on SQLite with VACUUM INTO while others go on reading and
// writing (the database as of one transaction, compacted); on PostgreSQL
// with pg_dump's custom format. The copy never holds the settings (the
// keys kept there): it leaves without them.
func (db *DB) Backup(ctx context.Context, path string) error {
	if exists(path) {
		return fault.Sayf(fault.Conflict, "backup", "%s 已存在；不会覆盖已有文件", "%s exists; Frontline does not overwrite a file", path)
	}
	if db.engine == Postgres {
		return pgTool(ctx, "pg_dump", "--format=custom", "--no-owner", "--exclude-table-data=settings", "--file="+path, "--dbname="+libpqDSN(db.dsn))
	}
	// A connection of its own: a reader beside the writer in WAL mode,
	// without the read pool's query_only, which refuses VACUUM INTO.
	conn, err := sql.Open("sqlite", db.liteDSN)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err = conn.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return db.wrap("backup", err)
	}
	// The copy without its settings, rewritten so that no freed page keeps them.
	cp, err := sql.Open("sqlite", sqliteDSN(path, "copy"))
	if err != nil {
		return err
	}
	defer cp.Close()
	for _, q := range []string{"DELETE FROM settings", "VACUUM"} {
		if _, err := cp.ExecContext(ctx, q); err != nil {
			return db.wrap("backup", err)
		}
	}
	return nil
}

// Restore loads the backup in file into the database dsn names: a
// SQLite file is copied beside the target and renamed over it, never
// leaving half a database; a pg_dump archive goes through pg_restore. A
// database that already holds data is replaced only when replace is set
// (Conflict otherwise).
func Restore(ctx context.Context, dsn, file string, replace bool) error {
	kind, err := backupKind(file)
	if err != nil {
		return err
	}
	engine := EngineOf(dsn)
	switch {
	case kind == SQLite && engine == Postgres, kind == Postgres && engine == SQLite:
		return fault.Sayf(fault.Invalid, "restore", "%s 是 %s 的备份，而数据库是 %s", "%s is a %s backup, and the database is %s", file, kind, engine)
	case kind == SQLite:
		if exists(dsn) && !replace {
			return fault.Sayf(fault.Conflict, "restore", "%s 已存在", "%s exists", dsn)
		}
		if err := copyFile(file, dsn+".restoring"); err != nil {
			return err
		}
		for _, suffix := range []string{"-wal", "-shm"} {
			os.Remove(dsn + suffix)
		}
		return os.Rename(dsn+".restoring", dsn)
	}
	args := []string{"--no-owner", "--exit-on-error", "--dbname=" + libpqDSN(dsn), file}
	if replace {
		args = append([]string{"--clean", "--if-exists"}, args...)
	} else if empty, err := pgEmpty(ctx, dsn); err != nil {
		return err
	} else if !empty {
		return fault.Sayf(fault.Conflict, "restore", "数据库中已有 Frontline 的表", "the database already holds Frontline's tables")
	}
	return pgTool(ctx, "pg_restore", args...)
}

// backupKind tells a SQLite file from a pg_dump archive by its first bytes.
func backupKind(file string) (Engine, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	magic := make([]byte, 16)
	n, _ := io.ReadFull(f, magic)
	switch {
	case bytes.HasPrefix(magic[:n], []byte("SQLite format 3\x00")):
		return SQLite, nil
	case bytes.HasPrefix(magic[:n], []byte("PGDMP")):
		return Postgres, nil
	}
	return "", fault.Sayf(fault.Invalid, "restore", "%s 既不是 SQLite 数据库，也不是 pg_dump 归档", "%s is neither a SQLite database nor a pg_dump archive", file)
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
