package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"frontline/evaluation"
	"frontline/formats"
	"frontline/ingest"
	"frontline/rbac"
	"frontline/service"
	"frontline/store"
	"frontline/store/storetest"
)

// testNow is after the worked example's June.
var testNow = time.Date(2027, 1, 15, 4, 0, 0, 0, time.UTC)

// fixture is a served database with a user per role and their tokens.
type fixture struct {
	url    string
	tokens map[string]string
	db     *store.DB
	srv    *Server
}

func newFixture(t *testing.T, dsn string, cfg Config) *fixture {
	t.Helper()
	return newFixtureAt(t, dsn, cfg, func() time.Time { return testNow })
}

// newFixtureAt serves the fixture with its own clock.
func newFixtureAt(t testing.TB, dsn string, cfg Config, now func() time.Time) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, store.WithPolicyFormat(formats.ParsePolicies), store.WithClock(now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f, err := os.Open("../store/testdata/registry.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	reg, err := formats.ParseRegistry(f, formats.RegistryFormat("registry.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.LoadRegistry(ctx, reg, store.OriginRegistry); err != nil {
		t.Fatal(err)
	}
	bodies, err := formats.ParseRegistry(strings.NewReader("units:\n  - {code: ORG, kind: department, name: {zh: 组织部}}\n  - {code: DIS, kind: department, name: {zh: 纪委监委}}\n"),
		"yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.LoadRegistry(ctx, bodies, store.OriginRegistry); err != nil {
		t.Fatal(err)
	}
	fx := &fixture{tokens: map[string]string{}, db: db}
	for _, u := range []rbac.User{{Name: "ada", Role: rbac.Admin}, {Name: "olga", Role: rbac.OrgAssessor}, {Name: "dina", Role: rbac.DisciplineInspector},
		{Name: "sam", Role: rbac.StreetHead, Unit: "S1"}, {Name: "dan", Role: rbac.DeptHead, Unit: "D1"}, {Name: "bot", Role: rbac.Dispatch}} {
		if err := db.AddUser(ctx, u, ""); err != nil {
			t.Fatal(err)
		}
		token, id, hash := rbac.NewToken()
		if err := db.AddToken(ctx, u.Name, id, hash, testNow.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		fx.tokens[u.Name] = token
	}
	srv := New(service.New(db, evaluation.NewPseudonymizer([]byte("test key 0123456")), now), slog.New(slog.DiscardHandler), now, cfg)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	t.Cleanup(srv.Close)
	fx.url, fx.srv = ts.URL, srv
	return fx
}

type reply struct {
	status int
	header http.Header
	body   string
}

func (f *fixture) do(t *testing.T, user, method, path, contentType, body string) reply {
	t.Helper()
	h := map[string]string{}
	if user != "" {
		h["Authorization"] = "Bearer " + f.tokens[user]
	}
	if contentType != "" {
		h["Content-Type"] = contentType
	}
	return f.send(t, method, path, h, body)
}

// send makes a request with the given headers.
func (f *fixture) send(t *testing.T, method, path string, headers map[string]string, body string) reply {
	t.Helper()
	req, err := http.NewRequest(method, f.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	// The API's problems in English, as most of these tests read them;
	// TestProblemsSpeakTheCallersLanguage reads them in Chinese.
	req.Header.Set("Accept-Language", "en")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return reply{res.StatusCode, res.Header, string(b)}
}

func (r reply) problem(t *testing.T) (title, detail string) {
	t.Helper()
	if !strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json") {
		t.Errorf("error answered as %q, want application/problem+json: %s", r.header.Get("Content-Type"), r.body)
	}
	var p struct{ Title, Detail string }
	json.Unmarshal([]byte(r.body), &p)
	return p.Title, p.Detail
}

func TestAPI(t *testing.T) {
	worked, err := os.ReadFile("../store/testdata/worked.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn, Config{MaxEventBytes: 64 << 10})

		// Operations endpoints need no user.
		if r := f.do(t, "", "GET", "/healthz", "", ""); r.status != 200 || !strings.Contains(r.body, `"reachable"`) {
			t.Errorf("healthz: %d %s", r.status, r.body)
		}
		if r := f.do(t, "", "GET", "/openapi.json", "", ""); r.status != 200 || !strings.Contains(r.body, `"post-events"`) {
			t.Errorf("openapi.json: %d", r.status)
		}
		if r := f.do(t, "", "GET", "/docs", "", ""); r.status != 200 || !strings.Contains(r.body, "/api/v1/cases/{id}") || strings.Contains(r.body, "https://") {
			t.Errorf("docs: %d, or it loads something from the internet", r.status)
		}

		// Posting events: only the dispatch account, with a token.
		if r := f.do(t, "", "POST", "/api/v1/events", "application/x-ndjson", string(worked)); r.status != 401 {
			t.Errorf("no token: %d %s", r.status, r.body)
		} else if title, _ := r.problem(t); title != "Unauthorized" {
			t.Errorf("no token: title %q", title)
		}
		bad := map[string]string{"bot": "flt_000000000000_" + strings.Repeat("x", 43)}
		if r := (&fixture{url: f.url, tokens: bad}).do(t, "bot", "GET", "/api/v1/scores?period=2026-06", "", ""); r.status != 401 {
			t.Errorf("a forged token: %d", r.status)
		}
		if r := f.do(t, "sam", "POST", "/api/v1/events", "application/x-ndjson", string(worked)); r.status != 403 {
			t.Errorf("a street head posting events: %d %s", r.status, r.body)
		}
		body := string(worked) + `{"id":"X-1","case":"W9","type":"teleported","at":"2026-06-01T09:00:00+08:00"}` + "\n"
		r := f.do(t, "bot", "POST", "/api/v1/events", "application/x-ndjson", body)
		var sum struct {
			ingest.Summary
			RejectedLines []ingest.Reject `json:"rejected_lines"`
		}
		json.Unmarshal([]byte(r.body), &sum)
		if r.status != 200 || sum.Accepted != 16 || sum.Rejected != 1 || len(sum.RejectedLines) != 1 || sum.RejectedLines[0].Line != 17 || sum.RejectedLines[0].Field != "type" {
			t.Fatalf("post NDJSON: %d %s", r.status, r.body)
		}
		// A decision from the platform's account: that line refused, with its reason.
		forged := `{"id":"X-2","case":"W2","type":"supervised","at":"2026-06-24T11:00:00+08:00","unit":"S1","target":"D2","severity":"serious"}` + "\n" +
			`{"id":"X-3","case":"W2","type":"closed","at":"2026-06-24T12:00:00+08:00"}`
		r = f.do(t, "bot", "POST", "/api/v1/events", "application/x-ndjson", forged)
		sum.RejectedLines = nil
		json.Unmarshal([]byte(r.body), &sum)
		if r.status != 200 || sum.Accepted != 1 || sum.Rejected != 1 || len(sum.RejectedLines) != 1 || sum.RejectedLines[0].Line != 1 ||
			!strings.Contains(sum.RejectedLines[0].Reason, "supervised is a decision") {
			t.Errorf("dispatch posting a finding: %d %s", r.status, r.body)
		}
		array := "[" + strings.Join(strings.Split(strings.TrimSpace(string(worked)), "\n")[:3], ",") + "]"
		if r := f.do(t, "bot", "POST", "/api/v1/events", "application/json", array); r.status != 200 || !strings.Contains(r.body, `"duplicates":3`) {
			t.Errorf("post a JSON array again: %d %s", r.status, r.body)
		}
		if r := f.do(t, "bot", "POST", "/api/v1/events", "text/csv", "id,case\n"); r.status != 415 {
			t.Errorf("CSV body: %d", r.status)
		}
		if r := f.do(t, "bot", "POST", "/api/v1/events", "application/json", `{"id":1}`); r.status != 400 {
			t.Errorf("not an array: %d %s", r.status, r.body)
		}
		big := strings.Repeat(strings.TrimSpace(string(worked))+"\n", 40) // over the 64 KiB cap
		if r := f.do(t, "bot", "POST", "/api/v1/events", "application/x-ndjson", big); r.status != 413 {
			t.Errorf("oversized body: %d %s", r.status, r.body)
		}

		// Cases: another unit's is answered exactly as a missing one.
		if r := f.do(t, "sam", "GET", "/api/v1/cases/W1", "", ""); r.status != 200 || !strings.Contains(r.body, `"id": "W1"`) && !strings.Contains(r.body, `"id":"W1"`) {
			t.Errorf("sam reads W1: %d %s", r.status, r.body)
		}
		f.do(t, "sam", "GET", "/api/v1/cases/W1", "", "") // again, within the minute: one line in the audit log
		hidden, missing := f.do(t, "dan", "GET", "/api/v1/cases/W2", "", ""), f.do(t, "dan", "GET", "/api/v1/cases/NOPE", "", "")
		_, hd := hidden.problem(t)
		_, md := missing.problem(t)
		if hidden.status != 404 || missing.status != 404 || strings.ReplaceAll(hd, "W2", "NOPE") != md {
			t.Errorf("dan reads W2: %d %q; a missing case: %d %q", hidden.status, hd, missing.status, md)
		}
		if r := f.do(t, "bot", "GET", "/api/v1/cases/W1", "", ""); r.status != 403 {
			t.Errorf("the dispatch account reads a case: %d", r.status)
		}

		// Scores: everyone sees what their role allows.
		var scores struct {
			Total     int    `json:"total"`
			AuditHead string `json:"audit_head"`
			Units     []struct {
				Unit    string              `json:"unit"`
				Metrics map[string]*float64 `json:"metrics"`
			} `json:"units"`
		}
		r = f.do(t, "olga", "GET", "/api/v1/scores?period=2026-06", "", "")
		json.Unmarshal([]byte(r.body), &scores)
		if r.status != 200 || scores.Total < 3 || scores.AuditHead == "" {
			t.Errorf("olga's scores: %d %s", r.status, r.body)
		}
		r = f.do(t, "olga", "GET", "/api/v1/scores?period=2026-06&per_page=1&page=2", "", "")
		json.Unmarshal([]byte(r.body), &scores)
		if len(scores.Units) != 1 || scores.Total < 3 {
			t.Errorf("page 2 of 1: %+v", scores)
		}
		r = f.do(t, "sam", "GET", "/api/v1/scores?period=2026-06", "", "")
		json.Unmarshal([]byte(r.body), &scores)
		if len(scores.Units) != 1 || scores.Units[0].Unit != "S1" {
			t.Errorf("sam's scores: %s", r.body)
		}
		r = f.do(t, "olga", "GET", "/api/v1/scores?period=2026-13", "", "")
		if _, detail := r.problem(t); r.status != 422 || !strings.Contains(detail, "2026-13") {
			t.Errorf("a bad period: %d %q", r.status, detail)
		}
		if r := f.do(t, "olga", "GET", "/api/v1/scores?period=2026-06&kind=galaxy", "", ""); r.status != 422 {
			t.Errorf("a bad kind: %d", r.status)
		}
		if r := f.do(t, "olga", "GET", "/api/v1/scores?period=2026-06&per_page=5000", "", ""); r.status != 422 {
			t.Errorf("per_page 5000: %d", r.status)
		}
		if r := f.do(t, "dina", "GET", "/api/v1/scores?period=2026-06", "", ""); r.status != 403 {
			t.Errorf("the inspector reads scores: %d", r.status)
		}
		hidden, missing = f.do(t, "sam", "GET", "/api/v1/units/D1/scores?period=2026-06", "", ""), f.do(t, "sam", "GET", "/api/v1/units/D9/scores?period=2026-06", "", "")
		_, hd = hidden.problem(t)
		_, md = missing.problem(t)
		if hidden.status != 404 || strings.ReplaceAll(hd, "D1", "D9") != md {
			t.Errorf("sam reads D1's scores: %d %q; a unit with none: %q", hidden.status, hd, md)
		}
		if r := f.do(t, "dan", "GET", "/api/v1/units/D1/scores?period=2026-06", "", ""); r.status != 200 {
			t.Errorf("dan reads D1's scores: %d %s", r.status, r.body)
		}

		// Explain: the numbers behind D1's response rate (worked example: 1 of 2).
		r = f.do(t, "dan", "GET", "/api/v1/units/D1/explain?period=2026-06&asof=2026-07-01", "", "")
		var ex struct {
			Unit      string `json:"unit"`
			CaseIDs   []string
			Explained map[string]struct {
				Num     float64  `json:"numerator"`
				Den     float64  `json:"denominator"`
				Counted []string `json:"counted"`
			} `json:"explained"`
			Appeals []any `json:"appeals"`
		}
		json.Unmarshal([]byte(r.body), &ex)
		if rr := ex.Explained[evaluation.ResponseRate]; r.status != 200 || ex.Unit != "D1" || rr.Num != 1 || rr.Den != 2 || len(rr.Counted) != 2 || ex.Appeals == nil {
			t.Errorf("dan explains D1: %d %s", r.status, r.body)
		}
		hidden, missing = f.do(t, "sam", "GET", "/api/v1/units/D1/explain?period=2026-06", "", ""), f.do(t, "sam", "GET", "/api/v1/units/D9/explain?period=2026-06", "", "")
		_, hd = hidden.problem(t)
		_, md = missing.problem(t)
		if hidden.status != 404 || strings.ReplaceAll(hd, "D1", "D9") != md {
			t.Errorf("sam explains D1: %d %q; a unit with none: %q", hidden.status, hd, md)
		}
		if r := f.do(t, "dina", "GET", "/api/v1/units/D1/explain?period=2026-06", "", ""); r.status != 403 {
			t.Errorf("the inspector explains scores: %d", r.status)
		}

		// Reciprocity flags: the discipline commission's, nobody else's.
		if r := f.do(t, "dina", "GET", "/api/v1/reciprocity?period=2026", "", ""); r.status != 200 || !strings.Contains(r.body, `"pairs":[`) {
			t.Errorf("the inspector reads reciprocity: %d %s", r.status, r.body)
		}
		if r := f.do(t, "olga", "GET", "/api/v1/reciprocity?period=2026", "", ""); r.status != 403 {
			t.Errorf("the assessor reads reciprocity: %d", r.status)
		}

		// The audit log: the inspector verifies it; it holds the API's actions.
		r = f.do(t, "dina", "GET", "/api/v1/audit/verify", "", "")
		var v struct {
			Intact  bool   `json:"intact"`
			Entries int64  `json:"entries"`
			Head    string `json:"head"`
		}
		json.Unmarshal([]byte(r.body), &v)
		if r.status != 200 || !v.Intact || v.Entries != 7 { // three ingests, each with its batch, and a case read
			t.Errorf("audit verify: %d %s", r.status, r.body)
		}
		if r := f.do(t, "dina", "GET", "/api/v1/audit/verify?head="+v.Head, "", ""); r.status != 200 || !strings.Contains(r.body, `"intact":true`) {
			t.Errorf("verify against its head: %d %s", r.status, r.body)
		}
		if r := f.do(t, "sam", "GET", "/api/v1/audit/verify", "", ""); r.status != 403 {
			t.Errorf("a street head verifies the audit log: %d", r.status)
		}

		// Metrics count requests and events.
		if r := f.do(t, "", "GET", "/metrics", "", ""); r.status != 401 {
			t.Errorf("metrics without a token: %d", r.status)
		}
		if r := f.do(t, "dina", "GET", "/metrics", "", ""); r.status != 403 {
			t.Errorf("metrics for the inspector: %d %s", r.status, r.body)
		}
		r = f.do(t, "ada", "GET", "/metrics", "", "")
		for _, want := range []string{`frontline_http_requests_total{method="POST",route="POST /api/v1/events",status="200"}`,
			`frontline_events_total{outcome="accepted"} 17`, `frontline_events_total{outcome="rejected"} 2`, "frontline_http_request_duration_seconds_bucket", `frontline_breaches{milestone="respond"}`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
	})
}

// TestOpenAPIDrift fails when the code's OpenAPI document and the
// committed api/openapi.json disagree: run `go run ./cmd/frontline openapi > api/openapi.json`.
func TestOpenAPIDrift(t *testing.T) {
	want, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Document()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("api/openapi.json is out of date with the code: run `go run ./cmd/frontline openapi > api/openapi.json`")
	}
}

// TestAppealAgainstAnEvent: an appeal against a counterpart's rating
// lists the rating itself (kind, who of whom, score, time), in the API
// and on the assessor's queue; one against a deadline has none.
func TestAppealAgainstAnEvent(t *testing.T) {
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		f := packFixtureOn(t, dsn)
		for _, body := range []string{
			`{"case":"W1","unit":"D1","target":"W-06","reason":"rated before the road was reopened"}`, // S1's rating of D1's response, 4
			`{"case":"W3","unit":"D1","target":"W3/D1/respond","reason":"road closed"}`,
		} {
			if r := f.do(t, "dan", "POST", "/api/v1/appeals", "application/json", body); r.status != 201 {
				t.Fatalf("appeal %s: %d %s", body, r.status, r.body)
			}
		}
		var q struct{ Appeals []service.Appeal }
		if r := f.do(t, "olga", "GET", "/api/v1/appeals", "", ""); r.status != 200 || json.Unmarshal([]byte(r.body), &q) != nil || len(q.Appeals) != 2 {
			t.Fatalf("the queue: %d %.500s", r.status, r.body)
		}
		for _, a := range q.Appeals {
			e := a.TargetEvent
			switch a.Target {
			case "W-06":
				if e == nil || e.Type != "response_evaluated" || e.Unit != "S1" || e.Target != "D1" || e.Score == nil || *e.Score != 4 ||
					e.At.Format("2006-01-02 15:04") != "2026-06-01 15:05" {
					t.Errorf("the appeal against W-06 lists its target as %+v", e)
				}
			default:
				if e != nil {
					t.Errorf("the appeal against a deadline lists an event: %+v", e)
				}
			}
		}
		setPassword(t, f.db, "olga", "olga's long password")
		_, olga := f.login(t, "olga", "olga's long password")
		page := f.send(t, "GET", "/appeals", olga.headers(false), "")
		if want := "评价响应 · 鼓东街道 (S1) → 城管局 (D1) · 4 分 · 2026-06-01 15:05"; page.status != 200 || !strings.Contains(page.body, want) {
			t.Errorf("the queue's page does not show %q: %d %.3000s", want, page.status, page.body)
		}

		// A finding against D1: its head appeals it from the findings page.
		if r := f.do(t, "dina", "POST", "/api/v1/findings", "application/json", `{"case":"W1","unit":"DIS","target":"D1","severity":"warning","note":"late twice"}`); r.status != 201 {
			t.Fatalf("a finding: %d %s", r.status, r.body)
		}
		setPassword(t, f.db, "dan", "dan's long password")
		_, dan := f.login(t, "dan", "dan's long password")
		findings := f.send(t, "GET", "/findings?period=2026", dan.headers(false), "")
		form := regexp.MustCompile(`name="target" value="([^"]+)"`).FindStringSubmatch(findings.body)
		if findings.status != 200 || form == nil || !strings.Contains(findings.body, `name="from" value="findings"`) {
			t.Fatalf("dan's findings page has no appeal form: %d %.2000s", findings.status, findings.body)
		}
		post := map[string]string{"Cookie": SessionCookie + "=" + dan.cookie, "Content-Type": "application/x-www-form-urlencoded"}
		filed := f.send(t, "POST", "/appeals", post, url.Values{"csrf_token": {dan.csrf}, "case": {"W1"}, "target": {form[1]}, "period": {"2026"},
			"from": {"findings"}, "reason": {"超时系停电所致"}}.Encode())
		// The redirect leads back to the findings, where the appeal now stands instead of the form.
		if main := regexp.MustCompile(`(?s)<main>.*</main>`).FindString(filed.body); filed.status != 200 || !strings.Contains(main, "<h1>监督发现</h1>") ||
			!strings.Contains(main, `<span class="appealed">已申诉: 待决定</span>`) || strings.Contains(main, `name="from" value="findings"`) {
			t.Errorf("after appealing the finding: %d %s", filed.status, main)
		}
		// D1's page lists the finding behind its penalty, with its appeal.
		unit := regexp.MustCompile(`(?s)<table id="unit-findings">.*?</table>`).FindString(f.send(t, "GET", "/units/D1?period=2026-06", dan.headers(false), "").body)
		if !strings.Contains(unit, "<td>警告</td>") || !strings.Contains(unit, "有效 · 已申诉: 待决定") || !strings.Contains(unit, "late twice") {
			t.Errorf("D1's page lists its findings as %q", unit)
		}
	})
}

// TestAPIProcesses runs appeals, decisions, findings, evaluations and
// rulings over HTTP, on both engines, with each role's rights.
func TestAPIProcesses(t *testing.T) {
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		f := packFixtureOn(t, dsn)
		type written struct {
			Event    evaluation.Event  `json:"event"`
			Replaces *evaluation.Event `json:"replaces"`
		}
		post := func(user, path, body string, want int) written {
			t.Helper()
			r := f.do(t, user, "POST", path, "application/json", body)
			if r.status != want {
				t.Fatalf("%s POST %s %s: %d %s, want %d", user, path, body, r.status, r.body, want)
			}
			var w written
			json.Unmarshal([]byte(r.body), &w)
			return w
		}
		appeal := post("dan", "/api/v1/appeals", `{"case":"W3","unit":"D1","target":"W3/D1/respond","reason":"road closed"}`, 201)
		if appeal.Event.Type != evaluation.Appealed || !strings.HasPrefix(appeal.Event.ID, "FL") {
			t.Errorf("appeal: %+v", appeal.Event)
		}
		post("dan", "/api/v1/appeals", `{"case":"W3","unit":"D1","target":"W3/D1/respond","reason":"again"}`, 409)
		// Writes reveal no more than reads: another unit's case, acting for
		// another unit, and a case that does not exist answer alike, byte
		// for byte but the id, and each probe is audited.
		missing := func(user, path, body string) string {
			r := f.do(t, user, "POST", path, "application/json", strings.ReplaceAll(body, `"W2"`, `"W404"`))
			if r.status != 404 {
				t.Fatalf("%s POST %s for a missing case: %d %s", user, path, r.status, r.body)
			}
			return strings.ReplaceAll(r.body, "W404", "W2")
		}
		for _, probe := range []struct{ user, path, body string }{
			{"dan", "/api/v1/appeals", `{"case":"W2","unit":"D1","target":"W2/D2/respond","reason":"probe"}`},
			{"dan", "/api/v1/appeals", `{"case":"W2","unit":"D1","target":"E-none","reason":"probe"}`},
			{"dan", "/api/v1/evaluations", `{"kind":"call","case":"W2","unit":"D1","target":"S1","accurate":false,"score":1}`},
			{"sam", "/api/v1/appeals", `{"case":"W2","unit":"D2","target":"W2/D2/respond","reason":"for them"}`},
		} {
			r := f.do(t, probe.user, "POST", probe.path, "application/json", probe.body)
			if want := missing(probe.user, probe.path, probe.body); r.status != 404 || r.body != want {
				t.Errorf("%s POST %s %s:\n%d %s\nwant, as for a missing case:\n%s", probe.user, probe.path, probe.body, r.status, r.body, want)
			}
		}
		if n := len(auditActions(t, f.db, "appealed.refused")); n != 6 {
			t.Errorf("%d refused appeals audited, want 6 (3 probes, 3 missing cases)", n)
		}
		r := f.do(t, "dan", "POST", "/api/v1/appeals", "application/json", `{"case":"W1","unit":"D1","target":"W1/D1/respond","reason":"x"}`)
		if _, detail := r.problem(t); r.status != 422 || !strings.Contains(detail, "not breached") {
			t.Errorf("appealing a deadline met: %d %q", r.status, detail)
		}
		queue := func(user string) int {
			var q struct {
				Appeals []service.Appeal `json:"appeals"`
			}
			json.Unmarshal([]byte(f.do(t, user, "GET", "/api/v1/appeals?state=all", "", "").body), &q)
			return len(q.Appeals)
		}
		if o, d, s := queue("olga"), queue("dan"), queue("sam"); o != 1 || d != 1 || s != 0 {
			t.Errorf("appeal queue: olga sees %d, dan %d, sam %d; want 1, 1, 0", o, d, s)
		}
		post("dan", "/api/v1/appeals/"+appeal.Event.ID+"/decision", `{"unit":"ORG","upheld":true,"note":"mine"}`, 403)
		post("olga", "/api/v1/appeals/"+appeal.Event.ID+"/decision", `{"unit":"ORG","upheld":true,"note":"confirmed"}`, 201)
		post("olga", "/api/v1/appeals/"+appeal.Event.ID+"/decision", `{"unit":"ORG","upheld":false,"note":"again"}`, 409)
		post("olga", "/api/v1/appeals/NOPE/decision", `{"unit":"ORG","upheld":false,"note":"x"}`, 404)

		post("dina", "/api/v1/findings", `{"case":"W3","unit":"DIS","target":"D1","severity":"grave","note":"x"}`, 422)
		finding := post("dina", "/api/v1/findings", `{"case":"W3","unit":"DIS","target":"D1","severity":"warning","note":"late twice"}`, 201)
		var fl struct {
			Findings []service.Finding `json:"findings"`
		}
		json.Unmarshal([]byte(f.do(t, "dan", "GET", "/api/v1/findings", "", "").body), &fl)
		if len(fl.Findings) != 1 || fl.Findings[0].State != "active" {
			t.Errorf("dan's findings: %+v", fl.Findings)
		}
		post("dina", "/api/v1/findings/"+finding.Event.ID+"/withdrawal", `{"unit":"DIS","note":"wrong unit"}`, 201)
		post("dina", "/api/v1/findings/"+finding.Event.ID+"/withdrawal", `{"unit":"DIS","note":"again"}`, 409)
		// Filtered by the period of the case (W3 opened in June 2026) and by state.
		for query, want := range map[string]int{"": 1, "?period=2026-06": 1, "?period=2026-Q2": 1, "?period=2026-05": 0, "?period=2025": 0,
			"?state=withdrawn": 1, "?state=active": 0, "?period=2026&state=withdrawn&unit=D1": 1, "?unit=D2": 0} {
			fl.Findings = nil
			if r := f.do(t, "dina", "GET", "/api/v1/findings"+query, "", ""); r.status != 200 || json.Unmarshal([]byte(r.body), &fl) != nil || len(fl.Findings) != want {
				t.Errorf("findings%s: %d %.300s, want %d findings", query, r.status, r.body, want)
			}
		}
		if r := f.do(t, "dina", "GET", "/api/v1/findings?period=June", "", ""); r.status != 422 {
			t.Errorf("findings of a period that is none: %d %.300s", r.status, r.body)
		}
		// Urging: the discipline body (the policy's, left out) urges a unit
		// with open work; heads and the assessor may not; a unit with no
		// part is refused; the case names whom it may urge.
		if u := post("dina", "/api/v1/urgings", `{"case":"W3","target":"D1","note":"respond now"}`, 201); u.Event.Unit != "DIS" || u.Event.Type != "urged" {
			t.Errorf("the urging: %+v", u.Event)
		}
		post("dina", "/api/v1/urgings", `{"case":"W3","target":"D2"}`, 422)
		post("sam", "/api/v1/urgings", `{"case":"W3","unit":"S1","target":"D1"}`, 403)
		post("olga", "/api/v1/urgings", `{"case":"W3","target":"D1"}`, 403)
		var w3 struct{ Urgeable []string }
		if r := f.do(t, "dina", "GET", "/api/v1/cases/W3", "", ""); json.Unmarshal([]byte(r.body), &w3) != nil || strings.Join(w3.Urgeable, ",") != "S1,D1" {
			t.Errorf("W3 may urge %v: want S1,D1", w3.Urgeable)
		}

		ev := post("sam", "/api/v1/evaluations", `{"kind":"response","case":"W1","unit":"S1","target":"D1","score":2}`, 201)
		if ev.Replaces == nil || ev.Replaces.ID != "W-06" {
			t.Errorf("the evaluation should replace W-06: %+v", ev.Replaces)
		}
		post("sam", "/api/v1/evaluations", `{"kind":"call","case":"W1","unit":"S1","target":"D1","accurate":true}`, 403)
		post("olga", "/api/v1/rulings", `{"case":"W1","unit":"ORG","target":"D1","justified":true,"note":"x"}`, 422)

		var v struct {
			Intact  bool  `json:"intact"`
			Entries int64 `json:"entries"`
		}
		json.Unmarshal([]byte(f.do(t, "dina", "GET", "/api/v1/audit/verify", "", "").body), &v)
		if !v.Intact || v.Entries != 23 { // the ingest, an appeal, a decision, a finding, its withdrawal, an urging, an evaluation, each with its stored batch; 8 refused probes; the inspector's read of W3
			t.Errorf("audit after the processes: %+v", v)
		}

		// Reports: who may read what.
		for _, tc := range []struct {
			user, path string
			status     int
		}{
			{"olga", "/api/v1/cadres?period=2026-06", 200}, {"sam", "/api/v1/cadres?period=2026-06", 403},
			{"olga", "/api/v1/cadres/K999?period=2026-06", 404}, {"olga", "/api/v1/cadres?period=2026-06&role=boss", 422},
			{"dina", "/api/v1/breaches?period=2026-06", 200}, {"olga", "/api/v1/breaches?period=2026-06", 403},
			{"dina", "/api/v1/audit?action=appealed", 200}, {"sam", "/api/v1/matrix?period=2026-06", 200}, {"dina", "/api/v1/matrix?period=2026-06", 403},
			{"sam", "/api/v1/satisfaction?period=2026-06", 200}, {"bot", "/api/v1/satisfaction?period=2026-06", 403}, {"olga", "/api/v1/audit", 403}, {"dina", "/api/v1/audit?since=yesterday", 422},
		} {
			if r := f.do(t, tc.user, "GET", tc.path, "", ""); r.status != tc.status {
				t.Errorf("%s GET %s: %d, want %d: %s", tc.user, tc.path, r.status, tc.status, r.body)
			}
		}
		breaches := func(user string) []string {
			var b struct {
				Breaches []struct{ ID, Unit string } `json:"breaches"`
			}
			json.Unmarshal([]byte(f.do(t, user, "GET", "/api/v1/breaches?period=2026-06", "", "").body), &b)
			var units []string
			for _, x := range b.Breaches {
				units = append(units, x.Unit)
			}
			return units
		}
		if all, dan := breaches("dina"), breaches("dan"); len(all) < 3 || len(dan) == 0 || slices.ContainsFunc(dan, func(u string) bool { return u != "D1" }) {
			t.Errorf("breaches: the inspector sees %v, dan %v (want only D1's)", all, dan)
		}
		var sat struct {
			District struct {
				Total struct{ Rated float64 } `json:"total"`
			} `json:"district"`
			Units []struct{ Unit string } `json:"units"`
		}
		json.Unmarshal([]byte(f.do(t, "sam", "GET", "/api/v1/satisfaction?period=2026-06", "", "").body), &sat)
		if sat.District.Total.Rated != 2 || len(sat.Units) != 1 || sat.Units[0].Unit != "S1" {
			t.Errorf("sam's satisfaction: the district and S1 only, got %+v", sat)
		}
		var matrix struct {
			Pairs []struct{ Street, Department string } `json:"pairs"`
		}
		json.Unmarshal([]byte(f.do(t, "dan", "GET", "/api/v1/matrix?period=2026-06", "", "").body), &matrix)
		if len(matrix.Pairs) != 1 || matrix.Pairs[0].Department != "D1" {
			t.Errorf("dan's matrix: his row only, got %+v", matrix.Pairs)
		}
		var entries struct {
			Entries []struct{ Actor, Action string } `json:"entries"`
		}
		json.Unmarshal([]byte(f.do(t, "dina", "GET", "/api/v1/audit?action=appealed", "", "").body), &entries)
		if len(entries.Entries) != 1 || entries.Entries[0].Actor != "dan" {
			t.Errorf("audit entries of appeals: %+v", entries.Entries)
		}
	})
}

// TestAPIUsers administers users over HTTP: only an admin may, secrets
// are shown once, and a new token works until revoked.
func TestAPIUsers(t *testing.T) {
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn, Config{})
		if r := f.do(t, "olga", "POST", "/api/v1/users", "application/json", `{"name":"x","role":"admin"}`); r.status != 403 {
			t.Errorf("an assessor adds a user: %d", r.status)
		}
		if r := f.do(t, "ada", "POST", "/api/v1/users", "application/json", `{"name":"sue","role":"street_head"}`); r.status != 422 {
			t.Errorf("a head without a unit: %d %s", r.status, r.body)
		}
		r := f.do(t, "ada", "POST", "/api/v1/users", "application/json", `{"name":"sue","role":"street_head","unit":"S1"}`)
		var cred struct{ Password string }
		json.Unmarshal([]byte(r.body), &cred)
		if r.status != 201 || len(cred.Password) != 20 || r.header.Get("Cache-Control") != "no-store" {
			t.Fatalf("add user: %d %s", r.status, r.body)
		}
		if r := f.do(t, "ada", "POST", "/api/v1/users", "application/json", `{"name":"sue","role":"admin"}`); r.status != 409 {
			t.Errorf("a duplicate user: %d", r.status)
		}
		r = f.do(t, "ada", "POST", "/api/v1/users/sue/tokens", "application/json", `{"days":7}`)
		var tok struct{ Token string }
		json.Unmarshal([]byte(r.body), &tok)
		if r.status != 201 || !strings.HasPrefix(tok.Token, "flt_") {
			t.Fatalf("issue token: %d %s", r.status, r.body)
		}
		sue := &fixture{url: f.url, tokens: map[string]string{"sue": tok.Token}}
		if r := sue.do(t, "sue", "GET", "/api/v1/scores?period=2026-06", "", ""); r.status != 200 {
			t.Errorf("sue's new token: %d %s", r.status, r.body)
		}
		list := f.do(t, "ada", "GET", "/api/v1/users", "", "")
		if list.status != 200 || strings.Contains(list.body, cred.Password) || strings.Contains(list.body, tok.Token) || !strings.Contains(list.body, `"sue"`) {
			t.Errorf("users list: %d, or it shows a secret", list.status)
		}
		if r := f.do(t, "ada", "DELETE", "/api/v1/users/sue/tokens", "", ""); r.status != 200 || !strings.Contains(r.body, `"revoked":1`) {
			t.Errorf("revoke: %d %s", r.status, r.body)
		}
		if r := sue.do(t, "sue", "GET", "/api/v1/scores?period=2026-06", "", ""); r.status != 401 {
			t.Errorf("a revoked token: %d", r.status)
		}
		if r := f.do(t, "ada", "POST", "/api/v1/users/nobody/tokens", "application/json", `{}`); r.status != 404 {
			t.Errorf("a token for nobody: %d", r.status)
		}
	})
}

// TestAPIWarnings reads the live board over HTTP as each role: the
// inspector sees every warning, a head its own, anyone else is refused.
func TestAPIWarnings(t *testing.T) {
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn, Config{})
		// The clock stands at 12:00 in Shanghai. Garbage: respond in 10 min.
		events := `{"id":"X1-1","case":"X1","type":"opened","at":"2027-01-15T11:50:00+08:00","category":"garbage","street":"S1"}
{"id":"X1-2","case":"X1","type":"dispatched","at":"2027-01-15T11:52:00+08:00","unit":"D1","by":"S1"}
{"id":"X2-1","case":"X2","type":"opened","at":"2027-01-15T11:30:00+08:00","category":"garbage","street":"S1"}
{"id":"X2-2","case":"X2","type":"dispatched","at":"2027-01-15T11:40:00+08:00","unit":"D2","by":"S1"}
{"id":"X3-1","case":"X3","type":"opened","at":"2027-01-15T11:55:00+08:00","category":"garbage","street":"S1"}
{"id":"X3-2","case":"X3","type":"dispatched","at":"2027-01-15T11:58:00+08:00","unit":"D1","by":"S1"}
`
		if r := f.do(t, "bot", "POST", "/api/v1/events", "application/x-ndjson", events); r.status != 200 {
			t.Fatalf("post events: %d %s", r.status, r.body)
		}
		type page struct {
			AsOf     time.Time `json:"asof"`
			Amber    int       `json:"amber"`
			Red      int       `json:"red"`
			Total    int       `json:"total"`
			Warnings []struct {
				ID          string `json:"id"`
				State       string `json:"state"`
				SecondsLeft int64  `json:"seconds_left"`
				Street      string `json:"street"`
			} `json:"warnings"`
		}
		read := func(user, query string) (page, string) {
			t.Helper()
			r := f.do(t, user, "GET", "/api/v1/warnings"+query, "", "")
			if r.status != 200 {
				t.Fatalf("%s GET /api/v1/warnings%s: %d %s", user, query, r.status, r.body)
			}
			var p page
			if err := json.Unmarshal([]byte(r.body), &p); err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, w := range p.Warnings {
				ids = append(ids, fmt.Sprintf("%s %s %d", w.ID, w.State, w.SecondsLeft))
			}
			return p, strings.Join(ids, ", ")
		}
		for _, tc := range []struct{ user, query, want string }{
			{"dina", "", "X2/D2/respond red -600, X1/D1/respond amber 120"},
			{"dina", "?state=red", "X2/D2/respond red -600"},
			{"dina", "?unit=D1", "X1/D1/respond amber 120"},
			{"sam", "", "X2/D2/respond red -600, X1/D1/respond amber 120"},
			{"dan", "", "X1/D1/respond amber 120"},
			{"dan", "?unit=D2", ""},
		} {
			if _, got := read(tc.user, tc.query); got != tc.want {
				t.Errorf("%s %s: %q, want %q", tc.user, tc.query, got, tc.want)
			}
		}
		p, got := read("dina", "?limit=1&offset=1")
		if got != "X1/D1/respond amber 120" || p.Total != 2 || p.Amber != 1 || p.Red != 1 || !p.AsOf.Equal(testNow) {
			t.Errorf("second page of one: %q, %+v", got, p)
		}
		for _, tc := range []struct {
			user, query string
			status      int
		}{
			{"olga", "", 403}, {"bot", "", 403}, {"ada", "", 403}, {"", "", 401},
			{"dina", "?state=green", 422}, {"dina", "?limit=0", 422}, {"dina", "?limit=5000", 422}, {"dina", "?offset=-1", 422},
		} {
			if r := f.do(t, tc.user, "GET", "/api/v1/warnings"+tc.query, "", ""); r.status != tc.status {
				t.Errorf("%q GET /api/v1/warnings%s: %d, want %d: %s", tc.user, tc.query, r.status, tc.status, r.body)
			}
		}
	})
}
