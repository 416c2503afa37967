package api

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"frontline/formats"
	"frontline/store"
	"frontline/store/storetest"
)

// pgProxy stands between Frontline and PostgreSQL, so that a test can
// take the database away (every connection cut, new ones refused) and
// bring it back on the same address, as a restart does, without
// touching the server other tests use.
type pgProxy struct {
	t      *testing.T
	addr   string // the proxy's address
	target string // PostgreSQL's
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newPGProxy(t *testing.T, target string) *pgProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &pgProxy{t: t, addr: ln.Addr().String(), target: target}
	p.serve(ln)
	t.Cleanup(p.down)
	return p
}

func (p *pgProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
}

// down cuts every connection and refuses new ones.
func (p *pgProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// up listens again on the same address.
func (p *pgProxy) up() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.serve(ln)
}

// TestDatabaseOutage: with PostgreSQL gone while the server runs, reads
// and writes fail cleanly with 503 and Retry-After, quickly; once it is
// back, the same server answers again, without a restart, and what was
// posted after the outage is stored.
func TestDatabaseOutage(t *testing.T) {
	base := os.Getenv(storetest.PostgresEnv)
	if base == "" {
		t.Skip(storetest.PostgresEnv + " is not set")
	}
	dsn := storetest.Postgres(t, base)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newPGProxy(t, u.Host)
	u.Host = proxy.addr
	q := u.Query()
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()
	f := packFixtureOn(t, u.String())
	if r := f.do(t, "olga", "GET", "/api/v1/scores?period=2026-06", "", ""); r.status != 200 {
		t.Fatalf("before the outage: %d %s", r.status, r.body)
	}

	proxy.down()
	event := `{"id":"OUT-1","case":"W1","type":"reported","at":"2026-06-20T10:00:00+08:00","unit":"D1"}` + "\n"
	for _, c := range []struct{ user, method, path, body string }{
		{"olga", "GET", "/api/v1/scores?period=2026-05", ""}, // a month not kept in memory
		{"dina", "GET", "/api/v1/cases/W2", ""},
		{"bot", "POST", "/api/v1/events", event},
		{"olga", "GET", "/api/v1/exports/meeting.xlsx?period=2026-06", ""},
	} {
		start := time.Now()
		r := f.do(t, c.user, c.method, c.path, "application/x-ndjson", c.body)
		if r.status != 503 || r.header.Get("Retry-After") == "" {
			t.Errorf("during the outage %s %s: %d %.200s (Retry-After %q)", c.method, c.path, r.status, r.body, r.header.Get("Retry-After"))
		}
		if took := time.Since(start); took > 10*time.Second {
			t.Errorf("during the outage %s %s took %v", c.method, c.path, took)
		}
	}

	proxy.up()
	var r reply
	for range 20 { // the pool finds its cut connections bad and dials again
		if r = f.do(t, "bot", "POST", "/api/v1/events", "application/x-ndjson", event); r.status == 200 {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if r.status != 200 || !strings.Contains(r.body, `"accepted":1`) {
		t.Fatalf("after the outage, posting: %d %s", r.status, r.body)
	}
	for _, path := range []string{"/api/v1/scores?period=2026-06", "/api/v1/cases/W1", "/api/v1/audit/verify"} {
		if r := f.do(t, "dina", "GET", path, "", ""); r.status != 200 && !(path == "/api/v1/scores?period=2026-06" && r.status == 403) {
			t.Errorf("after the outage %s: %d %.200s", path, r.status, r.body)
		}
	}
}

// TestSQLiteDiskFull fills the disk under a serving SQLite database. A
// post that no longer fits answers 503 with a reason and Retry-After and
// stores nothing of itself; reads go on; once the disk has room the same
// post is stored whole, without a restart, and the file and the audit
// chain are intact.
func TestSQLiteDiskFull(t *testing.T) {
	disk := storetest.SmallDisk(t, "4m")
	dsn := filepath.Join(disk.Dir, "frontline.db")
	f := packFixtureOn(t, dsn)
	batch := func(n int) string { return reports(fmt.Sprintf("FULL-%d", n), 3000) }
	var full reply
	var body string
	for n := range 100 {
		body = batch(n)
		if full = f.do(t, "bot", "POST", "/api/v1/events", "application/x-ndjson", body); full.status != 200 {
			break
		}
	}
	if full.status != 503 || full.header.Get("Retry-After") == "" || !strings.Contains(full.body, "disk is full") {
		t.Fatalf("posting onto a full disk: %d %.300s (Retry-After %q)", full.status, full.body, full.header.Get("Retry-After"))
	}
	for _, c := range []struct{ user, path string }{{"olga", "/api/v1/scores?period=2026-06"}, {"dina", "/api/v1/cases/W1"}, {"dina", "/api/v1/audit/verify"}} {
		if r := f.do(t, c.user, "GET", c.path, "", ""); r.status != 200 {
			t.Errorf("reading while the disk is full, %s: %d %.200s", c.path, r.status, r.body)
		}
	}

	disk.Remount("size=64m")
	if r := f.do(t, "bot", "POST", "/api/v1/events", "application/x-ndjson", body); r.status != 200 || !strings.Contains(r.body, `"accepted":3000`) {
		t.Fatalf("the refused post once the disk has room: %d %.300s", r.status, r.body)
	}
	if r := f.do(t, "dina", "GET", "/api/v1/audit/verify", "", ""); r.status != 200 || !strings.Contains(r.body, `"intact":true`) {
		t.Errorf("audit verify after the full disk: %d %.300s", r.status, r.body)
	}
	storetest.SQLiteIntegrity(t, dsn)
}

// reports is n NDJSON events, each reporting a case of its own, their ids
// and cases made from prefix.
func reports(prefix string, n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"id":"%s-%d","case":"%s-%d","type":"reported","at":"2026-06-20T10:00:00+08:00","unit":"S1","category":"road"}`+"\n", prefix, i, prefix, i)
	}
	return b.String()
}

// TestSQLiteDiskFails serves a SQLite database from an ext4 file system
// that fails under it and turns read-only, as a server's disk does on an
// error. A post answers 503 with the reason and stores nothing of itself;
// reads go on. After the operator's repair (e2fsck) the file checks
// whole and holds every event accepted before the failure.
func TestSQLiteDiskFails(t *testing.T) {
	disk := storetest.FailingDisk(t, "64m")
	dsn := filepath.Join(disk.Dir, "frontline.db")
	f := packFixtureOn(t, dsn)
	post := func(n int) reply {
		return f.do(t, "bot", "POST", "/api/v1/events", "application/x-ndjson", reports(fmt.Sprintf("FAIL-%d", n), 500))
	}
	if r := post(1); r.status != 200 || !strings.Contains(r.body, `"accepted":500`) {
		t.Fatalf("before the failure: %d %.300s", r.status, r.body)
	}
	before := storetest.SQLiteEvents(t, dsn)
	setPassword(t, f.db, "dina", "dina's long password")
	_, dina := f.login(t, "dina", "dina's long password")

	disk.Fail()
	r := post(2)
	if r.status != 503 || r.header.Get("Retry-After") == "" || !strings.Contains(r.body, "nothing of this request was stored") {
		t.Fatalf("posting onto the failed disk: %d %.300s (Retry-After %q)", r.status, r.body, r.header.Get("Retry-After"))
	}
	if r := f.do(t, "olga", "GET", "/api/v1/scores?period=2026-06", "", ""); r.status != 200 {
		t.Errorf("reading scores from the failed disk: %d %.200s", r.status, r.body)
	}
	// An inspector's read of a case is audited: with no audit entry, no read.
	if r := f.do(t, "dina", "GET", "/api/v1/cases/W1", "", ""); r.status != 503 {
		t.Errorf("reading a case, whose audit entry cannot be written: %d %.200s", r.status, r.body)
	}
	// The dashboard says the same in the reader's language, and when to come back.
	if r := f.send(t, "GET", "/cases/W1", dina.headers(false), ""); r.status != 503 || r.header.Get("Retry-After") == "" ||
		!strings.Contains(r.body, "数据库所在磁盘出错") || !strings.Contains(r.body, "暂时不可用") {
		t.Errorf("the case page on the failed disk: %d %.2000s (Retry-After %q)", r.status, r.body, r.header.Get("Retry-After"))
	}

	// The operator stops Frontline, repairs the file system and looks.
	f.db.Close()
	disk.Repair()
	storetest.SQLiteIntegrity(t, dsn)
	if after := storetest.SQLiteEvents(t, dsn); after != before {
		t.Errorf("after the repair the database holds %d events, want the %d stored before the failure", after, before)
	}
	db, err := store.Open(context.Background(), dsn, store.WithPolicyFormat(formats.ParsePolicies))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, _, problem, err := db.VerifyAudit(context.Background(), nil); err != nil || problem != nil {
		t.Errorf("audit chain after the repair: %v %v", problem, err)
	}
}
