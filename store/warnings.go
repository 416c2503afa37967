package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"frontline/evaluation"
)

// Urging is one urged event: a body urged a unit on a case (督办).
type Urging struct {
	Case, Unit, By string
	At             time.Time
}

// OpenUrgings returns the urgings of the cases still open, by case.
func (db *DB) OpenUrgings(ctx context.Context) (map[string][]Urging, error) {
	rows, err := db.reads.QueryContext(ctx, "SELECT e.case_id, e.body FROM events AS e JOIN cases AS c ON c.id = e.case_id"+
		" WHERE e.type = 'urged' AND c.open_until IS NOT NULL AND NOT c.closed")
	if err != nil {
		return nil, db.wrap("read urgings", err)
	}
	defer rows.Close()
	out := map[string][]Urging{}
	for rows.Next() {
		var id string
		var body []byte
		if err := rows.Scan(&id, &body); err != nil {
			return nil, db.wrap("read urgings", err)
		}
		var e evaluation.Event
		if err := json.Unmarshal(body, &e); err != nil {
			return nil, db.wrap("read urgings", fmt.Errorf("decode event: %w", err))
		}
		out[id] = append(out[id], Urging{Case: id, Unit: e.Target, By: e.Unit, At: e.At.UTC()})
	}
	return out, db.wrap("read urgings", rows.Err())
}
