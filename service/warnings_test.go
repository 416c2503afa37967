package service

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"frontline/evaluation"
	"frontline/fault"
	"frontline/formats"
	"frontline/rbac"
	"frontline/scoring"
	"frontline/store"
	"frontline/view"
)

// boardRegistry is the worked example's registry with a second street.
const boardRegistry = `units:
  - {code: S1, kind: street, name: {zh: 鼓东街道, en: Gudong Street}}
  - {code: S2, kind: street, name: {zh: 鼓西街道, en: Guxi Street}}
  - {code: D1, kind: department, name: {zh: 城管局, en: City Management Bureau}}
  - {code: D2, kind: department, name: {zh: 住建局, en: Housing and Construction Bureau}}
  - {code: DIS, kind: department, name: {zh: 区纪委监委, en: Discipline Commission}}
  - {code: ORG, kind: department, name: {zh: 区委组织部, en: Organization Department}}
categories:
  - {code: garbage, class: A, urgency: normal, name: {zh: 垃圾清理, en: Garbage clean-up}}
  - {code: road, class: B, urgency: normal, name: {zh: 道路破损, en: Road damage}}
`

// loadBoardRegistry loads boardRegistry.
func loadBoardRegistry(t *testing.T, db *store.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "registry.yaml")
	if err := os.WriteFile(path, []byte(boardRegistry), 0o600); err != nil {
		t.Fatal(err)
	}
	loadRegistry(t, db, path)
}

// onDec1 returns a time of 1 December 2026 in Shanghai, "09:13" or "09:13:30".
func onDec1(t *testing.T, clock string) time.Time {
	t.Helper()
	if len(clock) == 5 {
		clock += ":00"
	}
	tm, err := time.Parse(time.RFC3339, "2026-12-01T"+clock+"+08:00")
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// TestBoardAcrossThresholds moves a fixed clock across the warning
// thresholds of two open cases (garbage: respond 10 min, dispose 4 h;
// warnings at 0.8 of each limit) and a closed one, on both engines, and
// reads the board as each role at each step.
func TestBoardAcrossThresholds(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, db *store.DB) {
		ctx := context.Background()
		loadBoardRegistry(t, db)
		authz := roles(t)
		at := func(clock string) time.Time { return onDec1(t, clock) }
		now := at("09:00")
		svc.Now = func() time.Time { return now }
		ingestString(t, db, `{"id":"A1","case":"A","type":"opened","at":"2026-12-01T09:00:00+08:00","category":"garbage","street":"S1"}
{"id":"A2","case":"A","type":"dispatched","at":"2026-12-01T09:05:00+08:00","unit":"D1","by":"S1"}
{"id":"B1","case":"B","type":"opened","at":"2026-12-01T09:00:00+08:00","category":"garbage","street":"S2"}
{"id":"B2","case":"B","type":"dispatched","at":"2026-12-01T09:15:00+08:00","unit":"D2","by":"S2"}
{"id":"C1","case":"C","type":"opened","at":"2026-12-01T08:00:00+08:00","category":"garbage","street":"S1"}
{"id":"C2","case":"C","type":"dispatched","at":"2026-12-01T08:05:00+08:00","unit":"D2","by":"S1"}
{"id":"C3","case":"C","type":"responded","at":"2026-12-01T08:06:00+08:00","unit":"D2"}
{"id":"C5","case":"C","type":"closed","at":"2026-12-01T09:01:00+08:00"}
`, 100)
		board := func(user string, q WarningQuery) []string {
			t.Helper()
			l, err := svc.Warnings(ctx, authz.Principal(user), q)
			if err != nil {
				t.Fatalf("%s: %v", user, err)
			}
			var out []string
			for _, w := range l.Warnings {
				out = append(out, w.ID+" "+w.State)
			}
			return out
		}
		same := func(step string, got []string, want ...string) {
			t.Helper()
			if strings.Join(got, ", ") != strings.Join(want, ", ") {
				t.Errorf("%s: board = %q, want %q", step, got, want)
			}
		}

		// A's response turns amber at 09:13 and is due at 09:15; B's at
		// 09:23 and 09:25. C is closed with its disposal open: not shown.
		now = at("09:12")
		same("09:12", board("dina", WarningQuery{}))
		now = at("09:13")
		same("09:13, amber at the share itself", board("dina", WarningQuery{}), "A/D1/respond amber")
		now = at("09:15")
		same("09:15, the deadline itself is still on time", board("dina", WarningQuery{}), "A/D1/respond amber")
		now = at("09:25")
		same("09:25", board("dina", WarningQuery{}), "A/D1/respond red", "B/D2/respond amber")
		same("09:25 red only", board("dina", WarningQuery{State: "red"}), "A/D1/respond red")
		same("09:25 unit D2", board("dina", WarningQuery{Unit: "D2"}), "B/D2/respond amber")

		// Responses leave the board; the disposals turn amber at 12:17 and 12:27.
		ingestString(t, db, `{"id":"A3","case":"A","type":"responded","at":"2026-12-01T09:26:00+08:00","unit":"D1"}`+"\n", 100)
		now = at("09:27")
		same("09:27", board("dina", WarningQuery{}), "B/D2/respond red")
		ingestString(t, db, `{"id":"B3","case":"B","type":"responded","at":"2026-12-01T09:28:00+08:00","unit":"D2"}`+"\n", 100)
		now = at("12:20")
		same("12:20", board("dina", WarningQuery{}), "A/D1/dispose amber")
		now = at("12:28")
		same("12:28", board("dina", WarningQuery{}), "A/D1/dispose amber", "B/D2/dispose amber")

		// Each role sees its own: the head of S1 the disposal of a case in
		// its street, not S2's case; D2's head its own disposal; the
		// assessor, the admin and the dispatch account are refused.
		same("12:28 sam", board("sam", WarningQuery{}), "A/D1/dispose amber")
		same("12:28 sam asking for D2", board("sam", WarningQuery{Unit: "D2"}))
		same("12:28 dana", board("dana", WarningQuery{}), "B/D2/dispose amber")
		same("12:28 dana asking for D1", board("dana", WarningQuery{Unit: "D1"}))
		for _, user := range []string{"olga", "bot", "ada"} {
			if _, err := svc.Warnings(ctx, authz.Principal(user), WarningQuery{}); fault.KindOf(err) != fault.Forbidden {
				t.Errorf("%s reads the board: %v, want forbidden", user, err)
			}
		}

		// Urged, the disposal says so; resolved, it leaves the board.
		if _, err := svc.Urge(ctx, authz.Principal("dina"), UrgeRequest{Case: "A", Unit: "DIS", Target: "D1", Note: "dispose now"}); err != nil {
			t.Fatal(err)
		}
		l, err := svc.Warnings(ctx, authz.Principal("dina"), WarningQuery{Unit: "D1"})
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Warnings) != 1 || !l.Warnings[0].Urged || l.Warnings[0].UrgedAt == nil {
			t.Fatalf("after urging D1 on A: %+v", l.Warnings)
		}
		w := l.Warnings[0]
		wantAmber, wantDue := at("12:17"), at("13:05")
		if !w.AmberAt.Equal(wantAmber) || !w.Deadline.Equal(wantDue) || w.SecondsLeft != int64(wantDue.Sub(now)/time.Second) ||
			w.Category != "garbage" || w.Street != "S1" || w.AmberAt.Location().String() != "Asia/Shanghai" {
			t.Errorf("A/D1/dispose = %+v", w)
		}
		if l.Amber != 2 || l.Red != 0 || l.Total != 1 {
			t.Errorf("counts: amber %d red %d total %d, want 2 0 1", l.Amber, l.Red, l.Total)
		}
		if other, err := svc.Warnings(ctx, authz.Principal("dina"), WarningQuery{Unit: "D2"}); err != nil || len(other.Warnings) != 1 || other.Warnings[0].Urged {
			t.Errorf("D2's disposal after urging D1: %+v, %v", other, err)
		}
		ingestString(t, db, `{"id":"A4","case":"A","type":"resolved","at":"2026-12-01T12:30:00+08:00","unit":"D1"}`+"\n", 100)
		now = at("12:31")
		same("12:31", board("dina", WarningQuery{}), "B/D2/dispose amber")

		// Closing the case ends its parts.
		ingestString(t, db, `{"id":"B4","case":"B","type":"closed","at":"2026-12-01T12:40:00+08:00"}`+"\n", 100)
		now = at("12:41")
		same("12:41", board("dina", WarningQuery{}))

		if _, err := svc.Warnings(ctx, authz.Principal("dina"), WarningQuery{State: "green"}); fault.KindOf(err) != fault.Invalid {
			t.Errorf("state green: %v, want invalid", err)
		}
	})
}

// TestBoardPagesAndShares pages a board of many cases and lights it with
// a class's own warning share.
func TestBoardPagesAndShares(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, db *store.DB) {
		ctx := context.Background()
		loadBoardRegistry(t, db)
		policy := strings.Replace(string(formats.DefaultPolicyYAML), "A: {respond: 10m, dispose: 4h}", "A: {respond: 10m, dispose: 4h, warn_at: 0.5}", 1)
		if policy == string(formats.DefaultPolicyYAML) {
			t.Fatal("the default policy's class A line changed: the test would not set its share")
		}
		if _, _, err := svc.LoadPolicy(ctx, rbac.Local(), []byte(policy), "policy.yaml"); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i := range 25 {
			id := string(rune('a'+i%26)) + "x"
			b.WriteString(`{"id":"` + id + `1","case":"` + id + `","type":"opened","at":"2026-12-01T09:00:00+08:00","category":"garbage","street":"S1"}` + "\n")
			b.WriteString(`{"id":"` + id + `2","case":"` + id + `","type":"dispatched","at":"2026-12-01T09:0` + string(rune('0'+i%10)) + `:00+08:00","unit":"D1","by":"S1"}` + "\n")
		}
		ingestString(t, db, b.String(), 7)
		now, _ := time.Parse(time.RFC3339, "2026-12-01T09:10:00+08:00")
		svc.Now = func() time.Time { return now }
		dina := roles(t).Principal("dina")
		all, err := svc.Warnings(ctx, dina, WarningQuery{Limit: MaxWarningLimit})
		if err != nil {
			t.Fatal(err)
		}
		// Responses dispatched at 09:00–09:05 turn amber at 09:05–09:10 with
		// a share of 0.5 (the default 0.8 would light none before 09:08):
		// all but the 8 dispatched at 09:06–09:09.
		if all.Total != 17 || len(all.Warnings) != 17 {
			t.Fatalf("board at 09:10 with warn_at 0.5: total %d, %d listed, want 17", all.Total, len(all.Warnings))
		}
		var paged []view.Warning
		for offset := 0; ; offset += 4 {
			l, err := svc.Warnings(ctx, dina, WarningQuery{Limit: 4, Offset: offset})
			if err != nil {
				t.Fatal(err)
			}
			if l.Total != 17 {
				t.Fatalf("page at %d: total %d", offset, l.Total)
			}
			if len(l.Warnings) == 0 {
				break
			}
			paged = append(paged, l.Warnings...)
		}
		for i := range all.Warnings {
			if i >= len(paged) || paged[i].ID != all.Warnings[i].ID {
				t.Fatalf("pages of 4 differ from one page at %d", i)
			}
			if i > 0 && all.Warnings[i].SecondsLeft < all.Warnings[i-1].SecondsLeft {
				t.Errorf("not sorted by time left at %d", i)
			}
		}
		if _, err := svc.Warnings(ctx, dina, WarningQuery{Limit: -1}); fault.KindOf(err) != fault.Invalid {
			t.Errorf("limit -1: %v, want invalid", err)
		}
	})
}

// TestUrgedRecord urges two departments on open cases and reads their
// records on both engines: D1, urged while its response was amber, then
// responded in time (1 of 1); D2, urged once its response was red (0 of
// 1); a unit never urged has no such rate. The rate enters the composite
// only once the policy weights it.
func TestUrgedRecord(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, db *store.DB) {
		ctx := context.Background()
		loadBoardRegistry(t, db)
		now := onDec1(t, "09:14")
		svc.Now = func() time.Time { return now }
		ingestString(t, db, `{"id":"A1","case":"A","type":"opened","at":"2026-12-01T09:00:00+08:00","category":"garbage","street":"S1"}
{"id":"A2","case":"A","type":"dispatched","at":"2026-12-01T09:05:00+08:00","unit":"D1","by":"S1"}
{"id":"B1","case":"B","type":"opened","at":"2026-12-01T09:00:00+08:00","category":"garbage","street":"S2"}
{"id":"B2","case":"B","type":"dispatched","at":"2026-12-01T09:01:00+08:00","unit":"D2","by":"S2"}
{"id":"C1","case":"C","type":"opened","at":"2026-12-01T09:00:00+08:00","category":"garbage","street":"S2"}
{"id":"C2","case":"C","type":"dispatched","at":"2026-12-01T09:01:00+08:00","unit":"D1","by":"S2"}
{"id":"C3","case":"C","type":"responded","at":"2026-12-01T09:02:00+08:00","unit":"D1"}
{"id":"C4","case":"C","type":"resolved","at":"2026-12-01T10:00:00+08:00","unit":"D1"}
{"id":"E1","case":"E","type":"opened","at":"2026-12-01T09:00:00+08:00","category":"garbage","street":"S2"}
{"id":"E2","case":"E","type":"dispatched","at":"2026-12-01T09:01:00+08:00","unit":"D2","by":"S2"}
{"id":"E3","case":"E","type":"responded","at":"2026-12-01T09:02:00+08:00","unit":"D2"}
{"id":"E4","case":"E","type":"resolved","at":"2026-12-01T10:00:00+08:00","unit":"D2"}
`, 100)
		dina := roles(t).Principal("dina")
		for _, u := range []UrgeRequest{{Case: "A", Unit: "DIS", Target: "D1"}, {Case: "B", Unit: "DIS", Target: "D2"}} {
			if _, err := svc.Urge(ctx, dina, u); err != nil {
				t.Fatal(err)
			}
		}
		ingestString(t, db, `{"id":"A3","case":"A","type":"responded","at":"2026-12-01T09:15:00+08:00","unit":"D1"}
{"id":"A4","case":"A","type":"resolved","at":"2026-12-01T10:00:00+08:00","unit":"D1"}
{"id":"B3","case":"B","type":"responded","at":"2026-12-01T09:20:00+08:00","unit":"D2"}
`, 100)
		now = onDec1(t, "18:00")
		score := func() map[string]*scoring.UnitScore {
			t.Helper()
			r, err := svc.Scores(ctx, rbac.Local(), ScoresQuery{PeriodQuery: PeriodQuery{Period: "2026-12"}})
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]*scoring.UnitScore{}
			for _, u := range r.Units {
				out[u.Unit] = u
			}
			return out
		}
		units := score()
		// D1 met both deadlines open when urged (the response at 09:15, the
		// disposal by 13:05); D2's response was past due when urged.
		for unit, want := range map[string][2]float64{"D1": {1, 1}, "D2": {0, 1}} {
			m := units[unit].Metrics[evaluation.UrgedMetRate]
			if m == nil || m.Num != want[0] || m.Den != want[1] || !m.Rate {
				t.Errorf("%s urged_met_rate = %+v, want %v of %v", unit, m, want[0], want[1])
			}
		}
		if m := units["S1"].Metrics[evaluation.UrgedMetRate]; m != nil && m.Den > 0 {
			t.Errorf("a street's record has urged_met_rate %+v", m)
		}
		before := *units["D2"].Score
		weighted := strings.Replace(string(formats.DefaultPolicyYAML), "response_quality: 0.20}", "response_quality: 0.20, urged_met_rate: 0.50}", 1)
		if weighted == string(formats.DefaultPolicyYAML) {
			t.Fatal("the default policy's department weights changed: the test would weight nothing")
		}
		if _, _, err := svc.LoadPolicy(ctx, rbac.Local(), []byte(weighted), "policy.yaml"); err != nil {
			t.Fatal(err)
		}
		if after := *score()["D2"].Score; after >= before {
			t.Errorf("D2's score with urged_met_rate weighted: %.2f, was %.2f", after, before)
		}
	})
}

// TestBoardCallsDue puts a case that no one has been dispatched to on the
// board as its street's call, due 30 minutes after its opening: amber
// after 24, red after 30, met when the street calls a department in; a
// case closed uncalled ends.
func TestBoardCallsDue(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, db *store.DB) {
		ctx := context.Background()
		loadBoardRegistry(t, db)
		now := onDec1(t, "09:00")
		svc.Now = func() time.Time { return now }
		ingestString(t, db, `{"id":"P1","case":"P","type":"opened","at":"2026-12-01T09:00:00+08:00","category":"garbage","street":"S1"}
{"id":"Q1","case":"Q","type":"opened","at":"2026-12-01T09:00:00+08:00","category":"garbage","street":"S2"}
`, 100)
		clock := NewClock(svc)
		board := func(step string, want ...string) {
			t.Helper()
			if _, err := clock.Tick(ctx); err != nil {
				t.Fatal(err)
			}
			l, err := svc.Warnings(ctx, roles(t).Principal("sam"), WarningQuery{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, w := range l.Warnings {
				got = append(got, w.ID+" "+w.State)
			}
			if strings.Join(got, ", ") != strings.Join(want, ", ") {
				t.Errorf("%s: S1's head sees %q, want %q", step, got, want)
			}
		}
		now = onDec1(t, "09:23")
		board("09:23")
		now = onDec1(t, "09:24")
		board("09:24", "P/S1/call amber")
		now = onDec1(t, "09:31")
		board("09:31", "P/S1/call red")
		ingestString(t, db, `{"id":"P2","case":"P","type":"dispatched","at":"2026-12-01T09:35:00+08:00","unit":"D1","by":"S1"}
{"id":"Q2","case":"Q","type":"closed","at":"2026-12-01T09:36:00+08:00"}
`, 100)
		now = onDec1(t, "09:37")
		board("09:37 after the call") // the response is due at 09:45, amber at 09:43
		events, err := db.WarningEvents(ctx, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range events {
			got = append(got, e.Deadline.ID()+" "+e.State)
		}
		want := "P/S1/call amber, Q/S2/call amber, P/S1/call red, Q/S2/call red, P/S1/call met, Q/S2/call ended"
		if strings.Join(got, ", ") != want {
			t.Errorf("announced %q\nwant      %q", strings.Join(got, ", "), want)
		}
	})
}
