package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"frontline/evaluation"
	"frontline/scoring"
)

// Scoring's outcome counts (scoring.Counts) are kept per month of opening
// in outcome_counts, in the transaction that changes the derived rows:
// the rows an ingest deletes are read back as it deletes them and their
// outcomes subtracted, the new rows' outcomes added. A month's scores
// then come from a few thousand counts instead of every case of it.
//
// Counts hold each case as of the end of time: an open deadline counts as
// breached. That is the case as of any time after every stored event,
// except for open deadlines not yet due; each case keeps the latest due
// time of its open deadlines (open_until), and a score as of an earlier
// time recounts those few cases exactly. As of a time before the latest
// stored event (the horizon), the cases with an event after it are
// recounted too: a case whose every event and due time is past by then
// counts the same as of then as at the end of time.

// monthOf returns the month of t in the zone of the policy in force then.
func monthOf(rules *evaluation.Rules, t time.Time) string {
	return t.In(rules.Policies.At(t).Location).Format("2006-01")
}

// monthCounts are outcome counts by month of opening.
type monthCounts map[string]scoring.Counts

// addRecords adds sign × the outcomes of a derived case, taken in the
// shape that storage reads back, so that what one ingest adds a later one
// subtracts exactly. It returns when the case's last open deadline is due.
func (m monthCounts) addRecords(rules *evaluation.Rules, cr *caseRecord, as []assignmentRecord, rounds []evaluation.Deadline, sign int64) time.Time {
	c := scoringCase(cr)
	byUnit := map[[2]string][]evaluation.Deadline{}
	for _, dl := range rounds {
		addRound(byUnit, dl)
	}
	sas := make([]scoring.Assignment, len(as))
	for i := range as {
		sas[i] = scoringAssignment(&as[i], byUnit)
	}
	return m.addCase(rules, &c, sas, sign)
}

// addCase adds sign × the outcomes of a case with its assignments, and
// returns when its last open deadline is due.
func (m monthCounts) addCase(rules *evaluation.Rules, c *scoring.Case, as []scoring.Assignment, sign int64) time.Time {
	if c.OpenedAt.IsZero() {
		return time.Time{} // not opened yet: no period holds it
	}
	month := monthOf(rules, c.OpenedAt)
	counts := m[month]
	if counts == nil {
		counts = scoring.Counts{}
		m[month] = counts
	}
	ptrs := make([]*scoring.Assignment, len(as))
	for i := range as {
		ptrs[i] = &as[i]
	}
	scoring.Contribute(counts, c, ptrs, scoring.Forever, sign)
	return openUntil(c, as)
}

// openUntil returns the latest due time of a case's open deadlines: not
// met, stopped or excused.
func openUntil(c *scoring.Case, as []scoring.Assignment) time.Time {
	var last time.Time
	check := func(dl *evaluation.Deadline) {
		if dl.Actual.IsZero() && dl.Stopped.IsZero() && !dl.Excused && dl.Due.After(last) {
			last = dl.Due
		}
	}
	if c.Call != nil {
		check(c.Call)
	}
	for i := range as {
		for j := range as[i].Deadlines {
			check(&as[i].Deadlines[j])
		}
	}
	return last
}

// scoringCase is what caseScan reads back of the row caseValues writes.
func scoringCase(r *caseRecord) scoring.Case {
	c := scoring.Case{ID: r.ID, OpenedAt: r.OpenedAt, Street: r.Street, Satisfaction: r.Satisfaction, Solved: r.Solved,
		RatedAt: r.RatedAt, InPlace: r.InPlace, RevisitedAt: r.RevisitedAt, Reopenings: r.Reopenings, ReopenedAt: r.ReopenedAt,
		Withdrawn: r.Withdrawn != ""}
	if r.call != nil && !r.call.Due.IsZero() {
		c.Call = &evaluation.Deadline{Case: c.ID, Unit: r.call.Unit, Milestone: evaluation.Call, Round: 1,
			Start: c.OpenedAt, Due: r.call.Due, Actual: r.call.Actual, Excused: r.call.Excused}
	}
	return c
}

// scoringAssignment is what assignmentScan reads back of the row
// assignmentValues writes.
func scoringAssignment(r *assignmentRecord, rounds map[[2]string][]evaluation.Deadline) scoring.Assignment {
	var a scoring.Assignment
	a.Case, a.Unit, a.Role, a.By = r.Case, r.Unit, r.Role, r.By
	a.DispatchedAt, a.ResolvedAt, a.ReturnedAt, a.ReturnUpheld = r.DispatchedAt, r.ResolvedAt, r.ReturnedAt, r.ReturnUpheld
	a.CallAccurate, a.CallScore, a.ResponseScore, a.ResponseRater = r.CallAccurate, r.CallScore, r.ResponseScore, r.ResponseRater
	a.CallEvaluatedAt, a.ResponseEvaluatedAt, a.UrgedAt = r.CallEvaluatedAt, r.ResponseEvaluatedAt, r.UrgedAt
	stopped, excused := r.clock()
	for i, dl := range []*evaluation.Deadline{r.respond, r.report, r.dispose} {
		if dl == nil || dl.Due.IsZero() {
			continue
		}
		m := deadlineMilestones[i]
		d := evaluation.Deadline{Case: a.Case, Unit: a.Unit, Milestone: m, Round: 1, Start: a.DispatchedAt,
			Due: dl.Due, Actual: dl.Actual, Excused: containsWord(excused, string(m))}
		if m != evaluation.Respond {
			d.Stopped = stopped
		}
		a.Deadlines = append(a.Deadlines, d)
	}
	a.Deadlines = append(a.Deadlines, rounds[[2]string{a.Case, a.Unit}]...)
	return a
}

// replaced collects the derived rows an ingest deletes, as scoring reads
// them, to subtract their outcomes.
type replaced struct {
	cases       []scoring.Case
	assignments map[string][]scoring.Assignment
	rounds      map[[2]string][]evaluation.Deadline
	rs          redisposeScan
	as          assignmentScan
	cs          caseScan
}

func newReplaced() *replaced {
	return &replaced{assignments: map[string][]scoring.Assignment{}, rounds: map[[2]string][]evaluation.Deadline{}}
}

// Scanners for the rows DELETE … RETURNING hands back; redispose rounds
// must be read before assignments, assignments before cases.
func (r *replaced) round(scan func(...any) error) error {
	if err := scan(r.rs.dest()...); err != nil {
		return err
	}
	addRound(r.rounds, r.rs.value())
	return nil
}

func (r *replaced) assignment(scan func(...any) error) error {
	if err := scan(r.as.dest()...); err != nil {
		return err
	}
	a := r.as.value(r.rounds)
	r.assignments[a.Case] = append(r.assignments[a.Case], a)
	return nil
}

func (r *replaced) oldCase(scan func(...any) error) error {
	if err := scan(r.cs.dest()...); err != nil {
		return err
	}
	r.cases = append(r.cases, r.cs.value())
	return nil
}

// deleteStep deletes a table's rows of some cases and scans what they held.
type deleteStep struct {
	table, columns string // "table WHERE key", the columns to return
	scan           func(func(...any) error) error
}

// steps are the deletions in the order the scanners need.
func (r *replaced) steps(e Engine) []deleteStep {
	return []deleteStep{
		{"redispose_deadlines WHERE case_id", e.redisposeScanColumns(""), r.round},
		{"assignments WHERE case_id", e.assignmentScanColumns(""), r.assignment},
		{"cases WHERE id", e.caseScanColumns(""), r.oldCase},
	}
}

// subtract takes the replaced cases' outcomes out of d's counts and marks
// their old months stale.
func (r *replaced) subtract(rules *evaluation.Rules, d *derived) {
	for i := range r.cases {
		c := &r.cases[i]
		d.counts.addCase(rules, c, r.assignments[c.ID], -1)
		d.addMonths(rules, c.OpenedAt)
	}
}

// countRows flattens counts into rows, skipping outcomes that cancel out.
func (m monthCounts) rows() (months, units, outcomes []string, ns []int64) {
	keys := make([]string, 0, len(m))
	for month := range m {
		keys = append(keys, month)
	}
	slices.Sort(keys)
	for _, month := range keys {
		for o, n := range m[month] {
			if n == 0 {
				continue
			}
			months, units, outcomes, ns = append(months, month), append(units, o.Unit), append(outcomes, o.Key()), append(ns, n)
		}
	}
	return months, units, outcomes, ns
}

// countColumns are outcome_counts' columns, in the order of rows' values.
var countColumns = []string{"month", "unit", "outcome", "n"}

const (
	upsertCountsTail = " ON CONFLICT (month, unit, outcome) DO UPDATE SET n = outcome_counts.n + excluded.n"
	advanceHorizon   = "UPDATE count_state SET horizon = ? WHERE horizon IS NULL OR horizon < ?"
)

// CountedInputs returns the kept counts of the cases opened in [from, to),
// with the findings on those cases and the registry's units, and ok false
// when the counts cannot serve: the period is not whole months of the
// policies' one zone, or the counts are not kept. Counts hold every case
// as at the end of time: OpenScoringData returns the cases to judge again
// as of an earlier time (scoring.Inputs.Rejudge).
func (db *DB) CountedInputs(ctx context.Context, from, to time.Time) (in scoring.Inputs, ok bool, err error) {
	months, err := db.countedMonths(ctx, from, to)
	if err != nil || months == nil {
		return in, false, err
	}
	if in, err = db.keptCounts(ctx, months); err != nil {
		return in, false, err
	}
	findings := &scoring.Data{}
	if err := db.loadFindings(ctx, func(time.Time) *scoring.Data { return findings }, from.UTC(), to.UTC()); err != nil {
		return in, false, db.wrap("read findings", err)
	}
	reg, err := db.Registry(ctx)
	if err != nil {
		return in, false, err
	}
	in.Findings, in.Units = findings.Findings, reg.Units
	return in, true, nil
}

// OpenScoringData reads the compact rows of the cases opened in [from, to)
// that count differently as of asof than at the end of time: those with a
// deadline open at asof and, when asof is before the latest stored event,
// those with an event after asof.
func (db *DB) OpenScoringData(ctx context.Context, from, to, asof time.Time) (*scoring.Data, error) {
	horizon, _, err := db.countState(ctx)
	if err != nil {
		return nil, err
	}
	open := &scoring.Data{}
	var where string
	var args []any
	if asof.Before(horizon) {
		where, args = "(c.open_until >= ? OR c.last_event_at > ?) AND c.opened_at >= ? AND c.opened_at < ?",
			[]any{asof.UTC(), asof.UTC(), from.UTC(), to.UTC()}
	} else {
		opened := "c.opened_at"
		if db.engine == SQLite {
			opened = "+c.opened_at" // a unary plus steers SQLite to the open_until index
		}
		where, args = "c.open_until >= ? AND "+opened+" >= ? AND "+opened+" < ?", []any{asof.UTC(), from.UTC(), to.UTC()}
	}
	pick := func(time.Time) *scoring.Data { return open }
	if err := db.loadScoringCases(ctx, pick, where, args); err != nil {
		return nil, db.wrap("read open cases", err)
	}
	if err := db.loadScoringAssignments(ctx, pick, where, args); err != nil {
		return nil, db.wrap("read open cases", err)
	}
	return open, nil
}

// countState returns the latest stored event's time the counts hold
// (their horizon) and whether they are valid.
func (db *DB) countState(ctx context.Context) (time.Time, bool, error) {
	var horizon timeCol
	var valid bool
	if err := db.reads.QueryRowContext(ctx, "SELECT "+db.ts("horizon")+", valid FROM count_state").Scan(&horizon, &valid); err != nil {
		return time.Time{}, false, db.wrap("read count state", err)
	}
	return horizon.t, valid, nil
}

// countedMonths returns the months whose kept counts make up [from, to),
// or nil when the counts cannot serve: the period is not whole months of
// the policies' one zone, or the counts are not kept.
func (db *DB) countedMonths(ctx context.Context, from, to time.Time) ([]string, error) {
	_, valid, err := db.countState(ctx)
	if err != nil || !valid {
		return nil, err
	}
	policies, err := db.Policies(ctx)
	if err != nil {
		return nil, err
	}
	if len(policies) == 0 {
		return nil, nil
	}
	loc := policies[0].Location
	for _, p := range policies {
		if p.Location.String() != loc.String() {
			return nil, nil
		}
	}
	from, to = from.In(loc), to.In(loc)
	whole := func(t time.Time) bool {
		return t.Day() == 1 && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
	}
	if !whole(from) || !whole(to) || !from.Before(to) {
		return nil, nil
	}
	months := []string{}
	for m := from; m.Before(to); m = m.AddDate(0, 1, 0) {
		months = append(months, m.Format("2006-01"))
	}
	return months, nil
}

// keptCounts sums the kept counts of some months.
func (db *DB) keptCounts(ctx context.Context, months []string) (scoring.Inputs, error) {
	in := scoring.Inputs{Counts: scoring.Counts{}}
	args := make([]any, len(months))
	for i, m := range months {
		args[i] = m
	}
	rows, err := db.reads.QueryContext(ctx, "SELECT unit, outcome, n FROM outcome_counts WHERE n <> 0 AND month IN "+
		placeholders(len(months)), args...)
	if err != nil {
		return in, db.wrap("read outcome counts", err)
	}
	defer rows.Close()
	var unit, key string
	var n int64
	for rows.Next() {
		if err := rows.Scan(&unit, &key, &n); err != nil {
			return in, db.wrap("read outcome counts", err)
		}
		o, err := scoring.ParseOutcome(unit, key)
		if err != nil {
			return in, db.wrap("read outcome counts", err)
		}
		in.Counts[o] += n
	}
	return in, db.wrap("read outcome counts", rows.Err())
}

// ensureCounts recounts the kept counts when they are not valid: in a
// database whose cases were stored before counts were kept.
func (db *DB) ensureCounts(ctx context.Context) error {
	var valid bool
	if err := db.reads.QueryRowContext(ctx, "SELECT valid FROM count_state").Scan(&valid); err != nil {
		return db.wrap("read count state", err)
	}
	if valid {
		return nil
	}
	return db.RecountOutcomes(ctx)
}

// RecountOutcomes counts every case's outcomes afresh and replaces the
// kept counts, holding the write lock so that no ingest interleaves.
func (db *DB) RecountOutcomes(ctx context.Context) error {
	rules, err := db.Rules(ctx)
	if err != nil {
		return err
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return db.wrap("recount outcomes", err)
	}
	defer tx.Rollback()
	lock := "UPDATE count_state SET valid = false" // on SQLite, the first write takes the lock
	if db.engine == Postgres {
		lock = fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", ingestLock)
	}
	if _, err := tx.ExecContext(ctx, lock); err != nil {
		return db.wrap("recount outcomes", err)
	}
	d := &derived{counts: monthCounts{}}
	cases := map[string]*scoring.Case{}
	var order []string
	rounds := map[[2]string][]evaluation.Deadline{}
	assignments := map[string][]scoring.Assignment{}
	queries := []struct {
		sql  string
		scan func(*sql.Rows) error
	}{
		{"SELECT " + db.engine.redisposeScanColumns("") + " FROM redispose_deadlines", func(rows *sql.Rows) error {
			var s redisposeScan
			if err := rows.Scan(s.dest()...); err != nil {
				return err
			}
			addRound(rounds, s.value())
			return nil
		}},
		{"SELECT " + db.engine.assignmentScanColumns("") + " FROM assignments", func(rows *sql.Rows) error {
			var s assignmentScan
			if err := rows.Scan(s.dest()...); err != nil {
				return err
			}
			a := s.value(rounds)
			assignments[a.Case] = append(assignments[a.Case], a)
			return nil
		}},
		{"SELECT " + db.engine.caseScanColumns("") + " FROM cases", func(rows *sql.Rows) error {
			var s caseScan
			if err := rows.Scan(s.dest()...); err != nil {
				return err
			}
			c := s.value()
			cases[c.ID] = &c
			order = append(order, c.ID)
			return nil
		}},
	}
	for _, q := range queries {
		rows, err := tx.QueryContext(ctx, q.sql)
		if err != nil {
			return db.wrap("recount outcomes", err)
		}
		for rows.Next() {
			if err := q.scan(rows); err != nil {
				rows.Close()
				return db.wrap("recount outcomes", err)
			}
		}
		if err := rows.Close(); err != nil {
			return db.wrap("recount outcomes", err)
		}
	}
	for _, id := range order {
		d.counts.addCase(rules, cases[id], assignments[id], 1)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM outcome_counts"); err != nil {
		return db.wrap("recount outcomes", err)
	}
	if err := db.insertCounts(ctx, tx, d); err != nil {
		return db.wrap("recount outcomes", err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE count_state SET valid = true, horizon = (SELECT max(at) FROM events)"); err != nil {
		return db.wrap("recount outcomes", err)
	}
	return db.wrap("recount outcomes", tx.Commit())
}

// insertCounts adds d's counts in a database/sql transaction.
func (db *DB) insertCounts(ctx context.Context, tx *sql.Tx, d *derived) error {
	if db.engine == SQLite {
		return (&sqliteTx{ctx: ctx, tx: tx}).addCounts(d)
	}
	months, units, outcomes, ns := d.counts.rows()
	_, err := tx.ExecContext(ctx, "INSERT INTO outcome_counts (month, unit, outcome, n) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])"+
		upsertCountsTail, months, units, outcomes, ns)
	return err
}
