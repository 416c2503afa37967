package main

import (
	"database/sql"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite"
)

// TestReadsWriteNothing: reading commands leave the database as they
// found it; in particular the pseudonymisation key is made only by the
// first command that stores personal data, not by a read.
func TestReadsWriteNothing(t *testing.T) {
	file := filepath.Join(t.TempDir(), "frontline.db")
	env := map[string]string{"FRONTLINE_DB": file, "FRONTLINE_LANG": "en", "FRONTLINE_PSEUDONYM_KEY": ""} // the database's own key
	if r := frontline(t, env, "", "registry", "load", "../../store/testdata/registry.yaml"); r.code != 0 {
		t.Fatalf("registry load: %s", r.stderr)
	}
	keys := func() int {
		t.Helper()
		db, err := sql.Open("sqlite", file)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var n int
		if err := db.QueryRow("SELECT count(*) FROM settings WHERE key = 'secret:pseudonym'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, args := range [][]string{{"score", "--period", "2026-06"}, {"breaches", "--period", "2026-06"}, {"matrix", "--period", "2026-06"},
		{"explain", "--unit", "D1", "--period", "2026-06"}, {"findings"}, {"appeals"}} {
		frontline(t, env, "", args...)
		if n := keys(); n != 0 {
			t.Fatalf("%v made the pseudonymisation key", args)
		}
	}
	if r := frontline(t, env, "", "ingest", "../../store/testdata/worked.ndjson"); r.code != 0 {
		t.Fatalf("ingest: %s", r.stderr)
	}
	if n := keys(); n != 1 {
		t.Errorf("after an ingest: %d keys, want 1", n)
	}
}
