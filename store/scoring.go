package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
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
//
// The Data returned are shared with other callers: read, never changed.
// The last few reads are kept with the stamp of what they were read from
// (see scoringCache), so that the year's satisfaction, matrix and
// reciprocity, read again and again between two ingests, are read once.
func (db *DB) ScoringData(ctx context.Context, from, to time.Time) (*scoring.Data, error) {
	stamp, err := db.dataStamp(ctx)
	if err != nil {
		return nil, err
	}
	if d := db.scoring.get(from, to, stamp); d != nil {
		return d, nil
	}
	d := &scoring.Data{}
	if err := db.loadScoring(ctx, from, to, func(time.Time) *scoring.Data { return d }, d); err != nil {
		return nil, err
	}
	db.scoring.put(from, to, stamp, d)
	return d, nil
}

// dataStamp says what derived data were read from: the last event stored
// (every change of a case is an event, derived in the same transaction)
// and the rules (policies, categories, units) they were derived under.
// Two reads with one stamp read the same rows.
func (db *DB) dataStamp(ctx context.Context) (string, error) {
	var seq int64
	if err := db.reads.QueryRowContext(ctx, "SELECT coalesce(max(seq), 0) FROM events").Scan(&seq); err != nil {
		return "", db.wrap("read the data's stamp", err)
	}
	rules, err := scanStamp(db.reads.QueryRowContext(ctx, rulesStampQuery).Scan)
	if err != nil {
		return "", db.wrap("read the data's stamp", err)
	}
	return strconv.FormatInt(seq, 10) + "/" + rules, nil
}

// scoringCacheSize is how many ScoringData reads are kept: a year of a
// large district's compact rows is some tens of megabytes.
const scoringCacheSize = 2

// scoringCache keeps the last ScoringData reads, most recent first, each
// with its period and stamp.
type scoringCache struct {
	mu      sync.Mutex
	entries []scoringEntry
}

type scoringEntry struct {
	from, to time.Time
	stamp    string
	data     *scoring.Data // shared: read, never changed
}

func (c *scoringCache) get(from, to time.Time, stamp string) *scoring.Data {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, e := range c.entries {
		if e.from.Equal(from) && e.to.Equal(to) && e.stamp == stamp {
			c.entries = append(append([]scoringEntry{e}, c.entries[:i]...), c.entries[i+1:]...)
			return e.data
		}
	}
	return nil
}

func (c *scoringCache) put(from, to time.Time, stamp string, d *scoring.Data) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = slices.DeleteFunc(c.entries, func(e scoringEntry) bool { return e.from.Equal(from) && e.to.Equal(to) })
	c.entries = append([]scoringEntry{{from: from, to: to, stamp: stamp, data: d}}, c.entries...)
	if len(c.entries) > scoringCacheSize {
		c.entries = c.entries[:scoringCacheSize]
	}
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
	// A withdrawn case (cancelled, a duplicate) has no part in any score.
	where, args := "c.opened_at >= ? AND c.opened_at < ? AND c.withdrawn IS NULL", []any{from, to}
	go func() { casesDone <- db.loadScoringCases(ctx, pick, where, args) }()
	errAssignments := db.loadScoringAssignments(ctx, pick, where, args)
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
func (db *DB) ts(col string) string { return db.engine.ts(col) }

func (e Engine) ts(col string) string {
	if e == SQLite {
		return "CAST(" + col + " AS TEXT)"
	}
	return col
}

// caseScan scans the columns of a case that scoring reads.
type caseScan struct {
	c                              scoring.Case
	street, satisfaction, callUnit sql.NullString
	withdrawn                      sql.NullString
	solved, inPlace                sql.NullBool
	opened, rated, revisited       timeCol
	callDue, callDone, reopened    timeCol
	excused                        bool
}

// caseScanColumns lists caseScan's columns, each name after prefix.
func (e Engine) caseScanColumns(p string) string {
	return p + "id, " + e.ts(p+"opened_at") + ", " + p + "street, " + p + "satisfaction, " + p + "solved, " + e.ts(p+"rated_at") +
		", " + p + "in_place, " + e.ts(p+"revisited_at") + ", " + p + "reopenings, " + p + "call_unit, " + e.ts(p+"call_due") +
		", " + e.ts(p+"call_done") + ", " + p + "call_excused, " + e.ts(p+"reopened_at") + ", " + p + "withdrawn"
}

func (s *caseScan) dest() []any {
	return []any{&s.c.ID, &s.opened, &s.street, &s.satisfaction, &s.solved, &s.rated, &s.inPlace, &s.revisited,
		&s.c.Reopenings, &s.callUnit, &s.callDue, &s.callDone, &s.excused, &s.reopened, &s.withdrawn}
}

func (s *caseScan) value() scoring.Case {
	c := s.c
	c.OpenedAt, c.Street, c.Satisfaction = s.opened.t, s.street.String, s.satisfaction.String
	c.Solved, c.RatedAt, c.InPlace, c.RevisitedAt = boolPtr(s.solved), s.rated.t, boolPtr(s.inPlace), s.revisited.t
	c.ReopenedAt, c.Withdrawn = s.reopened.t, s.withdrawn.String != ""
	c.Call = nil
	if !s.callDue.t.IsZero() {
		c.Call = &evaluation.Deadline{Case: c.ID, Unit: s.callUnit.String, Milestone: evaluation.Call, Round: 1,
			Start: c.OpenedAt, Due: s.callDue.t, Actual: s.callDone.t, Excused: s.excused}
	}
	return c
}

// assignmentScan scans the columns of an assignment that scoring reads;
// its deadlines of later disposal rounds come from redisposeScan.
type assignmentScan struct {
	a                                    scoring.Assignment
	by, rater, excused                   sql.NullString
	upheld, accurate                     sql.NullBool
	callScore, responseScore             sql.NullInt64
	dispatched, resolved, returned, stop timeCol
	callEval, respEval, urged            timeCol
	due, done                            [3]timeCol
}

func (e Engine) assignmentScanColumns(p string) string {
	return p + "case_id, " + p + "unit, " + p + "role, " + p + "by_unit, " + e.ts(p+"dispatched_at") + ", " + e.ts(p+"resolved_at") +
		", " + e.ts(p+"returned_at") + ", " + p + "return_upheld, " + p + "call_accurate, " + p + "call_score, " + p + "response_score, " +
		p + "response_rater, " + e.ts(p+"respond_due") + ", " + e.ts(p+"respond_done") + ", " + e.ts(p+"report_due") + ", " +
		e.ts(p+"report_done") + ", " + e.ts(p+"dispose_due") + ", " + e.ts(p+"dispose_done") + ", " + e.ts(p+"clock_stopped_at") +
		", " + p + "excused, " + e.ts(p+"call_evaluated_at") + ", " + e.ts(p+"response_evaluated_at") + ", " + e.ts(p+"urged_at")
}

func (s *assignmentScan) dest() []any {
	return []any{&s.a.Case, &s.a.Unit, &s.a.Role, &s.by, &s.dispatched, &s.resolved, &s.returned, &s.upheld, &s.accurate,
		&s.callScore, &s.responseScore, &s.rater, &s.due[0], &s.done[0], &s.due[1], &s.done[1], &s.due[2], &s.done[2],
		&s.stop, &s.excused, &s.callEval, &s.respEval, &s.urged}
}

// value returns the scanned assignment with its later disposal rounds.
func (s *assignmentScan) value(rounds map[[2]string][]evaluation.Deadline) scoring.Assignment {
	var a scoring.Assignment
	a.Case, a.Unit, a.Role = s.a.Case, s.a.Unit, s.a.Role
	a.By, a.DispatchedAt, a.ResolvedAt, a.ReturnedAt = s.by.String, s.dispatched.t, s.resolved.t, s.returned.t
	a.ReturnUpheld, a.CallAccurate, a.ResponseRater = boolPtr(s.upheld), boolPtr(s.accurate), s.rater.String
	a.CallScore, a.ResponseScore = intPtr(s.callScore), intPtr(s.responseScore)
	a.CallEvaluatedAt, a.ResponseEvaluatedAt, a.UrgedAt = s.callEval.t, s.respEval.t, s.urged.t
	for i, m := range deadlineMilestones {
		if s.due[i].t.IsZero() {
			continue
		}
		dl := evaluation.Deadline{Case: a.Case, Unit: a.Unit, Milestone: m, Round: 1, Start: a.DispatchedAt,
			Due: s.due[i].t, Actual: s.done[i].t, Excused: s.excused.Valid && containsWord(s.excused.String, string(m))}
		if m != evaluation.Respond {
			dl.Stopped = s.stop.t
		}
		a.Deadlines = append(a.Deadlines, dl)
	}
	a.Deadlines = append(a.Deadlines, rounds[[2]string{a.Case, a.Unit}]...)
	return a
}

// deadlineMilestones are the round-one deadlines an assignment row holds, in column order.
var deadlineMilestones = [3]evaluation.Milestone{evaluation.Respond, evaluation.Report, evaluation.Dispose}

// redisposeScan scans a later disposal round.
type redisposeScan struct {
	dl                          evaluation.Deadline
	start, due, actual, stopped timeCol
}

func (e Engine) redisposeScanColumns(p string) string {
	return p + "case_id, " + p + "unit, " + p + "round, " + e.ts(p+"start_at") + ", " + e.ts(p+"due_at") + ", " +
		e.ts(p+"actual_at") + ", " + e.ts(p+"stopped_at") + ", " + p + "excused"
}

func (s *redisposeScan) dest() []any {
	return []any{&s.dl.Case, &s.dl.Unit, &s.dl.Round, &s.start, &s.due, &s.actual, &s.stopped, &s.dl.Excused}
}

func (s *redisposeScan) value() evaluation.Deadline {
	dl := s.dl
	dl.Milestone = evaluation.Dispose
	dl.Start, dl.Due, dl.Actual, dl.Stopped = s.start.t, s.due.t, s.actual.t, s.stopped.t
	return dl
}

// addRound files a later disposal round under its case and unit.
func addRound(rounds map[[2]string][]evaluation.Deadline, dl evaluation.Deadline) {
	k := [2]string{dl.Case, dl.Unit}
	rounds[k] = append(rounds[k], dl)
}

func (db *DB) loadScoringCases(ctx context.Context, pick func(time.Time) *scoring.Data, where string, args []any) error {
	rows, err := db.reads.QueryContext(ctx, "SELECT "+db.engine.caseScanColumns("c.")+" FROM cases AS c WHERE "+where, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var s caseScan
	dest := s.dest()
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		c := s.value()
		if d := pick(c.OpenedAt); d != nil {
			d.Cases = append(d.Cases, c)
		}
	}
	return rows.Err()
}

func (db *DB) loadScoringAssignments(ctx context.Context, pick func(time.Time) *scoring.Data, where string, args []any) error {
	rounds := map[[2]string][]evaluation.Deadline{}
	rows, err := db.reads.QueryContext(ctx, "SELECT "+db.engine.redisposeScanColumns("r.")+
		" FROM redispose_deadlines AS r JOIN cases AS c ON c.id = r.case_id WHERE "+where, args...)
	if err != nil {
		return err
	}
	var rs redisposeScan
	dest := rs.dest()
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return err
		}
		addRound(rounds, rs.value())
	}
	if err := rows.Close(); err != nil {
		return err
	}

	rows, err = db.reads.QueryContext(ctx, "SELECT "+db.engine.assignmentScanColumns("a.")+", "+db.ts("c.opened_at")+
		" FROM assignments AS a JOIN cases AS c ON c.id = a.case_id WHERE "+where, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		s      assignmentScan
		opened timeCol
	)
	dest = append(s.dest(), &opened)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if d := pick(opened.t); d != nil {
			d.Assignments = append(d.Assignments, s.value(rounds))
		}
	}
	return rows.Err()
}

// processTypes are the event types of appeals and findings.
var processTypes = []any{string(evaluation.Supervised), string(evaluation.Appealed), string(evaluation.AppealDecided),
	string(evaluation.FindingWithdrawn)}

// ProcessTrails returns, per case opened in [from, to), the trail of its
// appeals, decisions, findings and withdrawals in time order; every
// case with one when from and to are zero.
func (db *DB) ProcessTrails(ctx context.Context, from, to time.Time) (map[string][]evaluation.Event, error) {
	out := map[string][]evaluation.Event{}
	err := db.processTrails(ctx, from, to, func(caseID string, _ time.Time, trail []evaluation.Event) {
		out[caseID] = slices.Clone(trail)
	})
	return out, err
}

// processTrails calls f with each case's process trail, in case order.
func (db *DB) processTrails(ctx context.Context, from, to time.Time, f func(caseID string, opened time.Time, trail []evaluation.Event)) error {
	q := "SELECT e.case_id, e.body, " + db.ts("c.opened_at") + " FROM events AS e JOIN cases AS c ON c.id = e.case_id" +
		" WHERE e.type IN (?, ?, ?, ?)"
	args := slices.Clone(processTypes)
	if !from.IsZero() || !to.IsZero() {
		q += " AND c.opened_at >= ? AND c.opened_at < ?"
		args = append(args, from.UTC(), to.UTC())
	}
	rows, err := db.reads.QueryContext(ctx, q+" ORDER BY e.case_id", args...)
	if err != nil {
		return db.wrap("read appeals and findings", err)
	}
	defer rows.Close()
	var (
		trail  []evaluation.Event
		caseID string
		opened timeCol
	)
	flush := func() {
		if len(trail) > 0 {
			evaluation.SortTrail(trail)
			f(caseID, opened.t, trail)
		}
		trail = trail[:0]
	}
	for rows.Next() {
		var id string
		var body []byte
		var at timeCol
		if err := rows.Scan(&id, &body, &at); err != nil {
			return db.wrap("read appeals and findings", err)
		}
		if id != caseID {
			flush()
		}
		var e evaluation.Event
		if err := json.Unmarshal(body, &e); err != nil {
			return db.wrap("read appeals and findings", fmt.Errorf("decode event: %w", err))
		}
		trail, caseID, opened = append(trail, e), id, at
	}
	if err := rows.Err(); err != nil {
		return db.wrap("read appeals and findings", err)
	}
	flush()
	return nil
}

// loadFindings reads the supervision findings in force on the period's
// cases: not withdrawn, not removed by an upheld appeal.
func (db *DB) loadFindings(ctx context.Context, pick func(time.Time) *scoring.Data, from, to time.Time) error {
	return db.processTrails(ctx, from, to, func(_ string, opened time.Time, trail []evaluation.Event) {
		for _, f := range evaluation.Findings(trail) {
			if f.State != evaluation.FindingActive {
				continue
			}
			if d := pick(opened); d != nil {
				d.Findings = append(d.Findings, scoring.Finding{ID: f.ID, Case: f.Case, Unit: f.Target, Severity: f.Severity, At: f.At})
			}
		}
	})
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
