package formats

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"frontline/evaluation"
)

// csvFields maps each column name of the event CSV form to the setter of its field.
var csvFields = map[string]func(e *evaluation.Event, v string) error{
	"id":           func(e *evaluation.Event, v string) error { e.ID = v; return nil },
	"case":         func(e *evaluation.Event, v string) error { e.Case = v; return nil },
	"type":         func(e *evaluation.Event, v string) error { e.Type = evaluation.EventType(v); return nil },
	"at":           func(e *evaluation.Event, v string) error { return parseTime(v, &e.At) },
	"unit":         func(e *evaluation.Event, v string) error { e.Unit = v; return nil },
	"actor":        func(e *evaluation.Event, v string) error { e.Actor = v; return nil },
	"note":         func(e *evaluation.Event, v string) error { e.Note = v; return nil },
	"category":     func(e *evaluation.Event, v string) error { e.Category = v; return nil },
	"street":       func(e *evaluation.Event, v string) error { e.Street = v; return nil },
	"community":    func(e *evaluation.Event, v string) error { e.Community = v; return nil },
	"source":       func(e *evaluation.Event, v string) error { e.Source = v; return nil },
	"urgency":      func(e *evaluation.Event, v string) error { e.Urgency = v; return nil },
	"reporter":     func(e *evaluation.Event, v string) error { e.Reporter = v; return nil },
	"access_code":  func(e *evaluation.Event, v string) error { e.AccessCode = v; return nil },
	"lat":          func(e *evaluation.Event, v string) error { return parseFloat(v, &e.Lat) },
	"lon":          func(e *evaluation.Event, v string) error { return parseFloat(v, &e.Lon) },
	"address":      func(e *evaluation.Event, v string) error { e.Address = v; return nil },
	"title":        func(e *evaluation.Event, v string) error { e.Title = v; return nil },
	"by":           func(e *evaluation.Event, v string) error { e.By = v; return nil },
	"role":         func(e *evaluation.Event, v string) error { e.Role = v; return nil },
	"reason":       func(e *evaluation.Event, v string) error { e.Reason = v; return nil },
	"target":       func(e *evaluation.Event, v string) error { e.Target = v; return nil },
	"upheld":       func(e *evaluation.Event, v string) error { return parseBool(v, &e.Upheld) },
	"accurate":     func(e *evaluation.Event, v string) error { return parseBool(v, &e.Accurate) },
	"score":        func(e *evaluation.Event, v string) error { return parseInt(v, &e.Score) },
	"severity":     func(e *evaluation.Event, v string) error { e.Severity = v; return nil },
	"satisfaction": func(e *evaluation.Event, v string) error { e.Satisfaction = v; return nil },
	"solved":       func(e *evaluation.Event, v string) error { return parseBool(v, &e.Solved) },
	"in_place":     func(e *evaluation.Event, v string) error { return parseBool(v, &e.InPlace) },
}

// requiredColumns must be in every event CSV header.
var requiredColumns = []string{"id", "case", "type", "at"}

// CSVDecoder reads one event per CSV row, with a header row naming the fields.
type CSVDecoder struct {
	r       *csv.Reader
	setters []func(e *evaluation.Event, v string) error
	columns []string
	idCol   int   // the index of the id column, so that a bad row's reject names its id
	err     error // a header problem, returned by every Next
}

// NewCSVDecoder returns a decoder reading event CSV from r. A header that
// lacks a required column or names an unknown one makes Next fail with an
// error naming line 1, since no row could be read correctly.
func NewCSVDecoder(r io.Reader) *CSVDecoder {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	d := &CSVDecoder{r: cr}
	header, err := cr.Read()
	switch {
	case errors.Is(err, io.EOF):
		d.err = io.EOF
		return d
	case err != nil:
		d.err = fmt.Errorf("line 1: header: %w", err)
		return d
	}
	seen := map[string]bool{}
	for i, name := range header {
		name = strings.TrimSpace(name)
		if i == 0 {
			name = strings.TrimPrefix(name, "\uFEFF")
		}
		set, ok := csvFields[name]
		if !ok {
			d.err = fmt.Errorf("line 1: header: unknown column %q", name)
			return d
		}
		if seen[name] {
			d.err = fmt.Errorf("line 1: header: column %q appears twice", name)
			return d
		}
		seen[name] = true
		if name == "id" {
			d.idCol = i
		}
		d.setters = append(d.setters, set)
		d.columns = append(d.columns, name)
	}
	for _, name := range requiredColumns {
		if !seen[name] {
			d.err = fmt.Errorf("line 1: header: missing column %q", name)
			return d
		}
	}
	return d
}

// Next returns the next row's record.
func (d *CSVDecoder) Next() (*Record, error) {
	if d.err != nil {
		return nil, d.err
	}
	row, err := d.r.Read()
	if errors.Is(err, io.EOF) {
		return nil, io.EOF
	}
	var parse *csv.ParseError
	switch {
	case errors.As(err, &parse):
		return &Record{Line: parse.StartLine, Err: fmt.Errorf("invalid CSV: %v", parse.Err)}, nil
	case err != nil:
		return nil, err
	}
	line, _ := d.r.FieldPos(0)
	rec := &Record{Line: line}
	rec.Raw = csvLine(row)
	if d.idCol < len(row) && utf8.ValidString(row[d.idCol]) {
		rec.Event.ID = row[d.idCol]
	}
	if len(row) != len(d.setters) {
		rec.Err = fmt.Errorf("row has %d fields, header has %d", len(row), len(d.setters))
		return rec, nil
	}
	for i, v := range row {
		if !utf8.ValidString(v) {
			rec.Err = &evaluation.FieldError{Field: d.columns[i], Reason: "not valid UTF-8"}
			return rec, nil
		}
		if v == "" {
			continue
		}
		if err := d.setters[i](&rec.Event, v); err != nil {
			rec.Err = &evaluation.FieldError{Field: d.columns[i], Reason: err.Error()}
			return rec, nil
		}
	}
	return rec, nil
}

func parseTime(v string, t *time.Time) error {
	p, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return errors.New(timeReason(v))
	}
	*t = p
	return nil
}

func parseBool(v string, b **bool) error {
	p, err := strconv.ParseBool(v)
	if err != nil {
		return fmt.Errorf("want true or false, got %q", v)
	}
	*b = &p
	return nil
}

func parseInt(v string, n **int) error {
	p, err := strconv.Atoi(v)
	if err != nil {
		return fmt.Errorf("want a whole number, got %q", v)
	}
	*n = &p
	return nil
}

func parseFloat(v string, f **float64) error {
	p, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return fmt.Errorf("want a number, got %q", v)
	}
	*f = &p
	return nil
}

// csvLine writes a row back as one CSV line, for rejects.
func csvLine(row []string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(row)
	w.Flush()
	return bytes.TrimRight(b.Bytes(), "\n")
}
