package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"frontline/store/storetest"
)

// TestAppealsAndFindings runs the appeal and finding processes on the
// worked example, on both engines: appeals refused for the wrong unit, a
// met deadline or a second time; a rejected appeal changes nothing, an
// upheld one takes its breach out of the rate; decisions are final; a
// finding costs its points until withdrawn; explain shows them all.
func TestAppealsAndFindings(t *testing.T) {
	extra := filepath.Join(t.TempDir(), "bodies.yaml")
	os.WriteFile(extra, []byte("units:\n  - {code: ORG, kind: department, name: {zh: 组织部, en: Organization Department}}\n"+
		"  - {code: DIS, kind: department, name: {zh: 纪委监委, en: Discipline Commission}}\n"), 0o644)
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		env := map[string]string{"FRONTLINE_DB": dsn, "FRONTLINE_LANG": "en"}
		frontline(t, env, "", "registry", "load", "../../store/testdata/registry.yaml")
		if r := frontline(t, env, "", "registry", "load", extra); r.code != 0 {
			t.Fatalf("registry load: %s", r.stderr)
		}
		frontline(t, env, "", "ingest", "../../store/testdata/worked.ndjson")
		d1 := func() unitOut {
			t.Helper()
			var out struct {
				Units []unitOut `json:"units"`
			}
			r := frontline(t, env, "", "score", "--period", "2026-06", "--unit", "D1", "--format", "json")
			if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out.Units) != 1 {
				t.Fatalf("score D1: %v %s %s", err, r.stdout, r.stderr)
			}
			return out.Units[0]
		}
		rate := func(u unitOut, name string) float64 {
			if v := u.Metrics[name]; v != nil {
				return *v
			}
			return -1
		}
		before := d1()
		if rate(before, "response_rate") != 0.5 || rate(before, "disposal_rate") != 0.5 {
			t.Fatalf("D1 before appeals: %+v", before.Metrics)
		}

		// Refused: another unit's deadline, a deadline met, an unknown target.
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"--unit", "D2", "--target", "W3/D1/respond"}, "D2 has no part in case W3"},
			{[]string{"--unit", "D1", "--target", "W1/D1/respond"}, "not breached"},
			{[]string{"--unit", "D1", "--target", "nothing"}, "has no deadline or event"},
		} {
			r := frontline(t, env, "", append([]string{"appeal", "--case", strings.Split(tc.args[3], "/")[0], "--reason", "r"}, tc.args...)...)
			if tc.args[3] == "nothing" {
				r = frontline(t, env, "", append([]string{"appeal", "--case", "W3", "--reason", "r"}, tc.args...)...)
			}
			if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("appeal %v: exit %d %q, want %q", tc.args, r.code, r.stderr, tc.want)
			}
		}
		appeal := func(target string) string {
			t.Helper()
			r := frontline(t, env, "", "appeal", "--case", "W3", "--unit", "D1", "--target", target, "--reason", "the road was closed")
			if r.code != 0 {
				t.Fatalf("appeal %s: exit %d %s", target, r.code, r.stderr)
			}
			return strings.TrimSpace(r.stdout)
		}
		respond := appeal("W3/D1/respond")
		if r := frontline(t, env, "", "appeal", "--case", "W3", "--unit", "D1", "--target", "W3/D1/respond", "--reason", "again"); r.code != exitFailure || !strings.Contains(r.stderr, "already appealed") {
			t.Errorf("second appeal: exit %d %s", r.code, r.stderr)
		}
		var queue struct {
			Appeals []appealOut `json:"appeals"`
		}
		json.Unmarshal([]byte(frontline(t, env, "", "appeals", "--format", "json").stdout), &queue)
		if len(queue.Appeals) != 1 || queue.Appeals[0].ID != respond || queue.Appeals[0].State != "open" ||
			!queue.Appeals[0].Due.After(queue.Appeals[0].At.AddDate(0, 0, 13)) {
			t.Errorf("open queue = %+v, want the one appeal, due in 10 working days", queue.Appeals)
		}

		// Rejected: nothing changes; the decision is final.
		if r := frontline(t, env, "", "appeals", "decide", respond, "--rejected", "--unit", "ORG", "--note", "no evidence"); r.code != 0 {
			t.Fatalf("decide: %s", r.stderr)
		}
		if u := d1(); rate(u, "response_rate") != 0.5 {
			t.Errorf("a rejected appeal changed response_rate to %v", rate(u, "response_rate"))
		}
		if r := frontline(t, env, "", "appeals", "decide", respond, "--upheld", "--unit", "ORG", "--note", "on second thoughts"); r.code != exitFailure || !strings.Contains(r.stderr, "decisions are final") {
			t.Errorf("second decision: exit %d %s", r.code, r.stderr)
		}
		// Upheld: the breach leaves the disposal rate.
		dispose := appeal("W3/D1/dispose")
		// No --unit: recorded for the organization department the policy names.
		if r := frontline(t, env, "", "appeals", "decide", dispose, "--upheld", "--note", "closure confirmed"); r.code != 0 {
			t.Fatalf("decide without --unit: exit %d: %s", r.code, r.stderr)
		}
		var decided struct {
			Appeals []appealOut `json:"appeals"`
		}
		json.Unmarshal([]byte(frontline(t, env, "", "appeals", "--state", "upheld", "--format", "json").stdout), &decided)
		if len(decided.Appeals) != 1 || decided.Appeals[0].DecidedBy != "ORG" {
			t.Errorf("the decision without --unit: %+v", decided.Appeals)
		}
		if u := d1(); rate(u, "disposal_rate") != 1 || rate(u, "response_rate") != 0.5 {
			t.Errorf("after the upheld appeal: disposal_rate %v (want 1: its breach is gone), response_rate %v", rate(u, "disposal_rate"), rate(u, "response_rate"))
		}
		for state, want := range map[string]string{"upheld": dispose, "rejected": respond, "open": ""} {
			var q struct {
				Appeals []appealOut `json:"appeals"`
			}
			json.Unmarshal([]byte(frontline(t, env, "", "appeals", "--state", state, "--format", "json").stdout), &q)
			if (want == "" && len(q.Appeals) != 0) || (want != "" && (len(q.Appeals) != 1 || q.Appeals[0].ID != want)) {
				t.Errorf("appeals --state %s = %+v, want %q", state, q.Appeals, want)
			}
		}

		// A finding costs its points until withdrawn.
		r := frontline(t, env, "", "findings", "add", "--case", "W3", "--unit", "DIS", "--target", "D1", "--severity", "warning", "--note", "late twice")
		finding := strings.TrimSpace(r.stdout)
		if r.code != 0 || d1().Penalty != 3 {
			t.Fatalf("finding: exit %d %s; penalty %v, want 3", r.code, r.stderr, d1().Penalty)
		}
		if r := frontline(t, env, "", "findings", "add", "--case", "W3", "--unit", "DIS", "--target", "D1", "--severity", "grave", "--note", "x"); r.code != exitUsage {
			t.Errorf("severity grave: exit %d", r.code)
		}
		// An appeal against the finding says what it is against.
		appeal(finding)
		if r := frontline(t, env, "", "appeals"); !strings.Contains(r.stdout, finding+" (supervised · DIS → D1 · warning)") {
			t.Errorf("the appeal against the finding:\n%s", r.stdout)
		}
		if r := frontline(t, env, "", "findings", "withdraw", finding, "--unit", "DIS", "--note", "recorded against the wrong unit"); r.code != 0 || d1().Penalty != 0 {
			t.Errorf("withdraw: exit %d %s; penalty %v, want 0", r.code, r.stderr, d1().Penalty)
		}
		if r := frontline(t, env, "", "findings", "withdraw", finding, "--unit", "DIS", "--note", "again"); r.code != exitFailure || !strings.Contains(r.stderr, "withdrawn already") {
			t.Errorf("second withdrawal: exit %d %s", r.code, r.stderr)
		}
		// Urging (督办) on the open case: in its trail, costing nothing.
		if r := frontline(t, env, "", "urge", "--case", "W3", "--target", "D1", "--note", "respond now"); r.code != 0 || d1().Penalty != 0 {
			t.Errorf("urge: exit %d %s; penalty %v, want 0", r.code, r.stderr, d1().Penalty)
		}
		var w3 struct {
			Trail []struct{ Type, Unit, Target, Note string }
		}
		json.Unmarshal([]byte(frontline(t, env, "", "case", "W3", "--json").stdout), &w3)
		if !slices.Contains(w3.Trail, struct{ Type, Unit, Target, Note string }{"urged", "DIS", "D1", "respond now"}) {
			t.Errorf("W3's trail after the urging: %+v", w3.Trail)
		}
		if r := frontline(t, env, "", "urge", "--case", "W3", "--target", "D2"); r.code != exitUsage || !strings.Contains(r.stderr, "D2 has no open part in case W3") {
			t.Errorf("urging a unit with no part: exit %d %s", r.code, r.stderr)
		}
		// Listed by state.
		for state, want := range map[string]int{"withdrawn": 1, "active": 0, "all": 1} {
			var fl struct{ Findings []findingOut }
			if r := frontline(t, env, "", "findings", "--state", state, "--format", "json"); r.code != 0 || json.Unmarshal([]byte(r.stdout), &fl) != nil || len(fl.Findings) != want {
				t.Errorf("findings --state %s: exit %d, %d findings, want %d", state, r.code, len(fl.Findings), want)
			}
		}
		if r := frontline(t, env, "", "findings", "--state", "gone"); r.code != exitUsage || !strings.Contains(r.stderr, "--state must be") {
			t.Errorf("findings --state gone: exit %d %s", r.code, r.stderr)
		}

		// explain shows the appeals and the finding; the trail holds every step.
		var ex struct {
			Appeals  []appealOut  `json:"appeals"`
			Findings []findingOut `json:"findings"`
		}
		json.Unmarshal([]byte(frontline(t, env, "", "explain", "--unit", "D1", "--period", "2026-06", "--json").stdout), &ex)
		if len(ex.Appeals) != 3 || len(ex.Findings) != 1 || ex.Findings[0].State != "withdrawn" {
			t.Errorf("explain: appeals %+v findings %+v", ex.Appeals, ex.Findings)
		}
		trail := frontline(t, env, "", "case", "W3").stdout
		for _, typ := range []string{"appealed", "appeal_decided", "supervised", "finding_withdrawn"} {
			if !strings.Contains(trail, typ) {
				t.Errorf("case W3's trail lacks %s:\n%s", typ, trail)
			}
		}
	})
}

// TestEvaluationsAndReturnRulings: a second evaluation replaces the first
// (both stay in the trail); a return ruled unjustified costs the returning
// department its penalty, one ruled justified counts against the call.
func TestEvaluationsAndReturnRulings(t *testing.T) {
	returns := filepath.Join(t.TempDir(), "returns.ndjson")
	os.WriteFile(returns, []byte(`{"id":"R-1","case":"W8","type":"opened","at":"2026-06-10T09:00:00+08:00","category":"road","street":"S1"}
{"id":"R-2","case":"W8","type":"dispatched","at":"2026-06-10T09:05:00+08:00","unit":"D2","by":"S1"}
{"id":"R-3","case":"W8","type":"returned","at":"2026-06-10T09:10:00+08:00","unit":"D2","reason":"misdirected"}
{"id":"R-4","case":"W9","type":"opened","at":"2026-06-11T09:00:00+08:00","category":"road","street":"S1"}
{"id":"R-5","case":"W9","type":"dispatched","at":"2026-06-11T09:05:00+08:00","unit":"D2","by":"S1"}
{"id":"R-6","case":"W9","type":"returned","at":"2026-06-11T09:10:00+08:00","unit":"D2","reason":"misdirected"}
`), 0o644)
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		env := map[string]string{"FRONTLINE_DB": dsn, "FRONTLINE_LANG": "en"}
		frontline(t, env, "", "registry", "load", "../../store/testdata/registry.yaml")
		frontline(t, env, "", "ingest", "../../store/testdata/worked.ndjson", returns)
		unit := func(code string) unitOut {
			t.Helper()
			var out struct {
				Units []unitOut `json:"units"`
			}
			r := frontline(t, env, "", "score", "--period", "2026-06", "--unit", code, "--format", "json")
			if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out.Units) != 1 {
				t.Fatalf("score %s: %v %s %s", code, err, r.stdout, r.stderr)
			}
			return out.Units[0]
		}
		metric := func(u unitOut, name string) float64 {
			if v := u.Metrics[name]; v != nil {
				return *v
			}
			return -1
		}
		if q := metric(unit("D1"), "response_quality"); q != 75 {
			t.Fatalf("D1 response_quality = %v, want 75 (a 4)", q)
		}
		r := frontline(t, env, "", "evaluate", "response", "--case", "W1", "--unit", "S1", "--target", "D1", "--score", "2")
		if r.code != 0 || !strings.Contains(r.stderr, "replaces W-06") {
			t.Errorf("re-evaluate: exit %d %s", r.code, r.stderr)
		}
		if q := metric(unit("D1"), "response_quality"); q != 25 {
			t.Errorf("after a second evaluation of 2, D1 response_quality = %v, want 25", q)
		}
		if r := frontline(t, env, "", "evaluate", "response", "--case", "W1", "--unit", "S1", "--target", "D1", "--score", "6"); r.code != exitUsage {
			t.Errorf("score 6: exit %d", r.code)
		}
		if r := frontline(t, env, "", "evaluate", "call", "--case", "W1", "--unit", "D2", "--target", "S1", "--accurate", "false"); r.code != exitUsage || !strings.Contains(r.stderr, "D2 has no part in case W1") {
			t.Errorf("evaluating a call never made: exit %d %s", r.code, r.stderr)
		}
		before := metric(unit("S1"), "call_accuracy")
		if r := frontline(t, env, "", "rule-return", "--case", "W8", "--unit", "S1", "--target", "D2", "--justified", "--note", "not a road matter"); r.code != 0 {
			t.Fatalf("rule-return justified: %s", r.stderr)
		}
		if after := metric(unit("S1"), "call_accuracy"); !(after < before) {
			t.Errorf("a justified return left S1's call_accuracy at %v (was %v)", after, before)
		}
		if u := unit("D2"); u.Penalty != 0 {
			t.Errorf("D2 penalised %v for a justified return", u.Penalty)
		}
		if r := frontline(t, env, "", "rule-return", "--case", "W9", "--unit", "S1", "--target", "D2", "--unjustified", "--note", "it is D2's road"); r.code != 0 {
			t.Fatalf("rule-return unjustified: %s", r.stderr)
		}
		if u := unit("D2"); u.Penalty != 2 {
			t.Errorf("D2 penalty = %v after an unjustified return, want 2", u.Penalty)
		}
		if r := frontline(t, env, "", "rule-return", "--case", "W9", "--unit", "S1", "--target", "D2", "--justified", "--note", "again"); r.code != exitFailure || !strings.Contains(r.stderr, "already ruled") {
			t.Errorf("second ruling: exit %d %s", r.code, r.stderr)
		}
		if r := frontline(t, env, "", "rule-return", "--case", "W1", "--unit", "S1", "--target", "D1", "--justified", "--note", "x"); r.code != exitUsage || !strings.Contains(r.stderr, "never returned") {
			t.Errorf("ruling on no return: exit %d %s", r.code, r.stderr)
		}
		if trail := frontline(t, env, "", "case", "W1").stdout; strings.Count(trail, "response_evaluated") != 2 {
			t.Errorf("W1's trail should keep both evaluations:\n%s", trail)
		}
	})
}
