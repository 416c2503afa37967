package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"frontline/store/storetest"
)

// TestBackupRestore, on both engines: a backup restored into an empty
// database verifies (audit verify) and scores exactly as the original; a
// backup never overwrites a file; a restore refuses a database that holds
// data unless forced, and a file that is no backup; a user other than the
// machine's operator may not back up.
func TestBackupRestore(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testBackupRestore(t, storetest.SQLite(t), storetest.SQLite(t)) })
	t.Run("postgres", func(t *testing.T) {
		base := os.Getenv(storetest.PostgresEnv)
		if base == "" {
			t.Skip(storetest.PostgresEnv + " is not set")
		}
		testBackupRestore(t, storetest.PostgresDatabase(t, base), storetest.PostgresDatabase(t, base))
	})
}

func testBackupRestore(t *testing.T, dsn, target string) {
	t.Helper()
	env := map[string]string{"FRONTLINE_DB": dsn, "FRONTLINE_LANG": "en"}
	frontline(t, env, "", "registry", "load", "../../store/testdata/registry.yaml")
	frontline(t, env, "", "ingest", "../../store/testdata/worked.ndjson")
	frontline(t, env, "", "users", "add", "ada", "--role", "admin")
	scores := func(env map[string]string) string {
		t.Helper()
		r := frontline(t, env, "", "score", "--period", "2026-06", "--asof", "2026-07-01", "--format", "json")
		if r.code != exitOK {
			t.Fatalf("score: exit %d %s", r.code, r.stderr)
		}
		// The audit head differs: the restore is itself audited.
		return regexp.MustCompile(`"audit_head": "[^"]*"`).ReplaceAllString(r.stdout, "")
	}
	want := scores(env)

	dir := t.TempDir()
	file := filepath.Join(dir, "frontline.backup")
	if r := frontline(t, env, "", "backup", "--user", "ada", file); r.code == exitOK {
		t.Errorf("the administrator backs up: exit %d", r.code)
	}
	if r := frontline(t, env, "", "backup", file); r.code != exitOK || !strings.Contains(r.stderr, "SHA-256") {
		t.Fatalf("backup: exit %d %s", r.code, r.stderr)
	}
	if r := frontline(t, env, "", "backup", file); r.code == exitOK || !strings.Contains(r.stderr, "exists") {
		t.Errorf("a second backup over the first: exit %d %s", r.code, r.stderr)
	}

	restored := map[string]string{"FRONTLINE_DB": target, "FRONTLINE_LANG": "en"}
	r := frontline(t, restored, "", "restore", file)
	if r.code != exitOK || !strings.Contains(r.stdout, "audit chain intact") {
		t.Fatalf("restore: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := frontline(t, restored, "", "audit", "verify"); r.code != exitOK || !strings.Contains(r.stdout, "intact") {
		t.Errorf("audit verify after the restore: %s %s", r.stdout, r.stderr)
	}
	if got := scores(restored); got != want {
		t.Errorf("scores after the restore:\n%s\nbefore:\n%s", got, want)
	}
	if r := frontline(t, restored, "", "restore", file); r.code == exitOK || !strings.Contains(r.stderr, "--force") {
		t.Errorf("restore over data: exit %d %s", r.code, r.stderr)
	}
	if r := frontline(t, restored, "", "restore", "--force", file); r.code != exitOK {
		t.Errorf("restore --force: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	if got := scores(restored); got != want {
		t.Errorf("scores after a forced restore differ")
	}
	if r := frontline(t, restored, "", "restore", "../../store/testdata/registry.yaml"); r.code == exitOK || !strings.Contains(r.stderr, "neither") {
		t.Errorf("restore a file that is no backup: exit %d %s", r.code, r.stderr)
	}
}
