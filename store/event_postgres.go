package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"frontline/audit"
)

// PostgreSQL's hot path uses pgx directly: the existing ids are looked up
// with one indexed query per batch, and new events and derived rows go in
// with COPY. Ingest transactions hold an advisory lock, so no other ingest
// can store one of the batch's ids between the lookup and the COPY.

// ingestLock is the advisory lock key that serialises ingest transactions.
const ingestLock = 7002

// withPgx runs f in a pgx transaction on one pooled connection.
func (db *DB) withPgx(ctx context.Context, f func(pgx.Tx) error) error {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		return pgx.BeginFunc(ctx, dc.(*stdlib.Conn).Conn(), f)
	})
}

// beginPostgres runs f in a pgx transaction holding the ingest lock: one
// ingest transaction at a time, since deriving a case's state needs every
// committed event of it, including a concurrent batch's. Under the lock,
// the rules must still be current. A lazy commit does not wait for the
// server to flush its log (synchronous_commit off for the transaction).
func (db *DB) beginPostgres(ctx context.Context, stamp string, commit commitMode, f func(batchTx) error) error {
	return db.withPgx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", ingestLock); err != nil {
			return err
		}
		if commit == lazy {
			if _, err := tx.Exec(ctx, "SET LOCAL synchronous_commit = off"); err != nil {
				return err
			}
		}
		if stamp != "" {
			if now, err := scanStamp(tx.QueryRow(ctx, rulesStampQuery).Scan); err != nil {
				return err
			} else if now != stamp {
				return errRulesChanged
			}
		}
		return f(&postgresTx{ctx: ctx, tx: tx})
	})
}

// postgresTx is PostgreSQL's batchTx.
type postgresTx struct {
	ctx context.Context
	tx  pgx.Tx
}

// scanAll runs q and calls scan on every row.
func (t *postgresTx) scanAll(q string, scan func(pgx.Rows) error, args ...any) error {
	rows, err := t.tx.Query(t.ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (t *postgresTx) existing(ids []string, log bool) (map[string]stored, error) {
	existing := map[string]stored{}
	// Quarantine is empty but for events naming unknown codes: a look-up
	// of every id in it costs as much as one in the log.
	var anyQuarantined bool
	if err := t.tx.QueryRow(t.ctx, "SELECT EXISTS (SELECT 1 FROM quarantine)").Scan(&anyQuarantined); err != nil {
		return nil, err
	}
	if !anyQuarantined && !log {
		return existing, nil
	}
	var parts []string
	if log {
		parts = append(parts, "SELECT id, hash, false FROM events WHERE id = ANY($1)")
	}
	if anyQuarantined {
		parts = append(parts, "SELECT id, hash, true FROM quarantine WHERE id = ANY($1)")
	}
	q := strings.Join(parts, " UNION ALL ")
	err := t.scanAll(q, func(rows pgx.Rows) error {
		var id string
		var s stored
		if err := rows.Scan(&id, &s.hash, &s.quarantined); err != nil {
			return err
		}
		if prev, ok := existing[id]; !ok || prev.quarantined {
			existing[id] = s // the log wins over quarantine
		}
		return nil
	}, ids)
	return existing, err
}

func (t *postgresTx) maxSeq() (int64, error) {
	var seq int64
	err := t.tx.QueryRow(t.ctx, "SELECT coalesce(max(seq), 0) FROM events").Scan(&seq)
	return seq, err
}

func (t *postgresTx) bodies(ids []string) (map[string][]byte, error) {
	bodies := map[string][]byte{}
	err := t.scanAll(`SELECT id, body FROM quarantine WHERE id = ANY($1)
		UNION ALL SELECT id, body FROM events WHERE id = ANY($1)`, func(rows pgx.Rows) error {
		var id string
		var body []byte
		err := rows.Scan(&id, &body)
		bodies[id] = body
		return err
	}, ids)
	return bodies, err
}

func (t *postgresTx) chainAt(seq int64) ([]byte, error) {
	return chainAt(seq, func(q string, args ...any) row { return t.tx.QueryRow(t.ctx, q, args...) })
}

func (t *postgresTx) trails(caseIDs []string, upTo int64, add func(caseID, id string, body []byte)) error {
	if len(caseIDs) == 0 {
		return nil
	}
	return t.scanAll("SELECT case_id, id, body FROM events WHERE case_id = ANY($1) AND seq <= $2", func(rows pgx.Rows) error {
		var caseID, id string
		var body []byte
		if err := rows.Scan(&caseID, &id, &body); err != nil {
			return err
		}
		add(caseID, id, body)
		return nil
	}, caseIDs, upTo)
}

func (t *postgresTx) insert(table string, columns []string, n int, row func(i int) []any) error {
	if n == 0 {
		return nil
	}
	_, err := t.tx.CopyFrom(t.ctx, pgx.Identifier{table}, columns, pgx.CopyFromSlice(n, func(i int) ([]any, error) {
		return row(i), nil
	}))
	if err != nil {
		return fmt.Errorf("copy %s: %w", table, err)
	}
	return nil
}

func (t *postgresTx) release(ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := t.tx.Exec(t.ctx, "DELETE FROM quarantine WHERE id = ANY($1)", ids)
	return err
}

func (t *postgresTx) deleteReplaced(cases []string, r *replaced) error {
	for _, s := range r.steps(Postgres) {
		err := t.scanAll("DELETE FROM "+s.table+" = ANY($1) RETURNING "+s.columns, func(rows pgx.Rows) error {
			return s.scan(rows.Scan)
		}, cases)
		if err != nil {
			return err
		}
	}
	return nil
}

func (t *postgresTx) markStale(month string) error {
	_, err := t.tx.Exec(t.ctx, strings.Replace(markScores, "?", "$1", 1), month)
	return err
}

func (t *postgresTx) underived(add, remove []string) error {
	if len(add) > 0 {
		if _, err := t.tx.Exec(t.ctx, "INSERT INTO underived (case_id) SELECT unnest($1::text[]) ON CONFLICT (case_id) DO NOTHING", add); err != nil {
			return err
		}
	}
	if len(remove) > 0 {
		if _, err := t.tx.Exec(t.ctx, "DELETE FROM underived WHERE case_id = ANY($1)", remove); err != nil {
			return err
		}
	}
	return nil
}

func (t *postgresTx) addCounts(d *derived) error {
	months, units, outcomes, ns := d.counts.rows()
	if len(months) > 0 {
		_, err := t.tx.Exec(t.ctx, "INSERT INTO outcome_counts (month, unit, outcome, n) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])"+
			upsertCountsTail, months, units, outcomes, ns)
		if err != nil {
			return err
		}
	}
	if d.latest.IsZero() {
		return nil
	}
	_, err := t.tx.Exec(t.ctx, "UPDATE count_state SET horizon = $1 WHERE horizon IS NULL OR horizon < $1", d.latest.UTC())
	return err
}

// appendAudit takes the audit chain's lock, as appendAudits does: the
// chain is linear.
func (t *postgresTx) appendAudit(e audit.Entry) error {
	if _, err := t.tx.Exec(t.ctx, "SELECT pg_advisory_xact_lock($1)", auditLock); err != nil {
		return err
	}
	return appendAuditIn(t.ctx, e, func(q string, args ...any) (row, error) { return t.tx.QueryRow(t.ctx, q, args...), nil },
		func(q string, args ...any) error { _, err := t.tx.Exec(t.ctx, q, args...); return err })
}
