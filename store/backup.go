package store

import (
	"context"
	"database/sql"
	"fmt"
)

// BackupSQLite writes a consistent copy of a SQLite database to path
// with VACUUM INTO, while others go on reading and writing: the copy is
// the database as of one transaction, compacted. path must not exist.
// PostgreSQL is backed up with pg_dump (see docs/reliability.md).
func (db *DB) BackupSQLite(ctx context.Context, path string) error {
	if db.engine != SQLite {
		return fmt.Errorf("backup: %s is backed up with pg_dump, not by Frontline", db.engine)
	}
	if exists(path) {
		return fmt.Errorf("backup: %s exists; Frontline does not overwrite a file", path)
	}
	// A connection of its own: a reader beside the writer in WAL mode,
	// without the read pool's query_only, which refuses VACUUM INTO.
	conn, err := sql.Open("sqlite", db.liteDSN)
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.ExecContext(ctx, "VACUUM INTO ?", path)
	return db.wrap("backup", err)
}
