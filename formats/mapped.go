package formats

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"frontline/evaluation"
)

// MappedDecoder reads a city's export through a Mapping. Each request
// becomes the events of its case: opened, dispatched to its agency (at
// the opening time: these exports have no dispatch time), responded where
// the data has a first action, then resolved and closed when it was
// closed. Each problem of the data is counted in Quality with examples;
// a flagged row is kept as it is, with its flags in the opening event's
// note. A row that cannot become a case (no id, a time that does not
// read) is rejected with its line, column and reason.
type MappedDecoder struct {
	m       *Mapping
	next    func() (line int, get func(string) string, raw []byte, err error)
	pending []*Record
	seen    map[string]int // case → the line it was first seen on
	quality Quality
	found   Found
}

// NewMappedDecoder returns a decoder reading r as m says.
func NewMappedDecoder(r io.Reader, m *Mapping) *MappedDecoder {
	d := &MappedDecoder{m: m, seen: map[string]int{}}
	if m.Format == "json" {
		d.next = jsonRows(r)
	} else {
		d.next = csvRows(r, m)
	}
	return d
}

// Next returns the next event, reading the next row when the last one's
// events are all out.
func (d *MappedDecoder) Next() (*Record, error) {
	for len(d.pending) == 0 {
		line, get, raw, err := d.next()
		var bad *badRow
		if errors.As(err, &bad) {
			d.quality.Rows++
			d.quality.Add(ProblemRejected, bad.line, "", bad.err.Error())
			d.pending = append(d.pending, &Record{Line: bad.line, Err: bad.err})
			continue
		}
		if err != nil {
			return nil, err
		}
		d.quality.Rows++
		events, err := d.events(line, get)
		if err != nil {
			d.pending = append(d.pending, &Record{Line: line, Raw: raw, Err: err})
			continue
		}
		for _, e := range events {
			d.pending = append(d.pending, &Record{Line: line, Raw: raw, Event: e})
		}
	}
	rec := d.pending[0]
	d.pending = d.pending[1:]
	return rec, nil
}

// Quality is what the data's problems were, so far.
func (d *MappedDecoder) Quality() *Quality { return &d.quality }

// Found is the registry the data names: its agencies as departments, its
// areas as streets and its categories, with their values as names.
// `ingest --register-units` adds those the registry lacks.
func (d *MappedDecoder) Found() *evaluation.Registry { return d.found.Registry() }

// Found collects the units and categories that data names, each once,
// named by the values they were made from.
type Found struct {
	reg   evaluation.Registry
	known map[string]bool // "unit:CODE", "category:CODE"
}

// Unit adds a unit, unless it is there.
func (f *Found) Unit(code, name string, kind evaluation.UnitKind) {
	if f.add("unit:" + code) {
		f.reg.Units = append(f.reg.Units, evaluation.Unit{Code: code, Kind: kind, Name: evaluation.Name{Zh: name, En: name}})
	}
}

// Category adds a category of an SLA class, unless it is there.
func (f *Found) Category(code, name, class string) {
	if f.add("category:" + code) {
		f.reg.Categories = append(f.reg.Categories, evaluation.Category{Code: code, Class: class, Name: evaluation.Name{Zh: name, En: name}})
	}
}

func (f *Found) add(key string) bool {
	if f.known == nil {
		f.known = map[string]bool{}
	}
	if f.known[key] {
		return false
	}
	f.known[key] = true
	return true
}

// Registry is what was found.
func (f *Found) Registry() *evaluation.Registry { return &f.reg }

// The problems the quality report counts.
const (
	ProblemClosedBeforeOpened  = "closed_before_opened"
	ProblemRespondedBeforeOpen = "responded_before_opened"
	ProblemClosedAtOpening     = "closed_at_opening"
	ProblemNotClosed           = "not_closed"
	ProblemDateOnly            = "date_only_time"
	ProblemPlaceholderLocation = "placeholder_location"
	ProblemDuplicate           = "marked_duplicate"
	ProblemRepeatedCase        = "repeated_case"
	ProblemMissingArea         = "missing_area"
	ProblemMissingAgency       = "missing_agency"
	ProblemMissingCategory     = "missing_category"
	ProblemRejected            = "rejected"
	ProblemClosedWithoutNote   = "closed_without_note"
	ProblemImplausibleTime     = "implausible_time"
	ProblemStatusContradicts   = "status_contradicts_times"
	ProblemCancelled           = "cancelled"           // not a fault of the data: listed, the case leaves assessment
	ProblemDuplicateWithdrawn  = "duplicate_withdrawn" // a status that says duplicate: listed, the case leaves assessment
	maxQualityExamples         = 5
	// QualityNote begins the note of an opening event whose row was
	// flagged; the flags follow.
	QualityNote = "data quality: "
)

// Quality counts the problems of a data set, each with a few examples.
// Rows are counted as read; a row may have several problems.
type Quality struct {
	Rows     int                 `json:"rows"`
	Problems map[string]*Problem `json:"problems"`
}

// Problem is one kind of problem: how many rows have it, and the first
// few of them.
type Problem struct {
	Count    int       `json:"count"`
	Examples []Example `json:"examples"`
}

// Example is a row with a problem.
type Example struct {
	Line   int    `json:"line"`
	Case   string `json:"case,omitempty"`
	Detail string `json:"detail"`
}

// Add counts a row with a problem, keeping the first few as examples.
func (q *Quality) Add(kind string, line int, caseID, detail string) {
	if q.Problems == nil {
		q.Problems = map[string]*Problem{}
	}
	p := q.Problems[kind]
	if p == nil {
		p = &Problem{}
		q.Problems[kind] = p
	}
	p.Count++
	if len(p.Examples) < maxQualityExamples {
		p.Examples = append(p.Examples, Example{Line: line, Case: caseID, Detail: detail})
	}
}

// Kinds returns the problems found, most frequent first.
func (q *Quality) Kinds() []string {
	kinds := slices.Collect(maps.Keys(q.Problems))
	slices.SortFunc(kinds, func(a, b string) int {
		if c := q.Problems[b].Count - q.Problems[a].Count; c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return kinds
}

// events turns one row into its case's events.
func (d *MappedDecoder) events(line int, get func(string) string) ([]evaluation.Event, error) {
	m, c := d.m, &d.m.Columns
	value := func(col string) string {
		if col == "" {
			return ""
		}
		v := strings.TrimSpace(get(col))
		if m.missing[v] {
			return ""
		}
		return v
	}
	id := value(c.Case)
	if id == "" {
		d.quality.Add(ProblemRejected, line, "", "no case id in column "+c.Case)
		return nil, &evaluation.FieldError{Field: c.Case, Reason: "missing: the case id is required"}
	}
	caseID := m.CasePrefix + id
	readTime := func(tc *TimeColumn) (time.Time, error) {
		v := value(tc.Column)
		if v == "" {
			return time.Time{}, nil
		}
		t, err := tc.parse(v)
		if err != nil {
			d.quality.Add(ProblemRejected, line, caseID, tc.Column+": "+err.Error())
			return t, &evaluation.FieldError{Field: tc.Column, Reason: err.Error()}
		}
		return t, nil
	}
	opened, err := readTime(&c.Opened)
	if err != nil {
		return nil, err
	}
	if opened.IsZero() {
		d.quality.Add(ProblemRejected, line, caseID, "no opening time in column "+c.Opened.Column)
		return nil, &evaluation.FieldError{Field: c.Opened.Column, Reason: "missing: the opening time is required"}
	}
	responded, err := readTime(&c.Responded)
	if err != nil {
		return nil, err
	}
	closed, err := readTime(&c.Closed)
	if err != nil {
		return nil, err
	}
	due, err := readTime(&c.Due)
	if err != nil {
		return nil, err
	}
	var onTime *bool
	if v := value(c.OnTime); v != "" {
		yes := slices.ContainsFunc(m.OnTimeValues, func(w string) bool { return strings.EqualFold(w, v) })
		onTime = &yes
	}

	var flags []string
	flag := func(kind, detail string) {
		d.quality.Add(kind, line, caseID, detail)
		flags = append(flags, kind)
	}
	if first, ok := d.seen[caseID]; ok {
		// A property of the file, not of the case: counted, not noted, so
		// that a repeated row is a duplicate of the first, not a conflict.
		d.quality.Add(ProblemRepeatedCase, line, caseID, fmt.Sprintf("also on line %d", first))
	} else {
		d.seen[caseID] = line
	}
	unit := d.code("unit", value(c.Agency), m.Units, evaluation.Department)
	if unit == "" {
		unit = m.UnknownUnit
		flag(ProblemMissingAgency, "no agency in column "+c.Agency)
		d.code("unit", unit, nil, evaluation.Department)
	}
	area := value(c.Area)
	if _, listed := m.Streets[area]; !listed {
		area = m.streetValue(area)
	}
	street := d.code("unit", area, m.Streets, evaluation.Street)
	if street == "" {
		street = m.UnknownStreet
		flag(ProblemMissingArea, "no area in column "+c.Area)
		d.code("unit", street, nil, evaluation.Street)
	}
	category := d.code("category", value(c.Category), m.Categories, "")
	if category == "" {
		category = "unknown"
		flag(ProblemMissingCategory, "no category in column "+c.Category)
		d.code("category", category, nil, "")
	}
	for _, tc := range []struct {
		col *TimeColumn
		t   time.Time
	}{{&c.Opened, opened}, {&c.Responded, responded}, {&c.Closed, closed}, {&c.Due, due}} {
		if tc.t.IsZero() {
			continue
		}
		if m.dateOnly[tc.t.In(tc.col.loc).Format(time.TimeOnly)] {
			flag(ProblemDateOnly, tc.col.Column+" "+value(tc.col.Column))
		}
		if y := tc.t.Year(); y < 2000 || y > 2100 {
			// Kept as read: the event that carries it is rejected, and said why.
			flag(ProblemImplausibleTime, tc.col.Column+" "+value(tc.col.Column))
		}
	}
	// What the city's status says, against the times.
	status := value(c.Status)
	withdrawn, withdrawnUntimed := "", false
	switch meaning := m.Statuses[status]; meaning {
	case "open":
		if !closed.IsZero() {
			flag(ProblemStatusContradicts, fmt.Sprintf("status %q, closed %s", status, value(c.Closed.Column)))
		}
	case "closed":
		if closed.IsZero() {
			flag(ProblemStatusContradicts, fmt.Sprintf("status %q without a close time", status))
		}
	case "cancelled", "duplicate":
		withdrawn = meaning
		kind := ProblemCancelled
		if meaning == "duplicate" {
			kind = ProblemDuplicateWithdrawn
		}
		if closed.IsZero() {
			// Withdrawn when it is known to have been: at its opening.
			closed, withdrawnUntimed = opened, true
			flag(ProblemStatusContradicts, fmt.Sprintf("status %q without a close time: withdrawn at its opening", status))
		}
		flag(kind, "status "+strconv.Quote(status))
	}
	switch {
	case withdrawnUntimed:
		// Withdrawn without a close time: said above.
	case closed.IsZero():
		flag(ProblemNotClosed, "no time in column "+c.Closed.Column)
	case closed.Before(opened):
		flag(ProblemClosedBeforeOpened, fmt.Sprintf("closed %s, opened %s", value(c.Closed.Column), value(c.Opened.Column)))
	case closed.Equal(opened):
		flag(ProblemClosedAtOpening, "closed "+value(c.Closed.Column))
	}
	if !responded.IsZero() && responded.Before(opened) {
		flag(ProblemRespondedBeforeOpen, fmt.Sprintf("responded %s, opened %s", value(c.Responded.Column), value(c.Opened.Column)))
	}
	if dup := value(c.Duplicate); dup != "" && slices.ContainsFunc(m.DuplicateValues, func(v string) bool { return strings.EqualFold(v, dup) }) {
		detail := "marked duplicate"
		if parent := value(c.Parent); parent != "" {
			detail += " of " + m.CasePrefix + parent
		}
		flag(ProblemDuplicate, detail)
	}

	e := evaluation.Event{ID: d.eventID(id, "opened"), Case: caseID, Type: evaluation.Opened, At: opened,
		Category: category, Street: street, Source: "other", Address: value(c.Address), Title: value(c.Title)}
	if s, ok := m.Sources[value(c.Channel)]; ok {
		e.Source = s
	}
	lat, latErr := strconv.ParseFloat(value(c.Lat), 64)
	lon, lonErr := strconv.ParseFloat(value(c.Lon), 64)
	if latErr == nil && lonErr == nil {
		if slices.Contains(m.PlaceholderCoordinates, [2]float64{lat, lon}) {
			flag(ProblemPlaceholderLocation, fmt.Sprintf("%g, %g", lat, lon))
		} else {
			e.Lat, e.Lon = &lat, &lon
		}
	}
	if len(flags) > 0 {
		e.Note = QualityNote + strings.Join(flags, ", ")
	}
	if !due.IsZero() {
		e.Due = &due
	}
	e.OnTime = onTime // the city's verdict as its export says it
	out := []evaluation.Event{e,
		{ID: d.eventID(id, "dispatched"), Case: caseID, Type: evaluation.Dispatched, At: opened, Unit: unit, By: "platform", Role: "lead"}}
	if !responded.IsZero() {
		out = append(out, evaluation.Event{ID: d.eventID(id, "responded"), Case: caseID, Type: evaluation.Responded, At: responded, Unit: unit})
	}
	switch {
	case withdrawn != "":
		// Closed without resolution: no one disposed of it.
		out = append(out, evaluation.Event{ID: d.eventID(id, "closed"), Case: caseID, Type: evaluation.Closed, At: closed,
			Reason: withdrawn, Note: status})
	case !closed.IsZero():
		out = append(out,
			evaluation.Event{ID: d.eventID(id, "resolved"), Case: caseID, Type: evaluation.Resolved, At: closed, Unit: unit},
			evaluation.Event{ID: d.eventID(id, "closed"), Case: caseID, Type: evaluation.Closed, At: closed, Note: status})
	}
	return out, nil
}

// streetValue is an area's value as its code is made: a number, with the
// street prefix's word before it or not, becomes the prefix and the
// number without leading zeros ("Ward 05" → "ward 5"); anything else is
// as it is. Without a prefix, a value is as it is.
func (m *Mapping) streetValue(v string) string {
	word := strings.TrimSpace(m.StreetPrefix)
	if word == "" || v == "" {
		return v
	}
	n := v
	if len(n) > len(word) && strings.EqualFold(n[:len(word)], word) {
		n = strings.TrimSpace(n[len(word):])
	}
	if n == "" || strings.Trim(n, "0123456789") != "" {
		return v
	}
	if n = strings.TrimLeft(n, "0"); n == "" {
		n = "0"
	}
	return m.StreetPrefix + n
}

// eventID is the stable id of one of a row's events.
func (d *MappedDecoder) eventID(id, what string) string { return SourceEventID(d.m.Source, id, what) }

// SourceEventID is the stable id of an event made from a request of a
// data set: SOURCE:ID:WHAT, so that the same file read twice gives the
// same ids, and duplicates instead of new events.
func SourceEventID(source, id, what string) string { return source + ":" + id + ":" + what }

// code gives a value its registry code (from the mapping's table, or
// made from the value) and remembers it for Found; "" for no value.
func (d *MappedDecoder) code(kind, value string, table map[string]string, unitKind evaluation.UnitKind) string {
	if value == "" {
		return ""
	}
	code, ok := table[value]
	if !ok {
		code = Code(value)
	}
	if code == "" {
		return ""
	}
	if kind == "category" {
		d.found.Category(code, value, d.m.CategoryClass.Of(value, code))
	} else {
		d.found.Unit(code, value, unitKind)
	}
	return code
}

// csvRows reads CSV rows by header name, checking first that the
// mapping's columns are in the header.
func csvRows(r io.Reader, m *Mapping) func() (int, func(string) string, []byte, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	var index map[string]int
	var headerErr error
	return func() (int, func(string) string, []byte, error) {
		if headerErr != nil {
			return 0, nil, nil, headerErr
		}
		if index == nil {
			header, err := cr.Read()
			if err == io.EOF {
				headerErr = errors.New("empty file: want a header row")
				return 0, nil, nil, headerErr
			}
			if err != nil {
				headerErr = fmt.Errorf("header: %w", err)
				return 0, nil, nil, headerErr
			}
			index = map[string]int{}
			for i, h := range header {
				index[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
			}
			for _, col := range m.Columns.names() {
				if _, ok := index[col]; !ok {
					headerErr = fmt.Errorf("line 1: column %q named by the mapping is not in the header", col)
					return 0, nil, nil, headerErr
				}
			}
		}
		row, err := cr.Read()
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) { // the reader goes on at the next line
				return 0, nil, nil, &badRow{pe.StartLine, fmt.Errorf("invalid CSV: %v", pe.Err)}
			}
			return 0, nil, nil, err
		}
		line, _ := cr.FieldPos(0)
		get := func(col string) string {
			if i, ok := index[col]; ok && i < len(row) {
				return row[i]
			}
			return ""
		}
		return line, get, csvLine(row), nil
	}
}

// badRow is a row that does not parse; the rows after it still do.
type badRow struct {
	line int
	err  error
}

func (b *badRow) Error() string { return fmt.Sprintf("line %d: %v", b.line, b.err) }

// names are the columns the mapping reads.
func (c *MappingColumns) names() []string {
	var out []string
	for _, n := range []string{c.Case, c.Opened.Column, c.Responded.Column, c.Closed.Column, c.Agency, c.Area, c.Category,
		c.Status, c.Channel, c.Lat, c.Lon, c.Address, c.Title, c.Duplicate, c.Parent, c.Due.Column, c.OnTime} {
		if n != "" {
			out = append(out, n)
		}
	}
	return out
}

// jsonRows reads a JSON array of flat objects; a row's line is its
// position in the array. Numbers and booleans read as their text.
func jsonRows(r io.Reader) func() (int, func(string) string, []byte, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	n := 0
	return func() (int, func(string) string, []byte, error) {
		if n == 0 {
			tok, err := dec.Token()
			if err == io.EOF {
				return 0, nil, nil, errors.New("empty file: want a JSON array of requests")
			}
			if delim, ok := tok.(json.Delim); err != nil || !ok || delim != '[' {
				return 0, nil, nil, fmt.Errorf("want a JSON array of requests, got %v %v", tok, err)
			}
		}
		if !dec.More() {
			return 0, nil, nil, io.EOF
		}
		n++
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return 0, nil, nil, fmt.Errorf("element %d: %w", n, err)
		}
		var obj map[string]any
		if err := json.Unmarshal(raw, &obj); err != nil {
			return n, func(string) string { return "" }, raw, nil // no fields: rejected for its missing id
		}
		get := func(col string) string {
			switch v := obj[col].(type) {
			case nil:
				return ""
			case string:
				return v
			case json.Number:
				return v.String()
			case bool:
				return strconv.FormatBool(v)
			default:
				b, _ := json.Marshal(v)
				return string(b)
			}
		}
		return n, get, raw, nil
	}
}
