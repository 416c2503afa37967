package store

import (
	"context"
	"errors"
	"slices"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"frontline/audit"
	"frontline/evaluation"
	"frontline/ingest"
)

// The ingest flow is written once: what to store, in what order, and how
// the derived rows follow from the trails. Each engine supplies only a
// batchTx, its reads and bulk writes inside one transaction (SQLite's
// prepared multi-row statements, PostgreSQL's COPY).

// batchTx is one engine's side of a write transaction on the event log.
type batchTx interface {
	// existing returns what the log (if log) and quarantine hold under
	// ids; an id in both counts as the log's.
	existing(ids []string, log bool) (map[string]stored, error)
	// maxSeq returns the last stored event's sequence number (0 if none).
	maxSeq() (int64, error)
	// bodies returns the stored encodings of ids, the log's before
	// quarantine's.
	bodies(ids []string) (map[string][]byte, error)
	// chainAt returns the chain hash of the event with sequence number seq
	// (the genesis for 0).
	chainAt(seq int64) ([]byte, error)
	// trails calls add with every stored event of the cases whose sequence
	// number is at most upTo. body is add's to keep.
	trails(caseIDs []string, upTo int64, add func(caseID, id string, body []byte)) error
	// insert writes n rows of columns into table.
	insert(table string, columns []string, n int, row func(i int) []any) error
	// release deletes ids from quarantine.
	release(ids []string) error
	// deleteReplaced deletes the derived rows of cases, scanning them into r.
	deleteReplaced(cases []string, r *replaced) error
	// markStale marks a month's kept scores stale.
	markStale(month string) error
	// underived lists cases as left underived by a run, and removes
	// others from that list.
	underived(add, remove []string) error
	// addCounts adds d's outcome counts and moves the counts' horizon.
	addCounts(d *derived) error
	// appendAudit links e after the audit chain's end and inserts it.
	appendAudit(e audit.Entry) error
}

// ingestBatch stores a batch in one transaction, under the rules current
// when it starts (tried again if they change meanwhile), with the derived
// state of the cases it touches or, in a run, of those the run's step
// picks.
func (db *DB) ingestBatch(ctx context.Context, batch []ingest.Prepared, note *ingest.Note, run *Run, last bool) ([]ingest.Outcome, error) {
	// A large batch after one that found none of its ids stored is
	// written without looking its ids up first: the log's unique index
	// refuses any that are there after all, and the batch is tried again
	// with the look-up.
	optimistic := len(batch) >= optimisticBatch && !db.foundStored.Load()
	commit := durable
	if run != nil && !last {
		commit = lazy
	}
	for attempt := 0; ; attempt++ {
		rules, stamp, err := db.rulesWithStamp(ctx)
		if err != nil {
			return nil, err
		}
		var outcomes []ingest.Outcome
		var step runStep
		err = db.begin(ctx, stamp, commit, func(tx batchTx) error {
			var err error
			outcomes, step, err = db.ingestIn(tx, batch, rules, note, optimistic, run, last)
			return err
		})
		if err == nil && run != nil {
			run.batches++
			run.lazy = run.lazy || commit == lazy
			run.pending, run.kept, run.lastSeq = step.pending, step.kept, step.lastSeq
		}
		switch {
		case errors.Is(err, errRulesChanged) && attempt < 3:
			continue
		case optimistic && isUniqueViolation(err):
			optimistic = false // the look-up then says whether the next batch looks up too
			continue
		}
		return outcomes, err
	}
}

// optimisticBatch is the smallest batch written without looking its ids
// up first.
const optimisticBatch = 1024

// isUniqueViolation says whether err is a unique index's refusal.
func isUniqueViolation(err error) bool {
	var pg *pgconn.PgError
	var lite *sqlite.Error
	switch {
	case errors.As(err, &pg):
		return pg.Code == "23505"
	case errors.As(err, &lite):
		return lite.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || lite.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// ingestIn stores a batch in tx: new events in the log after the stored
// ones, each chained to the one before; events naming unknown codes in
// quarantine; and the derived rows of every case the new events touch,
// or in a run, of the cases its step picks. If optimistic, the batch's
// ids are looked up in quarantine only.
func (db *DB) ingestIn(tx batchTx, batch []ingest.Prepared, rules *evaluation.Rules, note *ingest.Note, optimistic bool, run *Run, last bool) ([]ingest.Outcome, runStep, error) {
	var step runStep
	ids := make([]string, len(batch))
	for i := range batch {
		ids[i] = batch[i].Event.ID
	}
	existing, err := tx.existing(ids, !optimistic)
	if err != nil {
		return nil, step, err
	}
	if !optimistic {
		db.foundStored.Store(len(existing) > 0)
	}
	storedSeq, err := tx.maxSeq()
	if err != nil {
		return nil, step, err
	}
	p := classify(batch, existing)
	if ids := p.conflicts(batch); len(ids) > 0 {
		bodies, err := tx.bodies(ids)
		if err != nil {
			return nil, step, err
		}
		p = settleConflicts(batch, existing, p, bodies)
	}
	prev, err := tx.chainAt(storedSeq)
	if err != nil {
		return nil, step, err
	}
	touched := p.touchedCases(batch)
	step = run.step(touched, last)
	// The trails of the cases touched or to derive: kept by the run from
	// its earlier batches, or their stored events, read before the batch
	// is written; decoding them and deriving the cases' state then runs
	// beside the writing of the events.
	cases := union(touched, step.derive)
	trails := newTrailReader(batch, p.insertFor(batch, cases))
	if run != nil {
		trails.only, trails.subset = step.derive, true
	}
	kept := run.keptAt(storedSeq)
	read := make([]string, 0, len(cases))
	for _, c := range cases {
		if k, ok := kept[c]; ok {
			trails.seed(c, k.events, k.stored)
		} else {
			read = append(read, c)
		}
	}
	if err := tx.trails(read, storedSeq, trails.add); err != nil {
		return nil, step, err
	}
	derivation := trails.deriveAsync(rules)
	defer derivation.wait()

	placed := links(batch, p.insert, storedSeq, prev)
	err = tx.insert("events", eventColumns, len(p.insert), func(k int) []any {
		return eventValues(&batch[p.insert[k]], placed[k])
	})
	if err != nil {
		return nil, step, err
	}
	now := db.now().UTC()
	err = tx.insert("quarantine", quarantineColumns, len(p.quarantine), func(k int) []any {
		return quarantineValues(&batch[p.quarantine[k]], now)
	})
	if err != nil {
		return nil, step, err
	}
	if err := tx.release(p.release); err != nil {
		return nil, step, err
	}
	if len(step.deferred) > 0 || len(step.done) > 0 {
		if err := tx.underived(step.deferred, step.done); err != nil {
			return nil, step, err
		}
	}
	d, err := derivation.wait()
	if err != nil {
		return nil, step, err
	}
	if run != nil {
		step.keep(trails, kept, storedSeq+int64(len(p.insert)))
	}
	if err := writeDerived(tx, trails.storedCases(), rules, &d); err != nil {
		return nil, step, err
	}
	if note != nil {
		entry, err := db.batchEntry(note, batch, p.outcomes, link{storedSeq, prev}, placed)
		if err != nil {
			return nil, step, err
		}
		if err := tx.appendAudit(entry); err != nil {
			return nil, step, err
		}
	}
	return p.outcomes, step, nil
}

// union returns the sorted union of two sorted lists.
func union(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	out = append(append(out, a...), b...)
	slices.Sort(out)
	return slices.Compact(out)
}

// deriveIn recomputes the derived rows of cases from every stored event
// of theirs (rebuild, policy load).
func deriveIn(tx batchTx, cases []string, rules *evaluation.Rules) error {
	if len(cases) == 0 {
		return nil
	}
	trails := newTrailReader(nil, nil)
	if err := tx.trails(cases, maxSeq, trails.add); err != nil {
		return err
	}
	d, err := trails.derive(rules)
	if err != nil {
		return err
	}
	return writeDerived(tx, trails.storedCases(), rules, &d)
}

// maxSeq bounds no sequence number: every stored event.
const maxSeq = int64(1<<63 - 1)

// writeDerived replaces the derived rows of the stored cases replaced with
// d's, taking the old rows' outcomes out of the kept counts and putting
// the new ones in, and marks the months whose scores change stale.
func writeDerived(tx batchTx, replacedCases []string, rules *evaluation.Rules, d *derived) error {
	if len(replacedCases) > 0 {
		r := newReplaced()
		if err := tx.deleteReplaced(replacedCases, r); err != nil {
			return err
		}
		r.subtract(rules, d)
	}
	if err := tx.insert("cases", caseColumns, len(d.cases), func(i int) []any { return caseValues(&d.cases[i]) }); err != nil {
		return err
	}
	if err := tx.insert("assignments", assignmentColumns, len(d.assignments), func(i int) []any { return assignmentValues(&d.assignments[i]) }); err != nil {
		return err
	}
	for _, m := range d.months {
		if err := tx.markStale(m); err != nil {
			return err
		}
	}
	if err := tx.insert("redispose_deadlines", redisposeColumns, len(d.redispose), func(i int) []any { return redisposeValues(&d.redispose[i]) }); err != nil {
		return err
	}
	return tx.addCounts(d)
}

// derivation is a trail reader's derive running in its own goroutine.
type derivation struct {
	done chan struct{}
	d    derived
	err  error
}

// deriveAsync starts deriving the trails read so far.
func (r *trailReader) deriveAsync(rules *evaluation.Rules) *derivation {
	dv := &derivation{done: make(chan struct{})}
	go func() {
		defer close(dv.done)
		dv.d, dv.err = r.derive(rules)
	}()
	return dv
}

// wait returns the derived state once it is ready.
func (dv *derivation) wait() (derived, error) {
	<-dv.done
	return dv.d, dv.err
}
