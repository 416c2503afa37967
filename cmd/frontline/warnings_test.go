package main

import (
	"encoding/json"
	"strings"
	"testing"

	"frontline/store/storetest"
	"frontline/view"
)

// TestWarningsCommand reads the live board from the command line, on both
// engines: the same content as GET /api/v1/warnings, in each format, as
// the local operator and as a department's head.
func TestWarningsCommand(t *testing.T) {
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		env := map[string]string{"FRONTLINE_DB": dsn, "FRONTLINE_LANG": "en"}
		if r := frontline(t, env, "", "registry", "load", "../../store/testdata/registry.yaml"); r.code != 0 {
			t.Fatalf("registry load: %s", r.stderr)
		}
		// The clock stands at 20:00 in Shanghai; garbage is to be responded to in 10 minutes.
		events := `{"id":"Y1-1","case":"Y1","type":"opened","at":"2027-01-15T19:50:00+08:00","category":"garbage","street":"S1"}
{"id":"Y1-2","case":"Y1","type":"dispatched","at":"2027-01-15T19:52:00+08:00","unit":"D1","by":"S1"}
{"id":"Y2-1","case":"Y2","type":"opened","at":"2027-01-15T19:30:00+08:00","category":"garbage","street":"S1"}
{"id":"Y2-2","case":"Y2","type":"dispatched","at":"2027-01-15T19:40:00+08:00","unit":"D2","by":"S1"}
`
		if r := frontline(t, env, events, "ingest", "-"); r.code != 0 {
			t.Fatalf("ingest: %s", r.stderr)
		}
		r := frontline(t, env, "", "warnings")
		for _, want := range []string{"1 red (past the deadline), 1 amber", "RED", "over by 10m", "Y2", "AMBER", "2m", "Y1"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("warnings table lacks %q:\n%s", want, r.stdout)
			}
		}
		if strings.Index(r.stdout, "Y2") > strings.Index(r.stdout, "Y1") {
			t.Errorf("the most overdue is not first:\n%s", r.stdout)
		}
		var out view.WarningBoard
		if err := json.Unmarshal([]byte(frontline(t, env, "", "warnings", "--format", "json", "--state", "amber").stdout), &out); err != nil {
			t.Fatal(err)
		}
		if out.Total != 1 || out.Amber != 1 || out.Red != 1 || len(out.Warnings) != 1 || out.Warnings[0].ID != "Y1/D1/respond" ||
			out.Warnings[0].SecondsLeft != 120 || out.Warnings[0].AmberAt.Format("15:04") != "20:00" {
			t.Errorf("warnings --format json --state amber = %+v", out)
		}
		csv := frontline(t, env, "", "warnings", "--format", "csv").stdout
		if lines := strings.Split(strings.TrimSpace(csv), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[0], "id,case,unit,milestone,round,state") ||
			!strings.HasPrefix(lines[1], "Y2/D2/respond,Y2,D2,respond,1,red,") {
			t.Errorf("warnings --format csv:\n%s", csv)
		}

		// A department's head sees its own unit's milestones only.
		frontline(t, env, "", "users", "add", "dan", "--role", "dept_head", "--unit", "D1")
		frontline(t, env, "", "users", "add", "olga", "--role", "org_assessor")
		if err := json.Unmarshal([]byte(frontline(t, env, "", "warnings", "--user", "dan", "--format", "json").stdout), &out); err != nil {
			t.Fatal(err)
		}
		if out.Total != 1 || out.Warnings[0].Unit != "D1" || out.Red != 0 {
			t.Errorf("dan's board = %+v", out)
		}
		if r := frontline(t, env, "", "warnings", "--user", "olga"); r.code != exitFailure || !strings.Contains(r.stderr, "olga") {
			t.Errorf("the assessor reads the board: exit %d %s", r.code, r.stderr)
		}

		// Watching draws the board again; a bad state is a usage error.
		r = frontline(t, env, "", "warnings", "--watch", "--every", "1s", "--rounds", "2")
		if r.code != 0 || strings.Count(r.stdout, "The live board as of") != 2 {
			t.Errorf("--watch --rounds 2: exit %d\n%s", r.code, r.stdout)
		}
		if r := frontline(t, env, "", "warnings", "--state", "green"); r.code != exitUsage || !strings.Contains(r.stderr, "amber or red") {
			t.Errorf("--state green: exit %d %s", r.code, r.stderr)
		}
	})
}
