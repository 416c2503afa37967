package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"frontline/evaluation"
)

// OpenDeadline is a deadline on the live board, with what the board shows
// of its case.
type OpenDeadline struct {
	evaluation.Deadline
	Category, Street string
	OpenedAt         time.Time
}

// OpenDeadlines returns the deadlines of open cases whose milestone is
// neither done nor stopped by a return (unit's only, if set), by due
// time, then case, unit, milestone and round. Excused deadlines are
// among them; Deadline.Open tells.
func (db *DB) OpenDeadlines(ctx context.Context, unit string) ([]OpenDeadline, error) {
	var b strings.Builder
	var args []any
	b.WriteString("SELECT case_id, unit, milestone, round, " + db.ts("start_at") + ", " + db.ts("due_at") +
		", excused, category, street, " + db.ts("opened_at") + " FROM (")
	for i, p := range deadlineParts {
		if i > 0 {
			b.WriteString(" UNION ALL ")
		}
		fmt.Fprintf(&b, "SELECT %s AS case_id, %s AS unit, '%s' AS milestone, %s AS round, %s AS start_at, %s AS due_at,"+
			" %s AS excused, c.category AS category, c.street AS street, c.opened_at AS opened_at FROM %s"+
			" WHERE c.open_until IS NOT NULL AND NOT c.closed AND %s IS NOT NULL AND %s IS NULL",
			p.caseID, p.unit, p.milestone, p.round, p.start, p.due, p.excused, p.from, p.due, p.done)
		if p.stopped != "NULL" {
			b.WriteString(" AND " + p.stopped + " IS NULL")
		}
		if unit != "" {
			b.WriteString(" AND " + p.unit + " = ?")
			args = append(args, unit)
		}
	}
	collate := db.byteOrder()
	b.WriteString(") AS d ORDER BY due_at, case_id" + collate + ", unit" + collate + ", milestone" + collate + ", round")
	rows, err := db.reads.QueryContext(ctx, b.String(), args...)
	if err != nil {
		return nil, db.wrap("read open deadlines", err)
	}
	defer rows.Close()
	var out []OpenDeadline
	for rows.Next() {
		var (
			d                  OpenDeadline
			milestone, excused string
			category, street   *string
			start, due, opened timeCol
		)
		if err := rows.Scan(&d.Case, &d.Unit, &milestone, &d.Round, &start, &due, &excused, &category, &street, &opened); err != nil {
			return nil, db.wrap("read open deadlines", err)
		}
		d.Milestone = evaluation.Milestone(milestone)
		d.Start, d.Due, d.OpenedAt = start.t, due.t, opened.t
		d.Excused = containsWord(excused, milestone)
		if category != nil {
			d.Category = *category
		}
		if street != nil {
			d.Street = *street
		}
		out = append(out, d)
	}
	return out, db.wrap("read open deadlines", rows.Err())
}

// Urging is one urged event: a body urged a unit on a case (督办).
type Urging struct {
	Case, Unit, By string
	At             time.Time
}

// OpenUrgings returns the urgings of the cases still open, by case.
func (db *DB) OpenUrgings(ctx context.Context) (map[string][]Urging, error) {
	rows, err := db.reads.QueryContext(ctx, "SELECT e.case_id, e.body FROM events AS e JOIN cases AS c ON c.id = e.case_id"+
		" WHERE e.type = 'urged' AND c.open_until IS NOT NULL AND NOT c.closed")
	if err != nil {
		return nil, db.wrap("read urgings", err)
	}
	defer rows.Close()
	out := map[string][]Urging{}
	for rows.Next() {
		var id string
		var body []byte
		if err := rows.Scan(&id, &body); err != nil {
			return nil, db.wrap("read urgings", err)
		}
		var e evaluation.Event
		if err := json.Unmarshal(body, &e); err != nil {
			return nil, db.wrap("read urgings", fmt.Errorf("decode event: %w", err))
		}
		out[id] = append(out[id], Urging{Case: id, Unit: e.Target, By: e.Unit, At: e.At.UTC()})
	}
	return out, db.wrap("read urgings", rows.Err())
}
