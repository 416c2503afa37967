package store

import (
	"context"
	"maps"
	"slices"

	"frontline/evaluation"
	"frontline/ingest"
)

// A run's batches leave the derived state of the cases they touch for
// later: a case is derived once no batch has brought it a new event for
// deferBatches batches, and at the run's last batch. Events of a busy
// district arrive in time order, and one case's events (opened, dispatched,
// …, rated days later) span many batches: derived at each, a case would
// be read back and written again several times. While a case waits, its
// events are stored and its derived rows say what they said before; the
// underived table lists it, in the same transactions, so that a run that
// stops leaves nothing underived: the database's next opening for writing
// derives what is listed.

// deferBatches is how many batches without a new event a case waits.
const deferBatches = 4

// Run is one ingest run's batches. It keeps the trails of the cases that
// wait, so that deriving them reads nothing back, as long as no one else
// writes to the log meanwhile.
type Run struct {
	db      *DB
	batches int            // batches stored
	stored  int            // events stored
	pending map[string]int // underived case → the batch that last touched it
	kept    map[string]keptTrail
	lastSeq int64 // the log's last event after the run's last batch
	lazy    bool  // some batch committed lazily
}

// keptTrail is a waiting case's every stored event, as stored.
type keptTrail struct {
	events []rawEvent
	stored bool // some were stored before the run kept them
}

var _ ingest.RunStore = (*DB)(nil)

// NewRun starts a run of batches.
func (db *DB) NewRun() ingest.BatchRun {
	return &Run{db: db, pending: map[string]int{}}
}

// IngestBatch stores a batch of the run; last says no batch follows.
func (r *Run) IngestBatch(ctx context.Context, batch []ingest.Prepared, note *ingest.Note, last bool) ([]ingest.Outcome, error) {
	outcomes, err := r.db.ingestBatch(ctx, batch, note, r, last)
	if err != nil {
		return outcomes, r.db.wrap("store events", err)
	}
	for _, o := range outcomes {
		if o == ingest.Accepted {
			r.stored++
		}
	}
	if last {
		// The last batch's commit may have written nothing to sync.
		if err := r.sync(ctx); err != nil {
			return outcomes, r.db.wrap("store events", err)
		}
	}
	if last && r.stored >= tidyAfter {
		return outcomes, r.db.wrap("vacuum after ingest", r.db.tidy(ctx))
	}
	return outcomes, nil
}

// sync puts the run's lazy commits on disk.
func (r *Run) sync(ctx context.Context) error {
	if !r.lazy {
		return nil
	}
	if err := r.db.syncLog(ctx); err != nil {
		return err
	}
	r.lazy = false
	return nil
}

// syncLog puts every commit so far on disk: on SQLite a checkpoint, which
// syncs the write-ahead log first; on PostgreSQL a transaction that
// commits synchronously, which flushes the server's log up to its commit.
func (db *DB) syncLog(ctx context.Context) error {
	q := "PRAGMA wal_checkpoint(PASSIVE)"
	if db.engine == Postgres {
		q = "SELECT pg_current_xact_id()"
	}
	_, err := db.sql.ExecContext(ctx, q)
	return err
}

// tidyAfter is the number of events a run stores before it tidies up
// (a variable for tests).
var tidyAfter = 100_000

// tidy brings PostgreSQL's statistics and free space up to date after a
// large run when the server's autovacuum is off: the run replaced many
// derived rows, and without fresh statistics the planner misjudges the
// next run's look-ups (a million events into a database of ten million:
// 72.8 s, then 21.2 s once vacuumed). With autovacuum on, the server
// does it; SQLite needs neither.
func (db *DB) tidy(ctx context.Context) error {
	if db.engine != Postgres {
		return nil
	}
	var on string
	if err := db.sql.QueryRowContext(ctx, "SELECT current_setting('autovacuum')").Scan(&on); err != nil || on == "on" {
		return err
	}
	// The log is only appended to: it needs its statistics, not a vacuum.
	if _, err := db.sql.ExecContext(ctx, "VACUUM (ANALYZE) cases, assignments, redispose_deadlines, outcome_counts, underived"); err != nil {
		return err
	}
	_, err := db.sql.ExecContext(ctx, "ANALYZE events")
	return err
}

// Finish derives every case the run left underived, and puts what the
// run stored on disk.
func (r *Run) Finish(ctx context.Context) error {
	if err := r.sync(ctx); err != nil {
		return r.db.wrap("store events", err)
	}
	if len(r.pending) == 0 {
		return nil
	}
	rules, err := r.db.Rules(ctx)
	if err != nil {
		return err
	}
	_, err = r.db.deriveCases(ctx, slices.Sorted(maps.Keys(r.pending)), rules)
	if err == nil {
		clear(r.pending)
		clear(r.kept)
	}
	return r.db.wrap("derive cases", err)
}

// runStep is what one batch of a run does beyond storing its events.
type runStep struct {
	derive   []string       // the cases to derive now, sorted
	deferred []string       // cases to list as underived
	done     []string       // cases listed before, derived now
	pending  map[string]int // the run's underived cases after the batch
	kept     map[string]keptTrail
	lastSeq  int64
}

// keptAt returns the trails kept for waiting cases, if they are whole
// with the log's last event at seq: nil when someone else wrote since.
func (r *Run) keptAt(seq int64) map[string]keptTrail {
	if r == nil || seq != r.lastSeq {
		return nil
	}
	return r.kept
}

// keep records, for the run's state after a batch, the trails of the cases
// still waiting: read or extended by the batch, or kept from before.
func (s *runStep) keep(trails *trailReader, before map[string]keptTrail, lastSeq int64) {
	s.kept = make(map[string]keptTrail, len(s.pending))
	for c := range s.pending {
		if t, ok := trails.raw[c]; ok {
			s.kept[c] = keptTrail{events: t, stored: trails.stored[c]}
		} else if k, ok := before[c]; ok {
			s.kept[c] = k
		}
	}
	s.lastSeq = lastSeq
}

// step decides, for a batch touching cases, which cases to derive: a nil
// run derives what the batch touches.
func (r *Run) step(touched []string, last bool) runStep {
	if r == nil {
		return runStep{derive: touched}
	}
	n := r.batches + 1
	s := runStep{pending: maps.Clone(r.pending)}
	for _, c := range touched {
		if _, listed := s.pending[c]; !listed && !last {
			s.deferred = append(s.deferred, c)
		}
		s.pending[c] = n
	}
	for c, at := range s.pending {
		if last || n-at >= deferBatches {
			s.derive = append(s.derive, c)
			if _, listed := r.pending[c]; listed {
				s.done = append(s.done, c)
			}
			delete(s.pending, c)
		}
	}
	slices.Sort(s.derive)
	return s
}

// Underived returns how many cases a stopped ingest left with events
// stored and their derived rows not yet updated: derived when the
// database is next opened for writing.
func (db *DB) Underived(ctx context.Context) (int, error) {
	var n int
	err := db.reads.QueryRowContext(ctx, "SELECT count(*) FROM underived").Scan(&n)
	return n, db.wrap("count underived cases", err)
}

// deriveUnderived derives the cases a run left listed as underived.
func (db *DB) deriveUnderived(ctx context.Context) error {
	var cases []string
	if err := db.bun.NewRaw("SELECT case_id FROM underived ORDER BY case_id").Scan(ctx, &cases); err != nil {
		return err
	}
	if len(cases) == 0 {
		return nil
	}
	rules, err := db.Rules(ctx)
	if err != nil {
		return err
	}
	_, err = db.deriveCases(ctx, cases, rules)
	return err
}

// deriveCases derives cases (sorted) from their stored events, two
// thousand to a transaction, and takes them off the underived list. It
// returns how many it derived.
func (db *DB) deriveCases(ctx context.Context, cases []string, rules *evaluation.Rules) (int, error) {
	const chunk = 2000
	for start := 0; start < len(cases); start += chunk {
		part := cases[start:min(start+chunk, len(cases))]
		err := db.begin(ctx, "", durable, func(tx batchTx) error {
			if err := tx.underived(nil, part); err != nil {
				return err
			}
			return deriveIn(tx, part, rules)
		})
		if err != nil {
			return start, err
		}
	}
	return len(cases), nil
}
