package store

import (
	"context"
	"fmt"
	"time"

	"github.com/goccy/go-json"

	"frontline/evaluation"
	"frontline/scoring"
)

// ScoringData reads what scoring needs for the cases opened in [from, to):
// the compact case and assignment rows with their deadlines, the
// supervision findings on those cases, and the registry's units.
func (db *DB) ScoringData(ctx context.Context, from, to time.Time) (*scoring.Data, error) {
	from, to = from.UTC(), to.UTC()
	var cases []caseRow
	if err := db.bun.NewSelect().Model(&cases).
		Where("c.opened_at >= ? AND c.opened_at < ?", from, to).Order("c.id").Scan(ctx); err != nil {
		return nil, db.wrap("read cases", err)
	}
	var assigned []assignmentRow
	if err := db.bun.NewSelect().Model(&assigned).Join("JOIN cases AS c ON c.id = a.case_id").
		Where("c.opened_at >= ? AND c.opened_at < ?", from, to).Order("a.case_id", "a.unit").Scan(ctx); err != nil {
		return nil, db.wrap("read assignments", err)
	}
	var rounds []redisposeRow
	if err := db.bun.NewSelect().Model(&rounds).Join("JOIN cases AS c ON c.id = r.case_id").
		Where("c.opened_at >= ? AND c.opened_at < ?", from, to).Scan(ctx); err != nil {
		return nil, db.wrap("read deadlines", err)
	}
	var findings []eventRow
	if err := db.bun.NewSelect().Model(&findings).Column("e.id", "e.case_id", "e.body").
		Join("JOIN cases AS c ON c.id = e.case_id").
		Where("e.type = ? AND c.opened_at >= ? AND c.opened_at < ?", string(evaluation.Supervised), from, to).
		Order("e.id").Scan(ctx); err != nil {
		return nil, db.wrap("read findings", err)
	}
	reg, err := db.Registry(ctx)
	if err != nil {
		return nil, err
	}

	d := &scoring.Data{Units: reg.Units, Cases: make([]scoring.Case, len(cases))}
	for i := range cases {
		c := &cases[i]
		d.Cases[i] = scoring.Case{ID: c.ID, OpenedAt: utc(c.OpenedAt), Street: c.Street, Satisfaction: c.Satisfaction,
			Solved: c.Solved, RatedAt: utc(c.RatedAt), InPlace: c.InPlace, RevisitedAt: utc(c.RevisitedAt),
			Reopenings: c.Reopenings, Call: c.callDeadline()}
	}
	extra := map[[2]string][]evaluation.Deadline{}
	for i := range rounds {
		k := [2]string{rounds[i].Case, rounds[i].Unit}
		extra[k] = append(extra[k], rounds[i].deadline())
	}
	d.Assignments = make([]scoring.Assignment, len(assigned))
	for i := range assigned {
		a := &assigned[i]
		d.Assignments[i] = scoring.Assignment{Assignment: a.domain(),
			Deadlines: append(a.deadlines(), extra[[2]string{a.Case, a.Unit}]...)}
	}
	for _, f := range findings {
		var e evaluation.Event
		if err := json.Unmarshal([]byte(f.Body), &e); err != nil {
			return nil, db.wrap("read findings", fmt.Errorf("decode event %s: %w", f.ID, err))
		}
		d.Findings = append(d.Findings, scoring.Finding{ID: e.ID, Case: e.Case, Unit: e.Target, Severity: e.Severity})
	}
	return d, nil
}
