package api

import (
	"archive/zip"
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"frontline/store/storetest"
	"frontline/view"
)

// TestBreachPack: the discipline commission's pack holds the API's
// breaches and the trails of their cases, neutralises hostile text, is
// refused to other roles, and is audited with its SHA-256.
func TestBreachPack(t *testing.T) {
	worked, err := os.ReadFile("../store/testdata/worked.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn, Config{})
		hostile := `{"id":"W-99","case":"W3","type":"reported","at":"2026-06-25T10:30:00+08:00","unit":"D1","note":"=HYPERLINK(\"http://evil\",\"点我\")"}`
		if r := f.do(t, "bot", "POST", "/api/v1/events", "application/x-ndjson", string(worked)+hostile+"\n"); r.status != 200 {
			t.Fatalf("post events: %d %s", r.status, r.body)
		}
		for _, user := range []string{"olga", "sam", "dan", "bot"} {
			if r := f.do(t, user, "GET", "/api/v1/exports/breaches.xlsx?period=2026-06", "", ""); r.status != 403 {
				t.Errorf("%s exports the breach pack: %d", user, r.status)
			}
		}
		if r := f.do(t, "dina", "GET", "/api/v1/exports/cadres.xlsx?period=2026-06", "", ""); r.status != 403 && r.status != 422 {
			t.Errorf("the inspector exports cadres: %d", r.status)
		}
		if r := f.do(t, "dina", "GET", "/api/v1/exports/..%2Fetc.xlsx?period=2026-06", "", ""); r.status < 400 || r.status >= 500 {
			t.Errorf("a path in the export's name: %d", r.status)
		}
		r := f.do(t, "dina", "GET", "/api/v1/exports/breaches.xlsx?period=2026-06&asof=2026-07-01", "", "")
		if r.status != 200 || r.header.Get("X-Content-SHA256") == "" || !strings.Contains(r.header.Get("Content-Disposition"), "breaches-2026-06.xlsx") {
			t.Fatalf("the inspector's breach pack: %d %v", r.status, r.header)
		}
		book, err := excelize.OpenReader(bytes.NewReader([]byte(r.body)))
		if err != nil {
			t.Fatal(err)
		}
		defer book.Close()
		var api struct {
			Breaches []struct{ ID, Unit, Case, Milestone string }
		}
		json.Unmarshal([]byte(f.do(t, "dina", "GET", "/api/v1/breaches?period=2026-06&asof=2026-07-01", "", "").body), &api)
		rows, err := book.GetRows("超时记录")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows)-1 != len(api.Breaches) || len(api.Breaches) == 0 {
			t.Fatalf("%d breach rows in the pack, %d from the API", len(rows)-1, len(api.Breaches))
		}
		labels := map[string]string{"call": "呼叫", "respond": "响应", "report": "报告", "dispose": "处置"}
		for i, b := range api.Breaches {
			row := rows[i+1]
			if row[0] != b.Unit || row[1] == "" || row[2] != b.Case || row[3] != labels[b.Milestone] {
				t.Errorf("row %d %v, the API's %+v", i+2, row[:4], b)
			}
		}
		events, err := book.GetRows("事件")
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range events {
			if e[1] == "W-99" {
				found = true
				if note := e[len(e)-1]; !strings.HasPrefix(note, "'=HYPERLINK") {
					t.Errorf("the hostile note reads %q", note)
				}
			}
		}
		if !found {
			t.Errorf("the events sheet lacks W3's event W-99: %d rows", len(events))
		}
		cover, _ := book.GetCellValue("封面", "B7")
		if cover != "dina（纪委监督员）" {
			t.Errorf("the cover names %q as the exporter", cover)
		}
		var audit struct {
			Entries []struct {
				Action  string
				Details map[string]any
			}
		}
		json.Unmarshal([]byte(f.do(t, "dina", "GET", "/api/v1/audit?action=export", "", "").body), &audit)
		if len(audit.Entries) != 1 || audit.Entries[0].Details["sha256"] != r.header.Get("X-Content-SHA256") {
			t.Errorf("the export's audit entry: %+v", audit.Entries)
		}
	})
}

// TestCadreAndUnitPacks: the organization department's cadre pack and a
// head's own unit pack hold the API's figures; neither goes further.
func TestCadreAndUnitPacks(t *testing.T) {
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) { cadreAndUnitPacks(t, packFixtureOn(t, dsn)) })
}

func cadreAndUnitPacks(t *testing.T, f *fixture) {
	open := func(user, path string) *excelize.File {
		t.Helper()
		book, _ := f.pack(t, user, path)
		return book
	}
	// Cadres: one row per cadre the API assesses.
	book := open("olga", "/api/v1/exports/cadres.xlsx?period=2026-06&asof=2026-07-01")
	var cadres struct {
		Cadres []struct {
			Cadre string
			Score *float64
		}
	}
	json.Unmarshal([]byte(f.do(t, "olga", "GET", "/api/v1/cadres?period=2026-06&asof=2026-07-01&role=all", "", "").body), &cadres)
	rows, _ := book.GetRows("干部考核")
	if len(rows)-1 != len(cadres.Cadres) || len(cadres.Cadres) == 0 {
		t.Fatalf("%d cadre rows, the API's %d", len(rows)-1, len(cadres.Cadres))
	}
	for i, c := range cadres.Cadres {
		want := ""
		if c.Score != nil {
			want = strconv.FormatFloat(*c.Score, 'f', 2, 64)
		}
		if rows[i+1][1] != c.Cadre || rows[i+1][5] != want {
			t.Errorf("cadre row %d %v, the API's %s %s", i+2, rows[i+1][:6], c.Cadre, want)
		}
	}
	if sheets := book.GetSheetList(); strings.Join(sheets, ",") != "封面,干部考核" {
		t.Errorf("cadre pack sheets %v, want the cover and the cadres", sheets)
	}
	// Which unit each leads, by name; the months up to the period and no later.
	if head := strings.Join(rows[0], "|"); !strings.Contains(head, "单位") || !strings.Contains(head, "|2026-06|") || strings.Contains(head, "2026-07") {
		t.Errorf("the cadre sheet's columns: %s", head)
	}
	if unit := rows[1][4]; !strings.Contains(unit, "(") {
		t.Errorf("the first cadre's unit %q: want a name with its code", unit)
	}
	// A head's own unit: its month's score as the API gives it.
	book, r := f.pack(t, "dan", "/api/v1/exports/unit.xlsx?period=2026-06&asof=2026-07-01")
	if got := r.header.Get("Content-Disposition"); got != `attachment; filename="frontline-unit-D1-2026-06.xlsx"` {
		t.Errorf("the unit pack's file name: %s", got)
	}
	var d1 struct{ Units []struct{ Score *float64 } }
	json.Unmarshal([]byte(f.do(t, "dan", "GET", "/api/v1/units/D1/scores?period=2026-06&asof=2026-07-01", "", "").body), &d1)
	rows, _ = book.GetRows("概况")
	// The months up to June (none before the data's first is scored), June last.
	june := slices.IndexFunc(rows, func(r []string) bool { return len(r) > 0 && r[0] == "2026-06" })
	if june < 2 || rows[1][0] != "月份" || rows[june][2] != strconv.FormatFloat(*d1.Units[0].Score, 'f', 2, 64) || len(rows[june+1]) != 0 {
		t.Errorf("D1's score rows %v, the API's June %v", rows, *d1.Units[0].Score)
	}
	if breaches, _ := book.GetRows("超时记录"); len(breaches) < 2 || breaches[1][len(breaches[0])-1] == "" {
		t.Errorf("D1's breaches, each with its appeal's state: %v", breaches)
	}
	// Named on its cover; a department's metrics only, not a street's.
	if title, _ := book.GetCellValue("封面", "A1"); !strings.HasPrefix(title, "城管局 (D1) 双向评价") {
		t.Errorf("the unit pack's title: %q", title)
	}
	if head := strings.Join(rows[1], "|"); !strings.Contains(head, "响应及时率") || strings.Contains(head, "呼叫准确率") {
		t.Errorf("D1's score columns: %s", head)
	}
	// Who rated it, by name and code.
	rater := slices.IndexFunc(rows, func(r []string) bool { return len(r) > 0 && r[0] == "评价方" })
	if rater < 0 || len(rows) < rater+2 || rows[rater+1][0] != "鼓东街道 (S1)" {
		t.Errorf("the evaluations D1 received: %v", rows)
	}
	// Not another unit's, not another role's pack.
	for _, c := range []struct{ user, path string }{
		{"dan", "/api/v1/exports/unit.xlsx?period=2026-06&unit=D2"},
		{"sam", "/api/v1/exports/unit.xlsx?period=2026-06&unit=D1"},
		{"dina", "/api/v1/exports/cadres.xlsx?period=2026-06"},
		{"dan", "/api/v1/exports/cadres.xlsx?period=2026-06"},
		{"olga", "/api/v1/exports/unit.xlsx?period=2026-06&unit=D1"},
	} {
		if r := f.do(t, c.user, "GET", c.path, "", ""); r.status != 403 && r.status != 404 {
			t.Errorf("%s %s: %d", c.user, c.path, r.status)
		}
	}
}

// TestMeetingPack: rankings with their change from the month before, the
// matrix shaded, satisfaction with a native chart, all as the API says.
func TestMeetingPack(t *testing.T) {
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) { meetingPack(t, packFixtureOn(t, dsn)) })
}

func meetingPack(t *testing.T, f *fixture) {
	for _, user := range []string{"dina", "sam", "dan"} {
		if r := f.do(t, user, "GET", "/api/v1/exports/meeting.xlsx?period=2026-06", "", ""); r.status != 403 {
			t.Errorf("%s exports the meeting pack: %d", user, r.status)
		}
	}
	// An enterprise (the water company) handles a case too.
	if r := f.do(t, "ada", "POST", "/api/v1/registry", "application/yaml", "units:\n  - {code: E1, kind: enterprise, name: {zh: 自来水公司, en: Water Company}}\n"); r.status != 200 {
		t.Fatalf("register E1: %d %s", r.status, r.body)
	}
	water := `{"id":"E-1","case":"WE1","type":"opened","at":"2026-06-10T09:00:00+08:00","category":"road","street":"S1"}
{"id":"E-2","case":"WE1","type":"dispatched","at":"2026-06-10T09:01:00+08:00","unit":"E1","by":"platform"}
{"id":"E-3","case":"WE1","type":"responded","at":"2026-06-10T09:05:00+08:00","unit":"E1"}
{"id":"E-4","case":"WE1","type":"resolved","at":"2026-06-10T11:00:00+08:00","unit":"E1"}
{"id":"E-5","case":"WE1","type":"closed","at":"2026-06-10T11:30:00+08:00"}
`
	if r := f.do(t, "bot", "POST", "/api/v1/events", "application/x-ndjson", water); r.status != 200 || !strings.Contains(r.body, `"accepted":5`) {
		t.Fatalf("post the water company's case: %d %s", r.status, r.body)
	}
	book, r := f.pack(t, "olga", "/api/v1/exports/meeting.xlsx?period=2026-06&asof=2026-07-01")
	var scores struct {
		Units []struct {
			Unit, Kind, Name string
			Score            *float64
		}
	}
	json.Unmarshal([]byte(f.do(t, "olga", "GET", "/api/v1/scores?period=2026-06&asof=2026-07-01", "", "").body), &scores)
	rankings := []string{"街道排名", "部门排名"}
	if slices.ContainsFunc(scores.Units, func(u struct {
		Unit, Kind, Name string
		Score            *float64
	}) bool {
		return u.Kind == "enterprise"
	}) {
		rankings = append(rankings, "企业排名")
	} else {
		t.Error("no enterprise in the fixture: the pack's enterprise ranking goes untested")
	}
	want := append(append([]string{"封面", "全区概况"}, rankings...), "双向矩阵（满意率）", "满意度", "超时最长")
	if sheets := book.GetSheetList(); strings.Join(sheets, ",") != strings.Join(want, ",") {
		t.Fatalf("sheets %v, want %v", sheets, want)
	}
	rows := map[string][]string{}
	for _, sheet := range rankings {
		rs, _ := book.GetRows(sheet)
		for _, row := range rs[1:] {
			rows[row[1]] = row
		}
	}
	names := map[string]string{}
	for _, u := range scores.Units {
		names[u.Unit] = u.Name
		row, ok := rows[u.Unit]
		if !ok || u.Score != nil && row[3] != strconv.FormatFloat(*u.Score, 'f', 2, 64) {
			t.Errorf("%s in the pack %v, the API's score %v", u.Unit, row, u.Score)
		}
	}
	var sat struct {
		District struct{ Total struct{ Rate *float64 } }
	}
	json.Unmarshal([]byte(f.do(t, "olga", "GET", "/api/v1/satisfaction?period=2026-06&asof=2026-07-01", "", "").body), &sat)
	// To two decimals: a tenth of a point from the target decides.
	if got, _ := book.GetCellValue("全区概况", "B3"); got != strconv.FormatFloat(*sat.District.Total.Rate*100, 'f', 2, 64)+"%" {
		t.Errorf("district satisfaction %q, the API's %v", got, *sat.District.Total.Rate)
	}
	// Twelve months up to June, June last.
	satRows, _ := book.GetRows("满意度")
	if len(satRows) != 13 || satRows[1][0] != "2025-07" || satRows[12][0] != "2026-06" ||
		satRows[12][3] != strconv.FormatFloat(*sat.District.Total.Rate*100, 'f', 2, 64)+"%" {
		t.Errorf("satisfaction's trend %v", satRows)
	}
	if formats, err := book.GetConditionalFormats("双向矩阵（满意率）"); err != nil || len(formats) != 1 {
		t.Errorf("the matrix is not colour-scaled: %v %v", formats, err)
	}
	raw := []byte(r.body)
	z, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	charts := 0
	for _, file := range z.File {
		if strings.HasPrefix(file.Name, "xl/charts/chart") {
			charts++
		}
	}
	withRanks := 0 // the rankings that rank a unit: each has its bars
	for _, sheet := range rankings {
		rs, _ := book.GetRows(sheet)
		if slices.ContainsFunc(rs[1:], func(r []string) bool { return r[0] != "" }) {
			withRanks++
		}
	}
	if charts != 1+withRanks {
		t.Errorf("%d native charts, want the satisfaction chart and one per ranking that ranks a unit (%d)", charts, withRanks)
	}

	// The breaches by milestone and the longest of them, as the
	// inspector's list has them.
	var listed struct{ Breaches []view.Breach }
	json.Unmarshal([]byte(f.do(t, "dina", "GET", "/api/v1/breaches?period=2026-06&asof=2026-07-01", "", "").body), &listed)
	if len(listed.Breaches) == 0 {
		t.Fatal("no breaches in June: the fixture does not test the pack's")
	}
	perMilestone := map[string]int{}
	for _, b := range listed.Breaches {
		perMilestone[b.Milestone]++
	}
	for i, m := range []string{"call", "respond", "report", "dispose"} {
		if got, _ := book.GetCellValue("全区概况", fmt.Sprintf("B%d", 6+i)); got != strconv.Itoa(perMilestone[m]) {
			t.Errorf("%s breaches in the pack %q, in the list %d", m, got, perMilestone[m])
		}
	}
	slices.SortStableFunc(listed.Breaches, func(a, b view.Breach) int { return cmp.Compare(b.OverdueSeconds, a.OverdueSeconds) })
	longest, _ := book.GetRows("超时最长")
	if len(longest) != len(listed.Breaches)+1 {
		t.Fatalf("%d rows of longest breaches, %d breaches", len(longest)-1, len(listed.Breaches))
	}
	for i, b := range listed.Breaches {
		if row := longest[i+1]; row[0] != b.Unit || row[1] != names[b.Unit] || row[1] == "" || row[2] != b.Case {
			t.Errorf("longest breach %d: %v, the list's %s %s (%d s)", i+1, row, b.Unit, b.Case, b.OverdueSeconds)
		}
	}
}

// TestPacksNeutraliseHostileNames: registry names made of formula text,
// control characters or far too much text come out of a pack as inert,
// well-formed text.
func TestPacksNeutraliseHostileNames(t *testing.T) {
	f := packFixture(t)
	long := strings.Repeat("长", 40000)
	reg := "units:\n" +
		"  - {code: D1, kind: department, name: {zh: \"=cmd|' /C calc'!A0\"}}\n" +
		"  - {code: D2, kind: department, name: {zh: \"@SUM(1+1)*cmd|' /C calc'!A0\"}}\n" +
		"  - {code: S1, kind: street, name: {zh: \"" + long + "\"}}\n"
	if r := f.do(t, "ada", "POST", "/api/v1/registry", "application/yaml", reg); r.status != 200 {
		t.Fatalf("load hostile names: %d %s", r.status, r.body)
	}
	book, _ := f.pack(t, "olga", "/api/v1/exports/meeting.xlsx?period=2026-06&asof=2026-07-01")
	names := map[string]string{}
	for _, sheet := range []string{"街道排名", "部门排名"} {
		rows, _ := book.GetRows(sheet)
		for i, row := range rows[1:] {
			names[row[1]] = row[2]
			cell, _ := excelize.CoordinatesToCellName(3, i+2)
			if formula, _ := book.GetCellFormula(sheet, cell); formula != "" {
				t.Errorf("%s!%s holds the formula %q", sheet, cell, formula)
			}
		}
	}
	if names["D1"] != "'=cmd|' /C calc'!A0" || !strings.HasPrefix(names["D2"], "'@SUM") {
		t.Errorf("formula text not neutralised: %q %q", names["D1"], names["D2"])
	}
	if n := len(names["S1"]); n == 0 || n > 32767 || !strings.HasSuffix(names["S1"], "…") {
		t.Errorf("the long name is %d bytes; Excel holds 32,767", n)
	}
}

// packFixture serves the worked example on SQLite.
func packFixture(t *testing.T) *fixture { return packFixtureOn(t, storetest.SQLite(t)) }

// packFixtureOn serves the worked example on the database dsn names.
func packFixtureOn(t *testing.T, dsn string) *fixture { return workedFixture(t, dsn, Config{}) }

// workedFixture serves the worked example as cfg says.
func workedFixture(t *testing.T, dsn string, cfg Config) *fixture {
	t.Helper()
	worked, err := os.ReadFile("../store/testdata/worked.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, dsn, cfg)
	if r := f.do(t, "bot", "POST", "/api/v1/events", "application/x-ndjson", string(worked)); r.status != 200 {
		t.Fatalf("post events: %d %s", r.status, r.body)
	}
	return f
}

// pack downloads a pack and opens it with excelize.
func (f *fixture) pack(t *testing.T, user, path string) (*excelize.File, reply) {
	t.Helper()
	r := f.do(t, user, "GET", path, "", "")
	if r.status != 200 {
		t.Fatalf("%s %s: %d %s", user, path, r.status, r.body)
	}
	book, err := excelize.OpenReader(bytes.NewReader([]byte(r.body)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { book.Close() })
	return book, r
}
