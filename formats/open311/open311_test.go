package open311

import (
	"io"
	"strings"
	"testing"

	"frontline/evaluation"
	"frontline/formats"
)

// TestDecoderProblems: a request without an id, or with a time that does
// not read, is rejected naming the field; a closed request without a
// closed note closes at updated_datetime, flagged.
func TestDecoderProblems(t *testing.T) {
	in := `[
	  {"service_request_id": "", "requested_datetime": "2014-01-01T10:00:00-06:00"},
	  {"service_request_id": "A", "requested_datetime": "2014-01-01T10:00:00-06:00",
	   "notes": [{"type": "opened", "datetime": "2014-01-01T10:00:00-06:00"}, {"type": "activity", "datetime": "soon"}]},
	  {"service_request_id": "B", "status": "closed", "service_code": "pothole", "service_name": "Pothole",
	   "agency_responsible": "Streets", "requested_datetime": "2014-01-01T10:00:00-06:00", "updated_datetime": "2014-01-03T10:00:00-06:00",
	   "extended_attributes": {"ward": 5, "channel": "phone"}}
	]`
	d := NewDecoder(strings.NewReader(in), Options{CasePrefix: "CHI-"})
	var events []evaluation.Event
	var rejected []*formats.Record
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
			t.Errorf("%s: %v", rec.Event.ID, err)
		}
		events = append(events, rec.Event)
	}
	if len(rejected) != 2 || !strings.Contains(rejected[0].Err.Error(), "service_request_id") ||
		rejected[1].Line != 2 || !strings.Contains(rejected[1].Err.Error(), "notes[1].datetime") {
		t.Fatalf("rejected: %v, %v", rejected[0].Err, rejected[1].Err)
	}
	types := []string{}
	for _, e := range events {
		types = append(types, string(e.Type)+" "+e.Unit)
	}
	if got := strings.Join(types, ", "); got != "opened , dispatched streets, resolved streets, closed " {
		t.Errorf("events: %s", got)
	}
	if e := events[0]; e.Case != "CHI-B" || e.Street != "ward-5" || e.Category != "pothole" || e.Source != "hotline" ||
		!strings.Contains(e.Note, formats.ProblemClosedWithoutNote) {
		t.Errorf("opened: %+v", e)
	}
	if p := d.Quality().Problems[formats.ProblemClosedWithoutNote]; p == nil || p.Count != 1 {
		t.Errorf("quality: %+v", d.Quality().Problems)
	}
}

// FuzzOpen311: whatever the array holds, the decoder never panics; each
// record is an error or an event with an id, a case and a time.
func FuzzOpen311(f *testing.F) {
	f.Add([]byte(`[{"service_request_id":"A","requested_datetime":"2014-01-01T10:00:00-06:00","status":"closed","notes":[{"type":"closed","datetime":"2014-01-02T10:00:00-06:00"}]}]`))
	f.Add([]byte(`[{"service_request_id":"B","requested_datetime":"2014-01-01 10:00:00","agency_responsible":"X","extended_attributes":{"ward":null},"notes":[{"type":"follow_on_created","datetime":"2014-01-01T11:00:00Z","extended_attributes":{"agency_responsible":7}}]}]`))
	f.Add([]byte(`[1, "x", {}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := NewDecoder(strings.NewReader(string(data)), Options{})
		for records := 0; ; records++ {
			rec, err := d.Next()
			if err != nil {
				return
			}
			if records > 100*len(data)+10 {
				t.Fatalf("%d records from %d bytes", records, len(data))
			}
			if rec.Err == nil && (rec.Event.ID == "" || rec.Event.Case == "" || rec.Event.At.IsZero()) {
				t.Fatalf("an event without id, case or time: %+v", rec.Event)
			}
		}
	})
}
