package evaluation

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func validEvent(typ EventType) Event {
	e := Event{ID: "E1", Case: "C1", Type: typ, At: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)}
	yes, score := true, 4
	switch typ {
	case Opened:
		e.Category, e.Street = "garbage", "S1"
	case Dispatched:
		e.Unit, e.By = "D1", "S1"
	case Responded, Reported, Resolved, Returned:
		e.Unit = "D1"
	case ReturnRuled, AppealDecided:
		e.Unit, e.Target, e.Upheld = "ORG", "D1", &yes
	case Rated:
		e.Satisfaction = "satisfied"
	case Revisited:
		e.Unit, e.InPlace = "S1", &yes
	case CallEvaluated:
		e.Unit, e.Target, e.Accurate = "D1", "S1", &yes
	case ResponseEvaluated:
		e.Unit, e.Target, e.Score = "S1", "D1", &score
	case Supervised, Urged:
		e.Unit, e.Target = "DIS", "D1"
	case FindingWithdrawn:
		e.Unit, e.Target = "DIS", "E9"
	case Appealed:
		e.Unit, e.Target, e.Reason = "D1", "E7", "the resident was away"
	}
	return e
}

func TestValidateAcceptsEveryType(t *testing.T) {
	for _, typ := range EventTypes {
		e := validEvent(typ)
		if err := e.Validate(); err != nil {
			t.Errorf("%s: Validate() = %v, want nil", typ, err)
		}
	}
}

func TestValidateNamesTheField(t *testing.T) {
	zero, six, nan := 0, 6, 91.0
	tests := []struct {
		name   string
		edit   func(*Event)
		typ    EventType
		field  string
		reason string
	}{
		{"missing id", func(e *Event) { e.ID = "" }, Opened, "id", "required"},
		{"missing case", func(e *Event) { e.Case = "" }, Opened, "case", "required"},
		{"missing type", func(e *Event) { e.Type = "" }, Opened, "type", "required"},
		{"unknown type", func(e *Event) { e.Type = "teleported" }, Opened, "type", "unknown event type"},
		{"missing at", func(e *Event) { e.At = time.Time{} }, Opened, "at", "required"},
		{"absurd year", func(e *Event) { e.At = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC) }, Opened, "at", "outside"},
		{"opened without category", func(e *Event) { e.Category = "" }, Opened, "category", "required for opened"},
		{"opened without street", func(e *Event) { e.Street = "" }, Opened, "street", "required for opened"},
		{"dispatch without by", func(e *Event) { e.By = "" }, Dispatched, "by", "required for dispatched"},
		{"ruling without upheld", func(e *Event) { e.Upheld = nil }, ReturnRuled, "upheld", "required"},
		{"score zero", func(e *Event) { e.Score = &zero }, ResponseEvaluated, "score", "outside 1–5"},
		{"score six", func(e *Event) { e.Score = &six }, ResponseEvaluated, "score", "outside 1–5"},
		{"bad satisfaction", func(e *Event) { e.Satisfaction = "meh" }, Rated, "satisfaction", "not one of"},
		{"bad urgency", func(e *Event) { e.Urgency = "asap" }, Opened, "urgency", "not one of"},
		{"bad source", func(e *Event) { e.Source = "pigeon" }, Opened, "source", "not one of"},
		{"bad role", func(e *Event) { e.Role = "boss" }, Dispatched, "role", "not one of"},
		{"bad return reason", func(e *Event) { e.Reason = "lazy" }, Returned, "reason", "not one of"},
		{"bad severity", func(e *Event) { e.Severity = "fatal" }, Supervised, "severity", "not one of"},
		{"latitude out of range", func(e *Event) { e.Lat = &nan }, Opened, "lat", "outside"},
		{"invalid UTF-8", func(e *Event) { e.Note = "bad \xff byte" }, Opened, "note", "UTF-8"},
		{"huge id", func(e *Event) { e.ID = strings.Repeat("x", MaxIDLen+1) }, Opened, "id", "longer than"},
		{"NUL in an id", func(e *Event) { e.ID = "Q-2\x00" }, Opened, "id", "control character (U+0000) at byte 3"},
		{"line break in a case id", func(e *Event) { e.Case = "C\n1" }, Opened, "case", "control character (U+000A)"},
		{"escape in a unit code", func(e *Event) { e.Street = "S1\x1b[31m" }, Opened, "street", "control character (U+001B)"},
		{"NUL in a note", func(e *Event) { e.Note = "a\x00b" }, Opened, "note", "control character (U+0000)"},
		{"C1 control in a title", func(e *Event) { e.Title = "x\u0085y" }, Opened, "title", "control character (U+0085)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := validEvent(tt.typ)
			tt.edit(&e)
			err := e.Validate()
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Validate() = %v, want a *FieldError", err)
			}
			if fe.Field != tt.field || !strings.Contains(fe.Reason, tt.reason) {
				t.Errorf("Validate() = field %q reason %q, want field %q reason containing %q", fe.Field, fe.Reason, tt.field, tt.reason)
			}
		})
	}
}

func TestUnitRefs(t *testing.T) {
	tests := []struct {
		name string
		e    Event
		want string
	}{
		{"platform dispatch", Event{Type: Dispatched, Unit: "D1", By: PlatformDispatcher}, "D1"},
		{"street call", Event{Type: Dispatched, Unit: "D1", By: "S1"}, "D1 S1"},
		{"opened", Event{Type: Opened, Street: "S1", Community: "S1C1"}, "S1 S1C1"},
		{"evaluation target is a unit", Event{Type: CallEvaluated, Unit: "D1", Target: "S1"}, "D1 S1"},
		{"appeal target is an event", Event{Type: Appealed, Unit: "D1", Target: "E-77"}, "D1"},
	}
	for _, tt := range tests {
		if got := strings.Join(tt.e.UnitRefs(), " "); got != tt.want {
			t.Errorf("%s: UnitRefs() = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestPseudonymizer(t *testing.T) {
	p := NewPseudonymizer([]byte("key one 12345678"))
	q := NewPseudonymizer([]byte("key two 12345678"))
	if p.Reporter("R1") != p.Reporter("R1") {
		t.Error("same reporter, same key: pseudonyms differ")
	}
	if p.Reporter("R1") == q.Reporter("R1") {
		t.Error("same reporter, different keys: pseudonyms equal")
	}
	if strings.Contains(p.Reporter("13800000000"), "13800000000") {
		t.Error("pseudonym contains the clear value")
	}
	stored := p.AccessCode("C1", "123456")
	if !p.CheckAccessCode("C1", "123456", stored) {
		t.Error("right code rejected")
	}
	if p.CheckAccessCode("C2", "123456", stored) || p.CheckAccessCode("C1", "123457", stored) {
		t.Error("wrong case or code accepted")
	}
	e := Event{Case: "C1", Reporter: "R1", AccessCode: "123456"}
	p.Apply(&e)
	if e.Reporter != p.Reporter("R1") || e.AccessCode != stored {
		t.Errorf("Apply() = %q %q, want keyed hashes", e.Reporter, e.AccessCode)
	}
}

func TestDateRoundTrips(t *testing.T) {
	in := Tenure{Cadre: "K1", Unit: "S1", Role: "head", From: Date{time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"cadre":"K1","unit":"S1","role":"head","from":"2026-06-30"}`; string(b) != want {
		t.Errorf("json = %s, want %s", b, want)
	}
	var out Tenure
	if err := json.Unmarshal(b, &out); err != nil || !out.From.Equal(in.From.Time) || !out.To.IsZero() {
		t.Errorf("round trip = %+v, %v; want %+v", out, err, in)
	}
	if err := json.Unmarshal([]byte(`{"from":"30/06/2026"}`), &out); err == nil {
		t.Error("bad date accepted")
	}
}

// TestFreeTextKeepsLineBreaks: a note, a title or an address may run
// over lines and hold tabs; ids and codes may not.
func TestFreeTextKeepsLineBreaks(t *testing.T) {
	e := validEvent(Opened)
	e.Note, e.Title, e.Address = "第一行\r\n第二行", "a\ttab", "楼下\n东门"
	if err := e.Validate(); err != nil {
		t.Errorf("free text over lines: %v", err)
	}
}

func TestSealedSecrets(t *testing.T) {
	p, other := NewPseudonymizer([]byte("key one 0123456789")), NewPseudonymizer([]byte("key two 0123456789"))
	sealed, err := p.Seal("webhook", "wh_1", []byte("s3cret"))
	if err != nil || bytes.Contains(sealed, []byte("s3cret")) {
		t.Fatalf("Seal: %v (%q)", err, sealed)
	}
	if got, err := p.Unseal("webhook", "wh_1", sealed); err != nil || string(got) != "s3cret" {
		t.Errorf("Unseal = %q, %v", got, err)
	}
	for name, open := range map[string]func() ([]byte, error){
		"another key":     func() ([]byte, error) { return other.Unseal("webhook", "wh_1", sealed) },
		"another id":      func() ([]byte, error) { return p.Unseal("webhook", "wh_2", sealed) },
		"another purpose": func() ([]byte, error) { return p.Unseal("session", "wh_1", sealed) },
		"cut short":       func() ([]byte, error) { return p.Unseal("webhook", "wh_1", sealed[:5]) },
	} {
		if _, err := open(); err != ErrUnsealable {
			t.Errorf("%s: %v, want ErrUnsealable", name, err)
		}
	}
}
