package formats

import (
	"encoding/json"
	"fmt"
	"io"
)

// JSONArrayDecoder reads events from one JSON array, element by element,
// without holding the array in memory. A record's Line is the element's
// position in the array (1-based).
type JSONArrayDecoder struct {
	dec     *json.Decoder
	started bool
	n       int
}

// NewJSONArrayDecoder returns a decoder reading a JSON array of events from r.
func NewJSONArrayDecoder(r io.Reader) *JSONArrayDecoder {
	return &JSONArrayDecoder{dec: json.NewDecoder(r)}
}

// Next returns the next element's record; an array that is not well
// formed stops the decoding with an error naming the element.
func (d *JSONArrayDecoder) Next() (*Record, error) {
	if !d.started {
		d.started = true
		tok, err := d.dec.Token()
		if err == io.EOF {
			return nil, fmt.Errorf("empty body: want a JSON array of events")
		}
		if err != nil {
			return nil, fmt.Errorf("JSON array: %w", err)
		}
		if delim, ok := tok.(json.Delim); !ok || delim != '[' {
			return nil, fmt.Errorf("want a JSON array of events, got %v", tok)
		}
	}
	if !d.dec.More() {
		if _, err := d.dec.Token(); err != nil {
			return nil, fmt.Errorf("JSON array after element %d: %w", d.n, err)
		}
		return nil, io.EOF
	}
	d.n++
	var raw json.RawMessage
	if err := d.dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("JSON array element %d: %w", d.n, err)
	}
	if len(raw) > MaxLineBytes {
		return &Record{Line: d.n, Err: fmt.Errorf("element longer than %d bytes", MaxLineBytes)}, nil
	}
	rec := &Record{Line: d.n, Raw: raw}
	rec.Err = decodeJSONEvent(raw, &rec.Event)
	return rec, nil
}
