package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

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

// Open says whether the deadline is on the board: its case open, its
// milestone neither met nor stopped by a return, not excused.
func (d *BoardDeadline) Open() bool {
	return !d.Closed && d.Actual.IsZero() && d.Stopped.IsZero() && !d.Excused
}

// BoardFilter selects deadlines for the board.
type BoardFilter struct {
	// Cases selects every deadline of these cases, open or not; when nil,
	// the open deadlines of every open case.
	Cases []string
	Unit  string // only this unit's, if set
}

// BoardDeadlines returns the deadlines the filter selects, by due time,
// then case, unit, milestone and round: the derived ones, and the call
// of each open case that no one has been dispatched to yet — its street's
// to make within the policy's call limit of its opening (a call is judged
// once made; until then it is on the board only).
func (db *DB) BoardDeadlines(ctx context.Context, f BoardFilter) ([]BoardDeadline, error) {
	if f.Cases != nil && len(f.Cases) == 0 {
		return nil, nil
	}
	rules, err := db.Rules(ctx)
	if err != nil {
		return nil, err
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
		calls, err := db.callsDue(ctx, chunk, f.Unit, rules)
		if err != nil {
			return nil, db.wrap("read open deadlines", err)
		}
		out = append(append(out, part...), calls...)
		if f.Cases == nil {
			break
		}
	}
	slices.SortStableFunc(out, func(a, b BoardDeadline) int {
		if c := a.Due.Compare(b.Due); c != 0 {
			return c
		}
		return strings.Compare(a.ID(), b.ID())
	})
	return out, nil
}

// callsDue returns the calls due of the open cases (cases's only, if not
// nil; unit's only, if set) that no one has been dispatched to.
func (db *DB) callsDue(ctx context.Context, cases []string, unit string, rules *evaluation.Rules) ([]BoardDeadline, error) {
	q := "SELECT c.id, c.street, c.category, " + db.ts("c.opened_at") + " FROM cases AS c WHERE c.street IS NOT NULL AND c.opened_at IS NOT NULL" +
		" AND NOT c.closed AND c.withdrawn IS NULL AND c.call_due IS NULL AND NOT EXISTS (SELECT 1 FROM assignments AS a WHERE a.case_id = c.id)"
	var args []any
	if cases != nil {
		q += " AND c.id IN (?)"
		args = append(args, bun.In(cases))
	}
	if unit != "" {
		q += " AND c.street = ?"
		args = append(args, unit)
	}
	rows, err := db.reads.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []BoardDeadline
	for rows.Next() {
		var (
			d        BoardDeadline
			category sql.NullString
			opened   timeCol
		)
		if err := rows.Scan(&d.Case, &d.Street, &category, &opened); err != nil {
			return nil, err
		}
		p := rules.Policies.At(opened.t)
		if p == nil || p.CallLimit.IsZero() {
			continue
		}
		d.Category = category.String
		d.Unit, d.Milestone, d.Round, d.OpenedAt, d.Start = d.Street, evaluation.Call, 1, opened.t, opened.t
		d.Due = p.CallLimit.Due(opened.t, p.Calendar)
		out = append(out, d)
	}
	return out, rows.Err()
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
	b.WriteString(") AS d") // BoardDeadlines orders them, with the calls due
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
			category, street                  sql.NullString
			start, due, done, stopped, opened timeCol
		)
		if err := rows.Scan(&d.Case, &d.Unit, &milestone, &d.Round, &start, &due, &done, &stopped, &excused, &category, &street,
			&opened, &d.Closed); err != nil {
			return nil, err
		}
		d.Milestone = evaluation.Milestone(milestone)
		d.Start, d.Due, d.Actual, d.Stopped, d.OpenedAt = start.t, due.t, done.t, stopped.t, opened.t
		d.Excused = containsWord(excused, milestone)
		d.Category, d.Street = category.String, street.String
		out = append(out, d)
	}
	return out, rows.Err()
}

// LogState is where the event log and its derived state stand: what the
// board's clock compares between two looks.
type LogState struct {
	Head      int64    // the last event's seq
	Rebuilds  int64    // rebuilds of every case's derived state begun and ended (odd: one is running)
	Underived []string // cases with events stored whose derived state is not yet updated
}

// LogState reads the log's state: its head first, then what waits, so
// that a case whose events are at or before the head and whose state was
// not yet derived is among Underived.
func (db *DB) LogState(ctx context.Context) (LogState, error) {
	var st LogState
	var head *int64
	if err := db.reads.QueryRowContext(ctx, "SELECT (SELECT max(seq) FROM events), COALESCE((SELECT rebuilds FROM count_state), 0)").Scan(&head, &st.Rebuilds); err != nil {
		return st, db.wrap("read the event log's state", err)
	}
	if head != nil {
		st.Head = *head
	}
	err := db.reads.NewSelect().Table("underived").Column("case_id").Order("case_id").Scan(ctx, &st.Underived)
	return st, db.wrap("read the event log's state", err)
}

// CasesSince returns the cases with events stored after seq.
func (db *DB) CasesSince(ctx context.Context, seq int64) ([]string, error) {
	rows, err := db.reads.QueryContext(ctx, "SELECT DISTINCT case_id FROM events WHERE seq > ?", seq)
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

// boardLock is the advisory lock key that serialises the board's
// announcements on PostgreSQL, so that two servers announce a crossing once.
const boardLock = 7004

// WarningEvent is one announcement of the board: a deadline turned amber
// or red, or left the board met or ended.
type WarningEvent struct {
	Seq       int64 // the stream's event id
	Deadline  BoardDeadline
	State     string    // amber, red, met or ended
	At        time.Time // when it happened: the threshold crossed, the milestone's time
	NoticedAt time.Time // when the clock saw it
}

// WarningLights returns the light last announced for each deadline that
// is amber or red: deadline id → light.
func (db *DB) WarningLights(ctx context.Context) (map[string]evaluation.Light, error) {
	rows, err := db.reads.QueryContext(ctx, "SELECT deadline, light FROM warning_lights")
	if err != nil {
		return nil, db.wrap("read warning lights", err)
	}
	defer rows.Close()
	out := map[string]evaluation.Light{}
	for rows.Next() {
		var id, light string
		if err := rows.Scan(&id, &light); err != nil {
			return nil, db.wrap("read warning lights", err)
		}
		out[id] = evaluation.Light(light)
	}
	return out, db.wrap("read warning lights", rows.Err())
}

// LitDeadlines returns the deadlines of cases that are lit (amber or red)
// as announced, whatever their rows say now: a deadline a case no longer
// has (a round appealed away, a limit a new policy dropped) is among them
// until its end is announced. By deadline id; the deadline's case, unit,
// milestone and round come from its id, its street and due time as they
// were when it was lit.
func (db *DB) LitDeadlines(ctx context.Context, cases []string) (map[string]WarningEvent, error) {
	out := map[string]WarningEvent{}
	for start := 0; start < len(cases); start += sqliteChunk {
		chunk := cases[start:min(start+sqliteChunk, len(cases))]
		rows, err := db.reads.QueryContext(ctx, "SELECT deadline, street, "+db.ts("due")+", light FROM warning_lights WHERE case_id IN (?)", bun.In(chunk))
		if err != nil {
			return nil, db.wrap("read warning lights", err)
		}
		for rows.Next() {
			var (
				id, light string
				street    sql.NullString
				due       timeCol
			)
			if err := rows.Scan(&id, &street, &due, &light); err != nil {
				rows.Close()
				return nil, db.wrap("read warning lights", err)
			}
			caseID, unit, m, round, ok := evaluation.ParseDeadlineID(id)
			if !ok {
				continue
			}
			e := WarningEvent{State: light, Deadline: BoardDeadline{Deadline: evaluation.Deadline{Case: caseID, Unit: unit, Milestone: m, Round: round, Due: due.t}}}
			e.Deadline.Street = street.String
			out[id] = e
		}
		if err := rows.Close(); err != nil {
			return nil, db.wrap("read warning lights", err)
		}
	}
	return out, nil
}

// Announce records changes of light in one transaction: each is logged
// as a warning event and the deadline's light set (amber, red) or taken
// off (met, ended), unless the stored light already says it — another
// server announced it first. It returns the events logged, with their ids.
func (db *DB) Announce(ctx context.Context, changes []WarningEvent) ([]WarningEvent, error) {
	if len(changes) == 0 {
		return nil, nil
	}
	var logged []WarningEvent
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		logged = logged[:0]
		if db.engine == Postgres {
			if _, err := tx.ExecContext(ctx, fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", boardLock)); err != nil {
				return err
			}
		}
		ids := make([]string, len(changes))
		for i := range changes {
			ids[i] = changes[i].Deadline.ID()
		}
		stored := map[string]string{}
		for start := 0; start < len(ids); start += sqliteChunk {
			chunk := ids[start:min(start+sqliteChunk, len(ids))]
			rows, err := tx.QueryContext(ctx, "SELECT deadline, light FROM warning_lights WHERE deadline IN (?)", bun.In(chunk))
			if err != nil {
				return err
			}
			for rows.Next() {
				var id, light string
				if err := rows.Scan(&id, &light); err != nil {
					rows.Close()
					return err
				}
				stored[id] = light
			}
			if err := rows.Close(); err != nil {
				return err
			}
		}
		for _, c := range changes {
			id := c.Deadline.ID()
			lit := c.State == "amber" || c.State == "red"
			if lit && stored[id] == c.State || !lit && stored[id] == "" {
				continue
			}
			var err error
			switch {
			case lit && stored[id] == "":
				_, err = tx.ExecContext(ctx, "INSERT INTO warning_lights (deadline, case_id, street, due, light) VALUES (?, ?, ?, ?, ?)",
					id, c.Deadline.Case, nullString(c.Deadline.Street), c.Deadline.Due.UTC(), c.State)
			case lit:
				_, err = tx.ExecContext(ctx, "UPDATE warning_lights SET light = ? WHERE deadline = ?", c.State, id)
			default:
				_, err = tx.ExecContext(ctx, "DELETE FROM warning_lights WHERE deadline = ?", id)
			}
			if err != nil {
				return err
			}
			if lit {
				stored[id] = c.State
			} else {
				delete(stored, id)
			}
			d := &c.Deadline
			if err := tx.QueryRowContext(ctx, "INSERT INTO warning_events (deadline, case_id, unit, street, milestone, round, state, at, due, noticed_at)"+
				" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq", id, d.Case, d.Unit, nullString(d.Street), string(d.Milestone), d.Round,
				c.State, c.At.UTC(), d.Due.UTC(), c.NoticedAt.UTC()).Scan(&c.Seq); err != nil {
				return err
			}
			logged = append(logged, c)
		}
		return nil
	})
	return logged, db.wrap("announce warnings", err)
}

// WarningEvents returns the announcements after seq, oldest first, at
// most limit of them.
func (db *DB) WarningEvents(ctx context.Context, after int64, limit int) ([]WarningEvent, error) {
	rows, err := db.reads.QueryContext(ctx, "SELECT w.seq, w.deadline, w.case_id, w.unit, w.street, w.milestone, w.round, w.state, "+
		db.ts("w.at")+", "+db.ts("w.due")+", "+db.ts("w.noticed_at")+", c.category, "+db.ts("c.opened_at")+
		" FROM warning_events AS w LEFT JOIN cases AS c ON c.id = w.case_id WHERE w.seq > ? ORDER BY w.seq LIMIT ?", after, limit)
	if err != nil {
		return nil, db.wrap("read warning events", err)
	}
	defer rows.Close()
	var out []WarningEvent
	for rows.Next() {
		var (
			e                   WarningEvent
			id, milestone       string
			street, category    sql.NullString
			at, due, noticed, o timeCol
		)
		if err := rows.Scan(&e.Seq, &id, &e.Deadline.Case, &e.Deadline.Unit, &street, &milestone, &e.Deadline.Round, &e.State,
			&at, &due, &noticed, &category, &o); err != nil {
			return nil, db.wrap("read warning events", err)
		}
		e.Deadline.Milestone = evaluation.Milestone(milestone)
		e.At, e.Deadline.Due, e.NoticedAt, e.Deadline.OpenedAt = at.t, due.t, noticed.t, o.t
		e.Deadline.Street, e.Deadline.Category = street.String, category.String
		out = append(out, e)
	}
	return out, db.wrap("read warning events", rows.Err())
}

// LastWarning returns the id of the last warning event logged, 0 if none.
func (db *DB) LastWarning(ctx context.Context) (int64, error) {
	var seq *int64
	err := db.reads.QueryRowContext(ctx, "SELECT max(seq) FROM warning_events").Scan(&seq)
	if err != nil || seq == nil {
		return 0, db.wrap("read warning events", err)
	}
	return *seq, nil
}
