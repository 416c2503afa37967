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

// insertFor returns the batch indexes of the events to insert that belong
// to cases (sorted).
func (p *plan) insertFor(batch []ingest.Prepared, cases []string) []int {
	if len(cases) == 0 {
		return nil
	}
	out := make([]int, 0, len(p.insert))
	for _, i := range p.insert {
		if _, ok := slices.BinarySearch(cases, batch[i].Event.Case); ok {
			out = append(out, i)
		}
	}
	return out
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
// already decoded, the encodings a run kept of its waiting cases' events,
// and the stored events read back from the log, decoded when the trails
// are derived.
type trailReader struct {
	trails map[string][]evaluation.Event // the cases derived, once decoded
	batch  []ingest.Prepared
	insert []int                 // the batch's events to add
	raw    map[string][]rawEvent // kept and stored events by case, not yet decoded
	stored map[string]bool       // cases with stored events, which may have derived rows
	only   []string              // the cases to derive (sorted), when subset
	subset bool                  // whether only the cases in only are derived
}

// rawEvent is an event's stored encoding.
type rawEvent struct {
	id   string
	body []byte
}

// newTrailReader starts trails with the batch's events at insert.
func newTrailReader(batch []ingest.Prepared, insert []int) *trailReader {
	return &trailReader{trails: map[string][]evaluation.Event{}, raw: map[string][]rawEvent{}, stored: map[string]bool{},
		batch: batch, insert: insert}
}

// seed starts a case's trail with events a run kept from earlier
// batches; stored says some of them were stored before the run.
func (r *trailReader) seed(caseID string, events []rawEvent, stored bool) {
	r.raw[caseID] = slices.Clip(events) // appended to, never written through
	if stored {
		r.stored[caseID] = true
	}
}

// add keeps one stored event, to be decoded when the trails are derived.
func (r *trailReader) add(caseID, id string, body []byte) {
	r.stored[caseID] = true
	r.raw[caseID] = append(r.raw[caseID], rawEvent{id, body})
}

// decode builds the trails of the cases to derive from the batch's events
// and the encodings read or kept; a case not derived gets the batch's
// events as encodings, to be kept.
func (r *trailReader) decode() error {
	for _, i := range r.insert {
		p := &r.batch[i]
		if c := p.Event.Case; r.derives(c) {
			r.trails[c] = append(r.trails[c], p.Event)
		} else {
			r.raw[c] = append(r.raw[c], rawEvent{p.Event.ID, p.Body})
		}
	}
	r.batch, r.insert = nil, nil
	for c, events := range r.raw {
		if !r.derives(c) {
			continue
		}
		for _, s := range events {
			var e evaluation.Event
			if err := json.Unmarshal(s.body, &e); err != nil {
				return fmt.Errorf("decode stored event %s: %w", s.id, err)
			}
			r.trails[c] = append(r.trails[c], e)
		}
		delete(r.raw, c)
	}
	return nil
}

// storedCases returns the cases to derive that have stored events: only
// they can have derived rows to replace.
func (r *trailReader) storedCases() []string {
	ids := make([]string, 0, len(r.stored))
	for id := range r.stored {
		if r.derives(id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// derives says whether a case's trail is to be derived.
func (r *trailReader) derives(caseID string) bool {
	if !r.subset {
		return true
	}
	_, ok := slices.BinarySearch(r.only, caseID)
	return ok
}

// derived is the state derived from a set of trails, in the shape of the
// tables: round-one deadlines ride on the case (the street's call) and
// assignment rows (respond, report, dispose); later disposal rounds, after
// reopenings, have rows of their own.
type derived struct {
	cases       []caseRecord
	assignments []assignmentRecord
	redispose   []evaluation.Deadline
	months      []string // the months (in the policy's zone) the cases were opened in
	counts      monthCounts
	latest      time.Time // the latest event time read
}

// addMonths adds the months (in the policy's zone) of opening times to d's
// stale months: a case's old opening month goes stale too when a late
// `opened` event moves it.
func (d *derived) addMonths(rules *evaluation.Rules, opened ...time.Time) {
	for _, t := range opened {
		if t.IsZero() {
			continue
		}
		m := monthOf(rules, t)
		if !slices.Contains(d.months, m) {
			d.months = append(d.months, m)
		}
	}
}

// markScores is the statement that marks a month's cached scores stale.
const markScores = "INSERT INTO score_periods (period, version) VALUES (?, 1) " +
	"ON CONFLICT (period) DO UPDATE SET version = score_periods.version + 1"

type caseRecord struct {
	evaluation.Case
	call      *evaluation.Deadline
	openUntil time.Time
}

type assignmentRecord struct {
	evaluation.Assignment
	respond, report, dispose *evaluation.Deadline
}

// derive computes the state and deadlines of every case read, in case id order.
func (r *trailReader) derive(rules *evaluation.Rules) (derived, error) {
	if err := r.decode(); err != nil {
		return derived{}, err
	}
	ids := make([]string, 0, len(r.trails))
	for id := range r.trails {
		if r.derives(id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	d := derived{cases: make([]caseRecord, 0, len(ids)), counts: monthCounts{}}
	for _, id := range ids {
		trail := r.trails[id]
		c, as := evaluation.Derive(id, trail)
		deadlines := evaluation.Deadlines(&c, as, trail, rules)
		cr := caseRecord{Case: c}
		first, firstRound := len(d.assignments), len(d.redispose)
		for _, a := range as {
			d.assignments = append(d.assignments, assignmentRecord{Assignment: a})
		}
		for i := range deadlines {
			dl := &deadlines[i]
			if dl.Milestone == evaluation.Call {
				cr.call = dl
				continue
			}
			if dl.Round > 1 {
				d.redispose = append(d.redispose, *dl)
				continue
			}
			for j := first; j < len(d.assignments); j++ {
				ar := &d.assignments[j]
				if ar.Unit != dl.Unit {
					continue
				}
				switch dl.Milestone {
				case evaluation.Respond:
					ar.respond = dl
				case evaluation.Report:
					ar.report = dl
				case evaluation.Dispose:
					ar.dispose = dl
				}
			}
		}
		for _, e := range trail {
			if e.At.After(d.latest) {
				d.latest = e.At
			}
		}
		cr.openUntil = d.counts.addRecords(rules, &cr, d.assignments[first:], d.redispose[firstRound:], 1)
		d.cases = append(d.cases, cr)
		d.addMonths(rules, c.OpenedAt)
	}
	return d, nil
}

// Columns of the derived tables, in the order of their values functions.
var (
	caseColumns = []string{"id", "opened_at", "category", "street", "community", "source", "urgency",
		"access_code_hash", "closed", "closed_at", "reopenings", "satisfaction", "solved", "rated_at",
		"revisits", "in_place", "revisited_at", "events", "last_event_at",
		"call_unit", "call_due", "call_done", "call_excused", "reopened_at", "open_until", "withdrawn"}
	assignmentColumns = []string{"case_id", "unit", "role", "by_unit", "dispatched_at", "responded_at",
		"reported_at", "resolved_at", "resolutions", "returned_at", "return_reason", "return_upheld",
		"return_ruled_by", "call_accurate", "call_score", "response_score",
		"respond_due", "respond_done", "report_due", "report_done", "dispose_due", "dispose_done",
		"clock_stopped_at", "excused", "response_rater", "call_evaluated_at", "response_evaluated_at", "urged_at"}
	redisposeColumns  = []string{"case_id", "unit", "round", "start_at", "due_at", "actual_at", "stopped_at", "excused"}
	eventColumns      = []string{"seq", "id", "case_id", "type", "at", "unit", "hash", "body", "chain"}
	quarantineColumns = []string{"id", "case_id", "type", "at", "hash", "body", "missing", "line", "received_at"}
)

func caseValues(r *caseRecord) []any {
	c := &r.Case
	v := []any{c.ID, nullTime(c.OpenedAt), nullString(c.Category), nullString(c.Street), nullString(c.Community),
		nullString(c.Source), nullString(c.Urgency), nullString(c.AccessCodeHash), c.Closed, nullTime(c.ClosedAt),
		c.Reopenings, nullString(c.Satisfaction), nullBool(c.Solved), nullTime(c.RatedAt), c.Revisits,
		nullBool(c.InPlace), nullTime(c.RevisitedAt), c.Events, c.LastEventAt}
	if r.call == nil {
		return append(v, nil, nil, nil, false, nullTime(c.ReopenedAt), nullTime(r.openUntil), nullString(c.Withdrawn))
	}
	return append(v, r.call.Unit, r.call.Due.UTC(), nullTime(r.call.Actual), r.call.Excused, nullTime(c.ReopenedAt), nullTime(r.openUntil),
		nullString(c.Withdrawn))
}

func assignmentValues(r *assignmentRecord) []any {
	a := &r.Assignment
	v := []any{a.Case, a.Unit, a.Role, nullString(a.By), nullTime(a.DispatchedAt), nullTime(a.RespondedAt),
		nullTime(a.ReportedAt), nullTime(a.ResolvedAt), a.Resolutions, nullTime(a.ReturnedAt),
		nullString(a.ReturnReason), nullBool(a.ReturnUpheld), nullString(a.ReturnRuledBy),
		nullBool(a.CallAccurate), nullInt(a.CallScore), nullInt(a.ResponseScore)}
	for _, d := range []*evaluation.Deadline{r.respond, r.report, r.dispose} {
		if d == nil {
			v = append(v, nil, nil)
			continue
		}
		v = append(v, d.Due.UTC(), nullTime(d.Actual))
	}
	stopped, excused := r.clock()
	return append(v, nullTime(stopped), nullString(excused), nullString(a.ResponseRater),
		nullTime(a.CallEvaluatedAt), nullTime(a.ResponseEvaluatedAt), nullTime(a.UrgedAt))
}

// clock returns what an assignment row records of its round-one
// deadlines besides due and done: when the clock stopped, and which
// milestones are excused.
func (r *assignmentRecord) clock() (stopped time.Time, excused string) {
	var names []string
	for _, d := range []*evaluation.Deadline{r.respond, r.report, r.dispose} {
		if d == nil {
			continue
		}
		if !d.Stopped.IsZero() {
			stopped = d.Stopped
		}
		if d.Excused {
			names = append(names, string(d.Milestone))
		}
	}
	return stopped, strings.Join(names, " ")
}

func redisposeValues(d *evaluation.Deadline) []any {
	return []any{d.Case, d.Unit, d.Round, d.Start.UTC(), d.Due.UTC(), nullTime(d.Actual), nullTime(d.Stopped), d.Excused}
}

func eventValues(p *ingest.Prepared, l link) []any {
	return []any{l.seq, p.Event.ID, p.Event.Case, string(p.Event.Type), p.Event.At, nullString(p.Event.Unit), p.Hash[:], string(p.Body), l.chain}
}

// link is an event's place in the log: its sequence number and chain hash.
type link struct {
	seq   int64
	chain []byte
}

// links gives the events to insert their places after the stored event
// stored, whose chain hash is prev: one after another, in order.
func links(batch []ingest.Prepared, insert []int, stored int64, prev []byte) []link {
	out := make([]link, len(insert))
	for k, i := range insert {
		seq := stored + int64(k) + 1
		prev = chainOf(prev, seq, batch[i].Hash[:])
		out[k] = link{seq, prev}
	}
	return out
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
func (db *DB) IngestBatch(ctx context.Context, batch []ingest.Prepared, note *ingest.Note) ([]ingest.Outcome, error) {
	outcomes, err := db.ingestBatch(ctx, batch, note, nil, false)
	return outcomes, db.wrap("store events", err)
}

// begin runs f in the engine's write transaction on the event log.
func (db *DB) begin(ctx context.Context, stamp string, commit commitMode, f func(batchTx) error) error {
	if db.engine == Postgres {
		return db.beginPostgres(ctx, stamp, commit, f)
	}
	return db.beginSQLite(ctx, stamp, commit, f)
}

// commitMode says whether a write transaction's commit waits for the disk.
type commitMode bool

const (
	// durable commits are on disk when the commit returns.
	durable commitMode = true
	// lazy commits reach the disk with the next durable one: a run's
	// batches but its last. A machine that stops in between may lose the
	// last lazy commits, never a part of one; the run then did not finish,
	// and ingesting its file again stores what was lost.
	lazy commitMode = false
)
