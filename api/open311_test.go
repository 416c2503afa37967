package api

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"frontline/evaluation"
	"frontline/formats"
	"frontline/formats/open311"
	"frontline/ingest"
	"frontline/service"
	"frontline/store"
	"frontline/store/storetest"
)

// importOpen311 ingests Open311 requests into db, registering the units
// and categories they name, as `ingest --format open311 --register-units`
// does.
func importOpen311(t *testing.T, db *store.DB, data []byte) {
	t.Helper()
	importFound(t, db, open311.NewDecoder(strings.NewReader(string(data)), open311.Options{}))
}

// importFound ingests what a real-data decoder reads, then registers the
// units and categories it found and releases their quarantined events.
func importFound(t *testing.T, db *store.DB, dec interface {
	ingest.Decoder
	Found() *evaluation.Registry
}) {
	t.Helper()
	ctx := context.Background()
	in := &ingest.Ingester{Store: db, Pseudo: evaluation.NewPseudonymizer([]byte("test key 0123456"))}
	sum, err := in.Run(ctx, dec)
	if err != nil || sum.Rejected > 0 {
		t.Fatalf("import: %+v %v", sum, err)
	}
	codes, err := db.Codes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	add := &evaluation.Registry{}
	for _, u := range dec.Found().Units {
		if !codes.Units[u.Code] {
			add.Units = append(add.Units, u)
		}
	}
	for _, c := range dec.Found().Categories {
		if !codes.Categories[c.Code] {
			add.Categories = append(add.Categories, c)
		}
	}
	if _, err := db.LoadRegistry(ctx, add, store.OriginData); err != nil {
		t.Fatal(err)
	}
	if n, err := in.Release(ctx); err != nil || n != sum.Quarantined {
		t.Fatalf("released %d of %d quarantined: %v", n, sum.Quarantined, err)
	}
}

// TestOpen311 serves the Chicago trails sample as Open311, on both
// engines: services and requests carry GeoReport v2's fields and never a
// reporter; the standard filters select what they say; a head sees none
// of another area's requests; and the output, read back by the Open311
// importer into a fresh database, gives the same cases.
func TestOpen311(t *testing.T) {
	sample, err := os.ReadFile(filepath.Join(storetest.Real311(t), "chicago-open311-trails", "chicago_open311_requests_with_notes.json"))
	if err != nil {
		t.Fatal(err)
	}
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn, Config{})
		importOpen311(t, f.db, sample)

		var services []open311.Service
		if r := f.do(t, "olga", "GET", "/open311/v2/services.json", "", ""); r.status != 200 || json.Unmarshal([]byte(r.body), &services) != nil {
			t.Fatalf("services.json: %d %s", r.status, r.body)
		}
		codes := map[string]string{}
		for _, s := range services {
			codes[s.ServiceCode] = s.ServiceName
		}
		if codes["4fd3b656e750846c53000004"] != "Pothole in Street" {
			t.Errorf("services.json lacks the sample's pothole service: %v", codes)
		}

		r := f.do(t, "dina", "GET", "/open311/v2/requests.json?extensions=true", "", "")
		if r.status != 200 {
			t.Fatalf("requests.json: %d %s", r.status, r.body)
		}
		listed := r.body
		if strings.Contains(r.body, "reporter") {
			t.Error("requests.json names a reporter")
		}
		var all []map[string]any
		if err := json.Unmarshal([]byte(r.body), &all); err != nil {
			t.Fatal(err)
		}
		if len(all) != 50 {
			t.Fatalf("%d requests, the sample has 50", len(all))
		}
		for _, req := range all {
			for _, field := range []string{"service_request_id", "status", "service_code", "service_name", "agency_responsible", "requested_datetime", "updated_datetime"} {
				if v, _ := req[field].(string); v == "" {
					t.Errorf("request %v: no %s", req["service_request_id"], field)
				}
			}
			if st := req["status"]; st != "open" && st != "closed" {
				t.Errorf("status %v", st)
			}
			if _, err := time.Parse(time.RFC3339, req["requested_datetime"].(string)); err != nil {
				t.Errorf("requested_datetime: %v", err)
			}
			if _, ok := req["lat"].(float64); !ok {
				t.Errorf("request %v: no lat", req["service_request_id"])
			}
		}

		count := func(query string) int {
			t.Helper()
			r := f.do(t, "dina", "GET", "/open311/v2/requests.json?"+query, "", "")
			var list []open311.Request
			if r.status != 200 || json.Unmarshal([]byte(r.body), &list) != nil {
				t.Fatalf("%s: %d %s", query, r.status, r.body)
			}
			return len(list)
		}
		if n := count("status=open"); n != 1 {
			t.Errorf("status=open: %d, the sample has 1", n)
		}
		if n := count("status=open,closed"); n != 50 {
			t.Errorf("status=open,closed: %d", n)
		}
		if n := count("service_code=4fd3b656e750846c53000004"); n == 0 || n == 50 {
			t.Errorf("potholes: %d", n)
		}
		if n := count("service_request_id=14-00684314,14-01077532"); n != 2 {
			t.Errorf("two ids: %d", n)
		}
		if n := count("start_date=2014-06-01T00:00:00-05:00&end_date=2014-07-01T00:00:00-05:00"); n == 0 || n == 50 {
			t.Errorf("June 2014: %d", n)
		}
		if r := f.do(t, "dina", "GET", "/open311/v2/requests.json?start_date=June", "", ""); r.status != 400 {
			t.Errorf("a bad start_date: %d", r.status)
		}
		var one []open311.Request
		if r := f.do(t, "dina", "GET", "/open311/v2/requests/14-00684314.json", "", ""); r.status != 200 ||
			json.Unmarshal([]byte(r.body), &one) != nil || len(one) != 1 || one[0].ServiceRequestID != "14-00684314" || one[0].Notes != nil {
			t.Errorf("one request: %d %s", r.status, r.body)
		}
		if r := f.do(t, "dina", "GET", "/open311/v2/requests/14-99999999.json", "", ""); r.status != 404 {
			t.Errorf("a missing request: %d", r.status)
		}
		// A street head sees the cases of their street only: none here.
		if r := f.do(t, "sam", "GET", "/open311/v2/requests/14-00684314.json", "", ""); r.status != 404 {
			t.Errorf("another area's request for a head: %d", r.status)
		}
		if r := f.do(t, "sam", "GET", "/open311/v2/requests.json", "", ""); r.status != 200 || r.body != "[]\n" && r.body != "[]" {
			t.Errorf("a head's list: %d %s", r.status, r.body)
		}
		if r := f.do(t, "", "GET", "/open311/v2/requests.json", "", ""); r.status != 401 {
			t.Errorf("without credentials: %d", r.status)
		}

		// Round trip: the output read back gives the same cases.
		back, err := store.Open(context.Background(), storetest.SQLite(t), store.WithPolicyFormat(formats.ParsePolicies))
		if err != nil {
			t.Fatal(err)
		}
		defer back.Close()
		importOpen311(t, back, []byte(listed))
		sameCases(t, f.db, back, all)
	})
}

// TestOpen311RoundTripCSV: NYC's CSV export, ingested through its
// mapping, comes out as Open311 and reads back into the same cases,
// with its flawed rows (closed before opened, never closed) as they were.
func TestOpen311RoundTripCSV(t *testing.T) {
	dir := storetest.Real311(t)
	mf, err := os.Open("../mappings/nyc311-csv.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer mf.Close()
	m, err := formats.ParseMapping(mf)
	if err != nil {
		t.Fatal(err)
	}
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn, Config{})
		csv, err := os.Open(filepath.Join(dir, "nyc311", "311_Service_Requests.csv"))
		if err != nil {
			t.Fatal(err)
		}
		defer csv.Close()
		importFound(t, f.db, formats.NewMappedDecoder(csv, m))
		r := f.do(t, "dina", "GET", "/open311/v2/requests.json?extensions=true&lang=en", "", "")
		var all []map[string]any
		if r.status != 200 || json.Unmarshal([]byte(r.body), &all) != nil || len(all) != 1000 {
			t.Fatalf("requests.json: %d, %d requests", r.status, len(all))
		}
		back, err := store.Open(context.Background(), storetest.SQLite(t), store.WithPolicyFormat(formats.ParsePolicies))
		if err != nil {
			t.Fatal(err)
		}
		defer back.Close()
		importOpen311(t, back, []byte(r.body))
		sameCases(t, f.db, back, all)
	})
}

// sameCases checks that every listed request is the same case in both
// databases: times, category, street, source, units and their roles.
func sameCases(t *testing.T, db, back *store.DB, listed []map[string]any) {
	t.Helper()
	for _, req := range listed {
		id := req["service_request_id"].(string)
		want, err := db.Case(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		got, err := back.Case(context.Background(), id)
		if err != nil {
			t.Fatalf("case %s did not come back: %v", id, err)
		}
		w, g := want.Case, got.Case
		if !w.OpenedAt.Equal(g.OpenedAt) || w.Category != g.Category || w.Street != g.Street || w.Closed != g.Closed ||
			!w.ClosedAt.Equal(g.ClosedAt) || w.Source != g.Source {
			t.Errorf("case %s: %+v, back %+v", id, w, g)
		}
		if a, b := assignmentsOf(want), assignmentsOf(got); !slices.Equal(a, b) {
			t.Errorf("case %s assignments %v, back %v", id, a, b)
		}
	}
}

// assignmentsOf lists a case's units with their role, dispatch and first
// resolution.
func assignmentsOf(v *service.CaseView) []string {
	var out []string
	for _, a := range v.Assignments {
		out = append(out, a.Unit+" "+a.Role+" "+a.DispatchedAt.UTC().Format(time.RFC3339)+" "+a.ResolvedAt.UTC().Format(time.RFC3339))
	}
	slices.Sort(out)
	return out
}

// TestOpen311AsSpecified reads the worked example through GeoReport v2 as
// DESIGN.md §10 says, on both engines: JSON and XML; paging; the lead's
// disposal deadline as expected_datetime; times with the case's offset;
// GeoReport's error list with the status, in the caller's language;
// ?api_key= for clients that cannot send a header; and, when the server
// allows it, public reads without what people wrote.
func TestOpen311AsSpecified(t *testing.T) {
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		f := workedFixture(t, dsn, Config{})
		var all []open311.Request
		if r := f.do(t, "dina", "GET", "/open311/v2/requests.json", "", ""); r.status != 200 || json.Unmarshal([]byte(r.body), &all) != nil || len(all) != 3 {
			t.Fatalf("requests.json: %d %.300s", r.status, r.body)
		}
		var w3 struct {
			Deadlines []struct{ Unit, Milestone, Deadline string }
		}
		json.Unmarshal([]byte(f.do(t, "dina", "GET", "/api/v1/cases/W3", "", "").body), &w3)
		for _, req := range all {
			if !strings.HasSuffix(req.RequestedDatetime, "+08:00") {
				t.Errorf("%s requested at %s: want Shanghai's offset, the case's zone", req.ServiceRequestID, req.RequestedDatetime)
			}
			if req.ServiceRequestID == "W3" {
				for _, d := range w3.Deadlines {
					if d.Milestone == "dispose" && req.ExpectedDatetime != d.Deadline {
						t.Errorf("W3 expected %q, its disposal deadline %q", req.ExpectedDatetime, d.Deadline)
					}
				}
				if req.ExpectedDatetime == "" {
					t.Error("W3 has no expected_datetime")
				}
			}
		}
		// Pages: disjoint, in order, together the whole list.
		var seen []string
		for page := 1; page <= 4; page++ {
			var list []open311.Request
			r := f.do(t, "dina", "GET", fmt.Sprintf("/open311/v2/requests.json?page_size=1&page=%d", page), "", "")
			if r.status != 200 || json.Unmarshal([]byte(r.body), &list) != nil || len(list) > 1 || (page <= 3) != (len(list) == 1) {
				t.Fatalf("page %d of one: %d %s", page, r.status, r.body)
			}
			for _, req := range list {
				seen = append(seen, req.ServiceRequestID)
			}
		}
		if want := []string{all[0].ServiceRequestID, all[1].ServiceRequestID, all[2].ServiceRequestID}; !slices.Equal(seen, want) {
			t.Errorf("pages of one gave %v, the whole list %v", seen, want)
		}
		// XML, as GeoReport writes it.
		var services struct {
			Service []struct {
				Code string `xml:"service_code"`
			} `xml:"service"`
		}
		if r := f.do(t, "olga", "GET", "/open311/v2/services.xml", "", ""); r.status != 200 || xml.Unmarshal([]byte(r.body), &services) != nil ||
			len(services.Service) == 0 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/xml") || strings.Contains(r.body, "<group>class") {
			t.Errorf("services.xml: %d %.300s", r.status, r.body)
		}
		var requests struct {
			XMLName xml.Name `xml:"service_requests"`
			Request []struct {
				ID       string `xml:"service_request_id"`
				Expected string `xml:"expected_datetime"`
				Street   string `xml:"extended_attributes>street"`
			} `xml:"request"`
		}
		if r := f.do(t, "dina", "GET", "/open311/v2/requests/W3.xml?extensions=true", "", ""); r.status != 200 || xml.Unmarshal([]byte(r.body), &requests) != nil ||
			len(requests.Request) != 1 || requests.Request[0].ID != "W3" || requests.Request[0].Expected == "" || requests.Request[0].Street != "S1" {
			t.Errorf("requests/W3.xml: %d %.500s", r.status, r.body)
		}
		// Errors: GeoReport's list, the status, the caller's language.
		var errs []struct {
			Code        int
			Description string
		}
		r := f.do(t, "dina", "GET", "/open311/v2/requests.json?page_size=0", "", "")
		if json.Unmarshal([]byte(r.body), &errs) != nil || r.status != 400 || len(errs) != 1 || errs[0].Code != 400 || !strings.Contains(errs[0].Description, "page_size") {
			t.Errorf("page_size=0: %d %s", r.status, r.body)
		}
		h := map[string]string{"Authorization": "Bearer " + f.tokens["dina"], "Accept-Language": "zh-CN"}
		if r := f.send(t, "GET", "/open311/v2/requests/NOPE.xml", h, ""); r.status != 404 || !strings.Contains(r.body, "<errors><error><code>404</code><description>未找到案件") {
			t.Errorf("a request not there, as XML in Chinese: %d %s", r.status, r.body)
		}
		// ?api_key= stands for the header; a wrong one is refused.
		if r := f.send(t, "GET", "/open311/v2/requests.json?api_key="+f.tokens["dina"], nil, ""); r.status != 200 || !strings.Contains(r.body, `"W3"`) {
			t.Errorf("api_key: %d %.200s", r.status, r.body)
		}
		if r := f.send(t, "GET", "/open311/v2/requests.json?api_key=nope", nil, ""); r.status != 401 || !strings.HasPrefix(r.body, `[{"code":401`) {
			t.Errorf("a wrong api_key: %d %s", r.status, r.body)
		}
		// Another unit's request, through GeoReport's door: not there.
		if r := f.do(t, "dan", "GET", "/open311/v2/requests/W2.json", "", ""); r.status != 404 { // W2: S1 and D2
			t.Errorf("a head reads another unit's request: %d", r.status)
		}
		if r := f.send(t, "GET", "/open311/v2/requests.json", nil, ""); r.status != 401 {
			t.Errorf("no credentials on a private server: %d", r.status)
		}

		// Public: anyone reads, nothing people wrote is shown; the API stays closed.
		pub := workedFixture(t, storetest.Fresh(t, dsn), Config{Open311Public: true})
		closed := `{"id":"W1-close","case":"W1","type":"closed","at":"2026-06-02T09:00:00+08:00","note":"resident 138-0000-1111 satisfied"}`
		if r := pub.do(t, "bot", "POST", "/api/v1/events", "application/x-ndjson", closed); r.status != 200 {
			t.Fatalf("close W1: %d %s", r.status, r.body)
		}
		if r := pub.send(t, "GET", "/open311/v2/requests.json?extensions=true", nil, ""); r.status != 200 || !strings.Contains(r.body, `"W1"`) ||
			strings.Contains(r.body, "138-0000") || strings.Contains(r.body, "status_notes") {
			t.Errorf("public requests: %d %.500s", r.status, r.body)
		}
		if r := pub.send(t, "GET", "/open311/v2/services.json", nil, ""); r.status != 200 {
			t.Errorf("public services: %d", r.status)
		}
		if r := pub.send(t, "GET", "/api/v1/cases/W1", nil, ""); r.status != 401 {
			t.Errorf("the API on a public Open311 server: %d", r.status)
		}
	})
}

// TestOpen311RealClient reads the worked example through a real GeoReport
// v2 client, codeforamerica's node-open311 from the npm registry (its two
// XML dependencies taken out: scripts/open311-client.sh), on a loopback
// server: with ?api_key= it lists and reads requests; without a key a
// private server refuses it, and a public one answers. It runs where
// FRONTLINE_OPEN311_CLIENT names the client's directory (.ci/run makes
// it) and node is installed.
func TestOpen311RealClient(t *testing.T) {
	dir := os.Getenv("FRONTLINE_OPEN311_CLIENT")
	node, err := exec.LookPath("node")
	if dir == "" || err != nil {
		t.Skip("FRONTLINE_OPEN311_CLIENT or node missing: run scripts/open311-client.sh")
	}
	read := func(f *fixture, key string) map[string]any {
		t.Helper()
		out, err := exec.Command(node, filepath.Join(dir, "read.js"), f.url+"/open311/v2/", key, "W3").Output()
		if err != nil {
			t.Fatalf("node-open311: %v", err)
		}
		var got map[string]any
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("node-open311 printed %s", out)
		}
		return got
	}
	private := read(packFixture(t), "")
	if fmt.Sprint(private["without_key"]) != "There was an error connecting to the Open311 API: 401" {
		t.Errorf("a private server, no key: %v", private)
	}
	f := packFixture(t)
	got := read(f, f.tokens["dina"])
	requests, _ := got["requests"].([]any)
	if len(requests) != 3 || fmt.Sprint(got["one"]) != "[W3]" {
		t.Errorf("with api_key: %v", got)
	}
	for _, r := range requests {
		req := r.(map[string]any)
		if req["requested"] == nil || req["expected"] == nil { // each has its lead's disposal deadline
			t.Errorf("a request as the client read it: %v", req)
		}
	}
	public := read(workedFixture(t, storetest.SQLite(t), Config{Open311Public: true}), "")
	if services, _ := public["services"].([]any); len(services) == 0 || public["without_key"] != "read without a key" {
		t.Errorf("a public server, no key: %v", public)
	}
}
