package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"frontline/formats"
	"frontline/store/storetest"
)

// TestImportWithoutFirstActions: a city's export mapped without a
// responded column is judged on disposal alone (class R): its cases have
// no response deadline to breach. Under a district's own policy that has
// no class R, the import says its categories fall back to class C.
func TestImportWithoutFirstActions(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string { return writeFile(t, dir, name, text) }
	mapping := write("city.yaml", `format: csv
source: city
case_prefix: X-
timezone: Asia/Shanghai
time_layouts: ["2006-01-02 15:04"]
columns: {case: Id, opened: Created, closed: Closed, agency: Agency, area: Area, category: Type}
`)
	first := write("first.csv", "Id,Created,Closed,Agency,Area,Type\n1,2026-03-02 09:00,2026-03-10 09:00,Water,North,Leak\n")
	env := map[string]string{"FRONTLINE_DB": storetest.SQLite(t), "FRONTLINE_LANG": "en"}
	if r := frontline(t, env, "", "ingest", "--mapping", mapping, "--register-units", first); r.code != 0 || strings.Contains(r.stderr, "warning") {
		t.Fatalf("ingest: exit %d %s", r.code, r.stderr)
	}
	var c struct {
		Deadlines []struct{ Milestone, Status string }
	}
	if r := frontline(t, env, "", "case", "--json", "X-1"); r.code != 0 || json.Unmarshal([]byte(r.stdout), &c) != nil {
		t.Fatalf("case X-1: exit %d %s", r.code, r.stderr)
	}
	if len(c.Deadlines) != 1 || c.Deadlines[0].Milestone != "dispose" || c.Deadlines[0].Status != "breached" {
		t.Errorf("X-1's deadlines %+v, want its disposal alone (breached: 6 working days for 3)", c.Deadlines)
	}

	// A district's own policy, without class R.
	own := strings.Replace(strings.Replace(string(formats.DefaultPolicyYAML), "  R: {respond: none, dispose: 3wd}\n", "", 1),
		"effective: 2000-01-01", "effective: 2020-01-01", 1)
	if r := frontline(t, env, "", "policy", "load", write("own.yaml", own)); r.code != 0 || !strings.Contains(r.stderr, "has no class R") {
		t.Fatalf("policy load, which leaves the registered class R undefined: exit %d %s", r.code, r.stderr)
	}
	second := write("second.csv", "Id,Created,Closed,Agency,Area,Type\n2,2026-03-03 09:00,2026-03-04 09:00,Water,North,Noise\n")
	if r := frontline(t, env, "", "ingest", "--mapping", mapping, "--register-units", second); r.code != 0 ||
		!strings.Contains(r.stderr, "warning: the policy in force (from 2020-01-01) has no class R") {
		t.Errorf("ingest under a policy without class R: exit %d %s", r.code, r.stderr)
	}
}

// TestIngestSaysWhatItTook: --json says what --register-units added and
// released; a run whose every row is rejected fails (exit 1), strict or
// not, with the summary still printed; the same file again is all
// duplicates and succeeds.
func TestIngestSaysWhatItTook(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string { return writeFile(t, dir, name, text) }
	mapping := write("city.yaml", "format: csv\nsource: city\ntimezone: Asia/Shanghai\ntime_layouts: [\"2006-01-02 15:04\"]\n"+
		"columns: {case: Id, opened: Created, closed: Closed, agency: Agency, area: Area, category: Type}\n")
	good := write("good.csv", "Id,Created,Closed,Agency,Area,Type\n1,2026-03-02 09:00,2026-03-10 09:00,Water,North,Leak\n2,2026-03-02 10:00,,Roads,South,Pothole\n")
	env := map[string]string{"FRONTLINE_DB": storetest.SQLite(t), "FRONTLINE_LANG": "en"}
	var sum struct {
		Read, Accepted, Duplicates, Rejected, Quarantined int
		Registered                                        *struct{ Units, Categories, Released int }
	}
	r := frontline(t, env, "", "ingest", "--json", "--mapping", mapping, "--register-units", good)
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &sum) != nil || sum.Registered == nil {
		t.Fatalf("ingest: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	if reg := *sum.Registered; reg.Units != 4 || reg.Categories != 2 || reg.Released != sum.Quarantined || sum.Quarantined == 0 {
		t.Errorf("--json says %+v, registered %+v: want 4 units, 2 categories, and every quarantined event released", sum, reg)
	}
	if r := frontline(t, env, "", "ingest", "--json", "--mapping", mapping, good); r.code != 0 || json.Unmarshal([]byte(r.stdout), &sum) != nil ||
		sum.Accepted != 0 || sum.Duplicates == 0 {
		t.Errorf("the same file again: exit %d %+v %s; want all duplicates, and success", r.code, sum, r.stderr)
	}
	wrong := write("wrong.csv", "Id,Created,Closed,Agency,Area,Type\n3,03/02/2026 09:00,,Water,North,Leak\n4,03/02/2026 10:00,,Water,North,Leak\n")
	for _, strict := range []bool{false, true} {
		args := []string{"ingest", "--json", "--mapping", mapping, wrong}
		want := exitFailure
		if strict {
			args, want = append(args, "--strict"), exitStrict
		}
		r := frontline(t, env, "", args...)
		if r.code != want || json.Unmarshal([]byte(r.stdout), &sum) != nil || sum.Rejected != 2 || sum.Read != 2 {
			t.Errorf("every row rejected (strict %v): exit %d, want %d; %+v %s", strict, r.code, want, sum, r.stderr)
		}
		if !strict && !strings.Contains(r.stderr, "nothing accepted: all 2 events read were rejected") {
			t.Errorf("every row rejected: %s", r.stderr)
		}
	}
}

// TestCancelledLeaveAssessment ingests Los Angeles's statuses on both
// engines: a cancelled or duplicate request has no deadline and no part
// in any score, its case says why; reopened, it comes back.
func TestCancelledLeaveAssessment(t *testing.T) {
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		env := map[string]string{"FRONTLINE_DB": dsn, "FRONTLINE_LANG": "en"}
		base := "../../formats/testdata/cities/la-statuses"
		if r := frontline(t, env, "", "ingest", "--mapping", base+".yaml", "--register-units", base+".csv"); r.code != 0 ||
			!strings.Contains(r.stderr, "cancelled: out of assessment") || !strings.Contains(r.stderr, "status the times contradict") {
			t.Fatalf("ingest: exit %d %s", r.code, r.stderr)
		}
		var b struct{ Breaches []struct{ Case string } }
		if r := frontline(t, env, "", "breaches", "--period", "2020-01", "--format", "json"); json.Unmarshal([]byte(r.stdout), &b) != nil {
			t.Fatalf("breaches: exit %d %s", r.code, r.stderr)
		}
		breached := map[string]bool{}
		for _, x := range b.Breaches {
			breached[x.Case] = true
		}
		if breached["1-2"] || breached["1-5"] || breached["1-7"] || !breached["1-4"] || !breached["1-6"] {
			t.Errorf("breached cases %v: want the open 1-4 and 1-6, none withdrawn", breached)
		}
		var c struct {
			Withdrawn string
			Deadlines []any
		}
		if r := frontline(t, env, "", "case", "1-2", "--json"); json.Unmarshal([]byte(r.stdout), &c) != nil || c.Withdrawn != "cancelled" || len(c.Deadlines) != 0 {
			t.Errorf("case 1-2: %+v %s", c, r.stderr)
		}
		cases := func() int {
			var s struct {
				Units []struct {
					Kind  string
					Cases int
				}
			}
			json.Unmarshal([]byte(frontline(t, env, "", "score", "--period", "2020-01", "--format", "json").stdout), &s)
			for _, u := range s.Units {
				if u.Kind == "department" {
					return u.Cases
				}
			}
			return -1
		}
		if n := cases(); n != 4 {
			t.Errorf("the department's assessed cases: %d, want 4 of 7 (three withdrawn)", n)
		}
		reopen := `{"id":"re-1-2","case":"1-2","type":"reopened","at":"2020-01-10T10:00:00-08:00","reason":"not cancelled after all"}` + "\n"
		if r := frontline(t, env, reopen, "ingest", "-"); r.code != 0 {
			t.Fatalf("reopen: exit %d %s", r.code, r.stderr)
		}
		c.Withdrawn, c.Deadlines = "", nil
		if r := frontline(t, env, "", "case", "1-2", "--json"); json.Unmarshal([]byte(r.stdout), &c) != nil || c.Withdrawn != "" || len(c.Deadlines) == 0 {
			t.Errorf("case 1-2 reopened: %+v", c)
		}
		if n := cases(); n != 5 {
			t.Errorf("after the reopening, the department's assessed cases: %d, want 5", n)
		}
	})
}

// TestCityVerdictsBesideFrontlines keeps Boston's own deadline and
// verdict from its export and sets them beside Frontline's, on both
// engines: the counts that agree and part, and the cases that part.
func TestCityVerdictsBesideFrontlines(t *testing.T) {
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		env := map[string]string{"FRONTLINE_DB": dsn, "FRONTLINE_LANG": "en"}
		base := "../../formats/testdata/cities/boston-verdicts"
		if r := frontline(t, env, "", "ingest", "--mapping", base+".yaml", "--register-units", base+".csv"); r.code != 0 {
			t.Fatalf("ingest: exit %d %s", r.code, r.stderr)
		}
		var v struct {
			Cases, Compared, Agree int
			BothOnTime             int             `json:"both_on_time"`
			BothLate               int             `json:"both_late"`
			FrontlineLateOnly      int             `json:"frontline_late_only"`
			DueGap                 struct{ N int } `json:"due_gap"`
			Disagreements          []struct{ Case string }
		}
		r := frontline(t, env, "", "stats", "verdicts", "--period", "2024-03", "--json")
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &v) != nil {
			t.Fatalf("stats verdicts: exit %d %s %s", r.code, r.stdout, r.stderr)
		}
		if v.Cases != 5 || v.Compared != 5 || v.Agree != 4 || v.BothOnTime != 2 || v.BothLate != 2 || v.FrontlineLateOnly != 1 ||
			v.DueGap.N != 5 || len(v.Disagreements) != 1 || v.Disagreements[0].Case != "13" {
			t.Errorf("verdicts: %+v\n%s", v, r.stdout)
		}
		if r := frontline(t, env, "", "stats", "verdicts", "--period", "2024-03"); r.code != 0 || !strings.Contains(r.stdout, "compared 5, agree 4 (80.0%)") {
			t.Errorf("the table: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})
}

// TestCityPolicyFirst works docs/real-data.md's Los Angeles example: a
// policy of the city's own (its clock, its holidays) written by policy
// init and loaded before the data; the deadlines then read in Los
// Angeles's time, and an existing file is not overwritten.
func TestCityPolicyFirst(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"FRONTLINE_DB": storetest.SQLite(t), "FRONTLINE_LANG": "en"}
	policy := filepath.Join(dir, "la-policy.yaml")
	if r := frontline(t, env, "", "policy", "init", "--zone", "America/Los_Angeles", "--country", "US", "--years", "2019-2021", "--out", policy); r.code != 0 {
		t.Fatalf("policy init: exit %d %s", r.code, r.stderr)
	}
	if r := frontline(t, env, "", "policy", "init", "--zone", "America/Los_Angeles", "--country", "US", "--out", policy); r.code == 0 {
		t.Error("policy init overwrote an existing file")
	}
	if r := frontline(t, env, "", "policy", "init", "--zone", "America/Los_Angeles"); r.code != exitUsage {
		t.Errorf("policy init without holidays: exit %d", r.code)
	}
	if r := frontline(t, env, "", "policy", "load", policy); r.code != 0 {
		t.Fatalf("policy load: exit %d %s", r.code, r.stderr)
	}
	base := "../../formats/testdata/cities/la-statuses"
	if r := frontline(t, env, "", "ingest", "--mapping", base+".yaml", "--register-units", base+".csv"); r.code != 0 {
		t.Fatalf("ingest: exit %d %s", r.code, r.stderr)
	}
	var c struct {
		Deadlines []struct{ Milestone, Deadline string }
	}
	if r := frontline(t, env, "", "case", "1-4", "--json"); json.Unmarshal([]byte(r.stdout), &c) != nil || len(c.Deadlines) != 1 ||
		c.Deadlines[0].Deadline != "2020-01-07T08:00:00-08:00" {
		t.Errorf("1-4, opened Thursday 2 January 2020 08:00 in Los Angeles, disposal in 3 working days: %+v", c.Deadlines)
	}
}

// TestStoredFileNotReadAgain ingests a file, then the same file again:
// the audit log knows it was taken in full, so it is not read again and
// every event counts as a duplicate; --reread reads it anyway, and a file
// that lost a line to a reject, or whose content changed, is read again
// (its reject reported again), on both engines.
func TestStoredFileNotReadAgain(t *testing.T) {
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		dir := t.TempDir()
		env := map[string]string{"FRONTLINE_DB": dsn, "FRONTLINE_LANG": "en"}
		if r := frontline(t, env, "", "registry", "load", "../../store/testdata/registry.yaml"); r.code != 0 {
			t.Fatalf("registry: %s", r.stderr)
		}
		events, err := os.ReadFile("../../store/testdata/worked.ndjson")
		if err != nil {
			t.Fatal(err)
		}
		file := writeFile(t, dir, "worked.ndjson", string(events))
		n := strings.Count(string(events), "\n")
		var sum struct{ Read, Accepted, Duplicates, Rejected int }
		ingest := func(args ...string) result {
			t.Helper()
			r := frontline(t, env, "", append([]string{"ingest", "--json"}, args...)...)
			sum.Read, sum.Accepted, sum.Duplicates, sum.Rejected = 0, 0, 0, 0
			if r.code != 0 || json.Unmarshal([]byte(r.stdout), &sum) != nil {
				t.Fatalf("ingest %v: exit %d %s", args, r.code, r.stderr)
			}
			return r
		}
		if ingest(file); sum.Accepted != n {
			t.Fatalf("first ingest: %+v", sum)
		}
		if r := ingest(file); sum.Read != n || sum.Duplicates != n || !strings.Contains(r.stderr, "not read again") {
			t.Errorf("the same file again: %+v %s", sum, r.stderr)
		}
		if r := ingest("--reread", file); sum.Duplicates != n || strings.Contains(r.stderr, "not read again") {
			t.Errorf("--reread: %+v %s", sum, r.stderr)
		}
		changed := writeFile(t, dir, "changed.ndjson", string(events)+`{"id":"X-1","case":"W1","type":"opened","at":"yesterday"}`+"\n")
		for range 2 {
			if r := ingest(changed); sum.Rejected != 1 || sum.Duplicates != n || !strings.Contains(r.stderr, "X-1") {
				t.Errorf("a file with a reject, each time: %+v %s", sum, r.stderr)
			}
		}
	})
}

// writeFile writes text to dir/name and returns the path.
func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
