package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFlagsEitherSideOfFiles runs each command that takes file names or
// ids with its flags before them and after them (DESIGN.md §7): the same
// answer either way, written to the database --db names and no other;
// and each command that takes flags only refuses a stray argument as a
// usage error before it writes anything.
func TestFlagsEitherSideOfFiles(t *testing.T) {
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	registry, events, policy := abs("../../store/testdata/registry.yaml"), abs("../../store/testdata/worked.ndjson"), abs("../../formats/policy_default.yaml")
	dir := t.TempDir()
	t.Chdir(dir) // where a database not named would land
	env := map[string]string{"FRONTLINE_LANG": "en"}
	outputs := map[string][2]string{}
	for side, order := range []string{"flags first", "flags after"} {
		db := filepath.Join(dir, strings.ReplaceAll(order, " ", "-")+".db")
		// Each step: the command words, its flags, its files or ids.
		steps := []struct {
			name         string
			words, flags []string
			files        []string
		}{
			{"registry load", []string{"registry", "load"}, []string{"--json", "--db", db}, []string{registry}},
			{"ingest", []string{"ingest"}, []string{"--json", "--db", db}, []string{events}},
			{"policy check", []string{"policy", "check"}, nil, []string{policy}},
			{"policy load", []string{"policy", "load"}, []string{"--db", db}, []string{policy}},
			{"case", []string{"case"}, []string{"--json", "--db", db}, []string{"W2"}},
			{"users add", []string{"users", "add"}, []string{"--role", "org_assessor", "--db", db}, []string{"olga"}},
			{"export", []string{"export", "meeting"}, []string{"--period", "2026-06", "--user", "olga", "--out", db + ".xlsx", "--db", db}, nil},
			{"export verify", []string{"export", "verify"}, []string{"--db", db}, []string{db + ".xlsx"}},
			{"backup", []string{"backup"}, []string{"--db", db}, []string{db + ".backup"}},
			{"restore", []string{"restore"}, []string{"--db", db + ".restored"}, []string{db + ".backup"}},
		}
		for _, s := range steps {
			args := append([]string{}, s.words...)
			if side == 0 {
				args = append(append(args, s.flags...), s.files...)
			} else {
				args = append(append(args, s.files...), s.flags...)
			}
			r := frontline(t, env, "", args...)
			if r.code != 0 {
				t.Fatalf("%s, %s: exit %d: %s", s.name, order, r.code, r.stderr)
			}
			out := strings.ReplaceAll(r.stdout, db, "DB")
			o := outputs[s.name]
			o[side] = out
			outputs[s.name] = o
		}
		if _, err := os.Stat(db + ".restored"); err != nil {
			t.Errorf("%s: the restore wrote no database where --db said: %v", order, err)
		}
	}
	for name, o := range outputs {
		// Packs, backups and credentials differ by their hashes and secrets.
		if o[0] != o[1] && strings.Contains("registry load|ingest|policy check|policy load|case", name) {
			t.Errorf("%s answers differently with the flags after the files:\n%s\n---\n%s", name, o[0], o[1])
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "frontline.db")); err == nil {
		t.Error("a command wrote ./frontline.db, a database no --db named")
	}
	// A command that takes flags only: a stray word is a usage error, and
	// nothing is written.
	db := filepath.Join(dir, "untouched.db")
	for _, args := range [][]string{
		{"score", "--period", "2026-06", "extra", "--db", db},
		{"migrate", "now", "--db", db},
		{"rebuild", "all", "--db", db},
		{"refresh", "--all", "now", "--db", db},
		{"breaches", "--period", "2026-06", "--db", db, "S1"},
		{"satisfaction", "--period", "2026", "S1", "--db", db},
		{"matrix", "--period", "2026-06", "S1", "--db", db},
		{"reciprocity", "--period", "2026", "S1", "--db", db},
		{"explain", "--unit", "S1", "--period", "2026-06", "more", "--db", db},
		{"cadres", "--period", "2026", "all", "--db", db},
		{"appeals", "--state", "all", "open", "--db", db},
		{"findings", "--period", "2026", "W1", "--db", db},
		{"urge", "--case", "W3", "--target", "D1", "now", "--db", db},
		{"quarantine", "list", "all", "--db", db},
		{"audit", "verify", "now", "--db", db},
		{"audit", "log", "today", "--db", db},
		{"stats", "durations", "--by", "unit", "S1", "--db", db},
		{"stats", "verdicts", "--period", "2026", "S1", "--db", db},
		{"users", "list", "everyone", "--db", db},
		{"gen", "--cases", "10", "--out", filepath.Join(dir, "gen"), "more"},
	} {
		r := frontline(t, env, "", args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "unexpected argument") {
			t.Errorf("%v: exit %d %s; want a usage error naming the stray argument", args, r.code, r.stderr)
		}
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("a refused command created its database")
	}
}
