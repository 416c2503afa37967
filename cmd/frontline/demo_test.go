package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestDemoBuildsADistrictWithALoginPerRole builds a small demo without
// serving: a year ending last month, one login per role that works.
func TestDemoBuildsADistrictWithALoginPerRole(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"FRONTLINE_LANG": "en"}
	r := frontline(t, env, "", "demo", "--cases", "400", "--dir", dir, "--no-serve")
	if r.code != 0 {
		t.Fatalf("demo: exit %d: %s", r.code, r.stderr)
	}
	// testNow is 2027-01-15: the year runs from 2026-01-01 to 2026-12-31.
	if !strings.Contains(r.stderr, "2026-01-01 to 2026-12-31") {
		t.Errorf("demo year: %s", r.stderr)
	}
	logins := map[string][]string{}
	for _, line := range strings.Split(r.stdout, "\n") {
		if f := strings.Fields(line); len(f) >= 4 && f[0] != "USER" {
			logins[f[0]] = f
		}
	}
	if len(logins) != 6 {
		t.Fatalf("want 6 logins, got %v", logins)
	}
	db := map[string]string{"FRONTLINE_DB": filepath.Join(dir, "frontline.db"), "FRONTLINE_LANG": "en"}
	if r := frontline(t, db, "", "score", "--period", "2026-06", "--user", "street", "--format", "csv"); r.code != 0 || strings.Count(r.stdout, "\n") != 2 || !strings.Contains(r.stdout, "S01,") {
		t.Errorf("the street head's scores: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := frontline(t, db, "", "users", "list", "--format", "json"); strings.Contains(r.stdout, logins["admin"][3]) {
		t.Error("users list shows a demo password")
	}
}
