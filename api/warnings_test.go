package api

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"frontline/store/storetest"
)

// sseEvent is one event read off a stream.
type sseEvent struct {
	id, event, data string
}

// stream opens GET /api/v1/warnings/stream as user with the given
// headers; events and comment lines arrive on the channels until the
// returned function closes the stream.
func (f *fixture) stream(t *testing.T, user, query string, headers map[string]string) (<-chan sseEvent, <-chan string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", f.url+"/api/v1/warnings/stream"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+f.tokens[user])
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("%s stream%s: %d %s", user, query, res.StatusCode, res.Header.Get("Content-Type"))
	}
	events, comments := make(chan sseEvent, 100), make(chan string, 100)
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(events)
		sc := bufio.NewScanner(res.Body)
		var e sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if e.event != "" {
					events <- e
				}
				e = sseEvent{}
			case strings.HasPrefix(line, ":"):
				select {
				case comments <- strings.TrimSpace(line[1:]):
				default:
				}
			case strings.HasPrefix(line, "id: "):
				e.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				e.event = line[7:]
			case strings.HasPrefix(line, "data: "):
				e.data = line[6:]
			}
		}
	})
	// The stream is open once its first comment arrives.
	select {
	case <-comments:
	case <-time.After(5 * time.Second):
		t.Fatal("the stream sent nothing")
	}
	return events, comments, func() { cancel(); res.Body.Close(); wg.Wait() }
}

// next reads the next n events, failing after a few seconds.
func next(t *testing.T, events <-chan sseEvent, n int) []string {
	t.Helper()
	var out []string
	for len(out) < n {
		select {
		case e, ok := <-events:
			if !ok {
				t.Fatalf("the stream ended after %v", out)
			}
			var w struct {
				Seq   int64  `json:"seq"`
				ID    string `json:"id"`
				State string `json:"state"`
			}
			if err := json.Unmarshal([]byte(e.data), &w); err != nil || e.event != "warning" || e.id == "" {
				t.Fatalf("event %+v: %v", e, err)
			}
			out = append(out, e.id+" "+w.ID+" "+w.State)
		case <-time.After(5 * time.Second):
			t.Fatalf("waited for %d events, got %v", n, out)
		}
	}
	return out
}

// TestWarningStream moves the server's clock across two cases'
// thresholds on both engines: the stream announces each crossing as the
// board's clock finds it, a client that reconnects with Last-Event-ID gets
// what it missed and nothing twice, a head hears only its own unit, and a
// quiet stream sends heartbeats.
func TestWarningStream(t *testing.T) {
	defer func(every time.Duration) { heartbeatEvery = every }(heartbeatEvery)
	heartbeatEvery = 200 * time.Millisecond
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		var mu sync.Mutex
		now := testNow.Add(-10 * time.Minute) // 11:50 in Shanghai
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		set := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }
		f := newFixtureAt(t, dsn, Config{}, clock)
		// Garbage: respond in 10 minutes; amber at 8.
		events := `{"id":"X1-1","case":"X1","type":"opened","at":"2027-01-15T11:50:00+08:00","category":"garbage","street":"S1"}
{"id":"X1-2","case":"X1","type":"dispatched","at":"2027-01-15T11:52:00+08:00","unit":"D1","by":"S1"}
{"id":"X2-1","case":"X2","type":"opened","at":"2027-01-15T11:50:00+08:00","category":"garbage","street":"S1"}
{"id":"X2-2","case":"X2","type":"dispatched","at":"2027-01-15T11:55:00+08:00","unit":"D2","by":"S1"}
`
		if r := f.do(t, "bot", "POST", "/api/v1/events", "application/x-ndjson", events); r.status != 200 {
			t.Fatalf("post events: %d %s", r.status, r.body)
		}
		dina, _, closeDina := f.stream(t, "dina", "", nil)
		dan, danBeats, closeDan := f.stream(t, "dan", "", nil)
		defer closeDan()

		set(testNow.Add(time.Minute)) // 12:01: X1's response is amber
		f.srv.clock.Poke()
		if got := next(t, dina, 1); got[0] != "1 X1/D1/respond amber" {
			t.Errorf("at 12:01 the inspector heard %v", got)
		}
		closeDina()

		// While the inspector is away, X1 turns red and X2 passes amber to red.
		set(testNow.Add(6 * time.Minute))
		f.srv.clock.Poke()
		if got := next(t, dan, 2); strings.Join(got, ", ") != "1 X1/D1/respond amber, 2 X1/D1/respond red" {
			t.Errorf("D1's head heard %v, want X1's amber and red only", got)
		}
		again, _, closeAgain := f.stream(t, "dina", "", map[string]string{"Last-Event-ID": "1"})
		defer closeAgain()
		if got := next(t, again, 2); strings.Join(got, ", ") != "2 X1/D1/respond red, 3 X2/D2/respond red" {
			t.Errorf("after reconnecting with Last-Event-ID 1: %v", got)
		}
		// The response arrives: the milestone leaves the board, met.
		if r := f.do(t, "bot", "POST", "/api/v1/events", "application/x-ndjson",
			`{"id":"X2-3","case":"X2","type":"responded","at":"2027-01-15T12:06:00+08:00","unit":"D2"}`+"\n"); r.status != 200 {
			t.Fatalf("post: %d %s", r.status, r.body)
		}
		if got := next(t, again, 1); got[0] != "4 X2/D2/respond met" {
			t.Errorf("after the response: %v", got)
		}
		select {
		case e := <-again:
			t.Errorf("an event twice or extra: %+v", e)
		case <-time.After(300 * time.Millisecond):
		}
		// ?after= resumes as Last-Event-ID does; dan's stream was quiet and beat.
		whole, _, closeWhole := f.stream(t, "dina", "?after=0", nil)
		defer closeWhole()
		if got := next(t, whole, 4); len(got) != 4 || got[3] != "4 X2/D2/respond met" {
			t.Errorf("from the start: %v", got)
		}
		select {
		case c := <-danBeats:
			if c != "heartbeat" {
				t.Errorf("comment %q", c)
			}
		case <-time.After(3 * time.Second):
			t.Error("no heartbeat on a quiet stream")
		}
		for _, tc := range []struct {
			user    string
			headers map[string]string
			status  int
		}{
			{"olga", nil, 403}, {"bot", nil, 403}, {"", nil, 401},
			{"dina", map[string]string{"Last-Event-ID": "x1"}, 422},
		} {
			h := map[string]string{}
			for k, v := range tc.headers {
				h[k] = v
			}
			if tc.user != "" {
				h["Authorization"] = "Bearer " + f.tokens[tc.user]
			}
			if r := f.send(t, "GET", "/api/v1/warnings/stream", h, ""); r.status != tc.status {
				t.Errorf("%q stream with %v: %d, want %d: %s", tc.user, tc.headers, r.status, tc.status, r.body)
			}
		}
	})
}

// TestAPIWebhooks administers webhooks over HTTP: only the admin may; the
// secret is shown once; a bad URL or an unknown unit is refused with its
// reason; pause, resume and delete answer for a hook that exists only.
func TestAPIWebhooks(t *testing.T) {
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn, Config{})
		r := f.do(t, "ada", "POST", "/api/v1/webhooks", "application/json", `{"url":"https://example.org/frontline","unit":"D1"}`)
		var made struct {
			ID, URL, Unit, State, Secret string
		}
		if err := json.Unmarshal([]byte(r.body), &made); err != nil || r.status != 201 || !strings.HasPrefix(made.Secret, "whsec_") ||
			made.Unit != "D1" || made.State != "active" {
			t.Fatalf("add: %d %s", r.status, r.body)
		}
		list := f.do(t, "ada", "GET", "/api/v1/webhooks", "", "")
		if list.status != 200 || !strings.Contains(list.body, made.ID) || strings.Contains(list.body, made.Secret) || strings.Contains(list.body, "secret") {
			t.Errorf("list: %d %s", list.status, list.body)
		}
		for _, tc := range []struct {
			user, method, path, body string
			status                   int
			says                     string
		}{
			{"dina", "POST", "/api/v1/webhooks", `{"url":"https://example.org/x"}`, 403, ""},
			{"olga", "GET", "/api/v1/webhooks", "", 403, ""},
			{"dan", "POST", "/api/v1/webhooks/" + made.ID + "/pause", "", 403, ""},
			{"ada", "POST", "/api/v1/webhooks", `{"url":"ftp://example.org/x"}`, 422, "http or https"},
			{"ada", "POST", "/api/v1/webhooks", `{"url":"https://user:pw@example.org/x"}`, 422, "user name or password"},
			{"ada", "POST", "/api/v1/webhooks", `{"url":"https://example.org/x","unit":"D9"}`, 422, `D9\" is not in the registry`},
			{"ada", "POST", "/api/v1/webhooks/wh_nothing/pause", "", 404, "no webhook"},
			{"ada", "POST", "/api/v1/webhooks/" + made.ID + "/pause", "", 200, `"state":"paused"`},
			{"ada", "POST", "/api/v1/webhooks/" + made.ID + "/resume", "", 200, `"state":"active"`},
			{"ada", "GET", "/api/v1/webhooks/" + made.ID + "/deliveries", "", 200, `"deliveries":[]`},
			{"ada", "DELETE", "/api/v1/webhooks/" + made.ID, "", 204, ""},
			{"ada", "DELETE", "/api/v1/webhooks/" + made.ID, "", 404, "no webhook"},
		} {
			r := f.do(t, tc.user, tc.method, tc.path, "application/json", tc.body)
			if r.status != tc.status || !strings.Contains(r.body, tc.says) {
				t.Errorf("%s %s %s: %d %s, want %d with %q", tc.user, tc.method, tc.path, r.status, r.body, tc.status, tc.says)
			}
		}
		// Each change is in the audit log.
		var entries struct {
			Entries []struct{ Action string } `json:"entries"`
		}
		json.Unmarshal([]byte(f.do(t, "dina", "GET", "/api/v1/audit", "", "").body), &entries)
		var actions []string
		for _, e := range entries.Entries {
			if strings.HasPrefix(e.Action, "webhook.") {
				actions = append(actions, e.Action)
			}
		}
		if strings.Join(actions, " ") != "webhook.add webhook.pause webhook.resume webhook.delete" {
			t.Errorf("audited: %v", actions)
		}
	})
}
