package store

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-json"

	"frontline/evaluation"
	"frontline/ingest"
)

var _ ingest.Store = (*DB)(nil)

// stored is what the database already holds under an event id.
type stored struct {
	hash        []byte
	quarantined bool
}

// plan is what to do with a batch, decided from what is already stored.
type plan struct {
	outcomes   []ingest.Outcome
	insert     []int    // batch indexes to append to the event log
	quarantine []int    // batch indexes to keep in quarantine
	release    []string // ids to remove from quarantine, now in the log
}

// classify decides each event's outcome. An id already in the log is a
// duplicate or a conflict. An id in quarantine with the same content is
// released into the log once its codes are known, and otherwise stays a
// duplicate. A new id goes to the log, or to quarantine if it names
// unknown codes.
func classify(batch []ingest.Prepared, existing map[string]stored) plan {
	p := plan{outcomes: make([]ingest.Outcome, len(batch))}
	for i := range batch {
		e := &batch[i]
		s, ok := existing[e.Event.ID]
		switch {
		case ok && !bytes.Equal(s.hash, e.Hash[:]):
			p.outcomes[i] = ingest.Conflict
		case ok && !s.quarantined:
			p.outcomes[i] = ingest.Duplicate
		case ok && len(e.Missing) > 0:
			p.outcomes[i] = ingest.Duplicate
		case ok:
			p.outcomes[i] = ingest.Accepted
			p.insert = append(p.insert, i)
			p.release = append(p.release, e.Event.ID)
		case len(e.Missing) > 0:
			p.outcomes[i] = ingest.Quarantined
			p.quarantine = append(p.quarantine, i)
		default:
			p.outcomes[i] = ingest.Accepted
			p.insert = append(p.insert, i)
		}
	}
	return p
}

// conflicts returns the ids whose stored content hashes differently.
func (p *plan) conflicts(batch []ingest.Prepared) []string {
	var ids []string
	for i, o := range p.outcomes {
		if o == ingest.Conflict {
			ids = append(ids, batch[i].Event.ID)
		}
	}
	return ids
}

// settleConflicts looks again at events whose hash differs from the stored
// one: if the stored event decodes to the same content (say, it was
// encoded by an earlier version), it is the same event after all. bodies
// holds the stored encodings of the conflicting ids.
func settleConflicts(batch []ingest.Prepared, existing map[string]stored, p plan, bodies map[string][]byte) plan {
	same := false
	for i := range batch {
		e := &batch[i]
		body, ok := bodies[e.Event.ID]
		if !ok || p.outcomes[i] != ingest.Conflict {
			continue
		}
		var old evaluation.Event
		if json.Unmarshal(body, &old) == nil && old.Equal(&e.Event) {
			s := existing[e.Event.ID]
			s.hash = e.Hash[:]
			existing[e.Event.ID] = s
			same = true
		}
	}
	if !same {
		return p
	}
	return classify(batch, existing)
}

// touchedCases returns the distinct case ids of the events to insert, sorted.
func (p *plan) touchedCases(batch []ingest.Prepared) []string {
	ids := make([]string, 0, len(p.insert))
	for _, i := range p.insert {
		ids = append(ids, batch[i].Event.Case)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// trailReader collects case trails: the events being inserted, which are
// already decoded, and the stored events read back from the log.
type trailReader struct {
	trails map[string][]evaluation.Event
}

// newTrailReader starts trails with the batch's events that plan inserts.
func newTrailReader(batch []ingest.Prepared, p *plan) *trailReader {
	r := &trailReader{trails: map[string][]evaluation.Event{}}
	if p != nil {
		for _, i := range p.insert {
			e := batch[i].Event
			r.trails[e.Case] = append(r.trails[e.Case], e)
		}
	}
	return r
}

// add decodes one stored event.
func (r *trailReader) add(caseID, id string, body []byte) error {
	var e evaluation.Event
	if err := json.Unmarshal(body, &e); err != nil {
		return fmt.Errorf("decode stored event %s: %w", id, err)
	}
	r.trails[caseID] = append(r.trails[caseID], e)
	return nil
}

// derived is the state derived from a set of trails.
type derived struct {
	cases       []evaluation.Case
	assignments []evaluation.Assignment
	deadlines   []evaluation.Deadline
}

// derive computes the state and deadlines of every case read, in case id order.
func (r *trailReader) derive(rules *evaluation.Rules) derived {
	ids := make([]string, 0, len(r.trails))
	for id := range r.trails {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	d := derived{cases: make([]evaluation.Case, 0, len(ids))}
	for _, id := range ids {
		trail := r.trails[id]
		c, as := evaluation.Derive(id, trail)
		d.cases = append(d.cases, c)
		d.assignments = append(d.assignments, as...)
		d.deadlines = append(d.deadlines, evaluation.Deadlines(&c, as, trail, rules)...)
	}
	return d
}

// Columns of the derived tables, in the order of caseValues and assignmentValues.
var (
	caseColumns = []string{"id", "opened_at", "category", "street", "community", "source", "urgency",
		"access_code_hash", "closed", "closed_at", "reopenings", "satisfaction", "solved", "rated_at",
		"revisits", "in_place", "revisited_at", "events", "last_event_at"}
	assignmentColumns = []string{"case_id", "unit", "role", "by_unit", "dispatched_at", "responded_at",
		"reported_at", "resolved_at", "resolutions", "returned_at", "return_reason", "return_upheld",
		"return_ruled_by", "call_accurate", "call_score", "response_score"}
	deadlineColumns = []string{"case_id", "unit", "milestone", "round", "start_at", "due_at", "actual_at",
		"stopped_at", "excused"}
	eventColumns      = []string{"id", "case_id", "type", "at", "unit", "hash", "body"}
	quarantineColumns = []string{"id", "case_id", "type", "at", "hash", "body", "missing", "line", "received_at"}
)

func caseValues(c *evaluation.Case) []any {
	return []any{c.ID, nullTime(c.OpenedAt), nullString(c.Category), nullString(c.Street), nullString(c.Community),
		nullString(c.Source), nullString(c.Urgency), nullString(c.AccessCodeHash), c.Closed, nullTime(c.ClosedAt),
		c.Reopenings, nullString(c.Satisfaction), nullBool(c.Solved), nullTime(c.RatedAt), c.Revisits,
		nullBool(c.InPlace), nullTime(c.RevisitedAt), c.Events, c.LastEventAt}
}

func assignmentValues(a *evaluation.Assignment) []any {
	return []any{a.Case, a.Unit, a.Role, nullString(a.By), nullTime(a.DispatchedAt), nullTime(a.RespondedAt),
		nullTime(a.ReportedAt), nullTime(a.ResolvedAt), a.Resolutions, nullTime(a.ReturnedAt),
		nullString(a.ReturnReason), nullBool(a.ReturnUpheld), nullString(a.ReturnRuledBy),
		nullBool(a.CallAccurate), nullInt(a.CallScore), nullInt(a.ResponseScore)}
}

func deadlineValues(d *evaluation.Deadline) []any {
	return []any{d.Case, d.Unit, string(d.Milestone), d.Round, d.Start.UTC(), d.Due.UTC(), nullTime(d.Actual),
		nullTime(d.Stopped), d.Excused}
}

func eventValues(p *ingest.Prepared) []any {
	return []any{p.Event.ID, p.Event.Case, string(p.Event.Type), p.Event.At, nullString(p.Event.Unit), p.Hash[:], string(p.Body)}
}

func quarantineValues(p *ingest.Prepared, now time.Time) []any {
	return []any{p.Event.ID, p.Event.Case, string(p.Event.Type), p.Event.At, p.Hash[:], string(p.Body),
		strings.Join(p.Missing, " "), p.Line, now}
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullBool(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

func nullInt(n *int) any {
	if n == nil {
		return nil
	}
	return int64(*n)
}

// IngestBatch stores a batch with the derived state of the cases it
// touches, in one transaction.
func (db *DB) IngestBatch(ctx context.Context, batch []ingest.Prepared) ([]ingest.Outcome, error) {
	var outcomes []ingest.Outcome
	var err error
	if db.engine == Postgres {
		outcomes, err = db.ingestPostgres(ctx, batch)
	} else {
		outcomes, err = db.ingestSQLite(ctx, batch)
	}
	return outcomes, db.wrap("store events", err)
}
