package api

import (
	"bufio"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"frontline/service"
	"frontline/store/storetest"
)

// injections are filter values an attacker tries in every filter.
var injections = []string{
	`' OR '1'='1`, `1; DROP TABLE events; --`, `D1' UNION SELECT body FROM events --`, `") OR ("1"="1`,
	`%' OR 1=1 --`, "\x00", strings.Repeat("A", 5000),
}

// TestHostileFilters, on both engines: SQL text in every filter of every
// read is a clear refusal (4xx) or an empty or ordinary answer, never a
// server error, never more than the caller may see; afterwards the data
// and the audit chain are as they were.
func TestHostileFilters(t *testing.T) {
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		f := packFixtureOn(t, dsn)
		before := f.do(t, "dina", "GET", "/api/v1/breaches?period=2026-06&asof=2026-07-01", "", "").body
		paths := []string{
			"/api/v1/scores?period=%s", "/api/v1/scores?period=2026-06&kind=%s", "/api/v1/breaches?period=2026-06&unit=%s",
			"/api/v1/breaches?period=2026-06&milestone=%s", "/api/v1/cases/%s", "/api/v1/units/%s/scores?period=2026-06",
			"/api/v1/units/%s/explain?period=2026-06", "/api/v1/appeals?state=%s", "/api/v1/appeals?unit=%s",
			"/api/v1/findings?unit=%s", "/api/v1/audit?actor=%s", "/api/v1/audit?action=%s", "/api/v1/cadres/%s?period=2026-06",
			"/api/v1/matrix?period=2026-06&lang=%s", "/api/v1/exports/%s", "/api/v1/exports/unit.xlsx?period=2026-06&unit=%s",
			"/open311/v2/requests.json?service_code=%s", "/open311/v2/requests.json?service_request_id=%s",
			"/open311/v2/requests.json?status=%s", "/open311/v2/requests/%s.json",
		}
		for _, p := range paths {
			for _, bad := range injections {
				path := strings.Replace(p, "%s", url.PathEscape(bad), 1)
				if strings.Contains(p, "?") && strings.Index(p, "%s") > strings.Index(p, "?") {
					path = strings.Replace(p, "%s", url.QueryEscape(bad), 1)
				}
				for _, user := range []string{"dina", "olga", "sam"} {
					r := f.do(t, user, "GET", path, "", "")
					if r.status >= 500 {
						t.Errorf("%s %s: %d %.200s", user, path, r.status, r.body)
					}
					if r.status == 200 && strings.Contains(r.body, `"body"`) {
						t.Errorf("%s %s answered stored event bodies: %.200s", user, path, r.body)
					}
				}
			}
		}
		if after := f.do(t, "dina", "GET", "/api/v1/breaches?period=2026-06&asof=2026-07-01", "", "").body; after != before {
			t.Error("the breaches changed after the injections")
		}
		var verify struct{ Intact bool }
		if r := f.do(t, "dina", "GET", "/api/v1/audit/verify", "", ""); json.Unmarshal([]byte(r.body), &verify) != nil || !verify.Intact {
			t.Errorf("audit verify after the injections: %s", r.body)
		}
	})
}

// TestHostilePaths: traversal in export, Open311 and static file names
// reaches no file; another unit's case and codes answer exactly as ones
// that do not exist; a revoked token is refused when replayed.
func TestHostilePaths(t *testing.T) {
	f := packFixture(t)
	for _, path := range []string{
		"/api/v1/exports/..%2F..%2Fgo.mod", "/api/v1/exports/..%2Fstore%2Ftestdata%2Fworked.ndjson", "/api/v1/exports/%2Fetc%2Fpasswd",
		"/open311/v2/requests/..%2F..%2Fgo.mod", "/static/..%2F..%2Fgo.mod", "/static/../../go.mod", "/api/v1/../../go.mod",
	} {
		r := f.do(t, "dina", "GET", path, "", "")
		if r.status == 200 || strings.Contains(r.body, "module frontline") || strings.Contains(r.body, "root:") {
			t.Errorf("%s: %d %.200s", path, r.status, r.body)
		}
	}
	// dan heads D1: W2 went to D2 only; W99 does not exist.
	other, missing := f.do(t, "dan", "GET", "/api/v1/cases/W2", "", ""), f.do(t, "dan", "GET", "/api/v1/cases/W99", "", "")
	if other.status != 404 || missing.status != 404 || strings.ReplaceAll(other.body, "W2", "X") != strings.ReplaceAll(missing.body, "W99", "X") {
		t.Errorf("another unit's case %d %s; a missing one %d %s", other.status, other.body, missing.status, missing.body)
	}
	for _, path := range []string{"/api/v1/units/D2/scores?period=2026-06", "/api/v1/units/D2/explain?period=2026-06",
		"/api/v1/exports/unit.xlsx?period=2026-06&unit=D2", "/open311/v2/requests/W2.json"} {
		if r := f.do(t, "dan", "GET", path, "", ""); r.status != 404 && r.status != 403 {
			t.Errorf("dan reads %s: %d", path, r.status)
		}
	}
	// A revoked token replayed.
	if r := f.do(t, "ada", "DELETE", "/api/v1/users/sam/tokens", "", ""); r.status != 200 {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	replay := f.do(t, "sam", "GET", "/api/v1/scores?period=2026-06", "", "")
	if replay.status != 401 {
		t.Errorf("a revoked token replayed: %d", replay.status)
	}
}

// TestHostileBodies: a body over the limit is refused with 413 and
// stores nothing; a client that sends its headers or body too slowly is
// cut off by the server's timeouts.
func TestHostileBodies(t *testing.T) {
	dsn := storetest.SQLite(t)
	f := newFixture(t, dsn, Config{MaxEventBytes: 4096})
	big := strings.Repeat(`{"id":"E1","case":"C1","type":"closed","at":"2026-06-01T09:00:00Z"}`+"\n", 200)
	if r := f.do(t, "bot", "POST", "/api/v1/events", "application/x-ndjson", big); r.status != 413 {
		t.Errorf("a body over the limit: %d %.200s", r.status, r.body)
	}
	if _, err := f.db.Case(t.Context(), "C1"); err == nil {
		t.Error("a refused body stored its events")
	}

	// The real server's limits, with short timeouts.
	srv := New(service.New(f.db, nil, nil), nil, nil, Config{})
	t.Cleanup(srv.Close)
	hs := srv.HTTPServer(Timeouts{Header: 300 * time.Millisecond, Body: 300 * time.Millisecond, Idle: time.Second}, log.New(io.Discard, "", 0))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	for name, send := range map[string]string{
		"headers": "GET /healthz HTTP/1.1\r\nHost: x\r\n",                                                     // never ends its headers
		"body":    "POST /api/v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + `{"id":"E1"`, // never ends its body
	} {
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		io.WriteString(conn, send)
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err = bufio.NewReader(conn).ReadString('\n') // the server closes, or answers and closes
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Errorf("a slow client's %s held the connection for 5 s", name)
		}
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("a slow client's %s was cut off after %v", name, took)
		}
		conn.Close()
	}
	if hs.MaxHeaderBytes != 64<<10 || hs.ReadHeaderTimeout == 0 || hs.ReadTimeout == 0 {
		t.Errorf("server limits %+v", hs)
	}
}
