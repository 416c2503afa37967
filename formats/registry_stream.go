package formats

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"

	"frontline/evaluation"
)

// A registry file of a district, or of a city, holds up to a million
// records. Parsed whole, YAML costs some 150 times its size in memory; so
// the file is read as it comes, one section (units, categories, cadres,
// tenures) and one list item at a time, each item parsed alone (in any
// YAML form: a flow mapping on one line, a block mapping over several),
// and only the records are kept. A section written in flow style on its
// key's line (units: [...]) is parsed whole, as it comes.

// limitedReader fails once more than max bytes were read.
type limitedReader struct {
	r   io.Reader
	max int64
	n   int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.n > l.max {
		return n, fmt.Errorf("registry file larger than %d bytes", l.max)
	}
	return n, err
}

// registrySection decodes one item of a section.
var registrySection = map[string]func(item []byte) (any, error){
	"units":      decodeItem[evaluation.Unit],
	"categories": decodeItem[evaluation.Category],
	"cadres":     decodeItem[evaluation.Cadre],
	"tenures":    decodeItem[evaluation.Tenure],
}

func decodeItem[T any](item []byte) (any, error) {
	var v T
	err := strictYAML(item, &v)
	return v, err
}

// addRecord is told of each record read: its section, the line of each
// of its fields (a record on one line: that line for all), and the record
// (an evaluation.Unit, Category, Cadre or Tenure).
type addRecord func(section string, lineOf func(field string) int, record any) error

// fieldLines finds the line of a field in an item that starts at line
// start: the line whose key is the field, or start.
func fieldLines(item []byte, start int) func(field string) int {
	return func(field string) int {
		for i, l := range bytes.Split(item, []byte("\n")) {
			l = bytes.TrimLeft(bytes.TrimSpace(l), "- ")
			if bytes.HasPrefix(l, []byte(field+":")) {
				return start + i
			}
		}
		return start
	}
}

// parseRegistryYAMLStream reads a YAML registry from r as it comes,
// telling add of each record.
func parseRegistryYAMLStream(r io.Reader, add addRecord) error {
	seen := map[string]bool{} // the sections read
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var (
		section    string // the section being read
		item       []byte // the list item being gathered
		itemLine   int    // where it starts
		itemIndent int    // the column of its dash
		flow       []byte // a section in flow style, gathered whole
		flowLine   int
		line       int
	)
	yamlErr := func(at int, err error) error {
		msg := yaml.FormatError(err, false, false)
		// "[2:5] unknown field": the item's own lines start at 1; name the file's.
		if m := leadingLine.FindStringSubmatch(msg); m != nil {
			n, _ := strconv.Atoi(m[1])
			at, msg = at+n-1, msg[len(m[0]):]
			if _, rest, ok := strings.Cut(msg, "]"); ok {
				msg = rest
			}
		}
		return fmt.Errorf("line %d: %s", at, strings.TrimSpace(msg))
	}
	flush := func() error {
		if item != nil {
			v, err := registrySection[section](item)
			if err != nil {
				return yamlErr(itemLine, err)
			}
			if err := add(section, fieldLines(item, itemLine), v); err != nil {
				return err
			}
			item = nil
		}
		if flow != nil {
			var one evaluation.Registry
			if err := strictYAML(flow, &one); err != nil {
				return yamlErr(flowLine, err)
			}
			for _, list := range []struct {
				name string
				n    int
				at   func(int) any
			}{{"units", len(one.Units), func(i int) any { return one.Units[i] }}, {"categories", len(one.Categories), func(i int) any { return one.Categories[i] }},
				{"cadres", len(one.Cadres), func(i int) any { return one.Cadres[i] }}, {"tenures", len(one.Tenures), func(i int) any { return one.Tenures[i] }}} {
				for i := range list.n {
					if err := add(list.name, func(string) int { return flowLine }, list.at(i)); err != nil {
						return err
					}
				}
			}
			flow = nil
		}
		return nil
	}
	for sc.Scan() {
		line++
		text := sc.Bytes()
		if line == 1 {
			text = bytes.TrimPrefix(text, []byte("\uFEFF"))
		}
		trimmed := bytes.TrimSpace(text)
		indent := len(text) - len(bytes.TrimLeft(text, " "))
		switch {
		case len(trimmed) == 0 || trimmed[0] == '#':
			if item != nil {
				item = append(append(item, text...), '\n')
			}
			continue
		case indent == 0 && (string(trimmed) == "---" || string(trimmed) == "..."):
			continue
		case indent == 0 && text[0] != '-':
			// A section's key.
			if err := flush(); err != nil {
				return err
			}
			key, rest, ok := bytes.Cut(text, []byte(":"))
			name := string(bytes.TrimSpace(key))
			if !ok || registrySection[name] == nil {
				return fmt.Errorf("line %d: %q is not a section of a registry (want units, categories, cadres or tenures)", line, name)
			}
			if seen[name] {
				return fmt.Errorf("line %d: section %s appears twice", line, name)
			}
			section, seen[name] = name, true
			if rest = bytes.TrimSpace(rest); len(rest) > 0 && rest[0] != '#' {
				flow, flowLine = append(append([]byte(name+": "), rest...), '\n'), line
			}
			continue
		case section == "":
			return fmt.Errorf("line %d: a registry starts with a section: units, categories, cadres or tenures", line)
		case flow != nil:
			flow = append(append(flow, text...), '\n')
			continue
		case trimmed[0] == '-' && (len(trimmed) == 1 || trimmed[1] == ' ') && (item == nil || indent <= itemIndent):
			// The next item of the section's list: alone, a mapping.
			if err := flush(); err != nil {
				return err
			}
			item, itemLine, itemIndent = make([]byte, 0, 128), line, indent
			item = append(append(append(item, bytes.Repeat([]byte(" "), indent)...), ' '), text[indent+1:]...)
			item = append(item, '\n')
			continue
		case item != nil && indent > itemIndent:
			item = append(append(item, text...), '\n')
			continue
		}
		return fmt.Errorf("line %d: want a list item (- ...) of %s", line, section)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("line %d: longer than 1 MiB", line+1)
		}
		return err
	}
	return flush()
}
