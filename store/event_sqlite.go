package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"frontline/evaluation"
	"frontline/ingest"
)

// SQLite's hot path goes around bun: bun writes values into the SQL text,
// while prepared multi-row statements bind them, which is several times
// faster for large batches.

const sqliteChunk = 500 // ids per IN list

func (db *DB) ingestSQLite(ctx context.Context, batch []ingest.Prepared, note *ingest.Note) ([]ingest.Outcome, error) {
	for attempt := 0; ; attempt++ {
		rules, stamp, err := db.rulesWithStamp(ctx)
		if err != nil {
			return nil, err
		}
		outcomes, err := db.ingestSQLiteOnce(ctx, batch, rules, stamp, note)
		if errors.Is(err, errRulesChanged) && attempt < 3 {
			continue
		}
		return outcomes, err
	}
}

func (db *DB) ingestSQLiteOnce(ctx context.Context, batch []ingest.Prepared, rules *evaluation.Rules, stamp string, note *ingest.Note) ([]ingest.Outcome, error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	// The write lock is held from here: the rules must still be current.
	if now, err := scanStamp(tx.QueryRowContext(ctx, rulesStampQuery).Scan); err != nil {
		return nil, err
	} else if now != stamp {
		return nil, errRulesChanged
	}

	ids := make([]string, len(batch))
	for i := range batch {
		ids[i] = batch[i].Event.ID
	}
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
	if err := queryIn(ctx, tx, "SELECT id, hash FROM events WHERE id IN ", ids, collect(false)); err != nil {
		return nil, err
	}
	var anyQuarantined bool
	if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM quarantine)").Scan(&anyQuarantined); err != nil {
		return nil, err
	}
	if anyQuarantined {
		if err := queryIn(ctx, tx, "SELECT id, hash FROM quarantine WHERE id IN ", ids, collect(true)); err != nil {
			return nil, err
		}
	}

	// Stored events of the touched cases are those up to this seq; the
	// ones inserted below are already decoded in the batch.
	var storedSeq int64
	if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(seq), 0) FROM events").Scan(&storedSeq); err != nil {
		return nil, err
	}
	p := classify(batch, existing)
	if ids := p.conflicts(batch); len(ids) > 0 {
		bodies := map[string][]byte{}
		for _, table := range []string{"quarantine", "events"} {
			err := queryIn(ctx, tx, "SELECT id, body FROM "+table+" WHERE id IN ", ids, func(rows *sql.Rows) error {
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
		p = settleConflicts(batch, existing, p, bodies)
	}
	prev, err := chainAt(storedSeq, func(q string, args ...any) *sql.Row { return tx.QueryRowContext(ctx, q, args...) })
	if err != nil {
		return nil, err
	}
	placed := links(batch, p.insert, storedSeq, prev)
	events := newBulk(tx, "events", eventColumns, "")
	for k, i := range p.insert {
		if err := events.add(ctx, eventValues(&batch[i], placed[k])...); err != nil {
			return nil, err
		}
	}
	if err := events.flush(ctx); err != nil {
		return nil, err
	}
	now := db.now().UTC()
	quarantine := newBulk(tx, "quarantine", quarantineColumns, "")
	for _, i := range p.quarantine {
		if err := quarantine.add(ctx, quarantineValues(&batch[i], now)...); err != nil {
			return nil, err
		}
	}
	if err := quarantine.flush(ctx); err != nil {
		return nil, err
	}
	if err := execIn(ctx, tx, "DELETE FROM quarantine WHERE id IN ", p.release); err != nil {
		return nil, err
	}
	if err := deriveSQLite(ctx, tx, p.touchedCases(batch), newTrailReader(batch, &p), storedSeq, rules); err != nil {
		return nil, err
	}
	if note != nil {
		entry, err := db.batchEntry(note, batch, p.outcomes, link{storedSeq, prev}, placed)
		if err != nil {
			return nil, err
		}
		if err := appendAuditIn(ctx, entry, func(q string, args ...any) (row, error) { return tx.QueryRowContext(ctx, q, args...), nil },
			func(q string, args ...any) error { _, err := tx.ExecContext(ctx, q, args...); return err }); err != nil {
			return nil, err
		}
	}
	return p.outcomes, tx.Commit()
}

// deriveSQLite recomputes the derived rows of the given cases from their
// trails: the events in trails plus the stored ones with seq up to stored.
func deriveSQLite(ctx context.Context, tx *sql.Tx, caseIDs []string, trails *trailReader, stored int64, rules *evaluation.Rules) error {
	if len(caseIDs) == 0 {
		return nil
	}
	where := "SELECT case_id, id, body FROM events WHERE seq <= " + strconv.FormatInt(stored, 10) + " AND case_id IN "
	err := queryIn(ctx, tx, where, caseIDs, func(rows *sql.Rows) error {
		var caseID, id string
		var body []byte
		if err := rows.Scan(&caseID, &id, &body); err != nil {
			return err
		}
		return trails.add(caseID, id, body)
	})
	if err != nil {
		return err
	}
	d := trails.derive(rules)
	if err := deleteReplacedSQLite(ctx, tx, trails.storedCases(), rules, &d); err != nil {
		return err
	}
	if err := bulkInsert(ctx, tx, "cases", caseColumns, d.cases, caseValues); err != nil {
		return err
	}
	if err := bulkInsert(ctx, tx, "assignments", assignmentColumns, d.assignments, assignmentValues); err != nil {
		return err
	}
	for _, m := range d.months {
		if _, err := tx.ExecContext(ctx, markScores, m); err != nil {
			return err
		}
	}
	if err := bulkInsert(ctx, tx, "redispose_deadlines", redisposeColumns, d.redispose, redisposeValues); err != nil {
		return err
	}
	return writeCountsSQLite(ctx, tx, &d)
}

// bulkInsert inserts rows with prepared multi-row statements.
func bulkInsert[T any](ctx context.Context, tx *sql.Tx, table string, columns []string, rows []T, values func(*T) []any) error {
	b := newBulk(tx, table, columns, "")
	for i := range rows {
		if err := b.add(ctx, values(&rows[i])...); err != nil {
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
