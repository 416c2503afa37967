package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"frontline/api/auth"
	"frontline/audit"
	"frontline/rbac"
	"frontline/store"
	"frontline/store/storetest"
)

// session is a signed-in browser: its cookie and anti-forgery token.
type session struct{ cookie, csrf string }

func (s session) headers(csrf bool) map[string]string {
	h := map[string]string{"Cookie": SessionCookie + "=" + s.cookie}
	if csrf {
		h[CSRFHeader] = s.csrf
	}
	return h
}

func (f *fixture) login(t *testing.T, name, password string) (reply, session) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"name": name, "password": password})
	r := f.send(t, "POST", "/api/v1/login", map[string]string{"Content-Type": "application/json"}, string(body))
	var s session
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == SessionCookie {
			s.cookie = c.Value
		}
	}
	var b SessionBody
	json.Unmarshal([]byte(r.body), &b)
	s.csrf = b.CSRFToken
	return r, s
}

func setPassword(t *testing.T, db *store.DB, name, password string) {
	t.Helper()
	hash, err := rbac.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetPassword(context.Background(), name, hash); err != nil {
		t.Fatal(err)
	}
}

func auditActions(t *testing.T, db *store.DB, action string) []audit.Entry {
	t.Helper()
	var out []audit.Entry
	err := db.AuditEntries(context.Background(), store.AuditFilter{Action: action}, func(e audit.Entry) error {
		out = append(out, e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestLogin signs in with a password: a session cookie, anti-forgery
// tokens on changes, sign-out, sessions ended by a new password, and
// failed sign-ins limited per user and per address and audited.
func TestLogin(t *testing.T) {
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn, Config{Config: auth.Config{LoginsPerUser: 3, LoginsPerAddress: 7}})
		setPassword(t, f.db, "dan", "dan's long password")
		setPassword(t, f.db, "sam", "sam's long password")

		r, dan := f.login(t, "dan", "dan's long password")
		cookie := r.header.Get("Set-Cookie")
		if r.status != 200 || dan.cookie == "" || dan.csrf == "" || r.header.Get("Cache-Control") != "no-store" {
			t.Fatalf("dan signs in: %d %s %q", r.status, r.body, cookie)
		}
		for _, want := range []string{"HttpOnly", "SameSite=Strict", "Path=/"} {
			if !strings.Contains(cookie, want) {
				t.Errorf("session cookie %q lacks %s", cookie, want)
			}
		}
		if r := f.send(t, "GET", "/api/v1/session", dan.headers(false), ""); r.status != 200 || !strings.Contains(r.body, `"name":"dan"`) ||
			!strings.Contains(r.body, dan.csrf) {
			t.Errorf("dan's session: %d %s", r.status, r.body)
		}
		if r := f.send(t, "GET", "/api/v1/registry", dan.headers(false), ""); r.status != 200 {
			t.Errorf("a read with the cookie: %d %s", r.status, r.body)
		}
		// A change needs the session's token; a forged one or none is refused.
		r = f.send(t, "POST", "/api/v1/appeals", dan.headers(false), `{}`)
		if _, detail := r.problem(t); r.status != 403 || !strings.Contains(detail, CSRFHeader) {
			t.Errorf("a change without the anti-forgery token: %d %q", r.status, detail)
		}
		forged := dan.headers(false)
		forged[CSRFHeader] = rbac.CSRFToken("another session")
		if r := f.send(t, "POST", "/api/v1/appeals", forged, `{}`); r.status != 403 {
			t.Errorf("a forged anti-forgery token: %d", r.status)
		}
		if r := f.send(t, "POST", "/api/v1/appeals", dan.headers(true), `{}`); r.status != 422 {
			t.Errorf("a change with the token reaches validation: %d %s", r.status, r.body)
		}
		// A browser's cross-site request is refused whatever it carries.
		cross := dan.headers(true)
		cross["Sec-Fetch-Site"] = "cross-site"
		if r := f.send(t, "POST", "/api/v1/appeals", cross, `{}`); r.status != 403 {
			t.Errorf("a cross-site change: %d", r.status)
		}
		if r := f.send(t, "POST", "/api/v1/logout", dan.headers(true), ""); r.status != 204 || !strings.Contains(r.header.Get("Set-Cookie"), "Max-Age=0") {
			t.Errorf("sign out: %d %q", r.status, r.header.Get("Set-Cookie"))
		}
		if r := f.send(t, "GET", "/api/v1/session", dan.headers(false), ""); r.status != 401 {
			t.Errorf("the ended session still reads: %d", r.status)
		}
		if r := f.send(t, "GET", "/api/v1/session", map[string]string{"Cookie": SessionCookie + "=made-up"}, ""); r.status != 401 {
			t.Errorf("a made-up session: %d", r.status)
		}

		// A new password ends the sessions of the old one.
		_, dan = f.login(t, "dan", "dan's long password")
		r = f.do(t, "ada", "POST", "/api/v1/users/dan/password", "", "")
		var cred struct{ Password string }
		json.Unmarshal([]byte(r.body), &cred)
		if r.status != 201 || cred.Password == "" {
			t.Fatalf("a new password for dan: %d %s", r.status, r.body)
		}
		if r := f.send(t, "GET", "/api/v1/session", dan.headers(false), ""); r.status != 401 {
			t.Errorf("a session outlives a new password: %d", r.status)
		}
		if r, _ := f.login(t, "dan", cred.Password); r.status != 200 {
			t.Errorf("dan signs in with the new password: %d %s", r.status, r.body)
		}
		if r := f.do(t, "olga", "POST", "/api/v1/users/dan/password", "", ""); r.status != 403 {
			t.Errorf("the assessor resets a password: %d", r.status)
		}

		// Wrong passwords: three per user, then 429 with Retry-After even
		// for the right one; each failure audited, without the address.
		for i := range 3 {
			r, _ := f.login(t, "sam", "guess")
			if _, detail := r.problem(t); r.status != 401 || detail != "sign in: wrong user name or password" {
				t.Errorf("wrong password %d: %d %q", i+1, r.status, detail)
			}
		}
		r, _ = f.login(t, "sam", "sam's long password")
		if title, detail := r.problem(t); r.status != 429 || r.header.Get("Retry-After") != "900" || title != "Too Many Requests" ||
			!strings.Contains(detail, "try again in 900 s") {
			t.Errorf("the fourth attempt: %d, Retry-After %q, problem %q %q", r.status, r.header.Get("Retry-After"), title, detail)
		}
		failed := auditActions(t, f.db, "login.failed")
		if len(failed) != 3 || failed[0].Object != "sam" || failed[0].Actor != "anonymous" ||
			!strings.Contains(failed[0].Details, `"address":"n1:`) || strings.Contains(failed[0].Details, "127.0.0.1") ||
			!strings.Contains(failed[2].Details, `"locked_user":true`) {
			t.Errorf("failed sign-ins audited as %+v", failed)
		}
		// An unknown name is answered alike and audited without the name.
		r, _ = f.login(t, "correct horse battery", "x")
		if _, detail := r.problem(t); r.status != 401 || detail != "sign in: wrong user name or password" {
			t.Errorf("an unknown user: %d %q", r.status, detail)
		}
		if failed := auditActions(t, f.db, "login.failed"); failed[len(failed)-1].Object != "unknown user" {
			t.Errorf("an unknown name reached the audit log: %+v", failed[len(failed)-1])
		}
		// Seven failures from one address lock it for every user.
		f.login(t, "olga", "x")
		f.login(t, "olga", "y")
		f.login(t, "dina", "z")
		if r, _ := f.login(t, "dan", cred.Password); r.status != 429 {
			t.Errorf("an address past its limit: %d", r.status)
		}
		if n := len(auditActions(t, f.db, "login")); n != 3 {
			t.Errorf("%d successful sign-ins audited, want 3", n)
		}
		if r := f.do(t, "ada", "GET", "/metrics", "", ""); !strings.Contains(r.body, `frontline_logins_total{outcome="limited"} 2`) {
			t.Errorf("metrics lack the limited sign-ins")
		}

		// Disabling a user revokes their tokens.
		if r := f.do(t, "ada", "PATCH", "/api/v1/users/sam", "application/json", `{"disabled":true}`); r.status != 200 || !strings.Contains(r.body, `"disabled":true`) {
			t.Errorf("disable sam: %d %s", r.status, r.body)
		}
		if r := f.do(t, "sam", "GET", "/api/v1/registry", "", ""); r.status != 401 {
			t.Errorf("a disabled user's token: %d", r.status)
		}
	})
}

// TestRegistryAdministration reads the registry per role and loads a
// registry file over HTTP.
func TestRegistryAdministration(t *testing.T) {
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn, Config{})
		read := func(user string) (int, struct {
			Units  []struct{ Code string }
			Cadres []struct{ ID string }
		}) {
			r := f.do(t, user, "GET", "/api/v1/registry", "", "")
			var reg struct {
				Units  []struct{ Code string }
				Cadres []struct{ ID string }
			}
			json.Unmarshal([]byte(r.body), &reg)
			return r.status, reg
		}
		if status, reg := read("sam"); status != 200 || len(reg.Units) < 4 || reg.Cadres == nil || len(reg.Cadres) != 0 {
			t.Errorf("sam reads the registry: %d %+v (units, no cadres)", status, reg)
		}
		if status, reg := read("olga"); status != 200 || len(reg.Cadres) != 2 {
			t.Errorf("olga reads the registry: %d %+v (with cadres)", status, reg)
		}
		if r := f.do(t, "olga", "GET", "/api/v1/registry?kind=galaxy", "", ""); r.status != 422 {
			t.Errorf("a bad kind: %d", r.status)
		}

		yaml := "units:\n  - {code: S9, kind: street, name: {zh: 新街道, en: New Street}}\n"
		r := f.do(t, "ada", "POST", "/api/v1/registry", "application/yaml", yaml)
		if r.status != 200 || !strings.Contains(r.body, `"units":{"added":1`) {
			t.Fatalf("ada loads a registry file: %d %s", r.status, r.body)
		}
		if _, reg := read("dan"); !strings.Contains(r.body, "released") || !func() bool {
			for _, u := range reg.Units {
				if u.Code == "S9" {
					return true
				}
			}
			return false
		}() {
			t.Errorf("S9 not in the registry after loading: %+v", reg)
		}
		if r := f.do(t, "olga", "POST", "/api/v1/registry", "application/yaml", yaml); r.status != 403 {
			t.Errorf("the assessor loads the registry: %d", r.status)
		}
		r = f.do(t, "ada", "POST", "/api/v1/registry", "application/yaml", "units:\n  - {code: S8, kind: galaxy, name: {zh: 甲}}\n")
		if _, detail := r.problem(t); r.status != 422 || !strings.Contains(detail, "line 2") || !strings.Contains(detail, "kind") {
			t.Errorf("a bad registry file: %d %q", r.status, detail)
		}
		if r := f.do(t, "ada", "POST", "/api/v1/registry", "text/plain", yaml); r.status != 415 {
			t.Errorf("a registry as text/plain: %d", r.status)
		}
		csv := "record,code,kind,parent,name_zh,name_en\nunit,S7,street,,七街道,\n"
		if r := f.do(t, "ada", "POST", "/api/v1/registry", "text/csv", csv); r.status != 200 {
			t.Errorf("a CSV registry: %d %s", r.status, r.body)
		}
		if n := len(auditActions(t, f.db, "registry.load")); n != 2 {
			t.Errorf("%d registry loads audited, want 2", n)
		}
	})
}

// TestBackgroundRefresh: with RefreshEvery set, ingest leaves the kept
// scores to a background refresh; reads meanwhile are current anyway.
func TestBackgroundRefresh(t *testing.T) {
	worked, err := os.ReadFile("../store/testdata/worked.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn, Config{RefreshEvery: 20 * time.Millisecond})
		if r := f.do(t, "bot", "POST", "/api/v1/events", "application/x-ndjson", string(worked)); r.status != 200 {
			t.Fatalf("post events: %d %s", r.status, r.body)
		}
		// Current at once, whether or not the refresh has run.
		r := f.do(t, "dan", "GET", "/api/v1/units/D1/scores?period=2026-06", "", "")
		if r.status != 200 || !strings.Contains(r.body, `"unit":"D1"`) {
			t.Errorf("D1's scores right after ingest: %d %s", r.status, r.body)
		}
		ctx := context.Background()
		deadline := time.Now().Add(10 * time.Second)
		for {
			cp, _, err := f.db.CachedScores(ctx, "2026-06", "")
			if err == nil && !cp.Stale {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("kept scores of June not refreshed in the background: %+v %v", cp, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// TestTrackPage: the resident's progress page answers the case's access
// code with milestones and times only, answers a wrong code like a
// missing case, and limits guessing.
func TestTrackPage(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), Config{Config: auth.Config{LoginsPerUser: 3, LoginsPerAddress: 20}})
	events := `{"id":"T-1","case":"T1","type":"opened","at":"2026-06-01T09:00:00+08:00","category":"garbage","street":"S1","reporter":"13800000000","access_code":"K7Q2-9XZ"}
{"id":"T-2","case":"T1","type":"dispatched","at":"2026-06-01T09:05:00+08:00","unit":"D1","by":"S1","note":"internal: caller is difficult"}
{"id":"T-3","case":"T1","type":"responded","at":"2026-06-01T09:10:00+08:00","unit":"D1"}`
	if r := f.do(t, "bot", "POST", "/api/v1/events", "application/x-ndjson", events); r.status != 200 || !strings.Contains(r.body, `"accepted":3`) {
		t.Fatalf("post events: %d %s", r.status, r.body)
	}
	track := func(id, code string) reply {
		t.Helper()
		return f.send(t, "POST", "/track", map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "zh-CN"},
			"case="+id+"&code="+code)
	}
	r := track("T1", "K7Q2-9XZ")
	if r.status != 200 || strings.Count(r.body, "<li>") != 3 || !strings.Contains(r.body, "2026-06-01 09:10") {
		t.Errorf("the right code: %d\n%s", r.status, r.body)
	}
	for _, secret := range []string{"13800000000", "caller is difficult", "K7Q2-9XZ", "D1"} {
		if strings.Contains(r.body, secret) {
			t.Errorf("the progress page shows %q", secret)
		}
	}
	// In a resident's words, with the time by which it should be settled
	// (garbage: four hours from dispatch), said to be past.
	for _, words := range []string{"已受理", "已派单", "处理中：承办单位已接单", "应于 2026-06-01 13:05 前办结，现已超时"} {
		if !strings.Contains(r.body, words) {
			t.Errorf("the progress page lacks %q:\n%s", words, r.body)
		}
	}
	// The number and code as a resident may type them.
	for _, typed := range [][2]string{{"t1", "K7Q2-9XZ"}, {" T 1 ", "k7q2-9xz"}, {"t1", " K7Q2 -9XZ"}} {
		if r := track(url.QueryEscape(typed[0]), url.QueryEscape(typed[1])); r.status != 200 || strings.Count(r.body, "<li>") != 3 {
			t.Errorf("case %q with code %q: %d", typed[0], typed[1], r.status)
		}
	}
	wrong, missing := track("T1", "guess"), track("T9", "guess")
	if wrong.status != 404 || missing.status != 404 || !strings.Contains(wrong.body, "不正确") || strings.Contains(wrong.body, "<li>") {
		t.Errorf("a wrong code %d, a missing case %d", wrong.status, missing.status)
	}
	for i := range 5 { // six wrong codes for T1 in all: twice the sign-in limit
		track("T1", fmt.Sprint("guess", i))
	}
	if r := track("T1", "K7Q2-9XZ"); r.status != 429 || r.header.Get("Retry-After") == "" {
		t.Errorf("after six wrong codes for the case: %d", r.status)
	}
	// The deployment's language for every visitor, whatever the browser
	// prefers; the switch chooses another.
	if r := f.send(t, "GET", "/track", map[string]string{"Accept-Language": "en-US,en;q=0.9"}, ""); r.status != 200 || strings.Contains(r.body, "Track a case") {
		t.Errorf("an English browser in a Chinese deployment: %d, in English", r.status)
	}
	if r := f.send(t, "GET", "/track?lang=en", nil, ""); r.status != 200 || !strings.Contains(r.body, "Track a case") {
		t.Errorf("the page in English by the switch: %d", r.status)
	}

	// The signed-in pages: without a session, the sign-in form; a form
	// posted without the session's token is refused.
	if r := f.send(t, "GET", "/units/D1", nil, ""); r.status != 200 || !strings.Contains(r.body, `name="password"`) || !strings.Contains(r.body, `value="/units/D1"`) {
		t.Errorf("a page without a session: %d", r.status)
	}
	setPassword(t, f.db, "dan", "dan's long password")
	_, dan := f.login(t, "dan", "dan's long password")
	form := map[string]string{"Cookie": SessionCookie + "=" + dan.cookie, "Content-Type": "application/x-www-form-urlencoded"}
	if r := f.send(t, "POST", "/logout", form, "csrf_token=forged"); r.status != 403 {
		t.Errorf("sign-out without the session's token: %d", r.status)
	}
	if r := f.send(t, "GET", "/units/D1?period=2026-06", map[string]string{"Cookie": SessionCookie + "=" + dan.cookie}, ""); r.status != 200 ||
		!strings.Contains(r.body, `id="score"`) || r.header.Get("Content-Security-Policy") == "" {
		t.Errorf("dan's page with the session: %d", r.status)
	}
}

// TestPagesEscapeHostileNames: a unit named with markup shows as text.
func TestPagesEscapeHostileNames(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), Config{})
	reg := "units:\n  - {code: D1, kind: department, name: {zh: \"<script>alert(1)</script>局\", en: \"<img src=x onerror=alert(1)>\"}}\n"
	if r := f.do(t, "ada", "POST", "/api/v1/registry", "application/yaml", reg); r.status != 200 {
		t.Fatalf("load the hostile name: %d %s", r.status, r.body)
	}
	worked, err := os.ReadFile("../store/testdata/worked.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	f.do(t, "bot", "POST", "/api/v1/events", "application/x-ndjson", string(worked))
	setPassword(t, f.db, "dan", "dan's long password")
	_, dan := f.login(t, "dan", "dan's long password")
	for _, lang := range []string{"zh", "en"} {
		r := f.send(t, "GET", "/units/D1?period=2026-06&lang="+lang, map[string]string{"Cookie": SessionCookie + "=" + dan.cookie}, "")
		if r.status != 200 || strings.Contains(r.body, "<script>alert") || strings.Contains(r.body, "<img src=x") ||
			!strings.Contains(r.body, "&lt;") {
			t.Errorf("%s page with a hostile name: %d, escaped: %v", lang, r.status, strings.Contains(r.body, "&lt;"))
		}
	}
}

// loginFrom signs in from a loopback address of its own (127.0.0.2…), as
// a person at another machine would, and returns the status.
func (f *fixture) loginFrom(t *testing.T, addr, name, password string) int {
	t.Helper()
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(addr)}}
	client := &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}}
	body, _ := json.Marshal(map[string]string{"name": name, "password": password})
	res, err := client.Post(f.url+"/api/v1/login", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	io.Copy(io.Discard, res.Body)
	return res.StatusCode
}

// TestGuesserCannotLockOutTheOwner, on both engines: someone guessing a
// user's password from one address soon waits, and then that address is
// locked, while the owner at their own address signs in all along. Past
// a user's ceiling (guesses from many addresses) the name is locked for
// everyone, until an admin lifts the lock, which is audited.
func TestGuesserCannotLockOutTheOwner(t *testing.T) {
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn, Config{Config: auth.Config{LoginsPerUser: 12}})
		setPassword(t, f.db, "olga", "olga's long password")
		limited := 0
		for range 30 {
			switch f.loginFrom(t, "127.0.0.2", "olga", "guess") {
			case 429:
				limited++
			case 401:
			default:
				t.Fatal("a guess answered neither 401 nor 429")
			}
		}
		if limited < 20 {
			t.Errorf("%d of 30 quick guesses from one address limited, want most", limited)
		}
		if code := f.loginFrom(t, "127.0.0.3", "olga", "olga's long password"); code != 200 {
			t.Errorf("the owner, at their own address, while the guesser is locked: %d", code)
		}

		// Guesses from many addresses reach the name's ceiling (12 here).
		for i := range 4 {
			for range 3 {
				f.loginFrom(t, fmt.Sprintf("127.0.1.%d", i+1), "olga", "guess")
			}
		}
		if code := f.loginFrom(t, "127.0.0.3", "olga", "olga's long password"); code != 429 {
			t.Errorf("past the name's ceiling: %d, want 429", code)
		}
		if r := f.do(t, "olga", "DELETE", "/api/v1/users/olga/lock", "", ""); r.status != 403 {
			t.Errorf("a user lifting their own lock: %d", r.status)
		}
		if r := f.do(t, "ada", "DELETE", "/api/v1/users/olga/lock", "", ""); r.status != 204 {
			t.Errorf("the admin lifts the lock: %d %s", r.status, r.body)
		}
		if code := f.loginFrom(t, "127.0.0.3", "olga", "olga's long password"); code != 200 {
			t.Errorf("after the admin lifted the lock: %d", code)
		}
		if r := f.do(t, "ada", "DELETE", "/api/v1/users/nobody/lock", "", ""); r.status != 404 {
			t.Errorf("lifting the lock of no user: %d", r.status)
		}
		if n := len(auditActions(t, f.db, "user.unlock")); n != 1 {
			t.Errorf("%d lifted locks audited, want 1", n)
		}
	})
}

// TestGuesserCannotLockOutTheResident: guessing a case's access code
// from one address soon waits there, while the resident at their own
// address follows their case all along.
func TestGuesserCannotLockOutTheResident(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), Config{})
	events := `{"id":"T-1","case":"T1","type":"opened","at":"2026-06-01T09:00:00+08:00","category":"garbage","street":"S1","access_code":"K7Q2-9XZ"}`
	if r := f.do(t, "bot", "POST", "/api/v1/events", "application/x-ndjson", events); r.status != 200 {
		t.Fatalf("post events: %d %s", r.status, r.body)
	}
	track := func(addr, code string) int {
		dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(addr)}}
		client := &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}}
		res, err := client.PostForm(f.url+"/track", url.Values{"case": {"T1"}, "code": {code}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	limited := 0
	for i := range 15 {
		if track("127.0.0.2", fmt.Sprint("guess", i)) == 429 {
			limited++
		}
	}
	if limited < 8 {
		t.Errorf("%d of 15 quick guesses limited", limited)
	}
	if code := track("127.0.0.3", "K7Q2-9XZ"); code != 200 {
		t.Errorf("the resident, at their own address, while the guesser is limited: %d", code)
	}
}
