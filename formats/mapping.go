package formats

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/goccy/go-yaml"

	"frontline/evaluation"
)

// Mapping says how a city's service-request export becomes case trails:
// which column holds each field, how its times read, which codes its
// agencies, areas and categories get, and which values mean "missing".
// It is read from YAML (ParseMapping); docs/real-data.md describes it and
// testdata/mappings holds the mappings of the real samples.
type Mapping struct {
	// Format is csv (a header row, then one request per row) or json (a
	// JSON array of flat objects, as Socrata's API answers).
	Format string `yaml:"format"`
	// Source names the data set. Event ids begin with it, so that the
	// same file ingested twice gives duplicates, not new events.
	Source string `yaml:"source"`
	// CasePrefix goes before every case id, to keep cities apart.
	CasePrefix string `yaml:"case_prefix"`
	// Timezone reads times that carry no offset (an IANA name).
	Timezone string `yaml:"timezone"`
	// TimeLayouts are Go time layouts tried in order for every time
	// column without layouts of its own; RFC 3339 (with a T or a space
	// between date and time) is always tried last.
	TimeLayouts []string `yaml:"time_layouts"`
	// Offset says what an offset written in a time means, for every time
	// column without one of its own: keep (the default: it is the
	// truth), ignore (the wall-clock time is read in the column's zone,
	// for data labelled +00:00 that is local), or a zone's IANA name (the
	// wall-clock time is read in that zone).
	Offset  string         `yaml:"offset"`
	Columns MappingColumns `yaml:"columns"`
	// Missing are the values, besides an empty cell, that mean missing.
	Missing []string `yaml:"missing"`
	// Units, Streets and Categories map a column's value to a registry
	// code. A value not listed gets a code made from it (Code).
	Units      map[string]string `yaml:"units"`
	Streets    map[string]string `yaml:"streets"`
	Categories map[string]string `yaml:"categories"`
	// StreetPrefix goes before the codes made from area values that are
	// numbers (Chicago's wards: ward-28). A number is read without its
	// leading zeros, and with the prefix's word before it or not: "Ward
	// 5", "ward 05", "05" and "5" are all ward-5.
	StreetPrefix string `yaml:"street_prefix"`
	// CategoryClass is the SLA class given to categories registered from
	// the data: one class for all, or a class per category (by its value
	// in the data or its code) with a default. The default's default is
	// C, or R (disposal only) when the mapping has no responded column,
	// since then no case can show a response.
	CategoryClass CategoryClasses `yaml:"category_class"`
	// UnknownStreet is the street code of requests without an area
	// (default "unknown"); such rows are flagged.
	UnknownStreet string `yaml:"unknown_street"`
	// UnknownUnit is the unit code of requests without an agency
	// (default "unknown"); such rows are flagged.
	UnknownUnit string `yaml:"unknown_unit"`
	// Sources maps the channel column's values to event sources
	// (resident, grid, hotline, patrol, sensor, other; default other).
	Sources map[string]string `yaml:"sources"`
	// DateOnly are wall-clock times ("00:00:00", or "20:00:00" where a
	// date was shifted by a zone conversion) that mean the source knew
	// only the date. Such times are kept as they are, and flagged.
	DateOnly []string `yaml:"date_only"`
	// PlaceholderCoordinates are [lat, lon] pairs that stand for "no
	// location"; they are left out of the case, and flagged.
	PlaceholderCoordinates [][2]float64 `yaml:"placeholder_coordinates"`
	// DuplicateValues are the values of the duplicate column that mean
	// the request duplicates another (default: true, yes, 1).
	DuplicateValues []string `yaml:"duplicate_values"`
	// OnTimeValues are the values of the on_time column that mean on time
	// (default: true, yes, 1, ontime, on time); any other value means late.
	OnTimeValues []string `yaml:"on_time_values"`
	// Statuses say what the status column's values mean: open, closed,
	// cancelled or duplicate. A cancelled or duplicate request is closed
	// without resolution (at its close time) and leaves assessment; a
	// status the times contradict (open with a close time, closed without
	// one) is flagged, the times kept. A value not listed means nothing.
	Statuses map[string]string `yaml:"statuses"`

	loc      *time.Location
	missing  map[string]bool
	dateOnly map[string]bool
}

// MappingColumns names the column of each field. Only case, opened and
// agency are required.
type MappingColumns struct {
	Case      string     `yaml:"case"`
	Opened    TimeColumn `yaml:"opened"`
	Responded TimeColumn `yaml:"responded"` // the first action, where the data has one
	Closed    TimeColumn `yaml:"closed"`
	Agency    string     `yaml:"agency"`
	Area      string     `yaml:"area"` // becomes the case's street
	Category  string     `yaml:"category"`
	Status    string     `yaml:"status"`
	Channel   string     `yaml:"channel"`
	Lat       string     `yaml:"lat"`
	Lon       string     `yaml:"lon"`
	Address   string     `yaml:"address"`
	Title     string     `yaml:"title"`
	Duplicate string     `yaml:"duplicate"` // a yes/no column
	Due       TimeColumn `yaml:"due"`       // the city's own deadline
	OnTime    string     `yaml:"on_time"`   // the city's own verdict: on time or not
	Parent    string     `yaml:"parent"`    // the id of the request it duplicates
}

// TimeColumn is a time column, with its own layouts and zone if they
// differ from the mapping's. In YAML it is the column's name, or
// {column, layouts, timezone}.
type TimeColumn struct {
	Column   string   `yaml:"column"`
	Layouts  []string `yaml:"layouts"`
	Timezone string   `yaml:"timezone"`
	// Offset is the column's Mapping.Offset.
	Offset string `yaml:"offset"`
	loc    *time.Location
	wall   *time.Location // where an offset written in a time is ignored: the zone its wall clock is read in
}

// StatusMeanings are what a city's status may mean.
var StatusMeanings = []string{"open", "closed", "cancelled", "duplicate"}

// CategoryClasses are the SLA classes of the categories registered from
// data. In YAML a class ("R"), or a map of category values or codes to
// classes with an optional "default".
type CategoryClasses struct {
	Default    string
	ByCategory map[string]string
}

// UnmarshalYAML reads a class or a map.
func (c *CategoryClasses) UnmarshalYAML(b []byte) error {
	var one string
	if err := yaml.Unmarshal(b, &one); err == nil {
		*c = CategoryClasses{Default: one}
		return nil
	}
	var m map[string]string
	if err := yaml.UnmarshalWithOptions(b, &m, yaml.Strict()); err != nil {
		return fmt.Errorf("want a class, or a map of categories to classes with a default: %w", err)
	}
	*c = CategoryClasses{Default: m["default"], ByCategory: m}
	delete(c.ByCategory, "default")
	return nil
}

// Of is the class of a category registered from data: by its value in
// the data, else its code, else the default.
func (c *CategoryClasses) Of(value, code string) string {
	if class, ok := c.ByCategory[value]; ok {
		return class
	}
	if class, ok := c.ByCategory[code]; ok {
		return class
	}
	return c.Default
}

// UnmarshalYAML reads a column name or the full form.
func (c *TimeColumn) UnmarshalYAML(b []byte) error {
	var name string
	if err := yaml.Unmarshal(b, &name); err == nil {
		*c = TimeColumn{Column: name}
		return nil
	}
	type plain TimeColumn
	return yaml.UnmarshalWithOptions(b, (*plain)(c), yaml.Strict())
}

// MaxMappingBytes caps a mapping file.
const MaxMappingBytes = 1 << 20

// ParseMapping reads and checks a mapping. Errors name the line and field.
func ParseMapping(r io.Reader) (*Mapping, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxMappingBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxMappingBytes {
		return nil, fmt.Errorf("mapping file larger than %d bytes", MaxMappingBytes)
	}
	var m Mapping
	if err := strictYAML(data, &m); err != nil {
		return nil, fmt.Errorf("mapping: %s", yaml.FormatError(err, false, true))
	}
	if err := m.check(data); err != nil {
		return nil, err
	}
	return &m, nil
}

// check validates the mapping and prepares its lookups.
func (m *Mapping) check(data []byte) error {
	fail := func(field, format string, args ...any) error {
		if line := lineOfKey(data, field); line > 0 {
			return fmt.Errorf("mapping line %d: field %s: %s", line, field, fmt.Sprintf(format, args...))
		}
		return fmt.Errorf("mapping: field %s: %s", field, fmt.Sprintf(format, args...))
	}
	switch m.Format {
	case "":
		m.Format = "csv"
	case "csv", "json":
	default:
		return fail("format", "%q is not csv or json", m.Format)
	}
	if m.Source == "" {
		return fail("source", "required: it names the data set in event ids")
	}
	if strings.ContainsAny(m.Source, ": \t") {
		return fail("source", "%q: no colons or spaces", m.Source)
	}
	for field, col := range map[string]string{"case": m.Columns.Case, "opened": m.Columns.Opened.Column, "agency": m.Columns.Agency} {
		if col == "" {
			return fail(field, "required: name the column")
		}
	}
	var err error
	if m.loc, err = time.LoadLocation(m.Timezone); err != nil || m.Timezone == "" {
		return fail("timezone", "%q is not a time zone (want an IANA name such as America/New_York)", m.Timezone)
	}
	if err := checkOffset(m.Offset); err != nil {
		return fail("offset", "%v", err)
	}
	if len(m.OnTimeValues) == 0 {
		m.OnTimeValues = []string{"true", "yes", "1", "ontime", "on time"}
	}
	for name, c := range map[string]*TimeColumn{"opened": &m.Columns.Opened, "responded": &m.Columns.Responded, "closed": &m.Columns.Closed,
		"due": &m.Columns.Due} {
		c.loc = m.loc
		if c.Timezone != "" {
			if c.loc, err = time.LoadLocation(c.Timezone); err != nil {
				return fail(name, "timezone %q is not a time zone", c.Timezone)
			}
		}
		if len(c.Layouts) == 0 {
			c.Layouts = m.TimeLayouts
		}
		if c.Offset == "" {
			c.Offset = m.Offset
		}
		if err := checkOffset(c.Offset); err != nil {
			return fail(name, "%v", err)
		}
		switch c.Offset {
		case "", "keep":
		case "ignore":
			c.wall = c.loc
		default:
			c.wall, _ = time.LoadLocation(c.Offset)
		}
	}
	if m.CategoryClass.Default == "" {
		m.CategoryClass.Default = "C"
		if m.Columns.Responded.Column == "" {
			m.CategoryClass.Default = "R"
		}
	}
	if m.UnknownStreet == "" {
		m.UnknownStreet = "unknown"
	}
	if m.UnknownUnit == "" {
		m.UnknownUnit = "unknown"
	}
	for value, source := range m.Sources {
		if !slices.Contains(evaluation.Sources, source) {
			return fail("sources", "%q for %q is not a source (resident, grid, hotline, patrol, sensor, other)", source, value)
		}
	}
	for value, meaning := range m.Statuses {
		if !slices.Contains(StatusMeanings, meaning) {
			return fail("statuses", "%q for %q is not open, closed, cancelled or duplicate", meaning, value)
		}
	}
	if len(m.Statuses) > 0 && m.Columns.Status == "" {
		return fail("statuses", "needs the status column (columns: status)")
	}
	if len(m.DuplicateValues) == 0 {
		m.DuplicateValues = []string{"true", "yes", "1"}
	}
	m.missing = map[string]bool{"": true}
	for _, v := range m.Missing {
		m.missing[strings.TrimSpace(v)] = true
	}
	m.dateOnly = map[string]bool{}
	for _, v := range m.DateOnly {
		if _, err := time.Parse(time.TimeOnly, v); err != nil {
			return fail("date_only", "%q is not a time of day (want hh:mm:ss)", v)
		}
		m.dateOnly[v] = true
	}
	return nil
}

// checkOffset checks an offset rule: keep, ignore or a zone's IANA name.
func checkOffset(rule string) error {
	switch rule {
	case "", "keep", "ignore":
		return nil
	}
	if _, err := time.LoadLocation(rule); err != nil || strings.EqualFold(rule, "local") {
		return fmt.Errorf("offset %q is not keep, ignore or a time zone (an IANA name such as America/Los_Angeles)", rule)
	}
	return nil
}

// lineOfKey finds the first line where key: starts, for error messages.
func lineOfKey(data []byte, key string) int {
	for i, line := range bytes.Split(data, []byte("\n")) {
		if t := bytes.TrimSpace(line); bytes.HasPrefix(t, []byte(key+":")) {
			return i + 1
		}
	}
	return 0
}

// rfc3339 are the layouts tried after a column's own: RFC 3339 with a T
// or a space between date and time, with an offset or without one (then
// read in the column's zone).
var rfc3339 = []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999"}

// parse reads a time of the column: its layouts, then RFC 3339; an
// offset written in it is kept, or its wall clock read in c.wall.
func (c *TimeColumn) parse(v string) (time.Time, error) {
	for _, layout := range append(slices.Clip(c.Layouts), rfc3339...) {
		if t, err := time.ParseInLocation(layout, v, c.loc); err == nil {
			if c.wall != nil {
				t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), c.wall)
			}
			return t, nil
		}
	}
	want := "RFC 3339"
	if len(c.Layouts) > 0 {
		want = strings.Join(c.Layouts, " or ") + " or " + want
	}
	return time.Time{}, fmt.Errorf("%q is not a time (want %s)", truncate(v, 40), want)
}

// Code makes a registry code from a value: letters and digits kept,
// lower-cased, every run of anything else one hyphen; at most
// evaluation.MaxCodeLen bytes.
func Code(value string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(strings.TrimSpace(value)) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127 && unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	s := b.String()
	for len(s) > evaluation.MaxCodeLen {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
