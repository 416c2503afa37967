package evaluation

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// EventType names what happened in a case trail (DESIGN.md §3).
type EventType string

// The event types of the ingest contract.
const (
	Opened            EventType = "opened"
	Dispatched        EventType = "dispatched"
	Responded         EventType = "responded"
	Reported          EventType = "reported"
	Resolved          EventType = "resolved"
	Returned          EventType = "returned"
	ReturnRuled       EventType = "return_ruled"
	Closed            EventType = "closed"
	Reopened          EventType = "reopened"
	Rated             EventType = "rated"
	Revisited         EventType = "revisited"
	CallEvaluated     EventType = "call_evaluated"
	ResponseEvaluated EventType = "response_evaluated"
	Supervised        EventType = "supervised"
	Appealed          EventType = "appealed"
	AppealDecided     EventType = "appeal_decided"
	FindingWithdrawn  EventType = "finding_withdrawn"
	Urged             EventType = "urged"
)

// EventTypes lists every event type in contract order.
var EventTypes = []EventType{
	Opened, Dispatched, Responded, Reported, Resolved, Returned, ReturnRuled, Closed,
	Reopened, Rated, Revisited, CallEvaluated, ResponseEvaluated, Supervised, Appealed, AppealDecided,
	FindingWithdrawn, Urged,
}

// PlatformDispatcher is the `by` of a dispatch made by the platform rather than a street.
const PlatformDispatcher = "platform"

// Enumerated values of event fields.
var (
	Sources       = []string{"resident", "grid", "hotline", "patrol", "sensor", "other"}
	Urgencies     = []string{"normal", "urgent", "critical"}
	Roles         = []string{"lead", "assist"}
	ReturnReasons = []string{"misdirected", "not_jurisdiction", "duplicate", "other"}
	Satisfactions = []string{"satisfied", "basically_satisfied", "dissatisfied"}
	Severities    = []string{"notice", "warning", "serious"}
	// CloseReasons are why a case is closed without resolution: it was
	// cancelled, or it duplicates another. Such a case leaves assessment.
	CloseReasons = []string{"cancelled", "duplicate"}
)

// Limits on the size of event fields, so that one hostile line cannot bloat the log.
const (
	MaxIDLen   = 128
	MaxCodeLen = 64
	MaxTextLen = 4000
)

// Event is one entry of a case trail, in the shape of the ingest contract.
// Reporter and AccessCode hold keyed hashes once the event has been
// prepared for storage (see ingest); the clear values are never stored.
type Event struct {
	ID    string    `json:"id"`
	Case  string    `json:"case"`
	Type  EventType `json:"type"`
	At    time.Time `json:"at"`
	Unit  string    `json:"unit,omitempty"`
	Actor string    `json:"actor,omitempty"`
	Note  string    `json:"note,omitempty"`

	// opened
	Category   string   `json:"category,omitempty"`
	Street     string   `json:"street,omitempty"`
	Community  string   `json:"community,omitempty"`
	Source     string   `json:"source,omitempty"`
	Urgency    string   `json:"urgency,omitempty"`
	Reporter   string   `json:"reporter,omitempty"`
	AccessCode string   `json:"access_code,omitempty"`
	Lat        *float64 `json:"lat,omitempty"`
	Lon        *float64 `json:"lon,omitempty"`
	Address    string   `json:"address,omitempty"`
	Title      string   `json:"title,omitempty"`

	// dispatched
	By   string `json:"by,omitempty"`
	Role string `json:"role,omitempty"`

	// returned, reopened, appealed; closed without resolution (CloseReasons)
	Reason string `json:"reason,omitempty"`

	// return_ruled, call_evaluated, response_evaluated, supervised, appealed, appeal_decided, urged
	Target   string `json:"target,omitempty"`
	Upheld   *bool  `json:"upheld,omitempty"`
	Accurate *bool  `json:"accurate,omitempty"`
	Score    *int   `json:"score,omitempty"`
	Severity string `json:"severity,omitempty"`

	// opened, from a city's data: its own deadline for the case and its
	// own verdict as the export says it, kept beside Frontline's (stats
	// verdicts).
	Due    *time.Time `json:"due,omitempty"`
	OnTime *bool      `json:"on_time,omitempty"`

	// rated, revisited
	Satisfaction string `json:"satisfaction,omitempty"`
	Solved       *bool  `json:"solved,omitempty"`
	InPlace      *bool  `json:"in_place,omitempty"`
}

// required lists, per type, the fields beyond id, case, type and at that must be present.
var required = map[EventType][]string{
	Opened:            {"category", "street"},
	Dispatched:        {"unit", "by"},
	Responded:         {"unit"},
	Reported:          {"unit"},
	Resolved:          {"unit"},
	Returned:          {"unit"},
	ReturnRuled:       {"unit", "target", "upheld"},
	Closed:            nil,
	Reopened:          nil,
	Rated:             {"satisfaction"},
	Revisited:         {"unit", "in_place"},
	CallEvaluated:     {"unit", "target", "accurate"},
	ResponseEvaluated: {"unit", "target", "score"},
	Supervised:        {"unit", "target"},
	Appealed:          {"unit", "target", "reason"},
	AppealDecided:     {"unit", "target", "upheld"},
	FindingWithdrawn:  {"unit", "target"},
	Urged:             {"unit", "target"},
}

// present reports whether the named field holds a value.
func (e *Event) present(field string) bool {
	switch field {
	case "category":
		return e.Category != ""
	case "street":
		return e.Street != ""
	case "unit":
		return e.Unit != ""
	case "by":
		return e.By != ""
	case "target":
		return e.Target != ""
	case "upheld":
		return e.Upheld != nil
	case "satisfaction":
		return e.Satisfaction != ""
	case "in_place":
		return e.InPlace != nil
	case "accurate":
		return e.Accurate != nil
	case "score":
		return e.Score != nil
	case "reason":
		return e.Reason != ""
	}
	return false
}

// Validate checks the event against the contract and returns a *FieldError
// naming the first field that is wrong.
func (e *Event) Validate() error {
	if err := checkText("id", e.ID, MaxIDLen, true, false); err != nil {
		return err
	}
	if err := checkText("case", e.Case, MaxIDLen, true, false); err != nil {
		return err
	}
	if e.Type == "" {
		return &FieldError{"type", "required"}
	}
	fields, ok := required[e.Type]
	if !ok {
		return &FieldError{"type", fmt.Sprintf("unknown event type %q", truncate(string(e.Type)))}
	}
	if e.At.IsZero() {
		return &FieldError{"at", "required"}
	}
	if y := e.At.Year(); y < 2000 || y > 2100 {
		return &FieldError{"at", fmt.Sprintf("year %d is outside 2000–2100", y)}
	}
	for _, f := range fields {
		if !e.present(f) {
			return &FieldError{f, "required for " + string(e.Type)}
		}
	}
	for _, c := range []struct {
		field, value string
		max          int
	}{
		{"unit", e.Unit, MaxCodeLen}, {"category", e.Category, MaxCodeLen}, {"street", e.Street, MaxCodeLen},
		{"community", e.Community, MaxCodeLen}, {"by", e.By, MaxCodeLen}, {"target", e.Target, MaxIDLen},
		{"actor", e.Actor, MaxIDLen}, {"reporter", e.Reporter, MaxIDLen}, {"access_code", e.AccessCode, MaxIDLen},
		{"note", e.Note, MaxTextLen}, {"address", e.Address, MaxTextLen}, {"title", e.Title, MaxTextLen},
		{"reason", e.Reason, MaxTextLen},
	} {
		if err := checkText(c.field, c.value, c.max, false, c.max == MaxTextLen); err != nil {
			return err
		}
	}
	for _, c := range []struct {
		field, value string
		allowed      []string
	}{
		{"source", e.Source, Sources}, {"urgency", e.Urgency, Urgencies}, {"role", e.Role, Roles},
		{"satisfaction", e.Satisfaction, Satisfactions}, {"severity", e.Severity, Severities},
	} {
		if c.value != "" && !slices.Contains(c.allowed, c.value) {
			return &FieldError{c.field, fmt.Sprintf("%q is not one of %v", truncate(c.value), c.allowed)}
		}
	}
	if e.Type == Returned && e.Reason != "" && !slices.Contains(ReturnReasons, e.Reason) {
		return &FieldError{"reason", fmt.Sprintf("%q is not one of %v", truncate(e.Reason), ReturnReasons)}
	}
	if e.Type == Closed && e.Reason != "" && !slices.Contains(CloseReasons, e.Reason) {
		return &FieldError{"reason", fmt.Sprintf("%q is not one of %v", truncate(e.Reason), CloseReasons)}
	}
	if e.Score != nil && (*e.Score < 1 || *e.Score > 5) {
		return &FieldError{"score", fmt.Sprintf("%d is outside 1–5", *e.Score)}
	}
	if e.Due != nil {
		if y := e.Due.Year(); y < 2000 || y > 2100 {
			return &FieldError{"due", fmt.Sprintf("year %d is outside 2000–2100", y)}
		}
	}
	if e.Lat != nil && (math.IsNaN(*e.Lat) || *e.Lat < -90 || *e.Lat > 90) {
		return &FieldError{"lat", "outside −90…90"}
	}
	if e.Lon != nil && (math.IsNaN(*e.Lon) || *e.Lon < -180 || *e.Lon > 180) {
		return &FieldError{"lon", "outside −180…180"}
	}
	return nil
}

// checkText checks one text field: present when req, at most max bytes,
// UTF-8, and without control characters — none at all in an id or a
// code (a NUL cannot even be stored on PostgreSQL, and a line break or an
// escape in an id would reach every URL and export), and in free text
// (free) none but tabs and line breaks.
func checkText(field, v string, max int, req, free bool) error {
	switch {
	case v == "" && req:
		return &FieldError{field, "required"}
	case len(v) > max:
		return &FieldError{field, fmt.Sprintf("longer than %d bytes", max)}
	case !utf8.ValidString(v):
		return &FieldError{field, "not valid UTF-8"}
	}
	if i := strings.IndexFunc(v, func(r rune) bool {
		return unicode.IsControl(r) && !(free && (r == '\t' || r == '\n' || r == '\r'))
	}); i >= 0 {
		r, _ := utf8.DecodeRuneInString(v[i:])
		return &FieldError{field, fmt.Sprintf("holds a control character (U+%04X) at byte %d", r, i)}
	}
	return nil
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// UnitRefs returns the unit codes the event names: acting, receiving,
// calling and target units. The platform dispatcher is not a unit.
func (e *Event) UnitRefs() []string {
	refs := make([]string, 0, 4)
	add := func(code string) {
		if code != "" && !slices.Contains(refs, code) {
			refs = append(refs, code)
		}
	}
	add(e.Unit)
	add(e.Street)
	add(e.Community)
	if e.By != PlatformDispatcher {
		add(e.By)
	}
	switch e.Type {
	case ReturnRuled, CallEvaluated, ResponseEvaluated, Supervised, Urged:
		add(e.Target)
	}
	return refs
}

// Normalize puts the event into its canonical stored form: time in UTC at
// microsecond precision (what both database engines keep) and defaults made
// explicit, so that equal content always encodes equally.
func (e *Event) Normalize() {
	e.At = e.At.UTC().Truncate(time.Microsecond)
	if e.Due != nil {
		due := e.Due.UTC().Truncate(time.Microsecond)
		e.Due = &due
	}
	if e.Type == Dispatched && e.Role == "" {
		e.Role = "lead"
	}
}

// Equal reports whether two events have the same content: the same instant
// (in any zone) and equal fields otherwise.
func (e *Event) Equal(o *Event) bool {
	if !e.At.Equal(o.At) {
		return false
	}
	a, b := *e, *o
	a.At, b.At = time.Time{}, time.Time{}
	return reflect.DeepEqual(a, b)
}
