package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"frontline/evaluation"
)

type deadlineRow struct {
	bun.BaseModel `bun:"table:deadlines,alias:d"`
	Case          string    `bun:"case_id,pk"`
	Unit          string    `bun:"unit,pk"`
	Milestone     string    `bun:"milestone,pk"`
	Round         int       `bun:"round,pk"`
	Start         time.Time `bun:"start_at"`
	Due           time.Time `bun:"due_at"`
	Actual        time.Time `bun:"actual_at,nullzero"`
	Stopped       time.Time `bun:"stopped_at,nullzero"`
	Excused       bool      `bun:"excused"`
}

func (r *deadlineRow) domain() evaluation.Deadline {
	return evaluation.Deadline{Case: r.Case, Unit: r.Unit, Milestone: evaluation.Milestone(r.Milestone), Round: r.Round,
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

// Deadlines returns the deadlines of the cases opened in the filter's
// period, ordered by due time, case and unit.
func (db *DB) Deadlines(ctx context.Context, f DeadlineFilter) ([]evaluation.Deadline, error) {
	var rows []deadlineRow
	q := db.bun.NewSelect().Model(&rows).
		Join("JOIN cases AS c ON c.id = d.case_id").
		Where("c.opened_at >= ? AND c.opened_at < ?", f.From.UTC(), f.To.UTC())
	if f.Unit != "" {
		q = q.Where("d.unit = ?", f.Unit)
	}
	if !f.LateBy.IsZero() {
		q = q.Where("d.due_at < ?", f.LateBy.UTC()).Where("(d.actual_at IS NULL OR d.actual_at > d.due_at)")
	}
	if err := q.Order("d.due_at", "d.case_id", "d.unit", "d.milestone", "d.round").Scan(ctx); err != nil {
		return nil, db.wrap("read deadlines", err)
	}
	out := make([]evaluation.Deadline, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// caseDeadlines returns one case's deadlines in due order.
func (db *DB) caseDeadlines(ctx context.Context, caseID string) ([]evaluation.Deadline, error) {
	var rows []deadlineRow
	if err := db.bun.NewSelect().Model(&rows).Where("case_id = ?", caseID).
		Order("due_at", "unit", "milestone", "round").Scan(ctx); err != nil {
		return nil, db.wrap("read deadlines", err)
	}
	out := make([]evaluation.Deadline, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}
