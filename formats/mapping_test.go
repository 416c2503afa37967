package formats

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"frontline/evaluation"
)

const testMapping = `format: csv
source: city
case_prefix: X-
timezone: America/New_York
time_layouts: ["01/02/2006 03:04:05 PM"]
columns:
  case: Id
  opened: Created
  closed: {column: Closed, layouts: ["2006-01-02"], timezone: UTC}
  agency: Agency
  area: Area
  category: Type
  lat: Lat
  lon: Lon
  duplicate: Dup
  parent: Parent
missing: ["N/A"]
units: {Sanitation: DSNY}
placeholder_coordinates: [[39, -77]]
date_only: ["00:00:00"]
`

// TestMappedDecoder reads a small export: each row's events, the codes
// it names, every kind of problem counted with its line, and a row whose
// time does not read rejected with its line, column and reason.
func TestMappedDecoder(t *testing.T) {
	m, err := ParseMapping(strings.NewReader(testMapping))
	if err != nil {
		t.Fatal(err)
	}
	csv := "Id,Created,Closed,Agency,Area,Type,Lat,Lon,Dup,Parent\n" +
		"1,03/09/2019 10:00:00 PM,2019-03-11,Sanitation,Ward 1,Dirty Alley,40.1,-73.9,,\n" + // line 2: fine (a date-only close)
		"2,03/10/2019 09:00:00 AM,,Parks Dept,N/A,Tree Down,39,-77,true,1\n" + // line 3: open, no area, placeholder, duplicate
		"3,03/10/2019 09:00:00 AM,2019-03-01,,Ward 1,Tree Down,,,,\n" + // line 4: closed before opened, no agency
		"4,tomorrow,,Sanitation,Ward 1,Dirty Alley,,,,\n" + // line 5: rejected
		"1,03/09/2019 10:00:00 PM,2019-03-11,Sanitation,Ward 1,Dirty Alley,40.1,-73.9,,\n" // line 6: the first again
	d := NewMappedDecoder(strings.NewReader(csv), m)
	var events []evaluation.Event
	var rejected []*Record
	for {
		rec, err := d.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if rec.Err != nil {
			rejected = append(rejected, rec)
			continue
		}
		if err := rec.Event.Validate(); err != nil {
			t.Errorf("line %d: %s does not validate: %v", rec.Line, rec.Event.ID, err)
		}
		events = append(events, rec.Event)
	}
	if len(rejected) != 1 || rejected[0].Line != 5 || !strings.Contains(rejected[0].Err.Error(), "Created") {
		t.Fatalf("rejected %+v, want line 5 for its Created time", rejected)
	}
	byID := map[string]evaluation.Event{}
	for _, e := range events {
		if _, ok := byID[e.ID]; !ok {
			byID[e.ID] = e
		}
	}
	open := byID["city:1:opened"]
	if open.Case != "X-1" || open.Street != "ward-1" || open.Category != "dirty-alley" || open.Lat == nil || open.Note != QualityNote+ProblemDateOnly {
		t.Errorf("opened: %+v", open)
	}
	if got := open.At.UTC().Format("2006-01-02 15:04"); got != "2019-03-10 03:00" {
		t.Errorf("opened at %s UTC, want 2019-03-10 03:00 (10 PM EST)", got)
	}
	if e := byID["city:1:dispatched"]; e.Unit != "DSNY" || e.By != "platform" || e.Role != "lead" {
		t.Errorf("dispatched: %+v", e)
	}
	if e := byID["city:1:closed"]; e.At.UTC().Format("2006-01-02 15:04") != "2019-03-11 00:00" {
		t.Errorf("closed at %s, want midnight UTC (the column's own zone)", e.At.UTC())
	}
	if e := byID["city:2:opened"]; e.Street != "unknown" || e.Lat != nil ||
		!strings.Contains(e.Note, ProblemPlaceholderLocation) || !strings.Contains(e.Note, ProblemDuplicate) {
		t.Errorf("flagged opened: %+v", e)
	}
	if _, ok := byID["city:2:closed"]; ok {
		t.Error("an open request got a close")
	}
	q := d.Quality()
	want := map[string]int{ProblemDateOnly: 3, ProblemNotClosed: 1, ProblemMissingArea: 1, ProblemPlaceholderLocation: 1,
		ProblemDuplicate: 1, ProblemClosedBeforeOpened: 1, ProblemMissingAgency: 1, ProblemRejected: 1, ProblemRepeatedCase: 1}
	for kind, n := range want {
		if p := q.Problems[kind]; p == nil || p.Count != n {
			t.Errorf("%s: %+v, want %d", kind, p, n)
		}
	}
	if q.Rows != 5 {
		t.Errorf("%d rows", q.Rows)
	}
	if ex := q.Problems[ProblemRepeatedCase].Examples[0]; ex.Line != 6 || ex.Detail != "also on line 2" {
		t.Errorf("repeated case example %+v", ex)
	}
	if ex := q.Problems[ProblemDuplicate].Examples[0]; ex.Detail != "marked duplicate of X-1" {
		t.Errorf("duplicate example %+v", ex)
	}
	units := map[string]evaluation.UnitKind{}
	for _, u := range d.Found().Units {
		units[u.Code] = u.Kind
	}
	if units["DSNY"] != evaluation.Department || units["parks-dept"] != evaluation.Department || units["ward-1"] != evaluation.Street ||
		units["unknown"] == "" {
		t.Errorf("found units %v", units)
	}
	// No responded column: the categories found are judged on disposal
	// alone (class R), not on responses no record can show.
	for _, c := range d.Found().Categories {
		if c.Class != "R" {
			t.Errorf("category %s registered in class %q, want R", c.Code, c.Class)
		}
	}
	withResponses, err := ParseMapping(strings.NewReader(strings.Replace(testMapping, "  agency: Agency\n", "  agency: Agency\n  responded: Created\n", 1)))
	if err != nil || withResponses.CategoryClass.Default != "C" {
		t.Errorf("a mapping with a responded column: class %q, %v", withResponses.CategoryClass.Default, err)
	}
}

// TestParseMappingErrors: a bad mapping is refused with its line and field.
func TestParseMappingErrors(t *testing.T) {
	for _, c := range []struct{ name, yaml, want string }{
		{"unknown field", testMapping + "colour: red\n", "colour"},
		{"no source", strings.Replace(testMapping, "source: city\n", "", 1), "field source: required"},
		{"bad zone", strings.Replace(testMapping, "America/New_York", "Mars/Olympus", 1), "line 4: field timezone"},
		{"bad format", strings.Replace(testMapping, "format: csv", "format: xml", 1), "line 1: field format"},
		{"no case column", strings.Replace(testMapping, "  case: Id\n", "", 1), "field case: required"},
		{"bad source value", testMapping + "sources: {PHONE: telepathy}\n", "not a source"},
		{"bad date_only", strings.Replace(testMapping, `["00:00:00"]`, `["midnight"]`, 1), "field date_only"},
	} {
		_, err := ParseMapping(strings.NewReader(c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	// A column the header lacks stops the file at its header.
	m, _ := ParseMapping(strings.NewReader(testMapping))
	_, err := NewMappedDecoder(strings.NewReader("Id,Created\n1,x\n"), m).Next()
	if err == nil || !strings.Contains(err.Error(), `line 1: column "Closed"`) || errors.Is(err, io.EOF) {
		t.Errorf("missing column: %v", err)
	}
}

func TestCode(t *testing.T) {
	for in, want := range map[string]string{"Solid Waste": "solid-waste", "DIM, Public Way Management - CDOT": "dim-public-way-management-cdot",
		"  09 QUEENS ": "09-queens", "城管局": "城管局", "ward 28": "ward-28", "---": "", strings.Repeat("长", 40): strings.Repeat("长", 21)} {
		if got := Code(in); got != want {
			t.Errorf("Code(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzMapped: whatever the export holds, the mapped decoder never panics
// or loops; each record is an error or an event with an id, a case and a
// time, on a line that does not go back; and the quality report counts
// every row it read.
func FuzzMapped(f *testing.F) {
	f.Add([]byte("Id,Created,Closed,Agency,Area,Type,Lat,Lon,Dup,Parent\n1,03/09/2019 10:00:00 PM,2019-03-11,Sanitation,Ward 1,Dirty Alley,40.1,-73.9,,\n"))
	f.Add([]byte("Id,Created,Closed,Agency,Area,Type,Lat,Lon,Dup,Parent\n2,03/10/2019 09:00:00 AM,,,N/A,,39,-77,true,1\n\"3,x\n"))
	f.Add([]byte("Id,Created\n"))
	m, err := ParseMapping(strings.NewReader(testMapping))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d := NewMappedDecoder(strings.NewReader(string(data)), m)
		last, records := 0, 0
		for {
			rec, err := d.Next()
			if err != nil {
				break // io.EOF, a header problem or a broken quote: the file ends there
			}
			if records++; records > 10*len(data)+10 {
				t.Fatalf("%d records from %d bytes", records, len(data))
			}
			if rec.Line < last {
				t.Fatalf("record at line %d after line %d", rec.Line, last)
			}
			last = rec.Line
			if rec.Err == nil && (rec.Event.ID == "" || rec.Event.Case == "" || rec.Event.At.IsZero()) {
				t.Fatalf("an event without id, case or time: %+v", rec.Event)
			}
		}
		rejected := 0
		if p := d.Quality().Problems[ProblemRejected]; p != nil {
			rejected = p.Count
		}
		if rejected > d.Quality().Rows {
			t.Fatalf("%d rejected of %d rows", rejected, d.Quality().Rows)
		}
	})
}

// TestMappedBadQuote: a row the CSV reader cannot parse is rejected with
// its line, and the rows after it are still read.
func TestMappedBadQuote(t *testing.T) {
	m, _ := ParseMapping(strings.NewReader(testMapping))
	csv := "Id,Created,Closed,Agency,Area,Type,Lat,Lon,Dup,Parent\n" +
		"1,03/09/2019 10:00:00 PM,,Sanitation,Ward 1,Dirty \"Alley,,,,\n" +
		"2,03/09/2019 10:00:00 PM,,Sanitation,Ward 1,Dirty Alley,,,,\n"
	d := NewMappedDecoder(strings.NewReader(csv), m)
	var lines []int
	var cases []string
	for {
		rec, err := d.Next()
		if err != nil {
			break
		}
		if rec.Err != nil {
			lines = append(lines, rec.Line)
			continue
		}
		cases = append(cases, rec.Event.Case)
	}
	if len(lines) != 1 || lines[0] != 2 || len(cases) == 0 || cases[0] != "X-2" {
		t.Errorf("rejected lines %v, cases %v: want line 2 rejected and X-2 read", lines, cases)
	}
}

// decodeFile reads testdata/cities/NAME.csv through NAME.yaml.
func decodeFile(t *testing.T, name string) (events []evaluation.Event, rejects []*Record, d *MappedDecoder) {
	t.Helper()
	mf, err := os.Open("testdata/cities/" + name + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer mf.Close()
	m, err := ParseMapping(mf)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("testdata/cities/" + name + ".csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d = NewMappedDecoder(f, m)
	for {
		rec, err := d.Next()
		if err == io.EOF {
			return events, rejects, d
		}
		if err != nil {
			t.Fatal(err)
		}
		if rec.Err != nil {
			rejects = append(rejects, rec)
			continue
		}
		events = append(events, rec.Event)
	}
}

// TestMappingOffsetsAndClasses reads San Francisco's local times
// labelled +00:00, with a space or a T, as San Francisco's wall clock;
// and gives one category its own class, the others the default.
func TestMappingOffsetsAndClasses(t *testing.T) {
	events, rejects, d := decodeFile(t, "sf-local-utc")
	if len(rejects) != 0 {
		t.Fatalf("rejected: %v", rejects[0].Err)
	}
	at := map[string]string{}
	for _, e := range events {
		at[e.ID] = e.At.UTC().Format(time.RFC3339)
	}
	for id, want := range map[string]string{
		"sf:101:opened": "2020-01-01T16:00:00Z", // 08:00 in San Francisco, winter (UTC−8)
		"sf:101:closed": "2020-01-02T00:30:00Z",
		"sf:102:opened": "2020-07-01T20:15:00Z", // 13:15, summer (UTC−7)
	} {
		if at[id] != want {
			t.Errorf("%s at %s, want %s", id, at[id], want)
		}
	}
	classes := map[string]string{}
	for _, c := range d.Found().Categories {
		classes[c.Code] = c.Class
	}
	if classes["graffiti"] != "A" || classes["street-cleaning"] != "R" {
		t.Errorf("classes of the categories found: %v; want graffiti A (its own), street-cleaning R (the default)", classes)
	}
	// Kept, the written offset is the truth.
	keep := strings.Replace(readTestFile(t, "testdata/cities/sf-local-utc.yaml"), "\noffset: ignore", "\noffset: keep", 1)
	m, err := ParseMapping(strings.NewReader(keep))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := NewMappedDecoder(strings.NewReader(readTestFile(t, "testdata/cities/sf-local-utc.csv")), m).Next()
	if err != nil || rec.Err != nil || !rec.Event.At.Equal(time.Date(2020, 1, 1, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("offset kept: %+v %v; want 08:00 UTC", rec, err)
	}
	for _, bad := range [][2]string{{"\noffset: ignore", "\noffset: local"}, {"\noffset: ignore", "\noffset: Mars/Olympus"},
		{"  closed: Closed", "  closed: {column: Closed, offset: sometimes}"}} {
		text := strings.Replace(readTestFile(t, "testdata/cities/sf-local-utc.yaml"), bad[0], bad[1], 1)
		if _, err := ParseMapping(strings.NewReader(text)); err == nil || !strings.Contains(err.Error(), "is not keep, ignore or a time zone") {
			t.Errorf("%q: %v; want the offset refused", bad, err)
		}
	}
}

// TestMappingStreetNumbers makes Boston's "Ward 5", "05" and "5" one
// street, ward-5; a name stays a name.
func TestMappingStreetNumbers(t *testing.T) {
	events, rejects, d := decodeFile(t, "boston-wards")
	if len(rejects) != 0 {
		t.Fatalf("rejected: %v", rejects[0].Err)
	}
	var streets []string
	for _, e := range events {
		if e.Type == evaluation.Opened {
			streets = append(streets, e.Street)
		}
	}
	if got := strings.Join(streets, " "); got != "ward-5 ward-5 ward-5 ward-12 downtown ward-0" {
		t.Errorf("streets: %s", got)
	}
	if n := len(d.Found().Units); n != 5 { // ward-5, ward-12, downtown, ward-0 and the department
		t.Errorf("%d units found: %+v", n, d.Found().Units)
	}
}

func readTestFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestMappingStatuses reads Los Angeles's statuses: a cancelled or
// duplicate request is closed without resolution (its closed event says
// why, no one resolved it); a status the times contradict is flagged.
func TestMappingStatuses(t *testing.T) {
	events, rejects, d := decodeFile(t, "la-statuses")
	if len(rejects) != 0 {
		t.Fatalf("rejected: %v", rejects[0].Err)
	}
	closes := map[string]string{}
	resolved := map[string]bool{}
	for _, e := range events {
		switch e.Type {
		case evaluation.Closed:
			closes[e.Case] = e.Reason + "@" + e.At.UTC().Format("01-02 15:04")
		case evaluation.Resolved:
			resolved[e.Case] = true
		}
	}
	want := map[string]string{"1-1": "@01-02 18:00", "1-2": "cancelled@01-09 18:00", "1-3": "@01-03 18:00",
		"1-5": "duplicate@01-02 17:00", "1-7": "cancelled@01-02 16:00"}
	for id, w := range want {
		if closes[id] != w {
			t.Errorf("%s closed %q, want %q", id, closes[id], w)
		}
	}
	if len(closes) != len(want) || resolved["1-2"] || resolved["1-5"] || resolved["1-7"] || !resolved["1-1"] {
		t.Errorf("closes %v, resolved %v: the withdrawn ones are closed unresolved, the others resolved", closes, resolved)
	}
	q := d.Quality()
	for kind, n := range map[string]int{ProblemCancelled: 2, ProblemDuplicateWithdrawn: 1, ProblemStatusContradicts: 3} {
		if p := q.Problems[kind]; p == nil || p.Count != n {
			t.Errorf("%s: %+v, want %d", kind, p, n)
		}
	}
	if _, err := ParseMapping(strings.NewReader(strings.Replace(readTestFile(t, "testdata/cities/la-statuses.yaml"), "Open: open", "Open: maybe", 1))); err == nil ||
		!strings.Contains(err.Error(), `"maybe" for "Open" is not open, closed, cancelled or duplicate`) {
		t.Errorf("a status meaning nothing: %v", err)
	}
}
