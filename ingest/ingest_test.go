package ingest_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"frontline/evaluation"
	"frontline/formats"
	"frontline/ingest"
	"frontline/store"
)

const registryYAML = `units:
  - {code: S1, kind: street, name: {zh: 鼓东街道, en: Gudong Street}}
  - {code: D1, kind: department, name: {zh: 城管局, en: City Management Bureau}}
categories:
  - {code: garbage, class: A, urgency: normal, name: {zh: 垃圾清理, en: Garbage clean-up}}
cadres:
  - {id: K001, name: 张三, position: 街道党工委书记}
tenures:
  - {cadre: K001, unit: S1, role: head, from: 2026-01-01, to: 2026-06-30}
`

func openDB(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "t.db"), store.WithPolicyFormat(formats.ParsePolicies))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	reg, err := formats.ParseRegistry(strings.NewReader(registryYAML), "yaml", func(string) bool { return false })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.LoadRegistry(context.Background(), reg, store.OriginRegistry); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestRunKeepsGoingAfterBadLines checks the summary and that every bad
// line is reported while the good ones around it are stored.
func TestRunKeepsGoingAfterBadLines(t *testing.T) {
	db := openDB(t)
	input := strings.Join([]string{
		`{"id":"E1","case":"C1","type":"opened","at":"2026-06-01T09:00:00+08:00","category":"garbage","street":"S1","reporter":"张三 13800000000"}`,
		`{"id":"E2","case":"C1","type":"dispatched","at":"2026-06-01T09:05:00+08:00","unit":"D1"}`,
		`not json`,
		`{"id":"E3","case":"C1","type":"dispatched","at":"2026-06-01T09:05:00+08:00","unit":"D1","by":"S1"}`,
		`{"id":"E3","case":"C1","type":"dispatched","at":"2026-06-01T09:06:00+08:00","unit":"D1","by":"S1"}`,
		`{"id":"E4","case":"C1","type":"responded","at":"2026-06-01T09:07:00+08:00","unit":"D9"}`,
		`{"id":"E1","case":"C1","type":"opened","at":"2026-06-01T09:00:00+08:00","category":"garbage","street":"S1","reporter":"张三 13800000000"}`,
	}, "\n")
	var seen []ingest.Reject
	in := &ingest.Ingester{Store: db, Pseudo: evaluation.NewPseudonymizer([]byte("0123456789abcdef")), BatchSize: 2,
		OnReject: func(r ingest.Reject) { seen = append(seen, r) }}
	got, err := in.Run(context.Background(), formats.NewNDJSONDecoder(strings.NewReader(input)))
	if err != nil {
		t.Fatal(err)
	}
	want := ingest.Summary{Read: 7, Accepted: 2, Duplicates: 1, Conflicts: 1, Rejected: 2, Quarantined: 1, Errors: seen}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(ingest.Reject{}, "Raw"), cmpopts.IgnoreFields(ingest.Summary{}, "Content")); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	for _, r := range got.Errors {
		if r.Raw != "" {
			t.Errorf("summary keeps the raw record of line %d; only OnReject should see it", r.Line)
		}
	}
	if seen[0].Raw != strings.Split(input, "\n")[1] || seen[1].Raw != "not json" {
		t.Errorf("rejects keep %q and %q, want the records as read", seen[0].Raw, seen[1].Raw)
	}
	wantRejects := []string{
		`line 2 (id "E2"): field by: required for dispatched`,
		`line 3: invalid JSON at byte 2: invalid character 'o' in literal null (expecting 'u')`,
		`line 5 (id "E3"): field id: conflict: an event with this id is already stored with different content`,
	}
	var gotRejects []string
	for _, r := range seen {
		gotRejects = append(gotRejects, r.String())
	}
	if diff := cmp.Diff(wantRejects, gotRejects); diff != "" {
		t.Errorf("rejects (-want +got):\n%s", diff)
	}
	v, err := db.Case(context.Background(), "C1")
	if err != nil {
		t.Fatal(err)
	}
	if r := v.Trail[0].Reporter; strings.Contains(r, "13800000000") || !strings.HasPrefix(r, "p1:") {
		t.Errorf("stored reporter %q, want a pseudonym", r)
	}
}

func TestParseRegistryErrorsNameTheLine(t *testing.T) {
	none := func(string) bool { return false }
	tests := []struct {
		name, format, input, want string
	}{
		{"bad kind", "yaml", "units:\n  - {code: S1, kind: street, name: {zh: 甲}}\n  - {code: S2, kind: town, name: {zh: 乙}}\n",
			`line 3: field units[1].kind: "town" is not one of [street community department enterprise]`},
		{"unknown parent", "yaml", "units:\n  - code: C1\n    kind: community\n    parent: S7\n    name: {zh: 甲}\n",
			`line 4: field units[0].parent: unknown unit "S7"`},
		{"unknown key", "yaml", "units:\n  - {code: S1, kind: street, colour: red, name: {zh: 甲}}\n", "colour"},
		{"bad date", "yaml", "cadres:\n  - {id: K1, name: 甲}\ntenures:\n  - {cadre: K1, unit: S1, role: head, from: 1 May}\n", "want a date like 2026-01-31"},
		{"csv unknown record", "csv", "record,code,kind,name_zh\nunit,S1,street,甲\nshop,X,y,z\n",
			`line 3: field record: "shop" is not one of unit, category, cadre, tenure`},
		{"csv missing name", "csv", "record,code,kind,name_zh\nunit,S1,street,甲\nunit,S2,street,\n",
			`line 3: field units[1].name.zh: required`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := formats.ParseRegistry(strings.NewReader(tt.input), tt.format, none)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseRegistry() error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestParseRegistryCSVMatchesYAML(t *testing.T) {
	none := func(string) bool { return false }
	fromYAML, err := formats.ParseRegistry(strings.NewReader(registryYAML), "yaml", none)
	if err != nil {
		t.Fatal(err)
	}
	csv := `record,code,kind,parent,name_zh,name_en,class,urgency,id,name,position,cadre,unit,role,from,to
unit,S1,street,,鼓东街道,Gudong Street,,,,,,,,,,
unit,D1,department,,城管局,City Management Bureau,,,,,,,,,,
category,garbage,,,垃圾清理,Garbage clean-up,A,normal,,,,,,,,
cadre,,,,,,,,K001,张三,街道党工委书记,,,,,
tenure,,,,,,,,,,,K001,S1,head,2026-01-01,2026-06-30
`
	fromCSV, err := formats.ParseRegistry(strings.NewReader(csv), "csv", none)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fromYAML, fromCSV); diff != "" {
		t.Errorf("CSV and YAML forms differ (-yaml +csv):\n%s", diff)
	}
}

func TestCSVRejectsNameTheEventID(t *testing.T) {
	db := openDB(t)
	input := "case,id,type,at,score\nC1,E1,closed,2026-06-01T09:00:00Z\nC1,E2,closed,2026-06-01 09:00,\nC1,E3,closed,2026-06-01T09:00:00Z,\n"
	var seen []string
	in := &ingest.Ingester{Store: db, Pseudo: evaluation.NewPseudonymizer([]byte("0123456789abcdef")),
		OnReject: func(r ingest.Reject) { seen = append(seen, r.String()) }}
	if _, err := in.Run(context.Background(), formats.NewCSVDecoder(strings.NewReader(input))); err != nil {
		t.Fatal(err)
	}
	want := []string{`line 2 (id "E1"): row has 4 fields, header has 5`,
		`line 3 (id "E2"): field at: want an RFC 3339 time with an offset, like 2026-06-01T09:00:00+08:00, got "2026-06-01 09:00"`}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("rejects (-want +got):\n%s", diff)
	}
}
