package formats

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/goccy/go-json"

	"frontline/evaluation"
)

// MaxLineBytes caps one NDJSON line. A longer line is rejected and skipped
// without being held in memory.
const MaxLineBytes = 1 << 20

// Record is one decoded input record: an event, or the reason it was rejected.
type Record struct {
	Line  int // 1-based line number in the input
	Event evaluation.Event
	Err   error // non-nil when the record is rejected
	Raw   []byte
}

// NDJSONDecoder reads one JSON event per line.
type NDJSONDecoder struct {
	r    *bufio.Reader
	line int
	buf  []byte
}

// NewNDJSONDecoder returns a decoder reading NDJSON from r.
func NewNDJSONDecoder(r io.Reader) *NDJSONDecoder {
	return &NDJSONDecoder{r: bufio.NewReaderSize(r, 256<<10)}
}

// Next returns the next non-blank line's record.
func (d *NDJSONDecoder) Next() (*Record, error) {
	for {
		line, tooLong, err := d.readLine()
		if err != nil {
			return nil, err
		}
		d.line++
		if tooLong {
			return &Record{Line: d.line, Err: fmt.Errorf("line longer than %d bytes", MaxLineBytes)}, nil
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		rec := &Record{Line: d.line, Raw: line}
		rec.Err = decodeJSONEvent(line, &rec.Event)
		return rec, nil
	}
}

// readLine returns the next line without its newline. A line longer than
// MaxLineBytes is consumed and reported as too long.
func (d *NDJSONDecoder) readLine() (line []byte, tooLong bool, err error) {
	d.buf = d.buf[:0]
	for {
		chunk, err := d.r.ReadSlice('\n')
		if len(d.buf)+len(chunk) > MaxLineBytes {
			tooLong = true
			d.buf = d.buf[:0]
		} else if !tooLong {
			d.buf = append(d.buf, chunk...)
		}
		switch {
		case err == nil:
			return bytes.TrimRight(d.buf, "\r\n"), tooLong, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if len(d.buf) == 0 && !tooLong {
				return nil, false, io.EOF
			}
			return bytes.TrimRight(d.buf, "\r\n"), tooLong, nil
		default:
			return nil, false, err
		}
	}
}

// decodeJSONEvent decodes one JSON object into e and turns decoding errors
// into *evaluation.FieldError or plain reasons a person can act on.
func decodeJSONEvent(data []byte, e *evaluation.Event) error {
	if !utf8.Valid(data) {
		return errors.New("not valid UTF-8")
	}
	if err := checkKeys(data); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(e); err != nil {
		return jsonReason(err)
	}
	if dec.More() {
		return errors.New("invalid JSON: more than one value on the line")
	}
	return nil
}

func jsonReason(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var parse *time.ParseError
	switch {
	case errors.As(err, &syntax):
		return fmt.Errorf("invalid JSON at byte %d: %s", syntax.Offset, strings.TrimPrefix(syntax.Error(), "json: "))
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errors.New("invalid JSON: truncated")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return fmt.Errorf("want a JSON object, got %s", typ.Value)
		}
		return &evaluation.FieldError{Field: field, Reason: fmt.Sprintf("want %s, got %s", jsonType(typ.Type.String()), typ.Value)}
	case errors.As(err, &parse):
		return &evaluation.FieldError{Field: "at", Reason: timeReason(parse.Value)}
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return &evaluation.FieldError{Field: strings.Trim(f, `"`), Reason: "unknown field"}
	}
	return fmt.Errorf("invalid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

func timeReason(v string) string {
	return fmt.Sprintf("want an RFC 3339 time with an offset, like 2026-06-01T09:00:00+08:00, got %q", strings.Trim(v, `"`))
}

func jsonType(goType string) string {
	switch strings.TrimPrefix(goType, "*") {
	case "int", "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "string", "evaluation.EventType":
		return "a string"
	case "time.Time":
		return "a time string"
	}
	return goType
}
