package formats

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"

	"frontline/evaluation"
)

// decodeAll reads every record and returns them with their outcome
// ("ok" or the reason) after validation, as ingest would judge them.
func decodeAll(t *testing.T, dec interface{ Next() (*Record, error) }) []string {
	t.Helper()
	var out []string
	for {
		rec, err := dec.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			out = append(out, "error: "+err.Error())
			return out
		}
		if rec.Err == nil {
			rec.Err = rec.Event.Validate()
		}
		if rec.Err == nil {
			out = append(out, strconv.Itoa(rec.Line)+" ok "+rec.Event.ID)
		} else {
			out = append(out, strconv.Itoa(rec.Line)+" "+rec.Err.Error())
		}
	}
}

const good = `{"id":"E1","case":"C1","type":"opened","at":"2026-06-01T09:00:00+08:00","category":"garbage","street":"S1"}`

func TestNDJSONBadInput(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []string // one entry per record: "LINE ok ID" or "LINE reason…"
	}{
		{"good line", good + "\n", []string{"1 ok E1"}},
		{"no final newline", good, []string{"1 ok E1"}},
		{"blank lines skipped", "\n\n" + good + "\n\n", []string{"3 ok E1"}},
		{"CRLF", good + "\r\n", []string{"1 ok E1"}},
		{"truncated line", `{"id":"E2","case":"C1","ty` + "\n" + good, []string{"1 invalid JSON: truncated", "2 ok E1"}},
		{"invalid JSON", "{id: E2}\n" + good, []string{"1 invalid JSON at byte 2: invalid character 'i' looking for beginning of object key string", "2 ok E1"}},
		{"invalid UTF-8", "{\"id\":\"E\xff\"}\n" + good, []string{"1 not valid UTF-8", "2 ok E1"}},
		{"wrong type", `{"id":"E3","case":"C1","type":"response_evaluated","at":"2026-06-01T09:00:00+08:00","unit":"S1","target":"D1","score":"five"}`,
			[]string{"1 field score: want a number, got string"}},
		{"bool as string", `{"id":"E3","case":"C1","type":"revisited","at":"2026-06-01T09:00:00+08:00","unit":"S1","in_place":"yes"}`,
			[]string{"1 field in_place: want true or false, got string"}},
		{"missing required", `{"id":"E4","case":"C1","type":"dispatched","at":"2026-06-01T09:00:00+08:00","unit":"D1"}`,
			[]string{"1 field by: required for dispatched"}},
		{"unknown type", `{"id":"E5","case":"C1","type":"teleported","at":"2026-06-01T09:00:00+08:00"}`,
			[]string{`1 field type: unknown event type "teleported"`}},
		{"time without offset", `{"id":"E6","case":"C1","type":"closed","at":"2026-06-01T09:00:00"}`,
			[]string{`1 field at: want an RFC 3339 time with an offset, like 2026-06-01T09:00:00+08:00, got "2026-06-01T09:00:00"`}},
		{"unknown field", `{"id":"E7","case":"C1","type":"closed","at":"2026-06-01T09:00:00Z","satisfation":"satisfied"}`,
			[]string{"1 field satisfation: unknown field"}},
		{"not an object", `[1,2,3]`, []string{"1 want a JSON object, got array"}},
		{"two values on a line", good + good, []string{"1 invalid JSON: more than one value on the line"}},
		{"a field in capitals", `{"id":"E8","ID":"E9","case":"C1","type":"closed","at":"2026-06-01T09:00:00Z"}` + "\n" + good,
			[]string{`1 field ID: field names are lower case: write "id"`, "2 ok E1"}},
		{"a field twice", `{"id":"E8","case":"C1","type":"closed","case":"C2","at":"2026-06-01T09:00:00Z"}`,
			[]string{"1 field case: given twice: each field once"}},
		{"a field twice, escaped", `{"id":"E8","case":"C1","type":"closed","\u0063ase":"C2","at":"2026-06-01T09:00:00Z"}`,
			[]string{"1 field case: given twice: each field once"}},
		{"nested keys are not fields", `{"id":"E8","case":"C1","type":"closed","at":"2026-06-01T09:00:00Z","note":"{\"id\":1}"}`,
			[]string{"1 ok E8"}},
		{"empty file", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decodeAll(t, NewNDJSONDecoder(strings.NewReader(tt.input)))
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestNDJSONHugeLineIsSkipped(t *testing.T) {
	huge := `{"id":"X","note":"` + strings.Repeat("a", 10<<20) + `"}`
	input := good + "\n" + huge + "\n" + strings.Replace(good, "E1", "E2", 1) + "\n"
	got := decodeAll(t, NewNDJSONDecoder(strings.NewReader(input)))
	want := []string{"1 ok E1", "2 line longer than 1048576 bytes", "3 ok E2"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestCSVBadInput(t *testing.T) {
	header := "id,case,type,at,category,street,unit,by,score\n"
	tests := []struct {
		name  string
		input string
		want  []string
	}{
		{"good rows", header + "E1,C1,opened,2026-06-01T09:00:00+08:00,garbage,S1,,,\nE2,C1,dispatched,2026-06-01T09:05:00+08:00,,,D1,S1,\n",
			[]string{"2 ok E1", "3 ok E2"}},
		{"row with a missing column", header + "E1,C1,opened,2026-06-01T09:00:00+08:00,garbage,S1\nE2,C1,closed,2026-06-01T09:05:00+08:00,,,,,\n",
			[]string{"2 row has 6 fields, header has 9", "3 ok E2"}},
		{"bad number", header + "E1,C1,response_evaluated,2026-06-01T09:00:00+08:00,,,S1,,five\n",
			[]string{`2 field score: want a whole number, got "five"`}},
		{"time without offset", header + "E1,C1,closed,2026-06-01 09:00,,,,,\n",
			[]string{`2 field at: want an RFC 3339 time with an offset, like 2026-06-01T09:00:00+08:00, got "2026-06-01 09:00"`}},
		{"bare quote", header + "E1,C1,clo\"sed,2026-06-01T09:00:00Z,,,,,\nE2,C1,closed,2026-06-01T09:05:00+08:00,,,,,\n",
			[]string{`2 invalid CSV: bare " in non-quoted-field`, "3 ok E2"}},
		{"header without at", "id,case,type\nE1,C1,closed\n", []string{`error: line 1: header: missing column "at"`}},
		{"unknown column", "id,case,type,at,colour\n", []string{`error: line 1: header: unknown column "colour"`}},
		{"empty file", "", nil},
		{"BOM before header", "\uFEFF" + header + "E1,C1,closed,2026-06-01T09:00:00Z,,,,,\n", []string{"2 ok E1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decodeAll(t, NewCSVDecoder(strings.NewReader(tt.input)))
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// FuzzNDJSON checks that no input makes the decoder panic, lose a line or
// accept an event that breaks the contract.
func FuzzNDJSON(f *testing.F) {
	f.Add([]byte(good + "\n"))
	f.Add([]byte(`{"id":"E1","case":"C1","type":"rated","at":"2026-06-01T09:00:00Z","satisfaction":"satisfied","solved":true}`))
	f.Add([]byte("{\"id\":1}\n\xff\n[]\nnull\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dec := NewNDJSONDecoder(strings.NewReader(string(data)))
		last := 0
		for {
			rec, err := dec.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("Next() = %v", err)
			}
			if rec.Line <= last {
				t.Fatalf("line %d after line %d", rec.Line, last)
			}
			last = rec.Line
			if rec.Err == nil && rec.Event.Validate() == nil {
				checkAccepted(t, &rec.Event)
			}
		}
		if lines := strings.Count(string(data), "\n") + 1; last > lines {
			t.Fatalf("reported line %d of a %d-line input", last, lines)
		}
	})
}

// FuzzCSV does the same for the CSV form.
func FuzzCSV(f *testing.F) {
	f.Add([]byte("id,case,type,at\nE1,C1,closed,2026-06-01T09:00:00Z\n"))
	f.Add([]byte("id,case,type,at,score,unit,target\nE1,C1,response_evaluated,2026-06-01T09:00:00Z,3,S1,D1\n"))
	f.Add([]byte("id,case,type,at\n\"E1,C1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dec := NewCSVDecoder(strings.NewReader(string(data)))
		last := 1 // the header
		for {
			rec, err := dec.Next()
			if err != nil {
				if !errors.Is(err, io.EOF) && !strings.HasPrefix(err.Error(), "line 1: header") && last > 1 {
					t.Fatalf("after line %d the decoder stopped with %v", last, err)
				}
				return // io.EOF, or a header problem that ends the file
			}
			if rec.Line <= last-1 || rec.Line < 2 {
				t.Fatalf("record at line %d after line %d", rec.Line, last)
			}
			last = rec.Line
			if rec.Err == nil && rec.Event.Validate() == nil {
				checkAccepted(t, &rec.Event)
			}
		}
	})
}

// checkAccepted asserts what the contract promises of an accepted event.
func checkAccepted(t *testing.T, e *evaluation.Event) {
	t.Helper()
	if e.ID == "" || e.Case == "" || e.At.IsZero() {
		t.Fatalf("accepted an event without id, case or time: %+v", e)
	}
	if e.Score != nil && (*e.Score < 1 || *e.Score > 5) {
		t.Fatalf("accepted score %d", *e.Score)
	}
	if e.Type == evaluation.Dispatched && (e.Unit == "" || e.By == "") {
		t.Fatalf("accepted a dispatch without unit or by: %+v", e)
	}
}
