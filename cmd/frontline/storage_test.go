package main

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"frontline/store/storetest"
)

// TestSQLiteStorageFaults fills the disk under a SQLite database in the
// middle of an ingest, then makes the disk read-only, then gives it room
// again. The full disk stops the ingest with a clear error; what was
// stored before stays whole and verifiable. On the read-only disk the
// database is read but not changed, to the byte. With room again, the
// same ingest finishes, and the database holds exactly what one clean
// run leaves.
func TestSQLiteStorageFaults(t *testing.T) {
	dir := t.TempDir()
	if r := frontline(t, nil, "", "gen", "--cases", "3000", "--seed", "2", "--out", dir); r.code != exitOK {
		t.Fatalf("gen: %s", r.stderr)
	}
	registry, events := filepath.Join(dir, "registry.yaml"), filepath.Join(dir, "events.ndjson")
	on := func(dsn string) func(args ...string) (string, error) {
		return func(args ...string) (string, error) {
			r := frontline(t, map[string]string{"FRONTLINE_DB": dsn, "FRONTLINE_LANG": "en"}, "", args...)
			if r.code != exitOK {
				return r.stdout, fmt.Errorf("exit %d: %s", r.code, r.stderr)
			}
			return r.stdout, nil
		}
	}
	run := func(dsn string, args ...string) result {
		return frontline(t, map[string]string{"FRONTLINE_DB": dsn, "FRONTLINE_LANG": "en"}, "", args...)
	}

	clean := storetest.SQLite(t)
	for _, args := range [][]string{{"registry", "load", registry}, {"ingest", events}} {
		if r := run(clean, args...); r.code != exitOK {
			t.Fatalf("%v: %s", args, r.stderr)
		}
	}
	want := stateOf(t, on(clean))

	disk := storetest.SmallDisk(t, "3m") // the registry fits, the events do not
	db := filepath.Join(disk.Dir, "frontline.db")
	if r := run(db, "registry", "load", registry); r.code != exitOK {
		t.Fatalf("registry load on the small disk: %s", r.stderr)
	}

	// Full: a clear error, and the batches stored before it stay, whole.
	r := run(db, "ingest", "--batch", "500", events)
	if r.code != exitFailure || !strings.Contains(r.stderr, "is full") || !strings.Contains(r.stderr, "wrote nothing") {
		t.Fatalf("ingest onto a full disk: exit %d, stderr %s", r.code, r.stderr)
	}
	m := regexp.MustCompile(`; (\d+) accepted before it stay stored`).FindStringSubmatch(r.stderr)
	if m == nil {
		t.Fatalf("the failed ingest does not say what it stored: %s", r.stderr)
	}
	if stored, _ := strconv.Atoi(m[1]); stored == 0 || storetest.SQLiteEvents(t, db) != stored {
		t.Errorf("the failed ingest says %s events stayed stored; the database holds %d", m[1], storetest.SQLiteEvents(t, db))
	}
	storetest.SQLiteIntegrity(t, db)
	if out, err := on(db)("audit", "verify"); err != nil || !strings.Contains(out, "intact") {
		t.Errorf("audit verify after the full disk: %s %v", out, err)
	}
	// The cases the stopped ingest left waiting cannot be derived on a
	// full disk either: every command says so.
	if r := run(db, "score", "--period", "2026", "--asof", "2027-01-01"); r.code != exitOK || !strings.Contains(r.stderr, "is not yet updated") {
		t.Errorf("score after the full disk does not warn of cases not yet derived: exit %d, stderr %s", r.code, r.stderr)
	}

	// Read-only: read as before; a change is refused, and not a byte moves.
	disk.Remount("ro")
	before := digestDir(t, disk.Dir)
	r = run(db, "score", "--period", "2026", "--asof", "2027-01-01")
	if r.code != exitOK || !strings.Contains(r.stderr, "reading only") || !strings.Contains(r.stdout, "Scores for 2026") {
		t.Errorf("score on a read-only disk: exit %d, stdout %.200s, stderr %s", r.code, r.stdout, r.stderr)
	}
	for _, args := range [][]string{{"ingest", events}, {"registry", "load", registry}, {"users", "add", "ada", "--role", "admin"}} {
		if r := run(db, args...); r.code != exitFailure || !strings.Contains(r.stderr, "cannot be written") {
			t.Errorf("%v on a read-only disk: exit %d, stderr %s", args, r.code, r.stderr)
		}
	}
	if after := digestDir(t, disk.Dir); after != before {
		t.Errorf("the read-only disk's files changed:\nbefore %s\nafter  %s", before, after)
	}
	// A backup elsewhere is written, but the log that must record it
	// cannot be: it fails, and leaves no copy behind.
	copyTo := filepath.Join(t.TempDir(), "backup.db")
	if r := run(db, "backup", copyTo); r.code == exitOK {
		t.Errorf("backup of a database whose log cannot be written: exit 0")
	}
	if _, err := os.Stat(copyTo); !os.IsNotExist(err) {
		t.Errorf("the failed backup left %s behind (%v)", copyTo, err)
	}
	if _, err := os.Stat(copyTo + ".partial"); !os.IsNotExist(err) {
		t.Errorf("the failed backup left its partial copy behind (%v)", err)
	}

	// Room again: the same ingest finishes where the full disk stopped it.
	disk.Remount("rw,size=64m")
	if r := run(db, "ingest", events); r.code != exitOK || strings.Contains(r.stderr, "not yet updated") {
		t.Fatalf("ingest once the disk has room: exit %d, stderr %s", r.code, r.stderr)
	}
	storetest.SQLiteIntegrity(t, db)
	if got := stateOf(t, on(db)); got != want {
		t.Errorf("after the full disk and one more ingest, the state differs from a clean run's")
	}
}

// digestDir names every file of dir with its size and SHA-256.
func digestDir(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&out, "%s %d %x; ", e.Name(), len(b), sha256.Sum256(b))
	}
	return out.String()
}
