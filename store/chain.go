package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"

	"frontline/audit"
	"frontline/ingest"

	"github.com/goccy/go-json"
)

// The event chain: each stored event carries chain = SHA-256(seq, hash,
// the previous event's chain), the first the genesis of zeros, so that an
// event edited, deleted, inserted or reordered breaks it where that
// happened, and a head printed earlier (seq:chain) shows the log was not
// cut short since.

var genesis = make([]byte, sha256.Size)

// chainOf links an event, by its sequence number and content hash, to the
// chain before it.
func chainOf(prev []byte, seq int64, hash []byte) []byte {
	h := sha256.New()
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(seq))
	h.Write(n[:])
	h.Write(hash)
	h.Write(prev)
	return h.Sum(nil)
}

// chainAt returns the chain of the event with sequence number seq (the
// genesis for 0), read by query with $1 = seq.
func chainAt(seq int64, query func(q string, args ...any) row) ([]byte, error) {
	if seq == 0 {
		return genesis, nil
	}
	var chain []byte
	if err := query("SELECT chain FROM events WHERE seq = $1", seq).Scan(&chain); err != nil {
		return nil, err
	}
	if len(chain) != sha256.Size {
		return nil, fmt.Errorf("event %d has no chain hash", seq)
	}
	return chain, nil
}

// EventsHead names the event chain's last event: seq:chain.
func (db *DB) EventsHead(ctx context.Context) (audit.Head, error) {
	var seq int64
	var chain []byte
	err := db.sql.QueryRowContext(ctx, "SELECT seq, chain FROM events ORDER BY seq DESC LIMIT 1").Scan(&seq, &chain)
	if errors.Is(err, sql.ErrNoRows) {
		return audit.Head{Seq: 0, Hash: hex.EncodeToString(genesis)}, nil
	}
	if err != nil {
		return audit.Head{}, db.wrap("read the event chain's head", err)
	}
	return audit.Head{Seq: seq, Hash: hex.EncodeToString(chain)}, nil
}

// chainStored links the events stored before the chain existed, in
// sequence order, from the first without a chain; it runs when the
// database is opened, and costs one look-up when there is nothing to do.
func (db *DB) chainStored(ctx context.Context) error {
	var last sql.NullInt64
	if err := db.sql.QueryRowContext(ctx, "SELECT max(seq) FROM events").Scan(&last); err != nil || !last.Valid {
		return err
	}
	var chained bool
	if err := db.sql.QueryRowContext(ctx, "SELECT chain IS NOT NULL FROM events WHERE seq = $1", last.Int64).Scan(&chained); err != nil || chained {
		return err
	}
	var from int64
	if err := db.sql.QueryRowContext(ctx, "SELECT min(seq) FROM events WHERE chain IS NULL").Scan(&from); err != nil {
		return err
	}
	const step = 20_000
	for {
		tx, err := db.sql.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		var prevSeq int64
		if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(seq), 0) FROM events WHERE seq < $1", from).Scan(&prevSeq); err != nil {
			tx.Rollback()
			return err
		}
		prev, err := chainAt(prevSeq, func(q string, args ...any) row { return tx.QueryRowContext(ctx, q, args...) })
		if err != nil {
			tx.Rollback()
			return err
		}
		rows, err := tx.QueryContext(ctx, "SELECT seq, hash FROM events WHERE seq >= $1 ORDER BY seq LIMIT $2", from, step)
		if err != nil {
			tx.Rollback()
			return err
		}
		type link struct {
			seq   int64
			chain []byte
		}
		var links []link
		for rows.Next() {
			var seq int64
			var hash []byte
			if err := rows.Scan(&seq, &hash); err != nil {
				rows.Close()
				tx.Rollback()
				return err
			}
			prev = chainOf(prev, seq, hash)
			links = append(links, link{seq, prev})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			tx.Rollback()
			return err
		}
		for _, l := range links {
			if _, err := tx.ExecContext(ctx, "UPDATE events SET chain = $1 WHERE seq = $2", l.chain, l.seq); err != nil {
				tx.Rollback()
				return err
			}
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		if len(links) < step {
			return nil
		}
		from = links[len(links)-1].seq + 1
	}
}

// VerifyEvents checks the event chain whole, in sequence order: each
// event's stored hash against its content, each chain hash against the
// one before; each anchor (a head printed earlier, or recorded in the
// audit log) the chain must still hold, with its chain hash. It returns
// the head, the events checked and the first problem, naming the event.
func (db *DB) VerifyEvents(ctx context.Context, anchors ...audit.Head) (audit.Head, int64, *audit.Problem, error) {
	rows, err := db.reads.DB.QueryContext(ctx, "SELECT seq, id, hash, chain, body FROM events ORDER BY seq")
	if err != nil {
		return audit.Head{}, 0, nil, db.wrap("verify events", err)
	}
	defer rows.Close()
	v := eventVerifier{anchors: map[int64]string{}}
	for _, a := range anchors {
		if a.Seq > 0 {
			v.anchors[a.Seq] = a.Hash
			v.farthest = max(v.farthest, a.Seq)
		}
	}
	for rows.Next() {
		var e chainedEvent
		if err := rows.Scan(&e.seq, &e.id, &e.hash, &e.chain, &e.body); err != nil {
			return v.head(), v.n, nil, db.wrap("verify events", err)
		}
		v.add(e)
	}
	if err := rows.Err(); err != nil {
		return v.head(), v.n, nil, db.wrap("verify events", err)
	}
	return v.head(), v.n, v.end(), nil
}

type chainedEvent struct {
	seq         int64
	id, body    string
	hash, chain []byte
}

// eventVerifier checks events fed to it in sequence order.
type eventVerifier struct {
	anchors  map[int64]string // chain hashes by sequence number, that the log must hold
	farthest int64            // the last anchor's sequence number
	n        int64
	last     chainedEvent // the event before
	before   []byte       // the chain before last
	suspect  *chainedEvent
	gap      bool // the suspect's seq does not follow the event before it
	problem  *audit.Problem
}

func (v *eventVerifier) head() audit.Head {
	if v.n == 0 {
		return audit.Head{Hash: hex.EncodeToString(genesis)}
	}
	return audit.Head{Seq: v.last.seq, Hash: hex.EncodeToString(v.last.chain)}
}

func (v *eventVerifier) fail(seq int64, kind, format string, args ...any) {
	if v.problem == nil {
		v.problem = &audit.Problem{Seq: seq, Kind: kind, Detail: fmt.Sprintf(format, args...)}
	}
}

func (v *eventVerifier) add(e chainedEvent) {
	v.n++
	prev := genesis
	if v.n > 1 {
		prev = v.last.chain
	}
	if want, ok := v.anchors[e.seq]; ok && hex.EncodeToString(e.chain) != want {
		v.fail(e.seq, "rewritten", "event %s has another chain hash than a head printed or recorded earlier", e.id)
	}
	if sum := sha256.Sum256([]byte(e.body)); string(sum[:]) != string(e.hash) {
		v.fail(e.seq, "edited", "event %s: its content does not match its hash", e.id)
	}
	linked := string(chainOf(prev, e.seq, e.hash)) == string(e.chain)
	skips := v.n > 1 && string(chainOf(v.before, e.seq, e.hash)) == string(e.chain) // links over the event before
	switch {
	case v.suspect != nil && !linked && skips:
		v.fail(v.suspect.seq, "inserted", "event %s was put into the chain after it was made", v.suspect.id)
	case v.suspect != nil && linked:
		// The chain goes on from the suspect's own chain hash: the suspect
		// alone is wrong, or events before it are missing.
		if v.gap {
			v.fail(v.suspect.seq, "deleted", "events before %s (%d) are missing from the chain", v.suspect.id, v.suspect.seq)
		}
		v.fail(v.suspect.seq, "edited", "event %s's place, hash or chain hash was changed", v.suspect.id)
	case v.suspect != nil:
		v.fail(v.suspect.seq, "reordered", "the chain breaks from event %s on: events were moved or rewritten", v.suspect.id)
	case !linked && skips:
		v.fail(v.last.seq, "inserted", "event %s was put into the chain after it was made", v.last.id)
	case !linked:
		s := e
		v.suspect, v.gap = &s, e.seq > v.last.seq+1 && v.n > 1
	}
	if linked {
		v.suspect = nil
	}
	v.before, v.last = prev, e
}

// end says what is wrong once every event was fed: a suspect at the end,
// an anchor never met.
func (v *eventVerifier) end() *audit.Problem {
	if s := v.suspect; s != nil {
		if v.gap {
			v.fail(s.seq, "deleted", "events before %s (%d) are missing from the chain", s.id, s.seq)
		}
		v.fail(s.seq, "edited", "event %s's place, hash or chain hash was changed", s.id)
	}
	last := int64(0)
	if v.n > 0 {
		last = v.last.seq
	}
	if v.farthest > last {
		v.fail(v.farthest, "deleted", "the log ends at event %d, before a head printed or recorded earlier (%d): it was cut short", last, v.farthest)
	}
	return v.problem
}

// batchEntry is the audit entry of a stored batch (ingest.Note): what it
// did, the hash of the content it stored and the event chain's head
// after it, ready to be linked.
func (db *DB) batchEntry(note *ingest.Note, batch []ingest.Prepared, outcomes []ingest.Outcome, before link, placed []link) (audit.Entry, error) {
	counts := map[ingest.Outcome]int{}
	for _, o := range outcomes {
		counts[o]++
	}
	content := sha256.New()
	details := struct {
		Events      []int64 `json:"events"` // the first and last sequence number stored
		Accepted    int     `json:"accepted"`
		Duplicates  int     `json:"duplicates"`
		Conflicts   int     `json:"conflicts"`
		Quarantined int     `json:"quarantined"`
		Content     string  `json:"content_sha256"`
		Head        string  `json:"events_head"`
	}{Events: []int64{}, Accepted: counts[ingest.Accepted], Duplicates: counts[ingest.Duplicate], Conflicts: counts[ingest.Conflict],
		Quarantined: counts[ingest.Quarantined]}
	for i, o := range outcomes {
		if o == ingest.Accepted {
			content.Write(batch[i].Hash[:])
		}
	}
	details.Content = hex.EncodeToString(content.Sum(nil))
	last := before
	if len(placed) > 0 {
		last = placed[len(placed)-1]
		details.Events = []int64{placed[0].seq, last.seq}
	}
	details.Head = audit.Head{Seq: last.seq, Hash: hex.EncodeToString(last.chain)}.String()
	b, err := json.Marshal(details)
	if err != nil {
		return audit.Entry{}, err
	}
	return audit.Entry{At: db.now(), Actor: note.Actor, Action: ingest.BatchAction, Object: note.Source, Details: string(b)}, nil
}
