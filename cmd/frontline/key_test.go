package main

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"frontline/store/storetest"
)

// TestKeyOutsideTheData, on both engines: a database that keeps its own
// pseudonymisation key works and says how to move it out; the server
// will not start on it, and no backup is taken of it; `key move` writes
// the key to a file only its owner may read and takes it out of the
// database (on SQLite, out of the file's bytes too); from then on the
// key file is needed, a wrong key or a file others may read is refused,
// and backups hold no key.
func TestKeyOutsideTheData(t *testing.T) {
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		dir := t.TempDir()
		env := map[string]string{"FRONTLINE_DB": dsn, "FRONTLINE_LANG": "en", "FRONTLINE_PSEUDONYM_KEY": ""}
		if r := frontline(t, env, "", "registry", "load", "../../store/testdata/registry.yaml"); r.code != 0 {
			t.Fatalf("registry load: %s", r.stderr)
		}
		opened := `{"id":"K-1","case":"K1","type":"opened","at":"2026-06-01T09:00:00+08:00","category":"garbage","street":"S1","reporter":"13800000000","access_code":"K7Q2-9XZ"}` + "\n"
		r := frontline(t, env, opened, "ingest", "-")
		if r.code != 0 || !strings.Contains(r.stderr, "key is kept in the database") || !strings.Contains(r.stderr, "frontline key move --out FILE") {
			t.Fatalf("ingest with the database's own key: exit %d %s", r.code, r.stderr)
		}
		if r := frontline(t, env, "", "score", "--period", "2026-06"); !strings.Contains(r.stderr, "frontline key move --out FILE") {
			t.Errorf("a read on a database that keeps its key does not say how to move it out: %s", r.stderr)
		}
		if r := frontline(t, env, "", "serve", "--addr", "127.0.0.1:0"); r.code != exitUsage || !strings.Contains(r.stderr, "--key-file") {
			t.Errorf("serve without a key from outside: exit %d %s", r.code, r.stderr)
		}
		if r := frontline(t, env, "", "backup", filepath.Join(dir, "refused.bak")); r.code == exitOK || !strings.Contains(r.stderr, "move it out first") {
			t.Errorf("backup of a database that keeps its key: exit %d %s", r.code, r.stderr)
		}
		var stored string
		if !strings.HasPrefix(dsn, "postgres") {
			stored = storetest.SQLiteSetting(t, dsn, "secret:pseudonym")
		}

		keyFile := filepath.Join(dir, "frontline.key")
		if r := frontline(t, env, "", "key", "move", "--out", keyFile); r.code != 0 || !strings.Contains(r.stderr, "FRONTLINE_KEY_FILE="+keyFile) {
			t.Fatalf("key move: exit %d %s", r.code, r.stderr)
		}
		if info, err := os.Stat(keyFile); err != nil || info.Mode().Perm() != 0o600 {
			t.Errorf("the key file: %v %v, want mode 0600", info, err)
		}
		if stored != "" {
			raw, _ := os.ReadFile(dsn)
			wal, _ := os.ReadFile(dsn + "-wal")
			if key, _ := base64.StdEncoding.DecodeString(stored); bytes.Contains(append(raw, wal...), []byte(stored)) || len(key) == 0 {
				t.Error("the moved key's text is still in the database file")
			}
		}
		if r := frontline(t, env, "", "key", "move", "--out", keyFile+"2"); r.code != exitUsage || !strings.Contains(r.stderr, "keeps no pseudonymisation key") {
			t.Errorf("a second move: exit %d %s", r.code, r.stderr)
		}

		// Without the key, no personal data is stored; with it, all is as before.
		more := strings.ReplaceAll(opened, "K-1", "K-2")
		if r := frontline(t, env, more, "ingest", "-"); r.code == 0 || !strings.Contains(r.stderr, "kept outside it, and none was given") {
			t.Errorf("ingest without the moved key: exit %d %s", r.code, r.stderr)
		}
		withFile := map[string]string{"FRONTLINE_DB": dsn, "FRONTLINE_LANG": "en", "FRONTLINE_PSEUDONYM_KEY": "", "FRONTLINE_KEY_FILE": keyFile}
		if r := frontline(t, withFile, opened+more, "ingest", "-"); r.code != 0 || strings.Contains(r.stderr, "warning") || !strings.Contains(r.stderr, "accepted 1, duplicates 1") {
			t.Errorf("ingest with the key file: exit %d %s (the first event must read as a duplicate: the same pseudonyms)", r.code, r.stderr)
		}
		wrong := map[string]string{"FRONTLINE_DB": dsn, "FRONTLINE_LANG": "en", "FRONTLINE_PSEUDONYM_KEY": testKey}
		if r := frontline(t, wrong, strings.ReplaceAll(opened, "K-1", "K-3"), "ingest", "-"); r.code == 0 || !strings.Contains(r.stderr, "not the key") {
			t.Errorf("ingest with another key: exit %d %s", r.code, r.stderr)
		}
		os.Chmod(keyFile, 0o644)
		if r := frontline(t, withFile, strings.ReplaceAll(opened, "K-1", "K-4"), "ingest", "-"); r.code != exitUsage || !strings.Contains(r.stderr, "chmod 600") {
			t.Errorf("a key file others may read: exit %d %s", r.code, r.stderr)
		}
		os.Chmod(keyFile, 0o600)

		// A backup now: it holds no key, and restored it needs the file.
		backup := filepath.Join(dir, "frontline.bak")
		if r := frontline(t, withFile, "", "backup", backup); r.code != 0 {
			t.Fatalf("backup: exit %d %s", r.code, r.stderr)
		}
		if !strings.HasPrefix(dsn, "postgres") {
			if n := storetest.SQLiteCount(t, backup, "SELECT count(*) FROM settings"); n != 0 {
				t.Errorf("the backup holds %d settings", n)
			}
		}
	})
}
