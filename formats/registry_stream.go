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

// registryLines is where each record of a registry starts, by section.
type registryLines map[string][]int

// lineOf returns the line of a field path such as "units[3].kind": the
// line its record starts on; 0 if unknown.
func (l registryLines) lineOf(path string) int {
	m := indexed.FindStringSubmatch(path)
	if m == nil {
		return 0
	}
	i, _ := strconv.Atoi(m[2])
	if lines := l[m[1]]; i < len(lines) {
		return lines[i]
	}
	return 0
}

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

// registrySection adds one parsed item of a section to reg.
var registrySection = map[string]func(reg *evaluation.Registry, item []byte) error{
	"units":      appendItem(func(r *evaluation.Registry) *[]evaluation.Unit { return &r.Units }),
	"categories": appendItem(func(r *evaluation.Registry) *[]evaluation.Category { return &r.Categories }),
	"cadres":     appendItem(func(r *evaluation.Registry) *[]evaluation.Cadre { return &r.Cadres }),
	"tenures":    appendItem(func(r *evaluation.Registry) *[]evaluation.Tenure { return &r.Tenures }),
}

func appendItem[T any](list func(*evaluation.Registry) *[]T) func(*evaluation.Registry, []byte) error {
	return func(reg *evaluation.Registry, item []byte) error {
		var v T
		if err := yaml.UnmarshalWithOptions(item, &v, yaml.Strict()); err != nil {
			return err
		}
		l := list(reg)
		*l = append(*l, v)
		return nil
	}
}

// parseRegistryYAMLStream reads a YAML registry from r as it comes.
func parseRegistryYAMLStream(r io.Reader) (*evaluation.Registry, func(string) int, error) {
	var reg evaluation.Registry
	lines := registryLines{}
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
			if err := registrySection[section](&reg, item); err != nil {
				return yamlErr(itemLine, err)
			}
			lines[section] = append(lines[section], itemLine)
			item = nil
		}
		if flow != nil {
			var one evaluation.Registry
			if err := yaml.UnmarshalWithOptions(flow, &one, yaml.Strict()); err != nil {
				return yamlErr(flowLine, err)
			}
			for range len(one.Units) + len(one.Categories) + len(one.Cadres) + len(one.Tenures) {
				lines[section] = append(lines[section], flowLine)
			}
			reg.Units, reg.Categories = append(reg.Units, one.Units...), append(reg.Categories, one.Categories...)
			reg.Cadres, reg.Tenures = append(reg.Cadres, one.Cadres...), append(reg.Tenures, one.Tenures...)
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
				return nil, nil, err
			}
			key, rest, ok := bytes.Cut(text, []byte(":"))
			name := string(bytes.TrimSpace(key))
			if !ok || registrySection[name] == nil {
				return nil, nil, fmt.Errorf("line %d: %q is not a section of a registry (want units, categories, cadres or tenures)", line, name)
			}
			if _, seen := lines[name]; seen {
				return nil, nil, fmt.Errorf("line %d: section %s appears twice", line, name)
			}
			section, lines[name] = name, []int{}
			if rest = bytes.TrimSpace(rest); len(rest) > 0 && rest[0] != '#' {
				flow, flowLine = append(append([]byte(name+": "), rest...), '\n'), line
			}
			continue
		case section == "":
			return nil, nil, fmt.Errorf("line %d: a registry starts with a section: units, categories, cadres or tenures", line)
		case flow != nil:
			flow = append(append(flow, text...), '\n')
			continue
		case trimmed[0] == '-' && (len(trimmed) == 1 || trimmed[1] == ' ') && (item == nil || indent <= itemIndent):
			// The next item of the section's list: alone, a mapping.
			if err := flush(); err != nil {
				return nil, nil, err
			}
			item, itemLine, itemIndent = make([]byte, 0, 128), line, indent
			item = append(append(append(item, bytes.Repeat([]byte(" "), indent)...), ' '), text[indent+1:]...)
			item = append(item, '\n')
			continue
		case item != nil && indent > itemIndent:
			item = append(append(item, text...), '\n')
			continue
		}
		return nil, nil, fmt.Errorf("line %d: want a list item (- ...) of %s", line, section)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, nil, fmt.Errorf("line %d: longer than 1 MiB", line+1)
		}
		return nil, nil, err
	}
	if err := flush(); err != nil {
		return nil, nil, err
	}
	return &reg, lines.lineOf, nil
}
