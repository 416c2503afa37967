package service

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"frontline/rbac"
	"frontline/store"
	"frontline/view"
)

// receiver is a webhook's far end on loopback: it answers the first fail
// requests with 500, then 200, and keeps what it was sent.
type receiver struct {
	mu   sync.Mutex
	fail int
	got  []received
}

type received struct {
	signature, delivery string
	body                []byte
	status              int
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	status := http.StatusOK
	if r.fail != 0 {
		status = http.StatusInternalServerError
		if r.fail > 0 {
			r.fail--
		}
	}
	r.got = append(r.got, received{req.Header.Get(SignatureHeader), req.Header.Get("X-Frontline-Delivery"), body, status})
	w.WriteHeader(status)
}

func (r *receiver) received() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// TestWebhooksDeliverSignRetryAndPause delivers the board's events to two
// receivers on loopback, on both engines: every delivery is signed with
// the hook's secret; a receiver that fails twice sees the retries after
// 10 s and 20 s and then every event in order; a unit's hook carries only
// that unit's; one that keeps failing is paused and says why, its log
// intact for a deliverer started afresh; resumed, it delivers what waited.
func TestWebhooksDeliverSignRetryAndPause(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, db *store.DB) {
		ctx := context.Background()
		loadBoardRegistry(t, db)
		at := func(clock string) time.Time { return onDec1(t, clock) }
		now := at("09:00:00")
		svc.Now = func() time.Time { return now }
		all, unit := &receiver{fail: 2}, &receiver{fail: -1}
		allSrv, unitSrv := httptest.NewServer(all), httptest.NewServer(unit)
		defer allSrv.Close()
		defer unitSrv.Close()
		admin := rbac.Local()
		hookAll, secretAll, err := svc.AddWebhook(ctx, admin, WebhookRequest{URL: allSrv.URL + "/hook"})
		if err != nil {
			t.Fatal(err)
		}
		hookD1, secretD1, err := svc.AddWebhook(ctx, admin, WebhookRequest{URL: unitSrv.URL, Unit: "D1"})
		if err != nil || !strings.HasPrefix(secretAll, "whsec_") || secretAll == secretD1 {
			t.Fatalf("add: %v, secrets %q %q", err, secretAll, secretD1)
		}

		// Three announcements: A's response amber and red (D1), B's amber (D2).
		ingestString(t, db, `{"id":"A1","case":"A","type":"opened","at":"2026-12-01T09:00:00+08:00","category":"garbage","street":"S1"}
{"id":"A2","case":"A","type":"dispatched","at":"2026-12-01T09:05:00+08:00","unit":"D1","by":"S1"}
{"id":"B1","case":"B","type":"opened","at":"2026-12-01T09:00:00+08:00","category":"garbage","street":"S2"}
{"id":"B2","case":"B","type":"dispatched","at":"2026-12-01T09:10:00+08:00","unit":"D2","by":"S2"}
`, 100)
		clock := NewClock(svc)
		for _, hhmm := range []string{"09:13:30", "09:18:30"} {
			now = at(hhmm)
			if _, err := clock.Tick(ctx); err != nil {
				t.Fatal(err)
			}
		}
		hooks := NewHooks(svc)
		hooks.MaxFailures = 3
		deliver := func(hhmmss string) time.Time {
			t.Helper()
			now = at(hhmmss)
			next, err := hooks.Deliver(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return next
		}
		if next := deliver("09:20:00"); !next.Equal(at("09:20:10")) {
			t.Errorf("after the first failures the next try is at %v, want 09:20:10", next)
		}
		deliver("09:20:05") // not due: nothing tried
		if n := len(all.received()); n != 1 {
			t.Errorf("attempts before the retry is due: %d, want 1", n)
		}
		if next := deliver("09:20:10"); !next.Equal(at("09:20:30")) {
			t.Errorf("after the second failure the next try is at %v, want 09:20:30 (the wait doubles)", next)
		}
		deliver("09:20:30")
		got := all.received()
		var states []string
		for i, r := range got {
			if !VerifySignature(r.signature, r.body, []byte(secretAll), now, 5*time.Minute) {
				t.Errorf("delivery %d: the signature %q does not verify", i, r.signature)
			}
			if r.status == 200 {
				var e view.WarningEvent
				if err := json.Unmarshal(r.body, &e); err != nil {
					t.Fatal(err)
				}
				states = append(states, e.ID+" "+e.State)
			}
		}
		if want := "A/D1/respond amber, A/D1/respond red, B/D2/respond amber"; strings.Join(states, ", ") != want {
			t.Errorf("delivered %q, want %q", states, want)
		}
		if len(got) != 5 || got[0].delivery != got[1].delivery || got[1].delivery != got[2].delivery {
			t.Errorf("attempts: %d (want 2 failed and 3 delivered), the first three of one event: %v", len(got), got)
		}
		if VerifySignature(got[2].signature, append([]byte(" "), got[2].body...), []byte(secretAll), now, 5*time.Minute) ||
			VerifySignature(got[2].signature, got[2].body, []byte(secretAll), now.Add(time.Hour), 5*time.Minute) {
			t.Error("a changed body or an old signature verifies")
		}

		// The unit's hook tried D1's first event three times, then paused.
		deliver("09:20:40")
		deliver("09:21:00")
		deliver("09:22:00")
		tries := unit.received()
		for _, r := range tries {
			var e view.WarningEvent
			json.Unmarshal(r.body, &e)
			if e.Unit != "D1" {
				t.Errorf("D1's hook was sent %s's event", e.Unit)
			}
		}
		fresh := NewHooks(svc) // a restart
		if _, err := fresh.Deliver(ctx); err != nil {
			t.Fatal(err)
		}
		hooksNow, err := svc.Webhooks(ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		var d1 view.Webhook
		for _, h := range hooksNow {
			if h.ID == hookD1.ID {
				d1 = h
			}
		}
		if len(unit.received()) != 3 || d1.State != "paused" || !strings.Contains(d1.PausedReason, "3 failed deliveries") || d1.Failures != 3 {
			t.Errorf("after three failures: %d attempts, hook %+v", len(unit.received()), d1)
		}
		log, err := svc.WebhookDeliveries(ctx, admin, hookD1.ID, 10)
		if err != nil || len(log) != 3 || log[0].Attempt != 3 || log[0].Status != 500 || log[0].Delivered {
			t.Errorf("D1's delivery log: %+v, %v", log, err)
		}
		if log, _ := svc.WebhookDeliveries(ctx, admin, hookAll.ID, 10); len(log) != 5 || !log[0].Delivered {
			t.Errorf("the other hook's log: %+v", log)
		}

		// Resumed, it delivers D1's two events and passes B's over.
		unit.mu.Lock()
		unit.fail = 0
		unit.mu.Unlock()
		if _, err := svc.PauseWebhook(ctx, admin, hookD1.ID, false); err != nil {
			t.Fatal(err)
		}
		deliver("09:23:00")
		if got := unit.received(); len(got) != 5 || got[3].status != 200 || got[4].status != 200 ||
			!VerifySignature(got[4].signature, got[4].body, []byte(secretD1), now, time.Minute) {
			t.Errorf("after resuming: %d attempts", len(got))
		}
		hooksNow, _ = svc.Webhooks(ctx, admin)
		for _, h := range hooksNow {
			if h.State != "active" || h.Cursor != 3 {
				t.Errorf("hook %s after delivering everything: %+v", h.ID, h)
			}
		}
		if err := svc.DeleteWebhook(ctx, admin, hookD1.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.WebhookDeliveries(ctx, admin, hookD1.ID, 10); err == nil {
			t.Error("a deleted hook's log is read")
		}
	})
}

// TestOneServerDeliversAtATime holds the delivery lock as one server and
// asks for it as another: on PostgreSQL the second waits its turn; SQLite's
// one writing server always delivers.
func TestOneServerDeliversAtATime(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, db *store.DB) {
		ctx := context.Background()
		var inner bool
		ran, err := db.Delivering(ctx, func() error {
			var err error
			inner, err = db.Delivering(ctx, func() error { return nil })
			return err
		})
		if err != nil || !ran {
			t.Fatalf("the first server: ran %v, %v", ran, err)
		}
		if want := db.Engine() != store.Postgres; inner != want {
			t.Errorf("a second server while the first delivers: ran %v, want %v", inner, want)
		}
		if again, err := db.Delivering(ctx, func() error { return nil }); err != nil || !again {
			t.Errorf("after the first finished: ran %v, %v", again, err)
		}
	})
}

// TestPausingStopsABacklog pauses a hook from its own receiver while it
// delivers a backlog of three announcements: the first is delivered, and
// no other is sent once the pause is written.
func TestPausingStopsABacklog(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, db *store.DB) {
		ctx := context.Background()
		loadBoardRegistry(t, db)
		now := onDec1(t, "09:00")
		svc.Now = func() time.Time { return now }
		admin := rbac.Local()
		var id string
		var mu sync.Mutex
		sent := 0
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			sent++
			first := sent == 1
			mu.Unlock()
			if first {
				if _, err := svc.PauseWebhook(ctx, admin, id, true); err != nil {
					t.Error(err)
				}
			}
		}))
		defer srv.Close()
		hook, _, err := svc.AddWebhook(ctx, admin, WebhookRequest{URL: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		id = hook.ID
		ingestString(t, db, `{"id":"A1","case":"A","type":"opened","at":"2026-12-01T09:00:00+08:00","category":"garbage","street":"S1"}
{"id":"A2","case":"A","type":"dispatched","at":"2026-12-01T09:05:00+08:00","unit":"D1","by":"S1"}
{"id":"B1","case":"B","type":"opened","at":"2026-12-01T09:00:00+08:00","category":"garbage","street":"S2"}
{"id":"B2","case":"B","type":"dispatched","at":"2026-12-01T09:10:00+08:00","unit":"D2","by":"S2"}
`, 100)
		now = onDec1(t, "09:30")
		if logged, err := NewClock(svc).Tick(ctx); err != nil || len(logged) != 2 {
			t.Fatalf("announced %d, %v", len(logged), err)
		}
		if _, err := NewHooks(svc).Deliver(ctx); err != nil {
			t.Fatal(err)
		}
		hooks, _ := svc.Webhooks(ctx, admin)
		if sent != 1 || len(hooks) != 1 || hooks[0].State != "paused" || !strings.Contains(hooks[0].PausedReason, "paused by") {
			t.Errorf("paused during a backlog: %d sent, hook %+v", sent, hooks)
		}
	})
}
