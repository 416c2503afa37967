package store

import (
	"context"
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
// period, ordered by due time, case, unit, milestone and round.
func (db *DB) Deadlines(ctx context.Context, f DeadlineFilter) ([]evaluation.Deadline, error) {
	from, to := f.From.UTC(), f.To.UTC()
	var calls []caseRow
	q := db.bun.NewSelect().Model(&calls).
		Where("c.opened_at >= ? AND c.opened_at < ? AND c.call_due IS NOT NULL", from, to)
	if f.Unit != "" {
		q = q.Where("c.call_unit = ?", f.Unit)
	}
	if !f.LateBy.IsZero() {
		q = q.Where(missed("c.call_due", "c.call_done"), f.LateBy.UTC())
	}
	if err := q.Scan(ctx); err != nil {
		return nil, db.wrap("read deadlines", err)
	}

	var assigned []assignmentRow
	q = db.bun.NewSelect().Model(&assigned).Join("JOIN cases AS c ON c.id = a.case_id").
		Where("c.opened_at >= ? AND c.opened_at < ? AND a.respond_due IS NOT NULL", from, to)
	if f.Unit != "" {
		q = q.Where("a.unit = ?", f.Unit)
	}
	if late := f.LateBy.UTC(); !f.LateBy.IsZero() {
		q = q.Where("("+missed("a.respond_due", "a.respond_done")+" OR "+missed("a.report_due", "a.report_done")+
			" OR "+missed("a.dispose_due", "a.dispose_done")+")", late, late, late)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, db.wrap("read deadlines", err)
	}

	var rounds []redisposeRow
	q = db.bun.NewSelect().Model(&rounds).Join("JOIN cases AS c ON c.id = r.case_id").
		Where("c.opened_at >= ? AND c.opened_at < ?", from, to)
	if f.Unit != "" {
		q = q.Where("r.unit = ?", f.Unit)
	}
	if !f.LateBy.IsZero() {
		q = q.Where(missed("r.due_at", "r.actual_at"), f.LateBy.UTC())
	}
	if err := q.Scan(ctx); err != nil {
		return nil, db.wrap("read deadlines", err)
	}
	return assemble(calls, assigned, rounds), nil
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
