package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"frontline/evaluation"
)

type redisposeRow struct {
	bun.BaseModel `bun:"table:redispose_deadlines,alias:r"`
	Case          string    `bun:"case_id"`
	Unit          string    `bun:"unit"`
	Round         int       `bun:"round"`
	Start         time.Time `bun:"start_at"`
	Due           time.Time `bun:"due_at"`
	Actual        time.Time `bun:"actual_at,nullzero"`
	Stopped       time.Time `bun:"stopped_at,nullzero"`
	Excused       bool      `bun:"excused"`
}

// callDeadline returns the street's call deadline stored on the case row.
func (r *caseRow) callDeadline() *evaluation.Deadline {
	if r.CallDue.IsZero() {
		return nil
	}
	return &evaluation.Deadline{Case: r.ID, Unit: r.CallUnit, Milestone: evaluation.Call, Round: 1,
		Start: utc(r.OpenedAt), Due: utc(r.CallDue), Actual: utc(r.CallDone), Excused: r.CallExcused}
}

// deadlines returns the round-one deadlines stored on the assignment row.
func (r *assignmentRow) deadlines() []evaluation.Deadline {
	var out []evaluation.Deadline
	excused := strings.Fields(r.Excused)
	for _, m := range []struct {
		milestone evaluation.Milestone
		due, done time.Time
		stops     bool
	}{
		{evaluation.Respond, r.RespondDue, r.RespondDone, false},
		{evaluation.Report, r.ReportDue, r.ReportDone, true},
		{evaluation.Dispose, r.DisposeDue, r.DisposeDone, true},
	} {
		if m.due.IsZero() {
			continue
		}
		d := evaluation.Deadline{Case: r.Case, Unit: r.Unit, Milestone: m.milestone, Round: 1,
			Start: utc(r.DispatchedAt), Due: utc(m.due), Actual: utc(m.done),
			Excused: slices.Contains(excused, string(m.milestone))}
		if m.stops {
			d.Stopped = utc(r.Stopped)
		}
		out = append(out, d)
	}
	return out
}

func (r *redisposeRow) deadline() evaluation.Deadline {
	return evaluation.Deadline{Case: r.Case, Unit: r.Unit, Milestone: evaluation.Dispose, Round: r.Round,
		Start: utc(r.Start), Due: utc(r.Due), Actual: utc(r.Actual), Stopped: utc(r.Stopped), Excused: r.Excused}
}

// DeadlineFilter selects deadlines of cases opened in [From, To).
type DeadlineFilter struct {
	From, To time.Time
	Unit     string // only this unit's deadlines, if set
	// LateBy keeps only deadlines missed as of this time (done late, or
	// not done and past due), if set; StatusAt gives the final word.
	LateBy time.Time
}

// missed is the SQL condition of a deadline missed by ?: due before it and
// not done by the due time.
func missed(due, done string) string {
	return "(" + due + " < ? AND (" + done + " IS NULL OR " + done + " > " + due + "))"
}

// Deadlines returns the deadlines of the cases opened in the filter's
// period, in EachDeadline's order.
func (db *DB) Deadlines(ctx context.Context, f DeadlineFilter) ([]evaluation.Deadline, error) {
	var out []evaluation.Deadline
	err := db.EachDeadline(ctx, f, func(d evaluation.Deadline) error {
		out = append(out, d)
		return nil
	})
	return out, err
}

// EachDeadline calls fn with each deadline of the cases opened in the
// filter's period, ordered by due time, case, unit, milestone and round,
// one row at a time: a million breaches never sit in memory together.
// The database filters and orders them; an error from fn stops the walk
// and is returned as it is.
func (db *DB) EachDeadline(ctx context.Context, f DeadlineFilter, fn func(evaluation.Deadline) error) error {
	q, args := db.deadlineQuery(f)
	rows, err := db.reads.QueryContext(ctx, q, args...)
	if err != nil {
		return db.wrap("read deadlines", err)
	}
	defer rows.Close()
	var (
		d                         evaluation.Deadline
		milestone, excused        string
		start, due, done, stopped timeCol
	)
	dest := []any{&d.Case, &d.Unit, &milestone, &d.Round, &start, &due, &done, &stopped, &excused}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return db.wrap("read deadlines", err)
		}
		d.Milestone = evaluation.Milestone(milestone)
		d.Start, d.Due, d.Actual, d.Stopped = start.t, due.t, done.t, stopped.t
		d.Excused = containsWord(excused, milestone)
		if err := fn(d); err != nil {
			return err
		}
	}
	return db.wrap("read deadlines", rows.Err())
}

// deadlineQuery selects the filter's deadlines from where they are kept:
// the call on the case row, the first round of respond, report and
// dispose on the assignment row, later dispose rounds in their own table.
// Each part keeps only what the filter asks for, so that the database
// reads and sorts no more than the answer.
// deadlinePart is where one kind of deadline is kept, as SQL expressions
// over its table joined to its case (alias c).
type deadlinePart struct {
	milestone, caseID, unit, round, start, due, done, stopped, excused, from string
}

var deadlineParts = []deadlinePart{
	{"call", "c.id", "c.call_unit", "1", "c.opened_at", "c.call_due", "c.call_done", "NULL",
		"CASE WHEN c.call_excused THEN 'call' ELSE '' END", "cases AS c"},
	{"respond", "a.case_id", "a.unit", "1", "a.dispatched_at", "a.respond_due", "a.respond_done", "NULL", "COALESCE(a.excused, '')",
		"assignments AS a JOIN cases AS c ON c.id = a.case_id"},
	{"report", "a.case_id", "a.unit", "1", "a.dispatched_at", "a.report_due", "a.report_done", "a.clock_stopped_at", "COALESCE(a.excused, '')",
		"assignments AS a JOIN cases AS c ON c.id = a.case_id"},
	{"dispose", "a.case_id", "a.unit", "1", "a.dispatched_at", "a.dispose_due", "a.dispose_done", "a.clock_stopped_at", "COALESCE(a.excused, '')",
		"assignments AS a JOIN cases AS c ON c.id = a.case_id"},
	{"dispose", "r.case_id", "r.unit", "r.round", "r.start_at", "r.due_at", "r.actual_at", "r.stopped_at",
		"CASE WHEN r.excused THEN 'dispose' ELSE '' END", "redispose_deadlines AS r JOIN cases AS c ON c.id = r.case_id"},
}

// stoppedExpr is a part's stopped column, typed on PostgreSQL when NULL.
func (db *DB) stoppedExpr(p deadlinePart) string {
	if p.stopped == "NULL" && db.engine == Postgres {
		return "CAST(NULL AS timestamptz)"
	}
	return p.stopped
}

func (db *DB) deadlineQuery(f DeadlineFilter) (string, []any) {
	var b strings.Builder
	var args []any
	b.WriteString("SELECT case_id, unit, milestone, round, " + db.ts("start_at") + ", " + db.ts("due_at") + ", " +
		db.ts("done_at") + ", " + db.ts("stopped_at") + ", excused FROM (")
	for i, p := range deadlineParts {
		if i > 0 {
			b.WriteString(" UNION ALL ")
		}
		stopped := db.stoppedExpr(p)
		fmt.Fprintf(&b, "SELECT %s AS case_id, %s AS unit, '%s' AS milestone, %s AS round, %s AS start_at, %s AS due_at,"+
			" %s AS done_at, %s AS stopped_at, %s AS excused FROM %s WHERE c.opened_at >= ? AND c.opened_at < ? AND %s IS NOT NULL",
			p.caseID, p.unit, p.milestone, p.round, p.start, p.due, p.done, stopped, p.excused, p.from, p.due)
		args = append(args, f.From.UTC(), f.To.UTC())
		if f.Unit != "" {
			b.WriteString(" AND " + p.unit + " = ?")
			args = append(args, f.Unit)
		}
		if !f.LateBy.IsZero() {
			b.WriteString(" AND " + missed(p.due, p.done))
			args = append(args, f.LateBy.UTC())
		}
	}
	// Byte order on both engines, as Go compares strings.
	collate := ""
	if db.engine == Postgres {
		collate = ` COLLATE "C"`
	}
	b.WriteString(") AS d ORDER BY due_at, case_id" + collate + ", unit" + collate + ", milestone" + collate + ", round")
	return b.String(), args
}

// assemble turns deadline rows into deadlines in a stable order.
func assemble(calls []caseRow, assigned []assignmentRow, rounds []redisposeRow) []evaluation.Deadline {
	var out []evaluation.Deadline
	for i := range calls {
		if d := calls[i].callDeadline(); d != nil {
			out = append(out, *d)
		}
	}
	for i := range assigned {
		out = append(out, assigned[i].deadlines()...)
	}
	for i := range rounds {
		out = append(out, rounds[i].deadline())
	}
	slices.SortFunc(out, func(a, b evaluation.Deadline) int {
		if c := a.Due.Compare(b.Due); c != 0 {
			return c
		}
		return strings.Compare(a.ID(), b.ID())
	})
	return out
}
