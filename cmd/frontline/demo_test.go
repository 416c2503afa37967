package main

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"frontline/store/storetest"
	"frontline/view"
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
		if f := strings.Fields(line); len(f) >= 4 && isDemoUser(f[0]) {
			logins[f[0]] = f
		}
	}
	if len(logins) != 6 {
		t.Fatalf("want 6 logins, got %v", logins)
	}
	db := map[string]string{"FRONTLINE_DB": filepath.Join(dir, "frontline.db"), "FRONTLINE_LANG": "en"}
	// A case for trying the resident's page, which is there.
	sample := regexp.MustCompile(`case number (\S+), access code (\S+) `).FindStringSubmatch(r.stdout)
	if sample == nil {
		t.Fatalf("the demo names no case to track:\n%s", r.stdout)
	}
	if r := frontline(t, db, "", "case", sample[1]); r.code != 0 {
		t.Errorf("the demo's sample case %s: exit %d: %s", sample[1], r.code, r.stderr)
	}
	if r := frontline(t, db, "", "score", "--period", "2026-06", "--user", "street", "--format", "csv"); r.code != 0 || strings.Count(r.stdout, "\n") != 2 || !strings.Contains(r.stdout, "S01,") {
		t.Errorf("the street head's scores: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := frontline(t, db, "", "users", "list", "--format", "json"); strings.Contains(r.stdout, logins["admin"][3]) {
		t.Error("users list shows a demo password")
	}
	// The live cases of the last hour: at testNow 13 are past their
	// response limit, one is close to it, and the demo says where to look.
	var board view.WarningBoard
	if err := json.Unmarshal([]byte(frontline(t, db, "", "warnings", "--format", "json").stdout), &board); err != nil {
		t.Fatal(err)
	}
	live := map[string]int{}
	for _, w := range board.Warnings {
		if strings.Contains(w.Case, "L") && w.Milestone == "respond" {
			live[w.State]++
		}
	}
	if live["red"] != 13 || live["amber"] != 1 || !strings.Contains(r.stdout, "The live board (/warnings") {
		t.Errorf("the demo's live cases on the board: %v", live)
	}
}

// TestDemoOnAGivenDatabase builds the demo in the database --db names,
// on both engines, and refuses one that already holds data.
func TestDemoOnAGivenDatabase(t *testing.T) {
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		dir := t.TempDir()
		env := map[string]string{"FRONTLINE_LANG": "en"}
		if r := frontline(t, env, "", "demo", "--cases", "200", "--dir", dir, "--db", dsn, "--no-serve"); r.code != 0 {
			t.Fatalf("demo --db: exit %d: %s", r.code, r.stderr)
		}
		on := map[string]string{"FRONTLINE_DB": dsn, "FRONTLINE_LANG": "en"}
		if r := frontline(t, on, "", "score", "--period", "2026-06", "--user", "dept", "--format", "csv"); r.code != 0 || !strings.Contains(r.stdout, "D01,") {
			t.Errorf("the department head's scores in the given database: %d %s %s", r.code, r.stdout, r.stderr)
		}
		r := frontline(t, env, "", "demo", "--cases", "200", "--dir", dir, "--db", dsn, "--no-serve")
		if r.code != exitUsage || !strings.Contains(r.stderr, "already holds events or users") {
			t.Errorf("a second demo into the same database: exit %d: %s", r.code, r.stderr)
		}
	})
}

// isDemoUser says whether name is one of the demo's users.
func isDemoUser(name string) bool {
	for _, u := range demoUsers {
		if u.name == name {
			return true
		}
	}
	return false
}
