package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/goccy/go-json"

	"frontline/evaluation"
	"frontline/scoring"
)

// ScoringData reads what scoring needs for the cases opened in [from, to):
// each case's scoring record (one column, written with the derived rows),
// the supervision findings on those cases, and the registry's units.
func (db *DB) ScoringData(ctx context.Context, from, to time.Time) (*scoring.Data, error) {
	d := &scoring.Data{}
	if err := db.loadScoring(ctx, from, to, func(time.Time) *scoring.Data { return d }, d); err != nil {
		return nil, err
	}
	return d, nil
}

// loadScoring fills the Data that pick chooses for each case's opening time.
func (db *DB) loadScoring(ctx context.Context, from, to time.Time, pick func(time.Time) *scoring.Data, all ...*scoring.Data) error {
	from, to = from.UTC(), to.UTC()
	reg, err := db.Registry(ctx)
	if err != nil {
		return err
	}
	for _, d := range all {
		d.Units = reg.Units
	}
	// Two halves of the period load side by side on two read connections,
	// each into buckets of its own, merged in time order afterwards.
	mid := from.Add(to.Sub(from) / 2)
	halves := [2][2]time.Time{{from, mid}, {mid, to}}
	var buckets [2]map[*scoring.Data]*scoring.Data
	var errs [2]error
	var wg sync.WaitGroup
	for i := range halves {
		buckets[i] = map[*scoring.Data]*scoring.Data{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := func(t time.Time) *scoring.Data {
				target := pick(t)
				if target == nil {
					return nil
				}
				b := buckets[i][target]
				if b == nil {
					b = &scoring.Data{}
					buckets[i][target] = b
				}
				return b
			}
			errs[i] = db.loadScoringRecords(ctx, local, halves[i][0], halves[i][1])
		}()
	}
	wg.Wait()
	for i := range halves {
		if errs[i] != nil {
			return db.wrap("read cases", errs[i])
		}
		for target, b := range buckets[i] {
			target.Cases = append(target.Cases, b.Cases...)
			target.Assignments = append(target.Assignments, b.Assignments...)
		}
	}
	if err := db.loadFindings(ctx, pick, from, to); err != nil {
		return db.wrap("read findings", err)
	}
	return nil
}

// ts selects a timestamp column for timeCol: as text on SQLite, so that
// the driver does not parse it first.
func (db *DB) ts(col string) string {
	if db.engine == SQLite {
		return "CAST(" + col + " AS TEXT)"
	}
	return col
}

// loadScoringRecords reads the cases' scoring records.
func (db *DB) loadScoringRecords(ctx context.Context, pick func(time.Time) *scoring.Data, from, to time.Time) error {
	rows, err := db.reads.QueryContext(ctx, "SELECT c.id, "+db.ts("c.opened_at")+", c.scoring FROM cases AS c"+
		" WHERE c.opened_at >= ? AND c.opened_at < ? AND c.scoring IS NOT NULL", from, to)
	if err != nil {
		return err
	}
	defer rows.Close()
	var id string
	var opened timeCol
	var blob sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&id, &opened, &blob); err != nil {
			return err
		}
		c, as, err := decodeScoring(id, opened.t, blob)
		if err != nil {
			return fmt.Errorf("decode scoring record of case %s: %w", id, err)
		}
		if d := pick(c.OpenedAt); d != nil {
			d.Cases = append(d.Cases, c)
			d.Assignments = append(d.Assignments, as...)
		}
	}
	return rows.Err()
}

// loadFindings reads the supervision findings on the period's cases,
// without those an upheld appeal withdrew.
func (db *DB) loadFindings(ctx context.Context, pick func(time.Time) *scoring.Data, from, to time.Time) error {
	rows, err := db.reads.QueryContext(ctx, "SELECT e.body, "+db.ts("c.opened_at")+" FROM events AS e JOIN cases AS c ON c.id = e.case_id"+
		" WHERE e.type IN (?, ?, ?) AND c.opened_at >= ? AND c.opened_at < ? ORDER BY e.case_id",
		string(evaluation.Supervised), string(evaluation.Appealed), string(evaluation.AppealDecided), from, to)
	if err != nil {
		return err
	}
	defer rows.Close()
	var trail []evaluation.Event
	var opened time.Time
	flush := func() {
		removed := evaluation.AppealedAway(trail)
		for _, e := range trail {
			if e.Type != evaluation.Supervised || removed[e.ID] {
				continue
			}
			if d := pick(opened); d != nil {
				d.Findings = append(d.Findings, scoring.Finding{ID: e.ID, Case: e.Case, Unit: e.Target, Severity: e.Severity, At: e.At})
			}
		}
		trail = trail[:0]
	}
	for rows.Next() {
		var body []byte
		var at timeCol
		if err := rows.Scan(&body, &at); err != nil {
			return err
		}
		var e evaluation.Event
		if err := json.Unmarshal(body, &e); err != nil {
			return fmt.Errorf("decode event: %w", err)
		}
		if len(trail) > 0 && trail[0].Case != e.Case {
			flush()
		}
		trail, opened = append(trail, e), at.t
	}
	if err := rows.Err(); err != nil {
		return err
	}
	flush()
	return nil
}
