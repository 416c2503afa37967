package formats

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"frontline/evaluation"
)

// eventFields are the JSON names of an event's fields.
var eventFields = func() map[string]bool {
	out := map[string]bool{}
	t := reflect.TypeFor[evaluation.Event]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out[name] = true
		}
	}
	return out
}()

// checkKeys refuses what a JSON decoder would quietly accept in an event
// object: a key given twice (the last would win) and a key that names a
// field in other letter case ("ID" for "id", which would override it). A
// key no field has is left to the decoder, which names it as unknown.
// data is one JSON value; anything but an object is left to the decoder.
func checkKeys(data []byte) error {
	var seen [40]string // the keys so far; an event has fewer fields
	n := 0
	depth := 0
	expectKey := false
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '{':
			depth++
			expectKey = depth == 1
		case '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return nil // the object's end: what follows is the decoder's to judge
			}
		case ',':
			expectKey = depth == 1
		case '"':
			end, escaped := stringEnd(data, i)
			if end < 0 {
				return nil // not well formed: the decoder says where
			}
			if expectKey {
				key := string(data[i+1 : end])
				if escaped {
					unq, err := strconv.Unquote(string(data[i : end+1]))
					if err != nil {
						return nil
					}
					key = unq
				}
				if err := checkKey(key, seen[:n]); err != nil {
					return err
				}
				if n < len(seen) {
					seen[n] = key
					n++
				}
				expectKey = false
			}
			i = end
		}
	}
	return nil
}

func checkKey(key string, seen []string) error {
	for _, k := range seen {
		if k == key {
			return &evaluation.FieldError{Field: key, Reason: "given twice: each field once"}
		}
	}
	if eventFields[key] {
		return nil
	}
	for name := range eventFields {
		if strings.EqualFold(name, key) {
			return &evaluation.FieldError{Field: key, Reason: fmt.Sprintf("field names are lower case: write %q", name)}
		}
	}
	return nil
}

// stringEnd returns the index of the quote that closes the JSON string
// opening at data[start], and whether it holds an escape; -1 if none does.
func stringEnd(data []byte, start int) (int, bool) {
	escaped := false
	for i := start + 1; i < len(data); i++ {
		switch data[i] {
		case '\\':
			escaped = true
			i++
		case '"':
			return i, escaped
		}
	}
	return -1, escaped
}
