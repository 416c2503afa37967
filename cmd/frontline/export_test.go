package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"frontline/store/storetest"
)

// TestExportAndVerify: `export breaches` writes a pack that `export
// verify` recognises, names who issued it, and refuses once a byte changed.
func TestExportAndVerify(t *testing.T) {
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		env := map[string]string{"FRONTLINE_DB": dsn, "FRONTLINE_LANG": "en"}
		frontline(t, env, "", "registry", "load", "../../store/testdata/registry.yaml")
		frontline(t, env, "", "ingest", "../../store/testdata/worked.ndjson")
		frontline(t, env, "", "users", "add", "dina", "--role", "discipline_inspector")
		frontline(t, env, "", "users", "add", "olga", "--role", "org_assessor")
		out := filepath.Join(t.TempDir(), "breaches.xlsx")
		if r := frontline(t, env, "", "export", "breaches", "--period", "2026-06", "--user", "olga", "--out", out); r.code != exitFailure ||
			!strings.Contains(r.stderr, "not allowed") && !strings.Contains(r.stderr, "forbidden") && !strings.Contains(r.stderr, "may not") {
			t.Errorf("the assessor exports breaches: exit %d %s", r.code, r.stderr)
		}
		if _, err := os.Stat(out); err == nil {
			t.Error("a refused export left a file")
		}
		r := frontline(t, env, "", "export", "breaches", "--period", "2026-06", "--user", "dina", "--out", out)
		if r.code != exitOK || !strings.Contains(r.stderr, "SHA-256") {
			t.Fatalf("export: exit %d %s", r.code, r.stderr)
		}
		if r := frontline(t, env, "", "export", "verify", out); r.code != exitOK || !strings.Contains(r.stdout, "exported by dina") {
			t.Errorf("verify the pack: exit %d %s %s", r.code, r.stdout, r.stderr)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)/2] ^= 0xff
		changed := filepath.Join(t.TempDir(), "changed.xlsx")
		os.WriteFile(changed, b, 0o644)
		if r := frontline(t, env, "", "export", "verify", changed); r.code != exitFailure || !strings.Contains(r.stderr, "not issued by Frontline") {
			t.Errorf("verify a changed pack: exit %d %s", r.code, r.stderr)
		}
		if r := frontline(t, env, "", "export", "galaxy", "--period", "2026-06", "--out", out); r.code != exitUsage {
			t.Errorf("an unknown kind: exit %d %s", r.code, r.stderr)
		}
	})
}
