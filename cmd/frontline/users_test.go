package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"frontline/store/storetest"
)

// TestUsersRolesAndAudit adds a user per role, then runs commands as each
// (--user), on both engines: heads see only their own unit, another
// unit's records are answered as missing, roles without a right are
// refused; every action is in the audit log, whose chain verifies.
func TestUsersRolesAndAudit(t *testing.T) {
	extra := filepath.Join(t.TempDir(), "bodies.yaml")
	os.WriteFile(extra, []byte("units:\n  - {code: ORG, kind: department, name: {zh: 组织部, en: Organization Department}}\n"), 0o644)
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		env := map[string]string{"FRONTLINE_DB": dsn, "FRONTLINE_LANG": "en"}
		as := func(user string, args ...string) result {
			t.Helper()
			e := map[string]string{"FRONTLINE_DB": dsn, "FRONTLINE_LANG": "en", "FRONTLINE_USER": user}
			return frontline(t, e, "", args...)
		}
		frontline(t, env, "", "registry", "load", "../../store/testdata/registry.yaml")
		frontline(t, env, "", "registry", "load", extra)
		frontline(t, env, "", "ingest", "../../store/testdata/worked.ndjson")

		secrets := map[string]string{}
		for _, u := range [][]string{{"ada", "admin"}, {"olga", "org_assessor"}, {"dina", "discipline_inspector"},
			{"sam", "street_head", "S1"}, {"dan", "dept_head", "D1"}, {"bot", "dispatch"}} {
			args := []string{"users", "add", u[0], "--role", u[1]}
			if len(u) == 3 {
				args = append(args, "--unit", u[2])
			}
			r := frontline(t, env, "", args...)
			if r.code != 0 {
				t.Fatalf("users add %v: %s", u, r.stderr)
			}
			secrets[u[0]] = strings.TrimSpace(r.stdout)
		}
		if len(secrets["sam"]) != 20 || !strings.HasPrefix(secrets["bot"], "flt_") {
			t.Errorf("initial secrets: password %q, token %q", secrets["sam"], secrets["bot"])
		}
		if r := frontline(t, env, "", "users", "add", "x", "--role", "street_head"); r.code != exitUsage || !strings.Contains(r.stderr, "needs --unit") {
			t.Errorf("head without unit: exit %d %s", r.code, r.stderr)
		}
		if r := frontline(t, env, "", "users", "add", "sam", "--role", "admin"); r.code != exitFailure || !strings.Contains(r.stderr, "exists") {
			t.Errorf("duplicate user: exit %d %s", r.code, r.stderr)
		}
		list := frontline(t, env, "", "users", "list", "--format", "json").stdout
		for _, secret := range secrets {
			if strings.Contains(list, secret) {
				t.Errorf("users list shows a secret")
			}
		}

		// Heads see their own unit only.
		var scores struct {
			Units []unitOut `json:"units"`
		}
		json.Unmarshal([]byte(as("sam", "score", "--period", "2026-06", "--format", "json").stdout), &scores)
		if len(scores.Units) != 1 || scores.Units[0].Unit != "S1" {
			t.Errorf("sam's scores: %+v, want S1 only", scores.Units)
		}
		json.Unmarshal([]byte(as("olga", "score", "--period", "2026-06", "--format", "json").stdout), &scores)
		if len(scores.Units) < 3 {
			t.Errorf("olga sees %d units, want all", len(scores.Units))
		}
		// Another unit's records are answered exactly as missing ones.
		hidden, missing := as("dan", "case", "W2"), as("dan", "case", "NOPE")
		if hidden.code != missing.code || strings.ReplaceAll(hidden.stderr, "W2", "NOPE") != missing.stderr {
			t.Errorf("dan reading W2 (D2's): %d %q; a missing case: %d %q", hidden.code, hidden.stderr, missing.code, missing.stderr)
		}
		if r := as("dan", "case", "W1"); r.code != 0 {
			t.Errorf("dan reading W1 (sent to D1): %s", r.stderr)
		}
		hidden, missing = as("sam", "explain", "--unit", "D1", "--period", "2026-06"), as("sam", "explain", "--unit", "D9", "--period", "2026-06")
		if hidden.code != missing.code || strings.ReplaceAll(hidden.stderr, "D1", "D9") != missing.stderr {
			t.Errorf("sam explaining D1: %q; a unit with no data: %q", hidden.stderr, missing.stderr)
		}
		// Roles without the right are refused.
		for _, tc := range []struct {
			user string
			args []string
		}{
			{"sam", []string{"cadres", "--period", "2026-06"}},
			{"bot", []string{"score", "--period", "2026-06"}},
			{"ada", []string{"case", "W1"}},
			{"dan", []string{"users", "list"}},
			{"sam", []string{"audit", "verify"}},
			{"olga", []string{"findings", "add", "--case", "W1", "--unit", "ORG", "--target", "D1", "--severity", "notice", "--note", "x"}},
			{"sam", []string{"appeal", "--case", "W3", "--unit", "D1", "--target", "W3/D1/respond", "--reason", "x"}},
			{"gone", []string{"score", "--period", "2026-06"}},
		} {
			if r := as(tc.user, tc.args...); r.code != exitFailure || !strings.Contains(r.stderr, "may not") && !strings.Contains(r.stderr, "unknown or disabled") && !strings.Contains(r.stderr, "not found") {
				t.Errorf("%s %v: exit %d %q, want refused", tc.user, tc.args, r.code, r.stderr)
			}
		}
		// What each may do, it does.
		r := as("dan", "appeal", "--case", "W3", "--unit", "D1", "--target", "W3/D1/respond", "--reason", "road closed")
		if r.code != 0 {
			t.Fatalf("dan appeals: %s", r.stderr)
		}
		if r := as("olga", "appeals", "decide", strings.TrimSpace(r.stdout), "--upheld", "--unit", "ORG", "--note", "confirmed"); r.code != 0 {
			t.Errorf("olga decides: %s", r.stderr)
		}
		if r := as("bot", "ingest", "../../store/testdata/worked.ndjson"); r.code != 0 {
			t.Errorf("the dispatch account ingests: %s", r.stderr)
		}
		if r := as("sam", "satisfaction", "--period", "2026-06", "--format", "json"); r.code != 0 || strings.Contains(r.stdout, `"D1"`) {
			t.Errorf("sam's satisfaction shows another unit or fails: %d %s", r.code, r.stdout)
		}
		// Tokens: a new one, then revoked with the first.
		if r := frontline(t, env, "", "users", "token", "bot", "--days", "7"); r.code != 0 || !strings.HasPrefix(r.stdout, "flt_") {
			t.Errorf("users token: %s %s", r.stdout, r.stderr)
		}
		if r := frontline(t, env, "", "users", "revoke", "bot"); r.code != 0 || !strings.Contains(r.stderr, "revoked 2 tokens") {
			t.Errorf("users revoke: %s", r.stderr)
		}
		frontline(t, env, "", "users", "disable", "sam")
		if r := as("sam", "score", "--period", "2026-06"); r.code != exitFailure {
			t.Errorf("a disabled user ran a command: %s", r.stdout)
		}

		// The audit log has it all, and its chain verifies.
		var entries struct {
			Entries []struct {
				Actor, Action, Object string
			} `json:"entries"`
		}
		log := as("dina", "audit", "log", "--format", "json").stdout
		if err := json.Unmarshal([]byte(log), &entries); err != nil {
			t.Fatalf("audit log json: %v\n%s", err, log)
		}
		seen := map[string]bool{}
		for _, e := range entries.Entries {
			seen[e.Actor+" "+e.Action] = true
		}
		for _, want := range []string{"local registry.load", "local ingest", "local user.add", "local token.add", "local token.revoke",
			"local user.disable", "dan case.read", "dan appealed", "olga appeal_decided", "bot ingest"} {
			if !seen[want] {
				t.Errorf("audit log lacks %q: %v", want, seen)
			}
		}
		r = as("dina", "audit", "verify")
		if r.code != 0 || !strings.Contains(r.stdout, "intact") {
			t.Fatalf("audit verify: %d %s %s", r.code, r.stdout, r.stderr)
		}
		head := strings.Fields(r.stdout)[len(strings.Fields(r.stdout))-1]
		if r := as("dina", "audit", "verify", "--head", head); r.code != 0 {
			t.Errorf("verify against its own head %s: %s %s", head, r.stdout, r.stderr)
		}
		// A printed report carries the head it was made at.
		var report struct {
			AuditHead string `json:"audit_head"`
		}
		json.Unmarshal([]byte(as("olga", "score", "--period", "2026-06", "--format", "json").stdout), &report)
		if report.AuditHead != head {
			t.Errorf("score report carries audit head %q, want %q", report.AuditHead, head)
		}
		if r := as("dina", "audit", "verify", "--head", "999:"+strings.Repeat("a", 64)); r.code != exitFailure || !strings.Contains(r.stdout, "BROKEN") {
			t.Errorf("verify against a head the log never had: %d %s", r.code, r.stdout)
		}
	})
}
