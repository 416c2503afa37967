package store

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"frontline/audit"
	"frontline/store/storetest"
)

func appendN(t *testing.T, db *DB, n int, actor string) {
	t.Helper()
	for i := range n {
		if _, err := db.AppendAudit(context.Background(), audit.Entry{Actor: actor, Action: "test", Object: fmt.Sprintf("%s-%d", actor, i), Details: `{"i":` + fmt.Sprint(i) + `}`}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAuditVerifyFindsTampering edits, deletes, inserts and reorders rows
// directly in the database, on both engines, and requires verify to name
// each one.
func TestAuditVerifyFindsTampering(t *testing.T) {
	tests := []struct {
		name string
		sql  []string
		seq  int64
		kind string
	}{
		{"edited", []string{"UPDATE audit_log SET details = '{\"i\":99}' WHERE seq = 3"}, 3, "edited"},
		{"deleted", []string{"DELETE FROM audit_log WHERE seq = 3"}, 4, "deleted"},
		// A forger who renumbers the rest and gives the new entry a correct
		// hash: the break shows at the entry pushed down.
		{"inserted", []string{
			"UPDATE audit_log SET seq = seq + 100 WHERE seq >= 3",
			"UPDATE audit_log SET seq = seq - 99 WHERE seq >= 103",
			"FORGE 3"}, 4, "inserted"},
		// A forged entry with a hash that does not fit it.
		{"inserted carelessly", []string{
			"INSERT INTO audit_log (seq, at, actor, action, object, details, prev, hash) SELECT 7, at, 'mallory', action, object, details, hash, hash FROM audit_log WHERE seq = 6"}, 7, "edited"},
		{"reordered", []string{
			"UPDATE audit_log SET seq = 100 WHERE seq = 3",
			"UPDATE audit_log SET seq = 3 WHERE seq = 4",
			"UPDATE audit_log SET seq = 4 WHERE seq = 100"}, 3, "reordered"},
	}
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if _, err := db.sql.ExecContext(ctx, "DELETE FROM audit_log"); err != nil {
					t.Fatal(err)
				}
				appendN(t, db, 6, "olga")
				head, n, p, err := db.VerifyAudit(ctx, nil)
				if err != nil || p != nil || n != 6 || head.Seq != 6 {
					t.Fatalf("before tampering: head %v, %d entries, problem %v, %v", head, n, p, err)
				}
				for _, q := range tt.sql {
					if q == "FORGE 3" {
						var prev audit.Entry
						db.sql.QueryRowContext(ctx, "SELECT hash FROM audit_log WHERE seq = 2").Scan(&prev.Hash)
						prev.Seq = 2
						forged := audit.Entry{At: fixedNow, Actor: "mallory", Action: "test", Object: "forged", Details: "{}"}
						forged.Link(&prev)
						q = fmt.Sprintf("INSERT INTO audit_log (seq, at, actor, action, object, details, prev, hash) VALUES (3, '%s', 'mallory', 'test', 'forged', '{}', '%s', '%s')",
							fixedNow.Format("2006-01-02 15:04:05+00:00"), forged.Prev, forged.Hash)
					}
					if _, err := db.sql.ExecContext(ctx, q); err != nil {
						t.Fatalf("%s: %v", q, err)
					}
				}
				_, _, p, err = db.VerifyAudit(ctx, nil)
				if err != nil || p == nil || p.Seq != tt.seq || p.Kind != tt.kind {
					t.Errorf("verify found %v (%v), want %s at %d", p, err, tt.kind, tt.seq)
				}
			})
		}
		// Truncating the tail is only visible against an anchored head.
		db.sql.ExecContext(ctx, "DELETE FROM audit_log")
		appendN(t, db, 5, "olga")
		head, _, _, _ := db.VerifyAudit(ctx, nil)
		db.sql.ExecContext(ctx, "DELETE FROM audit_log WHERE seq >= 4")
		if _, _, p, _ := db.VerifyAudit(ctx, nil); p != nil {
			t.Errorf("a cut tail without an anchor: %v (it cannot be seen)", p)
		}
		if _, _, p, _ := db.VerifyAudit(ctx, &head); p == nil || p.Kind != "deleted" {
			t.Errorf("a cut tail against the anchored head %v: %v, want deleted", head, p)
		}
	})
}

// TestAuditConcurrentWriters appends from several goroutines through two
// handles on the same database (as two processes would), on both engines,
// and requires one linear, valid chain with every entry.
func TestAuditConcurrentWriters(t *testing.T) {
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		a, b := openTestDB(t, dsn), openTestDB(t, dsn)
		const writers, each = 6, 15
		var wg sync.WaitGroup
		for w := range writers {
			db := a
			if w%2 == 1 {
				db = b
			}
			wg.Go(func() { appendN(t, db, each, fmt.Sprintf("w%d", w)) })
		}
		wg.Wait()
		head, n, p, err := a.VerifyAudit(context.Background(), nil)
		if err != nil || p != nil || n != writers*each || head.Seq != writers*each {
			t.Errorf("after concurrent appends: head %v, %d entries (want %d), problem %v, %v", head, n, writers*each, p, err)
		}
	})
}
