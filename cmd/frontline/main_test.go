package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"frontline/ingest"
	"frontline/store/storetest"
)

// testNow is the clock of every command the tests run: after the worked
// example's June and the synthetic year.
func testNow() time.Time { return time.Date(2027, 1, 15, 12, 0, 0, 0, time.UTC) }

type result struct {
	stdout, stderr string
	code           int
}

func frontline(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errb, testEnv(env), testNow)
	code := exitCode(err, &errb)
	return result{out.String(), errb.String(), code}
}

// testKey is the pseudonymisation key the tests run with, from outside
// the data as in production, unless a test sets FRONTLINE_PSEUDONYM_KEY
// itself ("" for none: the database's own key).
const testKey = "dGVzdCBrZXkgMDEyMzQ1Ng=="

// testEnv reads variables from env, with testKey for the key.
func testEnv(env map[string]string) func(string) string {
	return func(k string) string {
		if v, ok := env[k]; ok || k != "FRONTLINE_PSEUDONYM_KEY" {
			return v
		}
		return testKey
	}
}

func TestPipelineGenRegistryIngestCase(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"FRONTLINE_LANG": "en"}
	if r := frontline(t, env, "", "gen", "--cases", "300", "--seed", "3", "--out", dir); r.code != 0 {
		t.Fatalf("gen: exit %d: %s", r.code, r.stderr)
	}
	var truth struct {
		Cases  int `json:"cases"`
		Events int `json:"events"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &truth); err != nil || truth.Cases != 300 || truth.Events < 300 {
		t.Fatalf("truth.json = %s (%v), want 300 cases", b, err)
	}
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		env := map[string]string{"FRONTLINE_DB": dsn, "FRONTLINE_LANG": "en"}
		events := filepath.Join(dir, "events.ndjson")

		// Before the registry exists, every event is quarantined, and --strict says so.
		r := frontline(t, env, "", "ingest", "--json", "--strict", events)
		if r.code != exitStrict {
			t.Fatalf("ingest before registry: exit %d, want %d; stderr %s", r.code, exitStrict, r.stderr)
		}
		var sum ingest.Summary
		if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil {
			t.Fatalf("ingest --json printed %q: %v", r.stdout, err)
		}
		// Events that name no code (closed, rated, …) need no registry.
		if sum.Read != truth.Events || sum.Quarantined == 0 || sum.Quarantined+sum.Accepted != truth.Events {
			t.Errorf("ingest before registry = %+v, want all %d quarantined or accepted", sum, truth.Events)
		}
		if r := frontline(t, env, "", "quarantine", "list", "--limit", "3"); !strings.Contains(r.stderr, "events in quarantine") || !strings.Contains(r.stdout, "unit:") {
			t.Errorf("quarantine list: %s %s", r.stdout, r.stderr)
		}

		// Loading the registry releases them all.
		r = frontline(t, env, "", "registry", "load", "--json", filepath.Join(dir, "registry.yaml"))
		if r.code != 0 {
			t.Fatalf("registry load: exit %d: %s", r.code, r.stderr)
		}
		var loaded struct {
			Released int `json:"released"`
		}
		json.Unmarshal([]byte(r.stdout), &loaded)
		if loaded.Released != sum.Quarantined {
			t.Errorf("released %d, want %d (%s)", loaded.Released, sum.Quarantined, r.stdout)
		}

		// Re-ingesting is all duplicates, also from standard input.
		data, _ := os.ReadFile(events)
		r = frontline(t, env, string(data), "ingest", "--json", "--strict", "-")
		sum = ingest.Summary{}
		json.Unmarshal([]byte(r.stdout), &sum)
		if r.code != 0 || sum.Duplicates != truth.Events {
			t.Errorf("re-ingest: exit %d, summary %+v, want %d duplicates", r.code, sum, truth.Events)
		}

		r = frontline(t, env, "", "case", "C2026000001", "--json")
		if r.code != 0 {
			t.Fatalf("case: exit %d: %s", r.code, r.stderr)
		}
		if strings.Contains(r.stdout, `"reporter"`) || strings.Contains(r.stdout, `"access_code"`) {
			t.Errorf("case --json shows reporter pseudonyms or access-code hashes:\n%s", r.stdout)
		}
		var c caseOut
		if err := json.Unmarshal([]byte(r.stdout), &c); err != nil {
			t.Fatal(err)
		}
		if c.ID != "C2026000001" || c.OpenedAt == nil || len(c.Trail) == 0 || len(c.Assignments) == 0 {
			t.Errorf("case --json = %+v, want an opened, dispatched case with its trail", c)
		}
		if !strings.HasSuffix(c.OpenedAt.Format("Z07:00"), "+08:00") {
			t.Errorf("opened_at %v, want it shown in Asia/Shanghai", c.OpenedAt)
		}
		if r := frontline(t, env, "", "case", "C2026000001"); !strings.Contains(r.stdout, "DISPATCHED") || !strings.Contains(r.stdout, "opened") {
			t.Errorf("case table output lacks milestones or trail:\n%s", r.stdout)
		}
		// Chinese is the default.
		zh := map[string]string{"FRONTLINE_DB": dsn}
		if r := frontline(t, zh, "", "case", "C2026000001"); !strings.Contains(r.stdout, "案件") || !strings.Contains(r.stdout, "派遣") {
			t.Errorf("case without FRONTLINE_LANG is not in Chinese:\n%s", r.stdout)
		}
		if r := frontline(t, zh, "", "refresh", "--all"); r.code != 0 || !strings.Contains(r.stderr, "刷新") {
			t.Errorf("refresh --all: exit %d %q", r.code, r.stderr)
		}
		// Kept scores as of another time, to replay history.
		if r := frontline(t, env, "", "refresh", "--all", "--asof", "2027-01-15"); r.code != 0 {
			t.Errorf("refresh --asof: exit %d %q", r.code, r.stderr)
		}
		if r := frontline(t, env, "", "score", "--period", "2026-06", "--cached", "--format", "json"); !strings.Contains(r.stdout, `"asof": "2027-01-15T00:00:00+08:00"`) {
			t.Errorf("kept scores after refresh --asof 2027-01-15:\n%s", r.stdout)
		}
		if r := frontline(t, env, "", "refresh", "--asof", "yesterday"); r.code != exitUsage || !strings.Contains(r.stderr, "--asof") {
			t.Errorf("refresh --asof yesterday: exit %d %q", r.code, r.stderr)
		}
		if r := frontline(t, env, "", "case", "nope"); r.code != exitFailure || !strings.Contains(r.stderr, "not found") {
			t.Errorf("unknown case: exit %d, %s", r.code, r.stderr)
		}
		if r := frontline(t, env, "", "rebuild"); r.code != 0 || !strings.Contains(r.stderr, "rebuilt 300 cases") {
			t.Errorf("rebuild: exit %d, %s", r.code, r.stderr)
		}
	})
}

func TestUsageErrors(t *testing.T) {
	env := map[string]string{"FRONTLINE_DB": filepath.Join(t.TempDir(), "u.db"), "FRONTLINE_LANG": "en"}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, "no command given"},
		{"unknown command", []string{"fly"}, `unknown command "fly"`},
		{"ingest without files", []string{"ingest"}, "name at least one FILE"},
		{"bad format", []string{"ingest", "--format", "xml", "x"}, "--format must be ndjson, csv or open311"},
		{"bad flag", []string{"ingest", "--nope"}, "flag provided but not defined"},
		{"registry without verb", []string{"registry"}, "registry load FILE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := frontline(t, env, "", tt.args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", r.code, r.stderr, exitUsage, tt.want)
			}
		})
	}
}

func TestIngestReportsBadLinesAndKeepsThem(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"FRONTLINE_DB": filepath.Join(dir, "b.db"), "FRONTLINE_LANG": "en"}
	input := `{"id":"E1","case":"C1","type":"closed","at":"2026-06-01T09:00:00+08:00"}
{"id":"E2","case":"C1","type":"closed","at":"2026-06-01T09:00:00"}
{"id":"E3","case":"C1",
`
	path := filepath.Join(dir, "in.ndjson")
	os.WriteFile(path, []byte(input), 0o644)
	rejects := filepath.Join(dir, "rejects.ndjson")
	r := frontline(t, env, "", "ingest", "--rejects", rejects, path)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{`line 2 (id "E2"): field at:`, "line 3", "read 3, accepted 1, duplicates 0, conflicts 0, rejected 2"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	kept, _ := os.ReadFile(rejects)
	if n := strings.Count(string(kept), "\n"); n != 2 {
		t.Errorf("rejects file has %d lines, want 2:\n%s", n, kept)
	}
	var first struct {
		Line int    `json:"line"`
		Raw  string `json:"raw"`
	}
	json.Unmarshal([]byte(strings.SplitN(string(kept), "\n", 2)[0]), &first)
	if first.Line != 2 || first.Raw != strings.Split(input, "\n")[1] {
		t.Errorf("rejects file keeps %+v, want line 2 as read", first)
	}
	if r := frontline(t, env, "", "ingest", "--strict", path); r.code != exitStrict {
		t.Errorf("--strict with rejects: exit %d, want %d", r.code, exitStrict)
	}
}

func TestBreachesAndPolicyCommands(t *testing.T) {
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		env := map[string]string{"FRONTLINE_DB": dsn, "FRONTLINE_LANG": "en"}
		if r := frontline(t, env, "", "registry", "load", "../../store/testdata/registry.yaml"); r.code != 0 {
			t.Fatalf("registry load: %s", r.stderr)
		}
		if r := frontline(t, env, "", "ingest", "../../store/testdata/worked.ndjson"); r.code != 0 {
			t.Fatalf("ingest: %s", r.stderr)
		}
		r := frontline(t, env, "", "breaches", "--period", "2026-06", "--asof", "2026-07-01T00:00:00+08:00", "--format", "json")
		if r.code != 0 {
			t.Fatalf("breaches: exit %d: %s", r.code, r.stderr)
		}
		var out struct {
			Period   string `json:"period"`
			Breaches []struct {
				ID             string     `json:"id"`
				Milestone      string     `json:"milestone"`
				Deadline       time.Time  `json:"deadline"`
				Actual         *time.Time `json:"actual"`
				OverdueSeconds int64      `json:"overdue_seconds"`
			} `json:"breaches"`
			Trails map[string][]json.RawMessage `json:"trails"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
			t.Fatalf("breaches --format json printed %q: %v", r.stdout, err)
		}
		var got []string
		for _, b := range out.Breaches {
			actual := "null"
			if b.Actual != nil {
				actual = b.Actual.Format("15:04")
			}
			got = append(got, fmt.Sprintf("%s due %s actual %s overdue %ds", b.ID, b.Deadline.Format("01-02 15:04"), actual, b.OverdueSeconds))
		}
		want := []string{
			"W2/S1/call due 06-18 16:30 actual 16:45 overdue 900s",
			"W2/D2/respond due 06-18 16:55 actual 17:00 overdue 300s",
			"W3/D1/respond due 06-25 10:11 actual null overdue 481740s",
			"W3/D1/dispose due 06-25 14:01 actual null overdue 467940s",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("breaches:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if len(out.Trails["W2"]) != 7 || len(out.Trails["W3"]) != 2 || out.Trails["W1"] != nil {
			t.Errorf("trails of W1, W2, W3 = %d, %d, %d events; want none, 7, 2", len(out.Trails["W1"]), len(out.Trails["W2"]), len(out.Trails["W3"]))
		}
		r = frontline(t, env, "", "breaches", "--period", "2026-06", "--asof", "2026-07-01", "--unit", "S1", "--format", "csv")
		if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); r.code != 0 || len(lines) != 2 || !strings.HasPrefix(lines[1], "W2/S1/call,W2,S1,call,1,") {
			t.Errorf("breaches --unit S1 --format csv: exit %d\n%s", r.code, r.stdout)
		}
		if r := frontline(t, env, "", "breaches", "--period", "2026-06", "--asof", "2026-07-01"); !strings.Contains(r.stdout, "4 breaches in 2 cases") || !strings.Contains(r.stdout, "Case W2") {
			t.Errorf("breaches table:\n%s", r.stdout)
		}
		r = frontline(t, env, "", "breaches", "--period", "2026-06", "--asof", "2026-07-01", "--counts", "--format", "csv")
		if want := "unit,total,call,respond,report,dispose\nD1,2,0,1,0,1\nD2,1,0,1,0,0\nS1,1,1,0,0,0\n"; r.stdout != want {
			t.Errorf("breaches --counts:\n%s\nwant:\n%s", r.stdout, want)
		}
		if r := frontline(t, env, "", "case", "W2", "--asof", "2026-07-01"); !strings.Contains(r.stdout, "W2/D2/dispose") || !strings.Contains(r.stdout, "2026-06-22 16:45:00") {
			t.Errorf("case W2 lacks its deadlines:\n%s", r.stdout)
		}
	})
}

func TestPolicyCheckAndShow(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"FRONTLINE_DB": filepath.Join(dir, "p.db"), "FRONTLINE_LANG": "en"}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("effective: 2026-01-01\nclasses:\n  A:\n    respond: 10m\n    dispose: 4 fortnights\n"), 0o644)
	r := frontline(t, env, "", "policy", "check", bad)
	if r.code != exitFailure || !strings.Contains(r.stderr, "line 5: key classes.A.dispose") {
		t.Errorf("policy check of a bad file: exit %d, %q; want the line and key", r.code, r.stderr)
	}
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("effective: 2026-07-01\ncall_limit: 20m\nclasses:\n  A: {respond: 5m, dispose: 2h}\n  C: {respond: 30m, dispose: 2wd}\ncalendar:\n  days:\n    - {date: 2026-07-15, work: false, name: typhoon}\n"), 0o644)
	if r := frontline(t, env, "", "policy", "check", good); r.code != 0 || !strings.Contains(r.stdout, "valid; takes effect 2026-07-01, 2 SLA classes") {
		t.Errorf("policy check of a good file: exit %d, %s %s", r.code, r.stdout, r.stderr)
	}
	if r := frontline(t, env, "", "policy", "show", "--at", "2026-08-01"); !strings.Contains(r.stdout, "effective 2000-01-01") || !strings.Contains(r.stdout, "06-19") {
		t.Errorf("policy show before any load:\n%s", r.stdout)
	}
	if r := frontline(t, env, "", "policy", "load", good); r.code != 0 {
		t.Fatalf("policy load: %s", r.stderr)
	}
	if r := frontline(t, env, "", "policy", "show", "--at", "2026-08-01"); !strings.Contains(r.stdout, "call_limit: 20m") || !strings.Contains(r.stdout, "07-15") {
		t.Errorf("policy show after load:\n%s", r.stdout)
	}
	if r := frontline(t, env, "", "policy", "show", "--at", "2026-06-01"); !strings.Contains(r.stdout, "call_limit: 30m") {
		t.Errorf("policy show before the new version takes effect:\n%s", r.stdout)
	}
}

func TestScoreAndExplainOnTheWorkedExample(t *testing.T) {
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		env := map[string]string{"FRONTLINE_DB": dsn, "FRONTLINE_LANG": "en"}
		frontline(t, env, "", "registry", "load", "../../store/testdata/registry.yaml")
		frontline(t, env, "", "ingest", "../../store/testdata/worked.ndjson")
		r := frontline(t, env, "", "score", "--period", "2026-06", "--asof", "2026-07-01T00:00:00+08:00", "--format", "json")
		if r.code != 0 {
			t.Fatalf("score: exit %d: %s", r.code, r.stderr)
		}
		var out struct {
			Period, Policy string
			AsOf           time.Time `json:"asof"`
			Units          []struct {
				Unit      string                `json:"unit"`
				Kind      string                `json:"kind"`
				Name      string                `json:"name"`
				Cases     int                   `json:"cases"`
				Metrics   map[string]*float64   `json:"metrics"`
				Intervals map[string][2]float64 `json:"intervals"`
				Score     *float64              `json:"score"`
				Eligible  bool                  `json:"eligible"`
				Rank      *int                  `json:"rank"`
			} `json:"units"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
			t.Fatalf("score --format json printed %q: %v", r.stdout, err)
		}
		if out.Period != "2026-06" || out.Policy != "2000-01-01" || len(out.Units) != 3 {
			t.Fatalf("score json = %+v", out)
		}
		got := map[string]string{}
		for _, u := range out.Units {
			if u.Eligible || u.Rank != nil {
				t.Errorf("%s is ranked with %d cases", u.Unit, u.Cases)
			}
			for name, v := range u.Metrics {
				s := "null"
				if v != nil {
					s = fmt.Sprintf("%.4g", *v)
				}
				got[u.Unit+" "+name] = s
			}
		}
		want := map[string]string{
			"D1 response_rate": "0.5", "D1 report_rate": "null", "D1 disposal_rate": "0.5", "D1 resolution_rate": "1",
			"D1 satisfaction_rate": "1", "D1 redo_rate": "0", "D1 response_quality": "75",
			"D2 response_rate": "0", "D2 report_rate": "1", "D2 disposal_rate": "1", "D2 resolution_rate": "1",
			"D2 satisfaction_rate": "0", "D2 response_quality": "null",
			"S1 call_accuracy": "1", "S1 call_timeliness": "0.5", "S1 call_quality": "100",
			"S1 satisfaction_rate": "0.5", "S1 resolution_rate": "1",
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s = %s, want %s", k, got[k], v)
			}
		}
		r = frontline(t, env, "", "explain", "--unit", "D1", "--period", "2026-06", "--asof", "2026-07-01", "--json")
		var ex struct {
			Explained map[string]struct {
				Counted []string `json:"counted"`
				Failed  []string `json:"failed"`
			} `json:"explained"`
			CaseIDs []string `json:"case_ids"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &ex); err != nil {
			t.Fatalf("explain --json printed %q: %v", r.stdout, err)
		}
		if rr := ex.Explained["response_rate"]; strings.Join(rr.Counted, " ") != "W1/D1/respond W3/D1/respond" || strings.Join(rr.Failed, " ") != "W3/D1/respond" {
			t.Errorf("explain response_rate = %+v", rr)
		}
		if strings.Join(ex.CaseIDs, " ") != "W1 W3" {
			t.Errorf("explain case ids = %v", ex.CaseIDs)
		}
		if r := frontline(t, env, "", "explain", "--unit", "D1", "--period", "2026-06", "--asof", "2026-07-01"); !strings.Contains(r.stdout, "response_rate = 1 / 2 = 50.0%") {
			t.Errorf("explain table:\n%s", r.stdout)
		}
		// Ingest kept June's scores; reading them back gives the same numbers.
		r = frontline(t, env, "", "score", "--period", "2026-06", "--cached", "--unit", "D1", "--format", "csv")
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		if r.code != 0 || len(lines) != 2 || !strings.HasPrefix(lines[1], "D1,department,City Management Bureau,2,") {
			t.Fatalf("score --cached: exit %d %s\n%s", r.code, r.stderr, r.stdout)
		}
		head, row := strings.Split(lines[0], ","), strings.Split(lines[1], ",")
		for i, col := range head {
			if want := map[string]string{"response_rate": "0.5000", "report_rate": "", "disposal_rate": "0.5000"}[col]; col == "response_rate" || col == "report_rate" || col == "disposal_rate" {
				if row[i] != want {
					t.Errorf("score --cached %s = %q, want %q", col, row[i], want)
				}
			}
		}
		// The monthly view honours --unit.
		r = frontline(t, env, "", "score", "--period", "2026-Q2", "--monthly", "--unit", "D2", "--asof", "2026-07-01", "--format", "csv")
		if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[1], "2026-06,D2,") {
			t.Errorf("score --monthly --unit D2:\n%s", r.stdout)
		}
		// The case as it stood on 18 June at 17:30: reported and resolved later.
		r = frontline(t, env, "", "case", "W2", "--asof", "2026-06-18T17:30:00+08:00", "--json")
		var then caseOut
		if err := json.Unmarshal([]byte(r.stdout), &then); err != nil {
			t.Fatalf("case --asof: %v\n%s", err, r.stdout)
		}
		if len(then.Trail) != 3 || then.Assignments[0].ReportedAt != nil || then.Assignments[0].ResolvedAt != nil || then.Rating != nil {
			t.Errorf("case W2 as of 17:30 shows later events: %+v", then)
		}
		if r := frontline(t, env, "", "case", "W2", "--asof", "2026-06-01"); r.code != exitFailure || !strings.Contains(r.stderr, "no events yet") {
			t.Errorf("case before its first event: exit %d %s", r.code, r.stderr)
		}
		if r := frontline(t, env, "", "score", "--period", "2026", "--cached"); r.code != exitUsage {
			t.Errorf("score --cached for a year: exit %d, want a usage error", r.code)
		}
		if r := frontline(t, env, "", "explain", "--unit", "D9", "--period", "2026-06"); r.code != exitFailure || !strings.Contains(r.stderr, "no assessed cases") {
			t.Errorf("explain of an unknown unit: exit %d %s", r.code, r.stderr)
		}
	})
}

func TestSatisfactionMatrixReciprocityCommands(t *testing.T) {
	env := map[string]string{"FRONTLINE_DB": filepath.Join(t.TempDir(), "s.db"), "FRONTLINE_LANG": "en"}
	frontline(t, env, "", "registry", "load", "../../store/testdata/registry.yaml")
	frontline(t, env, "", "ingest", "../../store/testdata/worked.ndjson")
	r := frontline(t, env, "", "satisfaction", "--period", "2026-06", "--asof", "2026-07-01", "--format", "json")
	var s struct {
		District struct {
			Total struct {
				Rated float64  `json:"rated"`
				Rate  *float64 `json:"rate"`
				Gap   int      `json:"gap"`
			} `json:"total"`
		} `json:"district"`
		AtRisk []string `json:"at_risk"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatalf("satisfaction json %q: %v", r.stdout, err)
	}
	if s.District.Total.Rated != 2 || s.District.Total.Rate == nil || *s.District.Total.Rate != 0.5 || s.District.Total.Gap != 38 {
		t.Errorf("district satisfaction = %+v", s.District.Total)
	}
	if strings.Join(s.AtRisk, " ") != "D2 S1" {
		t.Errorf("at risk = %v, want D2 and S1", s.AtRisk)
	}
	if r := frontline(t, env, "", "satisfaction", "--period", "2026-06", "--asof", "2026-07-01"); !strings.Contains(r.stdout, "38 more satisfied ratings needed") {
		t.Errorf("satisfaction table:\n%s", r.stdout)
	}
	r = frontline(t, env, "", "matrix", "--period", "2026-06", "--asof", "2026-07-01", "--format", "csv")
	if want := "street,department,calls,accurate_calls,call_score,response_score,respond_on_time,dispose_on_time,satisfaction\n" +
		"S1,D1,1,1,100.00,75.00,1.0000,1.0000,1.0000\nS1,D2,1,1,,,0.0000,1.0000,0.0000\n"; r.stdout != want {
		t.Errorf("matrix csv:\n%s\nwant:\n%s", r.stdout, want)
	}
	if r := frontline(t, env, "", "reciprocity", "--period", "2026-06", "--json"); r.code != 0 || !strings.Contains(r.stdout, `"pairs": []`) {
		t.Errorf("reciprocity on the worked example: %s %s", r.stdout, r.stderr)
	}
}

func TestUnknownOutputFormat(t *testing.T) {
	env := map[string]string{"FRONTLINE_DB": filepath.Join(t.TempDir(), "f.db")}
	for _, cmd := range []string{"score", "breaches", "satisfaction", "matrix"} {
		if r := frontline(t, env, "", cmd, "--period", "2026-06", "--format", "pdf"); r.code != exitUsage || !strings.Contains(r.stderr, "--format 须为 table、json 或 csv") {
			t.Errorf("%s --format pdf: exit %d %q", cmd, r.code, r.stderr)
		}
	}
}

// TestErrorsInTheUsersLanguage: an error a person made is told in
// Chinese by default and in English on request, with the exit status of
// its kind either way.
func TestErrorsInTheUsersLanguage(t *testing.T) {
	dir := t.TempDir()
	for lang, want := range map[string][2]string{"": {`期间 "abc" 无法识别`, "backup：请给出一个要写入的文件"}, "en": {`period "abc": want a month`, "backup: name one FILE to write"}} {
		env := map[string]string{"FRONTLINE_DB": filepath.Join(dir, "frontline.db"), "FRONTLINE_LANG": lang}
		if r := frontline(t, env, "", "score", "--period", "abc"); r.code != exitUsage || !strings.Contains(r.stderr, want[0]) {
			t.Errorf("FRONTLINE_LANG=%q: exit %d, %q; want %d and %q", lang, r.code, r.stderr, exitUsage, want[0])
		}
		// A command asked wrongly, too.
		if r := frontline(t, env, "", "backup"); r.code != exitUsage || !strings.Contains(r.stderr, want[1]) {
			t.Errorf("FRONTLINE_LANG=%q, backup without a file: exit %d, %q; want %q", lang, r.code, r.stderr, want[1])
		}
	}
}
