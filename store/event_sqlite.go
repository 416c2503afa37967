package store

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"strconv"
	"strings"

	"frontline/audit"
)

// SQLite's hot path goes around bun: bun writes values into the SQL text,
// while prepared multi-row statements bind them, which is several times
// faster for large batches.

const sqliteChunk = 500 // ids per IN list

// beginSQLite runs f in a write transaction, committed if f succeeds. The
// write lock is held from the first statement, where the rules must still
// be current. A lazy commit appends to the write-ahead log without
// syncing it (synchronous NORMAL on the transaction's connection).
func (db *DB) beginSQLite(ctx context.Context, stamp string, commit commitMode, f func(batchTx) error) (err error) {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if commit == lazy {
		if _, err := conn.ExecContext(ctx, "PRAGMA synchronous = NORMAL"); err != nil {
			return err
		}
		defer func() {
			if _, e := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA synchronous = FULL"); e != nil {
				// Not back in the pool with the lazy setting.
				conn.Raw(func(any) error { return driver.ErrBadConn })
				err = cmp.Or(err, e)
			}
		}()
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if stamp != "" {
		if now, err := scanStamp(tx.QueryRowContext(ctx, rulesStampQuery).Scan); err != nil {
			return err
		} else if now != stamp {
			return errRulesChanged
		}
	}
	if err := f(&sqliteTx{ctx: ctx, tx: tx}); err != nil {
		return err
	}
	return tx.Commit()
}

// sqliteTx is SQLite's batchTx.
type sqliteTx struct {
	ctx context.Context
	tx  *sql.Tx
}

func (t *sqliteTx) existing(ids []string, log bool) (map[string]stored, error) {
	existing := map[string]stored{}
	collect := func(quarantined bool) func(*sql.Rows) error {
		return func(rows *sql.Rows) error {
			var id string
			var hash []byte
			if err := rows.Scan(&id, &hash); err != nil {
				return err
			}
			existing[id] = stored{hash: hash, quarantined: quarantined}
			return nil
		}
	}
	var anyQuarantined bool
	if err := t.tx.QueryRowContext(t.ctx, "SELECT EXISTS (SELECT 1 FROM quarantine)").Scan(&anyQuarantined); err != nil {
		return nil, err
	}
	if anyQuarantined {
		if err := queryIn(t.ctx, t.tx, "SELECT id, hash FROM quarantine WHERE id IN ", ids, collect(true)); err != nil {
			return nil, err
		}
	}
	if !log {
		return existing, nil
	}
	if err := queryIn(t.ctx, t.tx, "SELECT id, hash FROM events WHERE id IN ", ids, collect(false)); err != nil {
		return nil, err
	}
	return existing, nil
}

func (t *sqliteTx) maxSeq() (int64, error) {
	var seq int64
	err := t.tx.QueryRowContext(t.ctx, "SELECT coalesce(max(seq), 0) FROM events").Scan(&seq)
	return seq, err
}

func (t *sqliteTx) bodies(ids []string) (map[string][]byte, error) {
	bodies := map[string][]byte{}
	for _, table := range []string{"quarantine", "events"} {
		err := queryIn(t.ctx, t.tx, "SELECT id, body FROM "+table+" WHERE id IN ", ids, func(rows *sql.Rows) error {
			var id string
			var body []byte
			err := rows.Scan(&id, &body)
			bodies[id] = body
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return bodies, nil
}

func (t *sqliteTx) chainAt(seq int64) ([]byte, error) {
	return chainAt(seq, func(q string, args ...any) row { return t.tx.QueryRowContext(t.ctx, q, args...) })
}

func (t *sqliteTx) trails(caseIDs []string, upTo int64, add func(caseID, id string, body []byte)) error {
	where := "SELECT case_id, id, body FROM events WHERE seq <= " + strconv.FormatInt(upTo, 10) + " AND case_id IN "
	return queryIn(t.ctx, t.tx, where, caseIDs, func(rows *sql.Rows) error {
		var caseID, id string
		var body []byte
		if err := rows.Scan(&caseID, &id, &body); err != nil {
			return err
		}
		add(caseID, id, body)
		return nil
	})
}

func (t *sqliteTx) insert(table string, columns []string, n int, row func(i int) []any) error {
	return insertRows(t.ctx, t.tx, table, columns, "", n, row)
}

func (t *sqliteTx) release(ids []string) error {
	return execIn(t.ctx, t.tx, "DELETE FROM quarantine WHERE id IN ", ids)
}

func (t *sqliteTx) deleteReplaced(cases []string, r *replaced) error {
	for _, s := range r.steps(SQLite) {
		err := queryInSuffix(t.ctx, t.tx, "DELETE FROM "+s.table+" IN ", cases, " RETURNING "+s.columns, func(rows *sql.Rows) error {
			return s.scan(rows.Scan)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func (t *sqliteTx) markStale(month string) error {
	_, err := t.tx.ExecContext(t.ctx, markScores, month)
	return err
}

func (t *sqliteTx) underived(add, remove []string) error {
	err := insertRows(t.ctx, t.tx, "underived", []string{"case_id"}, " ON CONFLICT (case_id) DO NOTHING", len(add), func(i int) []any {
		return []any{add[i]}
	})
	if err != nil {
		return err
	}
	return execIn(t.ctx, t.tx, "DELETE FROM underived WHERE case_id IN ", remove)
}

func (t *sqliteTx) addCounts(d *derived) error {
	months, units, outcomes, ns := d.counts.rows()
	err := insertRows(t.ctx, t.tx, "outcome_counts", countColumns, upsertCountsTail, len(months), func(i int) []any {
		return []any{months[i], units[i], outcomes[i], ns[i]}
	})
	if err != nil || d.latest.IsZero() {
		return err
	}
	_, err = t.tx.ExecContext(t.ctx, advanceHorizon, d.latest.UTC(), d.latest.UTC())
	return err
}

func (t *sqliteTx) appendAudit(e audit.Entry) error {
	return appendAuditIn(t.ctx, e, func(q string, args ...any) (row, error) { return t.tx.QueryRowContext(t.ctx, q, args...), nil },
		func(q string, args ...any) error { _, err := t.tx.ExecContext(t.ctx, q, args...); return err })
}

// insertRows inserts n rows with prepared multi-row statements, each
// ending in tail.
func insertRows(ctx context.Context, tx *sql.Tx, table string, columns []string, tail string, n int, row func(i int) []any) error {
	b := newBulk(tx, table, columns, tail)
	for i := range n {
		if err := b.add(ctx, row(i)...); err != nil {
			return err
		}
	}
	return b.flush(ctx)
}

// placeholders returns "(?, ?, …)" with n marks.
func placeholders(n int) string {
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
}

func anys(ids []string) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return args
}

// queryIn runs prefix + "(?, …)" over ids in chunks and calls scan per row.
func queryIn(ctx context.Context, tx *sql.Tx, prefix string, ids []string, scan func(*sql.Rows) error) error {
	return queryInSuffix(ctx, tx, prefix, ids, "", scan)
}

// queryInSuffix runs prefix + "(?, …)" + suffix over ids in chunks.
func queryInSuffix(ctx context.Context, tx *sql.Tx, prefix string, ids []string, suffix string, scan func(*sql.Rows) error) error {
	for start := 0; start < len(ids); start += sqliteChunk {
		chunk := ids[start:min(start+sqliteChunk, len(ids))]
		rows, err := tx.QueryContext(ctx, prefix+placeholders(len(chunk))+suffix, anys(chunk)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := scan(rows); err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// execIn runs prefix + "(?, …)" over ids in chunks.
func execIn(ctx context.Context, tx *sql.Tx, prefix string, ids []string) error {
	for start := 0; start < len(ids); start += sqliteChunk {
		chunk := ids[start:min(start+sqliteChunk, len(ids))]
		if _, err := tx.ExecContext(ctx, prefix+placeholders(len(chunk)), anys(chunk)...); err != nil {
			return err
		}
	}
	return nil
}

// bulk inserts rows with a prepared multi-row INSERT, flushing a statement
// whenever it is full.
type bulk struct {
	tx      *sql.Tx
	head    string
	tail    string
	width   int
	perStmt int
	full    *sql.Stmt
	args    []any
}

func newBulk(tx *sql.Tx, table string, columns []string, tail string) *bulk {
	return &bulk{
		tx:      tx,
		head:    "INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") VALUES ",
		tail:    tail,
		width:   len(columns),
		perStmt: min(256, 32000/len(columns)),
	}
}

func (b *bulk) statement(rows int) string {
	row := placeholders(b.width)
	return b.head + strings.TrimSuffix(strings.Repeat(row+", ", rows), ", ") + b.tail
}

func (b *bulk) add(ctx context.Context, values ...any) error {
	b.args = append(b.args, values...)
	if len(b.args) < b.width*b.perStmt {
		return nil
	}
	if b.full == nil {
		var err error
		if b.full, err = b.tx.PrepareContext(ctx, b.statement(b.perStmt)); err != nil {
			return err
		}
	}
	_, err := b.full.ExecContext(ctx, b.args...)
	b.args = b.args[:0]
	return err
}

// flush inserts the rows left over and releases the prepared statement.
func (b *bulk) flush(ctx context.Context) error {
	if b.full != nil {
		defer b.full.Close()
	}
	if len(b.args) == 0 {
		return nil
	}
	_, err := b.tx.ExecContext(ctx, b.statement(len(b.args)/b.width), b.args...)
	b.args = b.args[:0]
	return err
}
