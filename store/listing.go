package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"frontline/evaluation"
)

// CaseTimes are the times a durations report reads from one case.
type CaseTimes struct {
	Case        string
	Unit        string    // the lead unit: the first dispatched as lead, else the first dispatched, else the first to act; "" if none
	Opened      time.Time // when it was reported
	Closed      time.Time // its latest close; zero while open
	FirstAction time.Time // the first response of any unit; zero if none
}

// EachCaseTimes calls fn with the times of each case opened in
// [from, to), in case order.
func (db *DB) EachCaseTimes(ctx context.Context, from, to time.Time, fn func(CaseTimes) error) error {
	q := "SELECT c.id, COALESCE((SELECT a.unit FROM assignments AS a WHERE a.case_id = c.id" +
		" ORDER BY CASE WHEN a.dispatched_at IS NULL THEN 1 ELSE 0 END, CASE WHEN a.role = 'lead' THEN 0 ELSE 1 END, a.dispatched_at, a.unit LIMIT 1), ''), " +
		db.ts("c.opened_at") + ", " + db.ts("c.closed_at") + ", " +
		"(SELECT " + db.ts("MIN(a.responded_at)") + " FROM assignments AS a WHERE a.case_id = c.id)" +
		" FROM cases AS c WHERE c.opened_at >= ? AND c.opened_at < ? ORDER BY c.id"
	rows, err := db.reads.QueryContext(ctx, q, from.UTC(), to.UTC())
	if err != nil {
		return db.wrap("read case times", err)
	}
	defer rows.Close()
	var (
		ct                    CaseTimes
		opened, closed, first timeCol
	)
	for rows.Next() {
		if err := rows.Scan(&ct.Case, &ct.Unit, &opened, &closed, &first); err != nil {
			return db.wrap("read case times", err)
		}
		ct.Opened, ct.Closed, ct.FirstAction = opened.t, closed.t, first.t
		if err := fn(ct); err != nil {
			return err
		}
	}
	return db.wrap("read case times", rows.Err())
}

// CaseQuery selects cases for a listing.
type CaseQuery struct {
	IDs        []string  // only these, if any
	Categories []string  // only in these categories, if any
	From, To   time.Time // opened in [From, To); a zero end is open
	Status     string    // "open", "closed" or "" for both
	Limit      int       // at most this many (default 1000)
	Offset     int
}

// CaseIDs lists the ids of the cases a query selects, the latest opened
// first.
func (db *DB) CaseIDs(ctx context.Context, q CaseQuery) ([]string, error) {
	var ids []string
	sel := db.reads.NewSelect().Table("cases").Column("id")
	if len(q.IDs) > 0 {
		sel = sel.Where("id IN (?)", bun.In(q.IDs))
	}
	if len(q.Categories) > 0 {
		sel = sel.Where("category IN (?)", bun.In(q.Categories))
	}
	if !q.From.IsZero() {
		sel = sel.Where("opened_at >= ?", q.From.UTC())
	}
	if !q.To.IsZero() {
		sel = sel.Where("opened_at < ?", q.To.UTC())
	}
	switch q.Status {
	case "open":
		sel = sel.Where("NOT closed")
	case "closed":
		sel = sel.Where("closed")
	}
	if q.Limit <= 0 {
		q.Limit = 1000
	}
	err := sel.OrderExpr("opened_at DESC, id").Limit(int64(q.Limit)).Offset(int64(q.Offset)).Scan(ctx, &ids)
	return ids, db.wrap("list cases", err)
}

// EachCityVerdict calls fn with the opening event of each case opened in
// [from, to) that carries a city's own deadline or verdict (due,
// on_time), in case order.
func (db *DB) EachCityVerdict(ctx context.Context, from, to time.Time, fn func(opened evaluation.Event) error) error {
	rows, err := db.reads.QueryContext(ctx, "SELECT e.body FROM events AS e JOIN cases AS c ON c.id = e.case_id"+
		" WHERE e.type = ? AND c.opened_at >= ? AND c.opened_at < ? AND (e.body LIKE ? OR e.body LIKE ?) ORDER BY e.case_id",
		string(evaluation.Opened), from.UTC(), to.UTC(), `%"due":%`, `%"on_time":%`)
	if err != nil {
		return db.wrap("read the cities' verdicts", err)
	}
	defer rows.Close()
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return db.wrap("read the cities' verdicts", err)
		}
		var e evaluation.Event
		if err := json.Unmarshal(body, &e); err != nil {
			return db.wrap("read the cities' verdicts", fmt.Errorf("decode event: %w", err))
		}
		if e.Due == nil && e.OnTime == nil {
			continue // a note or an address that only mentions them
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return db.wrap("read the cities' verdicts", rows.Err())
}
