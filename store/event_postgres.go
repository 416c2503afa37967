package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"frontline/evaluation"
	"frontline/ingest"
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

func (db *DB) ingestPostgres(ctx context.Context, batch []ingest.Prepared, note *ingest.Note) ([]ingest.Outcome, error) {
	for attempt := 0; ; attempt++ {
		rules, stamp, err := db.rulesWithStamp(ctx)
		if err != nil {
			return nil, err
		}
		outcomes, err := db.ingestPostgresOnce(ctx, batch, rules, stamp, note)
		if errors.Is(err, errRulesChanged) && attempt < 3 {
			continue
		}
		return outcomes, err
	}
}

func (db *DB) ingestPostgresOnce(ctx context.Context, batch []ingest.Prepared, rules *evaluation.Rules, stamp string, note *ingest.Note) ([]ingest.Outcome, error) {
	var outcomes []ingest.Outcome
	err := db.withPgx(ctx, func(tx pgx.Tx) error {
		// One ingest transaction at a time: deriving a case's state needs
		// every committed event of it, including a concurrent batch's.
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", ingestLock); err != nil {
			return err
		}
		// Under the lock, the rules must still be current.
		if now, err := scanStamp(tx.QueryRow(ctx, rulesStampQuery).Scan); err != nil {
			return err
		} else if now != stamp {
			return errRulesChanged
		}
		var storedSeq int64
		if err := tx.QueryRow(ctx, "SELECT coalesce(max(seq), 0) FROM events").Scan(&storedSeq); err != nil {
			return err
		}
		ids := make([]string, len(batch))
		for i := range batch {
			ids[i] = batch[i].Event.ID
		}
		existing := map[string]stored{}
		rows, err := tx.Query(ctx, `SELECT id, hash, false FROM events WHERE id = ANY($1)
			UNION ALL SELECT id, hash, true FROM quarantine WHERE id = ANY($1)`, ids)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id string
			var s stored
			if err := rows.Scan(&id, &s.hash, &s.quarantined); err != nil {
				rows.Close()
				return err
			}
			if prev, ok := existing[id]; !ok || prev.quarantined {
				existing[id] = s // the log wins over quarantine
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}

		p := classify(batch, existing)
		if ids := p.conflicts(batch); len(ids) > 0 {
			bodies := map[string][]byte{}
			rows, err := tx.Query(ctx, `SELECT id, body FROM quarantine WHERE id = ANY($1)
				UNION ALL SELECT id, body FROM events WHERE id = ANY($1)`, ids)
			if err != nil {
				return err
			}
			for rows.Next() {
				var id string
				var body []byte
				if err := rows.Scan(&id, &body); err != nil {
					rows.Close()
					return err
				}
				bodies[id] = body
			}
			if err := rows.Err(); err != nil {
				return err
			}
			p = settleConflicts(batch, existing, p, bodies)
		}
		prev := genesis
		if storedSeq > 0 {
			if err := tx.QueryRow(ctx, "SELECT chain FROM events WHERE seq = $1", storedSeq).Scan(&prev); err != nil {
				return err
			}
			if len(prev) != len(genesis) {
				return fmt.Errorf("event %d has no chain hash", storedSeq)
			}
		}
		placed := links(batch, p.insert, storedSeq, prev)
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"events"}, eventColumns,
			pgx.CopyFromSlice(len(p.insert), func(k int) ([]any, error) {
				return eventValues(&batch[p.insert[k]], placed[k]), nil
			})); err != nil {
			return fmt.Errorf("copy events: %w", err)
		}
		if len(p.quarantine) > 0 {
			now := db.now().UTC()
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"quarantine"}, quarantineColumns,
				pgx.CopyFromSlice(len(p.quarantine), func(k int) ([]any, error) {
					return quarantineValues(&batch[p.quarantine[k]], now), nil
				})); err != nil {
				return fmt.Errorf("copy quarantine: %w", err)
			}
		}
		if len(p.release) > 0 {
			if _, err := tx.Exec(ctx, "DELETE FROM quarantine WHERE id = ANY($1)", p.release); err != nil {
				return err
			}
		}
		outcomes = p.outcomes
		if err := derivePostgres(ctx, tx, p.touchedCases(batch), newTrailReader(batch, &p), storedSeq, rules); err != nil {
			return err
		}
		if note == nil {
			return nil
		}
		entry, err := db.batchEntry(note, batch, p.outcomes, link{storedSeq, prev}, placed)
		if err != nil {
			return err
		}
		// The audit chain is linear: its lock, as appendAudits takes it.
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", auditLock); err != nil {
			return err
		}
		return appendAuditIn(ctx, entry, func(q string, args ...any) (row, error) { return tx.QueryRow(ctx, q, args...), nil },
			func(q string, args ...any) error { _, err := tx.Exec(ctx, q, args...); return err })
	})
	return outcomes, err
}

// derivePostgres recomputes the derived rows of the given cases from their
// trails: the events in trails plus the stored ones with seq up to stored.
func derivePostgres(ctx context.Context, tx pgx.Tx, caseIDs []string, trails *trailReader, stored int64, rules *evaluation.Rules) error {
	if len(caseIDs) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, "SELECT case_id, id, body FROM events WHERE case_id = ANY($1) AND seq <= $2", caseIDs, stored)
	if err != nil {
		return err
	}
	for rows.Next() {
		var caseID, id string
		var body []byte
		if err := rows.Scan(&caseID, &id, &body); err != nil {
			rows.Close()
			return err
		}
		if err := trails.add(caseID, id, body); err != nil {
			rows.Close()
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	d := trails.derive(rules)
	if err := deleteReplacedPostgres(ctx, tx, trails.storedCases(), rules, &d); err != nil {
		return err
	}
	if err := copyRows(ctx, tx, "cases", caseColumns, d.cases, caseValues); err != nil {
		return err
	}
	if err := copyRows(ctx, tx, "assignments", assignmentColumns, d.assignments, assignmentValues); err != nil {
		return err
	}
	for _, m := range d.months {
		if _, err := tx.Exec(ctx, strings.Replace(markScores, "?", "$1", 1), m); err != nil {
			return err
		}
	}
	if err := copyRows(ctx, tx, "redispose_deadlines", redisposeColumns, d.redispose, redisposeValues); err != nil {
		return err
	}
	return writeCountsPostgres(ctx, tx, &d)
}

// copyRows writes rows with COPY.
func copyRows[T any](ctx context.Context, tx pgx.Tx, table string, columns []string, rows []T, values func(*T) []any) error {
	_, err := tx.CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
		return values(&rows[i]), nil
	}))
	if err != nil {
		return fmt.Errorf("copy %s: %w", table, err)
	}
	return nil
}
