package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"frontline/evaluation"
)

// What the live board's clock reads and keeps (DESIGN.md §9): the
// deadlines of the cases new events touched, and the crossings it
// announced, in order, so that a stream client or a webhook that missed
// some can be given them again.

// BoardDeadline is a deadline with what the board shows of its case.
type BoardDeadline struct {
	evaluation.Deadline
	Category, Street string
	OpenedAt         time.Time
	Closed           bool // the case is closed: its parts have ended
}

// OnBoard says whether the deadline is open as of now: its case open, its
// milestone started and neither met nor stopped, not excused.
func (d *BoardDeadline) OnBoard(now time.Time) bool {
	return !d.Closed && d.Open(now)
}

// BoardFilter selects deadlines for the board.
type BoardFilter struct {
	// Cases selects every deadline of these cases, open or not; when nil,
	// the open deadlines of every open case.
	Cases []string
	Unit  string // only this unit's, if set
}

// BoardDeadlines returns the deadlines the filter selects, by due time,
// then case, unit, milestone and round.
func (db *DB) BoardDeadlines(ctx context.Context, f BoardFilter) ([]BoardDeadline, error) {
	if f.Cases != nil && len(f.Cases) == 0 {
		return nil, nil
	}
	var out []BoardDeadline
	for start := 0; start == 0 || start < len(f.Cases); start += sqliteChunk {
		var chunk []string
		if f.Cases != nil {
			chunk = f.Cases[start:min(start+sqliteChunk, len(f.Cases))]
		}
		part, err := db.boardDeadlines(ctx, chunk, f.Unit)
		if err != nil {
			return nil, db.wrap("read open deadlines", err)
		}
		out = append(out, part...)
		if f.Cases == nil {
			break
		}
	}
	return out, nil
}

func (db *DB) boardDeadlines(ctx context.Context, cases []string, unit string) ([]BoardDeadline, error) {
	var b strings.Builder
	var args []any
	b.WriteString("SELECT case_id, unit, milestone, round, " + db.ts("start_at") + ", " + db.ts("due_at") + ", " + db.ts("done_at") + ", " +
		db.ts("stopped_at") + ", excused, category, street, " + db.ts("opened_at") + ", closed FROM (")
	for i, p := range deadlineParts {
		if i > 0 {
			b.WriteString(" UNION ALL ")
		}
		fmt.Fprintf(&b, "SELECT %s AS case_id, %s AS unit, '%s' AS milestone, %s AS round, %s AS start_at, %s AS due_at,"+
			" %s AS done_at, %s AS stopped_at, %s AS excused, c.category AS category, c.street AS street, c.opened_at AS opened_at,"+
			" c.closed AS closed FROM %s WHERE %s IS NOT NULL",
			p.caseID, p.unit, p.milestone, p.round, p.start, p.due, p.done, db.stoppedExpr(p), p.excused, p.from, p.due)
		if cases == nil {
			b.WriteString(" AND c.open_until IS NOT NULL AND NOT c.closed AND " + p.done + " IS NULL")
			if p.stopped != "NULL" {
				b.WriteString(" AND " + p.stopped + " IS NULL")
			}
		} else {
			b.WriteString(" AND c.id IN " + placeholders(len(cases)))
			args = append(args, anys(cases)...)
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
		return nil, err
	}
	defer rows.Close()
	var out []BoardDeadline
	for rows.Next() {
		var (
			d                                 BoardDeadline
			milestone, excused                string
			category, street                  *string
			start, due, done, stopped, opened timeCol
		)
		if err := rows.Scan(&d.Case, &d.Unit, &milestone, &d.Round, &start, &due, &done, &stopped, &excused, &category, &street,
			&opened, &d.Closed); err != nil {
			return nil, err
		}
		d.Milestone = evaluation.Milestone(milestone)
		d.Start, d.Due, d.Actual, d.Stopped, d.OpenedAt = start.t, due.t, done.t, stopped.t, opened.t
		d.Excused = containsWord(excused, milestone)
		if category != nil {
			d.Category = *category
		}
		if street != nil {
			d.Street = *street
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// LogHead returns the sequence number of the event log's last event.
func (db *DB) LogHead(ctx context.Context) (int64, error) {
	var seq *int64
	err := db.reads.QueryRowContext(ctx, "SELECT max(seq) FROM events").Scan(&seq)
	if err != nil || seq == nil {
		return 0, db.wrap("read the event log's head", err)
	}
	return *seq, nil
}

// CasesSince returns the cases with events stored after seq, and the
// cases whose derived state is not yet updated (a run's waiting cases).
func (db *DB) CasesSince(ctx context.Context, seq int64) ([]string, error) {
	rows, err := db.reads.QueryContext(ctx, "SELECT DISTINCT case_id FROM events WHERE seq > ? UNION SELECT case_id FROM underived", seq)
	if err != nil {
		return nil, db.wrap("read touched cases", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, db.wrap("read touched cases", err)
		}
		out = append(out, id)
	}
	return out, db.wrap("read touched cases", rows.Err())
}
