package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/goccy/go-json"
	"github.com/uptrace/bun"

	"frontline/evaluation"
	"frontline/fault"
	"frontline/ingest"
)

type eventRow struct {
	bun.BaseModel `bun:"table:events,alias:e"`
	Seq           int64     `bun:"seq,pk,autoincrement"`
	ID            string    `bun:"id"`
	Case          string    `bun:"case_id"`
	Type          string    `bun:"type"`
	At            time.Time `bun:"at"`
	Unit          string    `bun:"unit,nullzero"`
	Hash          []byte    `bun:"hash"`
	Body          string    `bun:"body"`
}

type caseRow struct {
	bun.BaseModel  `bun:"table:cases,alias:c"`
	ID             string    `bun:"id,pk"`
	OpenedAt       time.Time `bun:"opened_at,nullzero"`
	Category       string    `bun:"category,nullzero"`
	Street         string    `bun:"street,nullzero"`
	Community      string    `bun:"community,nullzero"`
	Source         string    `bun:"source,nullzero"`
	Urgency        string    `bun:"urgency,nullzero"`
	AccessCodeHash string    `bun:"access_code_hash,nullzero"`
	Closed         bool      `bun:"closed"`
	ClosedAt       time.Time `bun:"closed_at,nullzero"`
	Reopenings     int       `bun:"reopenings"`
	Satisfaction   string    `bun:"satisfaction,nullzero"`
	Solved         *bool     `bun:"solved"`
	RatedAt        time.Time `bun:"rated_at,nullzero"`
	Revisits       int       `bun:"revisits"`
	InPlace        *bool     `bun:"in_place"`
	RevisitedAt    time.Time `bun:"revisited_at,nullzero"`
	Events         int       `bun:"events"`
	LastEventAt    time.Time `bun:"last_event_at"`
	CallUnit       string    `bun:"call_unit,nullzero"`
	CallDue        time.Time `bun:"call_due,nullzero"`
	CallDone       time.Time `bun:"call_done,nullzero"`
	CallExcused    bool      `bun:"call_excused"`
	ReopenedAt     time.Time `bun:"reopened_at,nullzero"`
	Withdrawn      string    `bun:"withdrawn,nullzero"`
}

func (r *caseRow) domain() evaluation.Case {
	return evaluation.Case{ID: r.ID, OpenedAt: utc(r.OpenedAt), Category: r.Category, Street: r.Street,
		Community: r.Community, Source: r.Source, Urgency: r.Urgency, AccessCodeHash: r.AccessCodeHash,
		Closed: r.Closed, ClosedAt: utc(r.ClosedAt), Withdrawn: r.Withdrawn, Reopenings: r.Reopenings, ReopenedAt: utc(r.ReopenedAt), Satisfaction: r.Satisfaction,
		Solved: r.Solved, RatedAt: utc(r.RatedAt), Revisits: r.Revisits, InPlace: r.InPlace,
		RevisitedAt: utc(r.RevisitedAt), Events: r.Events, LastEventAt: utc(r.LastEventAt)}
}

type assignmentRow struct {
	bun.BaseModel `bun:"table:assignments,alias:a"`
	Case          string    `bun:"case_id,pk"`
	Unit          string    `bun:"unit,pk"`
	Role          string    `bun:"role"`
	By            string    `bun:"by_unit,nullzero"`
	DispatchedAt  time.Time `bun:"dispatched_at,nullzero"`
	RespondedAt   time.Time `bun:"responded_at,nullzero"`
	ReportedAt    time.Time `bun:"reported_at,nullzero"`
	ResolvedAt    time.Time `bun:"resolved_at,nullzero"`
	Resolutions   int       `bun:"resolutions"`
	ReturnedAt    time.Time `bun:"returned_at,nullzero"`
	ReturnReason  string    `bun:"return_reason,nullzero"`
	ReturnUpheld  *bool     `bun:"return_upheld"`
	ReturnRuledBy string    `bun:"return_ruled_by,nullzero"`
	CallAccurate  *bool     `bun:"call_accurate"`
	CallScore     *int      `bun:"call_score"`
	ResponseScore *int      `bun:"response_score"`
	ResponseRater string    `bun:"response_rater,nullzero"`
	CallEvalAt    time.Time `bun:"call_evaluated_at,nullzero"`
	RespEvalAt    time.Time `bun:"response_evaluated_at,nullzero"`
	UrgedAt       time.Time `bun:"urged_at,nullzero"`
	RespondDue    time.Time `bun:"respond_due,nullzero"`
	RespondDone   time.Time `bun:"respond_done,nullzero"`
	ReportDue     time.Time `bun:"report_due,nullzero"`
	ReportDone    time.Time `bun:"report_done,nullzero"`
	DisposeDue    time.Time `bun:"dispose_due,nullzero"`
	DisposeDone   time.Time `bun:"dispose_done,nullzero"`
	Stopped       time.Time `bun:"clock_stopped_at,nullzero"`
	Excused       string    `bun:"excused,nullzero"`
}

func (r *assignmentRow) domain() evaluation.Assignment {
	return evaluation.Assignment{Case: r.Case, Unit: r.Unit, Role: r.Role, By: r.By,
		DispatchedAt: utc(r.DispatchedAt), RespondedAt: utc(r.RespondedAt), ReportedAt: utc(r.ReportedAt),
		ResolvedAt: utc(r.ResolvedAt), Resolutions: r.Resolutions, ReturnedAt: utc(r.ReturnedAt),
		ReturnReason: r.ReturnReason, ReturnUpheld: r.ReturnUpheld, ReturnRuledBy: r.ReturnRuledBy,
		CallAccurate: r.CallAccurate, CallScore: r.CallScore, CallEvaluatedAt: utc(r.CallEvalAt),
		ResponseScore: r.ResponseScore, ResponseRater: r.ResponseRater, ResponseEvaluatedAt: utc(r.RespEvalAt), UrgedAt: utc(r.UrgedAt)}
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// CaseView is a case with its derived state, deadlines and whole trail.
type CaseView struct {
	Case        evaluation.Case
	Assignments []evaluation.Assignment
	Deadlines   []evaluation.Deadline
	Trail       []evaluation.Event // in time order
}

// Units returns the units a case belongs to, for access: its street and
// every unit it was sent to.
func (v *CaseView) Units() []string {
	units := []string{v.Case.Street}
	for _, a := range v.Assignments {
		units = append(units, a.Unit)
	}
	return units
}

// CaseNotFound is the answer for a case that does not exist, and so for
// one the caller may not see.
func CaseNotFound(id string) error {
	return fault.Sayf(fault.NotFound, "read case", "未找到案件 %q", "case %q not found", id)
}

// Case returns a case's derived state and trail.
//
// The view returned may be shared with other callers: read it, do not
// change it. Views are kept in memory under the case's stamp (its event
// count, latest event time and the database's rebuild count), so a case
// read again unchanged costs one lookup.
func (db *DB) Case(ctx context.Context, id string) (*CaseView, error) {
	// Prepared, on the reads pool: a case is read on many requests, and
	// waits for no writer.
	q := db.caseQueries()
	st, err := db.prepared(ctx, q.stamp)
	if err != nil {
		return nil, db.wrap("read case", err)
	}
	var stamp caseStamp
	var last timeCol
	err = st.QueryRowContext(ctx, id).Scan(&stamp.events, &last, &stamp.rebuilds)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, CaseNotFound(id)
	} else if err != nil {
		return nil, db.wrap("read case", err)
	}
	stamp.last = last.t
	if v, ok := db.cases.get(id, stamp); ok {
		return v, nil
	}
	v, err := db.readCase(ctx, q, id)
	if err == nil {
		db.cases.put(id, stamp, v)
	}
	return v, err
}

// caseStamp changes whenever a case's view may have: an event arrived, or
// derived state was rebuilt.
type caseStamp struct {
	events, rebuilds int64
	last             time.Time
}

// caseCache holds recently read case views.
type caseCache struct {
	mu    sync.Mutex
	views map[string]cachedCase
}

type cachedCase struct {
	stamp caseStamp
	view  *CaseView
}

// maxCachedCases bounds the cache; it is emptied when full.
const maxCachedCases = 10_000

func (c *caseCache) get(id string, stamp caseStamp) (*CaseView, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.views[id]
	return e.view, ok && e.stamp == stamp
}

func (c *caseCache) put(id string, stamp caseStamp, v *CaseView) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.views == nil || len(c.views) >= maxCachedCases {
		c.views = map[string]cachedCase{}
	}
	c.views[id] = cachedCase{stamp, v}
}

// readCase reads a case's view from its rows.
func (db *DB) readCase(ctx context.Context, q caseSQL, id string) (*CaseView, error) {
	var cs []caseRow
	if err := db.scanPrepared(ctx, q.caseRow, &cs, id); err != nil {
		return nil, db.wrap("read case", err)
	}
	if len(cs) == 0 {
		return nil, CaseNotFound(id)
	}
	var as []assignmentRow
	if err := db.scanPrepared(ctx, q.assignments, &as, id); err != nil {
		return nil, db.wrap("read assignments", err)
	}
	var rounds []redisposeRow
	if err := db.scanPrepared(ctx, q.rounds, &rounds, id); err != nil {
		return nil, db.wrap("read deadlines", err)
	}
	events, err := db.caseEvents(ctx, q.events, id)
	if err != nil {
		return nil, db.wrap("read trail", err)
	}
	trail, err := decodeTrail(events)
	if err != nil {
		return nil, err
	}
	v := &CaseView{Case: cs[0].domain(), Trail: trail, Deadlines: assemble(cs, as, rounds)}
	for i := range as {
		v.Assignments = append(v.Assignments, as[i].domain())
	}
	return v, nil
}

// caseEvents reads a case's stored events, scanned directly.
func (db *DB) caseEvents(ctx context.Context, query, id string) ([]eventRow, error) {
	st, err := db.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []eventRow
	for rows.Next() {
		var r eventRow
		if err := rows.Scan(&r.ID, &r.Body); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// caseSQL is the text of the queries Case prepares, written by bun from
// the models once.
type caseSQL struct{ stamp, caseRow, assignments, rounds, events string }

func (db *DB) caseQueries() caseSQL {
	db.caseSQLOnce.Do(func() {
		db.caseSQL = caseSQL{
			stamp:   "SELECT c.events, " + db.ts("c.last_event_at") + ", s.rebuilds FROM cases AS c, count_state AS s WHERE c.id = $1",
			caseRow: db.reads.NewSelect().Model((*caseRow)(nil)).Where("c.id = $1").String(),
			// The order of Derive: by dispatch time (none first), then unit.
			assignments: db.reads.NewSelect().Model((*assignmentRow)(nil)).Where("a.case_id = $1").
				OrderExpr("a.dispatched_at IS NOT NULL, a.dispatched_at, a.unit").String(),
			rounds: db.reads.NewSelect().Model((*redisposeRow)(nil)).Where("r.case_id = $1").String(),
			events: db.reads.NewSelect().Model((*eventRow)(nil)).Column("id", "body").Where("case_id = $1").String(),
		}
	})
	return db.caseSQL
}

// Trails returns the events of the given cases, each trail in time order.
func (db *DB) Trails(ctx context.Context, caseIDs []string) (map[string][]evaluation.Event, error) {
	out := map[string][]evaluation.Event{}
	const chunk = 500
	for start := 0; start < len(caseIDs); start += chunk {
		var rows []eventRow
		part := caseIDs[start:min(start+chunk, len(caseIDs))]
		if err := db.bun.NewSelect().Model(&rows).Column("id", "case_id", "body").
			Where("case_id IN (?)", bun.In(part)).Scan(ctx); err != nil {
			return nil, db.wrap("read trails", err)
		}
		for _, r := range rows {
			var e evaluation.Event
			if err := json.Unmarshal([]byte(r.Body), &e); err != nil {
				return nil, db.wrap("read trails", fmt.Errorf("decode event %s: %w", r.ID, err))
			}
			out[r.Case] = append(out[r.Case], e)
		}
	}
	for _, trail := range out {
		evaluation.SortTrail(trail)
	}
	return out, nil
}

// Trail returns a case's events in time order.
func (db *DB) Trail(ctx context.Context, caseID string) ([]evaluation.Event, error) {
	var rows []eventRow
	if err := db.bun.NewSelect().Model(&rows).Column("id", "body").Where("case_id = ?", caseID).Scan(ctx); err != nil {
		return nil, db.wrap("read trail", err)
	}
	return decodeTrail(rows)
}

// decodeTrail decodes a case's events into a trail in time order.
func decodeTrail(rows []eventRow) ([]evaluation.Event, error) {
	trail := make([]evaluation.Event, len(rows))
	for i, r := range rows {
		if err := json.Unmarshal([]byte(r.Body), &trail[i]); err != nil {
			return nil, fmt.Errorf("read trail: decode event %s: %w", r.ID, err)
		}
	}
	evaluation.SortTrail(trail)
	return trail, nil
}

// QuarantineEntry is an event kept aside because it names unknown codes.
type QuarantineEntry struct {
	ID         string    `json:"id"`
	Case       string    `json:"case"`
	Type       string    `json:"type"`
	At         time.Time `json:"at"`
	Missing    []string  `json:"missing"`
	Line       int       `json:"line"`
	ReceivedAt time.Time `json:"received_at"`
}

type quarantineRow struct {
	bun.BaseModel `bun:"table:quarantine"`
	ID            string    `bun:"id,pk"`
	Case          string    `bun:"case_id"`
	Type          string    `bun:"type"`
	At            time.Time `bun:"at"`
	Hash          []byte    `bun:"hash"`
	Body          string    `bun:"body"`
	Missing       string    `bun:"missing"`
	Line          int       `bun:"line"`
	ReceivedAt    time.Time `bun:"received_at"`
}

// QuarantineList returns up to limit quarantined events, oldest first.
func (db *DB) QuarantineList(ctx context.Context, limit int) ([]QuarantineEntry, int, error) {
	var rows []quarantineRow
	total, err := db.bun.NewSelect().Model(&rows).Order("received_at", "id").Limit(int64(limit)).ScanAndCount(ctx)
	if err != nil {
		return nil, 0, db.wrap("list quarantine", err)
	}
	out := make([]QuarantineEntry, len(rows))
	for i, r := range rows {
		out[i] = QuarantineEntry{ID: r.ID, Case: r.Case, Type: r.Type, At: r.At.UTC(), Missing: strings.Fields(r.Missing), Line: r.Line, ReceivedAt: r.ReceivedAt.UTC()}
	}
	return out, int(total), nil
}

// Quarantined returns quarantined events with ids after the given one, in id order.
func (db *DB) Quarantined(ctx context.Context, after string, limit int) ([]ingest.Prepared, error) {
	var rows []quarantineRow
	if err := db.bun.NewSelect().Model(&rows).Where("id > ?", after).Order("id").Limit(int64(limit)).Scan(ctx); err != nil {
		return nil, db.wrap("read quarantine", err)
	}
	out := make([]ingest.Prepared, len(rows))
	for i, r := range rows {
		out[i].Line = r.Line
		if err := json.Unmarshal([]byte(r.Body), &out[i].Event); err != nil {
			return nil, db.wrap("read quarantine", fmt.Errorf("decode event %s: %w", r.ID, err))
		}
	}
	return out, nil
}

// Rebuild recomputes every case's derived state from the event log.
func (db *DB) Rebuild(ctx context.Context) (n int, err error) {
	rules, err := db.Rules(ctx)
	if err != nil {
		return 0, err
	}
	// Counted before and after, so that no case view cached meanwhile
	// outlives the rebuild.
	if err := db.countRebuild(ctx); err != nil {
		return 0, err
	}
	defer func() {
		if end := db.countRebuild(ctx); err == nil {
			err = end
		}
	}()
	var ids []string
	if err := db.bun.NewSelect().Model((*eventRow)(nil)).ColumnExpr("DISTINCT case_id").Order("case_id").Scan(ctx, &ids); err != nil {
		return 0, db.wrap("rebuild", err)
	}
	if n, err := db.deriveCases(ctx, ids, rules); err != nil {
		return n, db.wrap("rebuild", err)
	}
	return len(ids), db.ensureCounts(ctx)
}

func (db *DB) countRebuild(ctx context.Context) error {
	_, err := db.bun.NewRaw("UPDATE count_state SET rebuilds = rebuilds + 1").Exec(ctx)
	return db.wrap("rebuild", err)
}

// Counts returns the number of rows in the main tables, for summaries and tests.
func (db *DB) Counts(ctx context.Context) (map[string]int, error) {
	out := map[string]int{}
	for _, table := range []string{"events", "quarantine", "cases", "assignments", "units", "categories", "cadres", "tenures"} {
		var n int
		if err := db.sql.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			return nil, db.wrap("count "+table, err)
		}
		out[table] = n
	}
	return out, nil
}
