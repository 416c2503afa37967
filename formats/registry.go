package formats

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"frontline/evaluation"

	"github.com/goccy/go-yaml"
)

// MaxRegistryBytes caps a registry file.
const MaxRegistryBytes = 64 << 20

// RegistryFormat returns "csv" for a .csv file name and "yaml" otherwise.
func RegistryFormat(name string) string {
	if strings.EqualFold(filepath.Ext(name), ".csv") {
		return "csv"
	}
	return "yaml"
}

// ParseRegistry reads a registry in YAML or CSV form and validates it.
// known reports whether a code is already registered (parents and tenure
// units may refer to stored units); cadre ids are asked as "cadre:ID".
// Errors name the line and field.
func ParseRegistry(r io.Reader, format string, known func(string) bool) (*evaluation.Registry, error) {
	var reg evaluation.Registry
	err := StreamRegistry(r, format, known, 0, func(chunk *evaluation.Registry) error {
		reg.Units, reg.Categories = append(reg.Units, chunk.Units...), append(reg.Categories, chunk.Categories...)
		reg.Cadres, reg.Tenures = append(reg.Cadres, chunk.Cadres...), append(reg.Tenures, chunk.Tenures...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &reg, nil
}

// StreamRegistry reads a registry in YAML or CSV form as it comes and
// checks each record as it is read (evaluation.RegistryCheck), handing
// the records on in chunks of about size (0: all in one); a reference to
// a unit or cadre is checked once the whole file is read. Errors name the
// line and field. Nothing is whole in memory but a chunk and the codes.
func StreamRegistry(r io.Reader, format string, known func(string) bool, size int, each func(chunk *evaluation.Registry) error) error {
	r = &limitedReader{r: r, max: MaxRegistryBytes}
	check := evaluation.NewRegistryCheck(known)
	counts := map[string]int{}
	chunk, n := &evaluation.Registry{}, 0
	add := func(section string, lineOf func(string) int, v any) error {
		i := counts[section]
		counts[section]++
		var err error
		switch x := v.(type) {
		case evaluation.Unit:
			err = check.Unit(i, x, lineOf)
			chunk.Units = append(chunk.Units, x)
		case evaluation.Category:
			err = check.Category(i, x)
			chunk.Categories = append(chunk.Categories, x)
		case evaluation.Cadre:
			err = check.Cadre(i, x)
			chunk.Cadres = append(chunk.Cadres, x)
		case evaluation.Tenure:
			err = check.Tenure(i, x, lineOf)
			chunk.Tenures = append(chunk.Tenures, x)
		}
		if err != nil {
			return fmt.Errorf("line %d: %w", lineOf(fieldOf(err)), err)
		}
		if n++; size > 0 && n >= size {
			if err := each(chunk); err != nil {
				return err
			}
			chunk, n = &evaluation.Registry{}, 0
		}
		return nil
	}
	var err error
	switch format {
	case "yaml":
		err = parseRegistryYAMLStream(r, add)
	case "csv":
		err = parseRegistryCSV(r, add)
	default:
		return fmt.Errorf("unknown registry format %q (want yaml or csv)", format)
	}
	if err != nil {
		return err
	}
	if err := check.Finish(); err != nil {
		var tagged *evaluation.Tagged
		if errors.As(err, &tagged) {
			if lineOf, ok := tagged.Tag.(func(string) int); ok {
				return fmt.Errorf("line %d: %w", lineOf(fieldOf(tagged.FieldError)), tagged.FieldError)
			}
		}
		return err
	}
	if n > 0 {
		return each(chunk)
	}
	return nil
}

// fieldOf is the field an error names within its record: "kind" of
// "units[1].kind", "name" of "units[1].name.zh".
func fieldOf(err error) string {
	var fe *evaluation.FieldError
	if !errors.As(err, &fe) {
		return ""
	}
	_, field, _ := strings.Cut(fe.Field, "].")
	field, _, _ = strings.Cut(field, ".")
	return field
}

var (
	indexed     = regexp.MustCompile(`^(\w+)\[(\d+)\]`)
	leadingLine = regexp.MustCompile(`^\[(\d+):`)
)

// yamlLine returns the line of a key path such as "units[3].kind" in a
// parsed YAML file, or of its nearest ancestor that is there; 0 if none is.
func yamlLine(file *ast.File, path string) int {
	if file == nil {
		return 0
	}
	for p := path; p != ""; p = p[:max(strings.LastIndexAny(p, ".["), 0)] {
		yp, err := yaml.PathString("$." + p)
		if err != nil {
			continue
		}
		if node, err := yp.FilterFile(file); err == nil && node != nil {
			return node.GetToken().Position.Line
		}
	}
	return 0
}

// registryColumns are the columns of the CSV form. Column `record` says
// which kind of record a row holds: unit, category, cadre or tenure.
var registryColumns = []string{"record", "code", "kind", "parent", "name_zh", "name_en", "class", "urgency",
	"id", "name", "position", "cadre", "unit", "role", "from", "to"}

func parseRegistryCSV(r io.Reader, add addRecord) error {
	br := bufio.NewReader(r)
	if bom, _ := br.Peek(3); string(bom) == "\uFEFF" {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("line 1: header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if !slices.Contains(registryColumns, h) {
			return fmt.Errorf("line 1: header: unknown column %q (want some of %v)", h, registryColumns)
		}
		col[h] = i
	}
	if _, ok := col["record"]; !ok {
		return errors.New(`line 1: header: missing column "record"`)
	}
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		line, _ := cr.FieldPos(0)
		at := func(string) int { return line }
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(row) {
				return strings.TrimSpace(row[i])
			}
			return ""
		}
		date := func(name string) (evaluation.Date, error) {
			if get(name) == "" {
				return evaluation.Date{}, nil
			}
			d, err := evaluation.ParseDate(get(name))
			if err != nil {
				return d, fmt.Errorf("line %d: field %s: %w", line, name, err)
			}
			return d, nil
		}
		name := evaluation.Name{Zh: get("name_zh"), En: get("name_en")}
		switch rec := get("record"); rec {
		case "unit":
			err = add("units", at, evaluation.Unit{Code: get("code"), Kind: evaluation.UnitKind(get("kind")), Parent: get("parent"), Name: name})
		case "category":
			err = add("categories", at, evaluation.Category{Code: get("code"), Class: get("class"), Urgency: get("urgency"), Name: name})
		case "cadre":
			err = add("cadres", at, evaluation.Cadre{ID: get("id"), Name: get("name"), Position: get("position")})
		case "tenure":
			from, err := date("from")
			if err != nil {
				return err
			}
			to, err := date("to")
			if err != nil {
				return err
			}
			err = add("tenures", at, evaluation.Tenure{Cadre: get("cadre"), Unit: get("unit"), Role: get("role"), From: from, To: to})
		default:
			return fmt.Errorf("line %d: field record: %q is not one of unit, category, cadre, tenure", line, rec)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
