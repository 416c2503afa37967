package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"frontline/evaluation"
	"frontline/ingest"
)

// PostgreSQL's hot path uses pgx directly: COPY into a session-local staging
// table, then INSERT … SELECT with conflict handling, and COPY for the
// derived rows.

const stageTable = `CREATE TEMP TABLE IF NOT EXISTS ingest_stage (
	ord int NOT NULL, id text NOT NULL, case_id text NOT NULL, type text NOT NULL,
	at timestamptz NOT NULL, unit text, hash bytea NOT NULL, body text NOT NULL
) ON COMMIT DELETE ROWS`

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

func (db *DB) ingestPostgres(ctx context.Context, batch []ingest.Prepared) ([]ingest.Outcome, error) {
	// A concurrent ingest may store one of our new ids between our check
	// and our insert; the transaction is then retried and sees it.
	for attempt := 0; ; attempt++ {
		outcomes, err := db.ingestPostgresOnce(ctx, batch)
		if errors.Is(err, errRaced) && attempt < 5 {
			continue
		}
		return outcomes, err
	}
}

var errRaced = errors.New("a concurrent ingest stored the same event")

func (db *DB) ingestPostgresOnce(ctx context.Context, batch []ingest.Prepared) ([]ingest.Outcome, error) {
	var outcomes []ingest.Outcome
	err := db.withPgx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, stageTable); err != nil {
			return err
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"ingest_stage"},
			[]string{"ord", "id", "case_id", "type", "at", "unit", "hash", "body"},
			pgx.CopyFromSlice(len(batch), func(i int) ([]any, error) {
				return append([]any{int32(i)}, eventValues(&batch[i])...), nil
			}))
		if err != nil {
			return fmt.Errorf("copy to staging: %w", err)
		}
		existing := map[string]stored{}
		rows, err := tx.Query(ctx, `SELECT s.id, e.hash, false FROM ingest_stage s JOIN events e ON e.id = s.id
			UNION ALL SELECT s.id, q.hash, true FROM ingest_stage s JOIN quarantine q ON q.id = s.id`)
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
		if len(p.insert) > 0 {
			ords := make([]int32, len(p.insert))
			for k, i := range p.insert {
				ords[k] = int32(i)
			}
			tag, err := tx.Exec(ctx, `INSERT INTO events (id, case_id, type, at, unit, hash, body)
				SELECT id, case_id, type, at, unit, hash, body FROM ingest_stage WHERE ord = ANY($1) ORDER BY ord
				ON CONFLICT (id) DO NOTHING`, ords)
			if err != nil {
				return err
			}
			if int(tag.RowsAffected()) != len(p.insert) {
				return errRaced
			}
		}
		if len(p.quarantine) > 0 {
			now := db.now().UTC()
			_, err := tx.CopyFrom(ctx, pgx.Identifier{"quarantine"}, quarantineColumns,
				pgx.CopyFromSlice(len(p.quarantine), func(k int) ([]any, error) {
					return quarantineValues(&batch[p.quarantine[k]], now), nil
				}))
			if isUniqueViolation(err) {
				return errRaced
			}
			if err != nil {
				return err
			}
		}
		if len(p.release) > 0 {
			if _, err := tx.Exec(ctx, "DELETE FROM quarantine WHERE id = ANY($1)", p.release); err != nil {
				return err
			}
		}
		outcomes = p.outcomes
		return derivePostgres(ctx, tx, p.touchedCases(batch), p.fresh(batch))
	})
	return outcomes, err
}

func isUniqueViolation(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "23505"
}

// derivePostgres recomputes the derived rows of the given cases from their trails.
func derivePostgres(ctx context.Context, tx pgx.Tx, caseIDs []string, fresh map[string]*evaluation.Event) error {
	if len(caseIDs) == 0 {
		return nil
	}
	trails := newTrailReader(fresh)
	rows, err := tx.Query(ctx, "SELECT case_id, id, body FROM events WHERE case_id = ANY($1)", caseIDs)
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
	cases, assignments := trails.derive()
	if _, err := tx.Exec(ctx, "DELETE FROM cases WHERE id = ANY($1)", caseIDs); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "DELETE FROM assignments WHERE case_id = ANY($1)", caseIDs); err != nil {
		return err
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"cases"}, caseColumns, pgx.CopyFromSlice(len(cases), func(i int) ([]any, error) {
		return caseValues(&cases[i]), nil
	})); err != nil {
		return fmt.Errorf("copy cases: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"assignments"}, assignmentColumns, pgx.CopyFromSlice(len(assignments), func(i int) ([]any, error) {
		return assignmentValues(&assignments[i]), nil
	})); err != nil {
		return fmt.Errorf("copy assignments: %w", err)
	}
	return nil
}
