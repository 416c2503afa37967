package service

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"frontline/evaluation"
	"frontline/formats"
	"frontline/ingest"
	"frontline/rbac"
	"frontline/store"
)

// TestClockAnnouncesEachCrossingOnce moves a fixed clock across the
// thresholds of two cases on both engines: each crossing is announced
// once, in order, by a clock, a clock started afresh (a restart) and a
// second server's clock alike, and every listener hears it.
func TestClockAnnouncesEachCrossingOnce(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, db *store.DB) {
		ctx := context.Background()
		loadBoardRegistry(t, db)
		at := func(clock string) time.Time { return onDec1(t, clock) }
		now := at("09:00")
		svc.Now = func() time.Time { return now }
		ingestString(t, db, `{"id":"A1","case":"A","type":"opened","at":"2026-12-01T09:00:00+08:00","category":"garbage","street":"S1"}
{"id":"A2","case":"A","type":"dispatched","at":"2026-12-01T09:05:00+08:00","unit":"D1","by":"S1"}
`, 100)
		clock, other := NewClock(svc), NewClock(svc)
		heard, stop := clock.Listen()
		defer stop()
		tick := func(c *Clock, step string, want ...string) {
			t.Helper()
			logged, err := c.Tick(ctx)
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			var got []string
			for _, e := range logged {
				got = append(got, e.Deadline.ID()+" "+e.State+" "+e.At.In(now.Location()).Format("15:04"))
			}
			if strings.Join(got, ", ") != strings.Join(want, ", ") {
				t.Errorf("%s: announced %q, want %q", step, got, want)
			}
		}
		now = at("09:12")
		tick(clock, "09:12")
		now = at("09:14")
		tick(clock, "09:14", "A/D1/respond amber 09:13")
		tick(clock, "09:14 again")
		tick(NewClock(svc), "09:14 after a restart")
		tick(other, "09:14 on a second server")

		// B arrives while the clock runs; both cross by 09:26.
		ingestString(t, db, `{"id":"B1","case":"B","type":"opened","at":"2026-12-01T09:00:00+08:00","category":"garbage","street":"S2"}
{"id":"B2","case":"B","type":"dispatched","at":"2026-12-01T09:15:00+08:00","unit":"D2","by":"S2"}
`, 100)
		now = at("09:24")
		tick(clock, "09:24", "A/D1/respond red 09:15", "B/D2/respond amber 09:23")
		ingestString(t, db, `{"id":"A3","case":"A","type":"responded","at":"2026-12-01T09:26:00+08:00","unit":"D1"}`+"\n", 100)
		now = at("09:27")
		tick(clock, "09:27", "B/D2/respond red 09:25", "A/D1/respond met 09:26")
		tick(other, "09:27 on the second server")
		ingestString(t, db, `{"id":"B3","case":"B","type":"closed","at":"2026-12-01T09:40:00+08:00"}`+"\n", 100)
		now = at("09:41")
		tick(NewClock(svc), "09:41 after a restart", "B/D2/respond ended 09:41")
		tick(clock, "09:41")

		// The listener heard every event once, in order.
		var got []string
		var last int64
		for len(heard) > 0 {
			for _, e := range <-heard {
				if e.Seq <= last {
					t.Errorf("event %d heard after %d", e.Seq, last)
				}
				last = e.Seq
				got = append(got, e.Deadline.ID()+" "+e.State)
			}
		}
		want := "A/D1/respond amber, A/D1/respond red, B/D2/respond amber, B/D2/respond red, A/D1/respond met, B/D2/respond ended"
		if strings.Join(got, ", ") != want {
			t.Errorf("heard %q\nwant  %q", strings.Join(got, ", "), want)
		}
		logged, err := db.WarningEvents(ctx, 0, 100)
		if err != nil || len(logged) != 6 {
			t.Errorf("warning events logged: %d, %v", len(logged), err)
		}
	})
}

// TestClockFollowsARunsWaitingCases ticks the clock in the middle of an
// ingest run whose batches leave a case's derived state for later: the
// case is derived at the run's end with no event of its own, and the
// clock still finds its deadlines and announces them.
func TestClockFollowsARunsWaitingCases(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, db *store.DB) {
		ctx := context.Background()
		loadBoardRegistry(t, db)
		at := func(clock string) time.Time { return onDec1(t, clock) }
		now := at("09:00")
		svc.Now = func() time.Time { return now }
		codes, err := db.Codes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		seq := 0
		batch := func(lines ...string) []ingest.Prepared {
			var out []ingest.Prepared
			for _, line := range lines {
				var e evaluation.Event
				if err := json.Unmarshal([]byte(line), &e); err != nil {
					t.Fatal(err)
				}
				seq++
				p, err := ingest.Seal(seq, e, codes)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, p)
			}
			return out
		}
		clock := NewClock(svc)
		run := db.NewRun()
		if _, err := run.IngestBatch(ctx, batch(`{"id":"A1","case":"A","type":"opened","at":"2026-12-01T09:00:00+08:00","category":"garbage","street":"S1"}`,
			`{"id":"A2","case":"A","type":"dispatched","at":"2026-12-01T09:05:00+08:00","unit":"D1","by":"S1"}`), nil, false); err != nil {
			t.Fatal(err)
		}
		if _, err := clock.Tick(ctx); err != nil { // A waits: nothing of it derived yet
			t.Fatal(err)
		}
		if _, err := run.IngestBatch(ctx, batch(`{"id":"B1","case":"B","type":"opened","at":"2026-12-01T09:20:00+08:00","category":"garbage","street":"S2"}`), nil, true); err != nil {
			t.Fatal(err)
		}
		now = at("09:16")
		logged, err := clock.Tick(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(logged) != 1 || logged[0].Deadline.ID() != "A/D1/respond" || logged[0].State != "red" {
			t.Errorf("after the run derived A: announced %+v, want A's response red", logged)
		}
	})
}

// TestClockEndsADeadlineThatWentAway lights a report deadline red, then
// loads a policy without report limits for its class: the deadline is
// gone from the case, and the clock announces its end.
func TestClockEndsADeadlineThatWentAway(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, db *store.DB) {
		ctx := context.Background()
		loadBoardRegistry(t, db)
		now := onDec1(t, "09:00")
		svc.Now = func() time.Time { return now }
		ingestString(t, db, `{"id":"R1","case":"R","type":"opened","at":"2026-12-01T09:00:00+08:00","category":"road","street":"S1"}
{"id":"R2","case":"R","type":"dispatched","at":"2026-12-01T09:05:00+08:00","unit":"D1","by":"S1"}
{"id":"R3","case":"R","type":"responded","at":"2026-12-01T09:10:00+08:00","unit":"D1"}
`, 100)
		clock := NewClock(svc)
		now = onDec1(t, "10:30") // the report was due at 10:05
		if logged, err := clock.Tick(ctx); err != nil || len(logged) != 1 || logged[0].Deadline.ID() != "R/D1/report" || logged[0].State != "red" {
			t.Fatalf("the report's breach: %+v, %v", logged, err)
		}
		noReport := strings.Replace(string(formats.DefaultPolicyYAML), "B: {respond: 10m, report: 1h, dispose: 1wd}", "B: {respond: 10m, dispose: 1wd}", 1)
		if noReport == string(formats.DefaultPolicyYAML) {
			t.Fatal("the default policy's class B line changed: the test would load nothing new")
		}
		if _, _, err := svc.LoadPolicy(ctx, rbac.Local(), []byte(noReport), "policy.yaml"); err != nil {
			t.Fatal(err)
		}
		logged, err := clock.Tick(ctx)
		if err != nil || len(logged) != 1 || logged[0].Deadline.ID() != "R/D1/report" || logged[0].State != "ended" || logged[0].Deadline.Street != "S1" {
			t.Errorf("after the policy dropped report limits: %+v, %v", logged, err)
		}
		if lights, err := db.WarningLights(ctx); err != nil || len(lights) != 0 {
			t.Errorf("lights left: %v, %v", lights, err)
		}
	})
}
