package store

import (
	"context"
	"crypto/sha256"
	"strings"
	"testing"

	"frontline/audit"
	"frontline/store/storetest"
)

// TestEventChainNamesTampering, on both engines: the worked example
// stored in three batches verifies whole; then, each on a fresh copy, an
// event's content edited (its hash kept, or recomputed too), an event
// deleted, one inserted with a chain hash made to fit, two swapped, and
// the log cut short are each named, at the right event; an emptied log
// passes alone but fails against the head printed before (the audit log
// keeps such heads: see service's verify).
func TestEventChainNamesTampering(t *testing.T) {
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		var last string // the newest database's dsn
		setup := func(t *testing.T) *DB {
			last = storetest.Fresh(t, dsn)
			db := openTestDB(t, last)
			loadRegistry(t, db, "testdata/registry.yaml")
			ingestString(t, db, readFile(t, "testdata/worked.ndjson"), 6)
			return db
		}
		db := setup(t)
		head, n, problem, err := db.VerifyEvents(ctx)
		if err != nil || problem != nil || n != 16 || head.Seq != 16 {
			t.Fatalf("the untouched log: head %v, %d events, %v %v", head, n, problem, err)
		}
		// Reopening chains nothing again and changes nothing; a database
		// from before the chain (no chain hashes) is chained on opening,
		// to the same head.
		if h, _ := openTestDB(t, last).EventsHead(ctx); h != head {
			t.Errorf("head after reopening %v, want %v", h, head)
		}
		if _, err := db.sql.ExecContext(ctx, "UPDATE events SET chain = NULL WHERE seq > 3"); err != nil {
			t.Fatal(err)
		}
		if h, _ := openTestDB(t, last).EventsHead(ctx); h != head {
			t.Errorf("head after chaining the stored events %v, want %v", h, head)
		}
		edit := func(q string, args ...any) func(*DB) {
			return func(db *DB) {
				if _, err := db.sql.ExecContext(ctx, q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
		}
		newBody := `{"id":"W-05","case":"W1","type":"rated","at":"2026-06-01T07:00:00Z","satisfaction":"dissatisfied"}`
		sum := sha256.Sum256([]byte(newBody))
		for _, c := range []struct {
			name   string
			tamper func(*DB)
			seq    int64
			kind   string
		}{
			{"a rating edited", edit("UPDATE events SET body = $1 WHERE id = 'W-05'", newBody), 5, "edited"},
			{"a rating edited with its hash", edit("UPDATE events SET body = $1, hash = $2 WHERE id = 'W-05'", newBody, sum[:]), 5, "edited"},
			{"an event deleted", edit("DELETE FROM events WHERE id = 'W-13'"), 14, "deleted"},
			{"an event swapped with the next", func(db *DB) {
				edit("UPDATE events SET seq = 100 WHERE seq = 7")(db)
				edit("UPDATE events SET seq = 7 WHERE seq = 8")(db)
				edit("UPDATE events SET seq = 8 WHERE seq = 100")(db)
			}, 7, "reordered"},
			// In the middle, an event needs the ones after it renumbered: the
			// chain breaks where they start.
			{"an event inserted", func(db *DB) {
				for seq := 16; seq > 10; seq-- {
					edit("UPDATE events SET seq = $1 WHERE seq = $2", seq+1, seq)(db)
				}
				var prev []byte
				db.sql.QueryRowContext(ctx, "SELECT chain FROM events WHERE seq = 10").Scan(&prev)
				body := `{"id":"X-1","case":"W2","type":"closed","at":"2026-06-20T00:00:00Z"}`
				h := sha256.Sum256([]byte(body))
				edit("INSERT INTO events (seq, id, case_id, type, at, hash, body, chain) VALUES (11, 'X-1', 'W2', 'closed', $1, $2, $3, $4)",
					fixedNow, h[:], body, chainOf(prev, 11, h[:]))(db)
			}, 12, "reordered"},
		} {
			t.Run(c.name, func(t *testing.T) {
				db := setup(t)
				c.tamper(db)
				_, _, problem, err := db.VerifyEvents(ctx)
				if err != nil || problem == nil || problem.Seq != c.seq || problem.Kind != c.kind {
					t.Errorf("verify: %+v %v, want %s at %d", problem, err, c.kind, c.seq)
				}
			})
		}
		t.Run("the log cut short", func(t *testing.T) {
			db := setup(t)
			anchor, _ := db.EventsHead(ctx)
			edit("DELETE FROM events WHERE seq > 12")(db)
			if _, _, problem, _ := db.VerifyEvents(ctx); problem != nil {
				t.Errorf("a log cut short verifies alone as %+v: only a head printed earlier shows it", problem)
			}
			if _, _, problem, _ := db.VerifyEvents(ctx, anchor); problem == nil || problem.Kind != "deleted" || !strings.Contains(problem.Detail, "cut short") {
				t.Errorf("against the head printed earlier: %+v", problem)
			}
			edit("DELETE FROM events")(db)
			if _, n, problem, _ := db.VerifyEvents(ctx, anchor); problem == nil || n != 0 {
				t.Errorf("an emptied log against the head printed earlier: %d events, %+v", n, problem)
			}
			if _, _, problem, _ := db.VerifyEvents(ctx, audit.Head{Seq: 0}); problem != nil {
				t.Errorf("an empty log against the genesis: %+v", problem)
			}
		})
	})
}
