package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"frontline/ingest"
	"frontline/store/storetest"
)

type result struct {
	stdout, stderr string
	code           int
}

func frontline(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string { return env[k] }
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errb, getenv)
	code := exitCode(err, &errb)
	return result{out.String(), errb.String(), code}
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
		{"bad format", []string{"ingest", "--format", "xml", "x"}, "--format must be ndjson or csv"},
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
	if r := frontline(t, env, "", "ingest", "--strict", path); r.code != exitStrict {
		t.Errorf("--strict with rejects: exit %d, want %d", r.code, exitStrict)
	}
}
