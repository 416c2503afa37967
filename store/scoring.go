package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/goccy/go-json"

	"frontline/evaluation"
	"frontline/scoring"
)

// ScoringData reads what scoring needs for the cases opened in [from, to):
// the compact case and assignment rows with their deadlines, the
// supervision findings on those cases, and the registry's units. It reads
// with plain SQL and scans only the columns scoring uses: for a year of a
// large district this is most of the time a score takes.
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
	// Cases and assignments load side by side, on two connections.
	casesDone := make(chan error, 1)
	go func() { casesDone <- db.loadScoringCases(ctx, pick, from, to) }()
	errAssignments := db.loadScoringAssignments(ctx, pick, from, to)
	if err := <-casesDone; err != nil {
		return db.wrap("read cases", err)
	}
	if errAssignments != nil {
		return db.wrap("read assignments", errAssignments)
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

func (db *DB) loadScoringCases(ctx context.Context, pick func(time.Time) *scoring.Data, from, to time.Time) error {
	q := "SELECT c.id, " + db.ts("c.opened_at") + ", c.street, c.satisfaction, c.solved, " + db.ts("c.rated_at") +
		", c.in_place, " + db.ts("c.revisited_at") + ", c.reopenings, c.call_unit, " + db.ts("c.call_due") +
		", " + db.ts("c.call_done") + ", c.call_excused, " + db.ts("c.reopened_at") + " FROM cases AS c WHERE c.opened_at >= ? AND c.opened_at < ?"
	rows, err := db.reads.QueryContext(ctx, q, from, to)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		street, satisfaction, callUnit sql.NullString
		solved, inPlace                sql.NullBool
		opened, rated, revisited       timeCol
		callDue, callDone, reopened    timeCol
	)
	for rows.Next() {
		var c scoring.Case
		var excused bool
		if err := rows.Scan(&c.ID, &opened, &street, &satisfaction, &solved, &rated, &inPlace, &revisited,
			&c.Reopenings, &callUnit, &callDue, &callDone, &excused, &reopened); err != nil {
			return err
		}
		c.OpenedAt, c.Street, c.Satisfaction = opened.t, street.String, satisfaction.String
		c.Solved, c.RatedAt, c.InPlace, c.RevisitedAt = boolPtr(solved), rated.t, boolPtr(inPlace), revisited.t
		c.ReopenedAt = reopened.t
		if !callDue.t.IsZero() {
			c.Call = &evaluation.Deadline{Case: c.ID, Unit: callUnit.String, Milestone: evaluation.Call, Round: 1,
				Start: c.OpenedAt, Due: callDue.t, Actual: callDone.t, Excused: excused}
		}
		if d := pick(c.OpenedAt); d != nil {
			d.Cases = append(d.Cases, c)
		}
	}
	return rows.Err()
}

func (db *DB) loadScoringAssignments(ctx context.Context, pick func(time.Time) *scoring.Data, from, to time.Time) error {
	rounds := map[[2]string][]evaluation.Deadline{}
	q := "SELECT r.case_id, r.unit, r.round, " + db.ts("r.start_at") + ", " + db.ts("r.due_at") + ", " + db.ts("r.actual_at") +
		", " + db.ts("r.stopped_at") + ", r.excused FROM redispose_deadlines AS r JOIN cases AS c ON c.id = r.case_id" +
		" WHERE c.opened_at >= ? AND c.opened_at < ?"
	rows, err := db.reads.QueryContext(ctx, q, from, to)
	if err != nil {
		return err
	}
	var start, due, actual, stopped timeCol
	for rows.Next() {
		dl := evaluation.Deadline{Milestone: evaluation.Dispose}
		if err := rows.Scan(&dl.Case, &dl.Unit, &dl.Round, &start, &due, &actual, &stopped, &dl.Excused); err != nil {
			rows.Close()
			return err
		}
		dl.Start, dl.Due, dl.Actual, dl.Stopped = start.t, due.t, actual.t, stopped.t
		k := [2]string{dl.Case, dl.Unit}
		rounds[k] = append(rounds[k], dl)
	}
	if err := rows.Close(); err != nil {
		return err
	}

	q = "SELECT a.case_id, a.unit, a.role, a.by_unit, " + db.ts("a.dispatched_at") + ", " + db.ts("a.resolved_at") +
		", " + db.ts("a.returned_at") + ", a.return_upheld, a.call_accurate, a.call_score, a.response_score, a.response_rater, " +
		db.ts("a.respond_due") + ", " + db.ts("a.respond_done") + ", " + db.ts("a.report_due") + ", " + db.ts("a.report_done") +
		", " + db.ts("a.dispose_due") + ", " + db.ts("a.dispose_done") + ", " + db.ts("a.clock_stopped_at") + ", a.excused, " + db.ts("c.opened_at") + ", " + db.ts("a.call_evaluated_at") + ", " + db.ts("a.response_evaluated_at") +
		" FROM assignments AS a JOIN cases AS c ON c.id = a.case_id WHERE c.opened_at >= ? AND c.opened_at < ?"
	rows, err = db.reads.QueryContext(ctx, q, from, to)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		by, rater, excused                   sql.NullString
		upheld, accurate                     sql.NullBool
		callScore, responseScore             sql.NullInt64
		dispatched, resolved, returned, stop timeCol
		opened, callEval, respEval           timeCol
		due3, done3                          [3]timeCol
	)
	milestones := [3]evaluation.Milestone{evaluation.Respond, evaluation.Report, evaluation.Dispose}
	for rows.Next() {
		var a scoring.Assignment
		if err := rows.Scan(&a.Case, &a.Unit, &a.Role, &by, &dispatched, &resolved, &returned, &upheld, &accurate,
			&callScore, &responseScore, &rater, &due3[0], &done3[0], &due3[1], &done3[1], &due3[2], &done3[2],
			&stop, &excused, &opened, &callEval, &respEval); err != nil {
			return err
		}
		a.By, a.DispatchedAt, a.ResolvedAt, a.ReturnedAt = by.String, dispatched.t, resolved.t, returned.t
		a.ReturnUpheld, a.CallAccurate, a.ResponseRater = boolPtr(upheld), boolPtr(accurate), rater.String
		a.CallScore, a.ResponseScore = intPtr(callScore), intPtr(responseScore)
		a.CallEvaluatedAt, a.ResponseEvaluatedAt = callEval.t, respEval.t
		for i, m := range milestones {
			if due3[i].t.IsZero() {
				continue
			}
			dl := evaluation.Deadline{Case: a.Case, Unit: a.Unit, Milestone: m, Round: 1, Start: a.DispatchedAt,
				Due: due3[i].t, Actual: done3[i].t, Excused: excused.Valid && containsWord(excused.String, string(m))}
			if m != evaluation.Respond {
				dl.Stopped = stop.t
			}
			a.Deadlines = append(a.Deadlines, dl)
		}
		a.Deadlines = append(a.Deadlines, rounds[[2]string{a.Case, a.Unit}]...)
		if d := pick(opened.t); d != nil {
			d.Assignments = append(d.Assignments, a)
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

func boolPtr(b sql.NullBool) *bool {
	if !b.Valid {
		return nil
	}
	v := b.Bool
	return &v
}

func intPtr(n sql.NullInt64) *int {
	if !n.Valid {
		return nil
	}
	v := int(n.Int64)
	return &v
}

func containsWord(list, word string) bool {
	for _, w := range strings.Fields(list) {
		if w == word {
			return true
		}
	}
	return false
}
