package formats

import (
	"io"
	"strings"
	"testing"
)

func TestJSONArrayDecoder(t *testing.T) {
	in := `[{"id":"E1","case":"C1","type":"closed","at":"2026-06-01T09:00:00+08:00"},
	 {"id":"E2","case":"C1","type":"closed","at":5} ,
	 {"id":"E3","case":"C1","type":"closed","at":"2026-06-01T09:00:00+08:00"}]`
	d := NewJSONArrayDecoder(strings.NewReader(in))
	var got []string
	for {
		rec, err := d.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		status := "ok"
		if rec.Err != nil {
			status = "rejected"
		}
		got = append(got, rec.Event.ID+":"+status)
		if rec.Line != len(got) {
			t.Errorf("element %d has line %d", len(got), rec.Line)
		}
	}
	if strings.Join(got, " ") != "E1:ok E2:rejected E3:ok" {
		t.Errorf("got %v", got)
	}
	for _, bad := range []string{``, `{"id":"E1"}`, `[{"id":"E1"`, `[1,`} {
		d := NewJSONArrayDecoder(strings.NewReader(bad))
		var err error
		for err == nil {
			_, err = d.Next()
		}
		if err == io.EOF {
			t.Errorf("%q decoded without an error", bad)
		}
	}
}
