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
	// Read as it comes: a file of a million records is never whole in memory.
	r = &limitedReader{r: r, max: MaxRegistryBytes}
	var reg *evaluation.Registry
	var lineOf func(path string) int
	var err error
	switch format {
	case "yaml":
		reg, lineOf, err = parseRegistryYAMLStream(r)
	case "csv":
		reg, lineOf, err = parseRegistryCSV(r)
	default:
		return nil, fmt.Errorf("unknown registry format %q (want yaml or csv)", format)
	}
	if err != nil {
		return nil, err
	}
	if err := reg.Validate(known); err != nil {
		var fe *evaluation.FieldError
		if errors.As(err, &fe) {
			if line := lineOf(fe.Field); line > 0 {
				return nil, fmt.Errorf("line %d: %w", line, err)
			}
		}
		return nil, err
	}
	return reg, nil
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

func parseRegistryCSV(r io.Reader) (*evaluation.Registry, func(string) int, error) {
	br := bufio.NewReader(r)
	if bom, _ := br.Peek(3); string(bom) == "\uFEFF" {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("line 1: header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if !slices.Contains(registryColumns, h) {
			return nil, nil, fmt.Errorf("line 1: header: unknown column %q (want some of %v)", h, registryColumns)
		}
		col[h] = i
	}
	if _, ok := col["record"]; !ok {
		return nil, nil, errors.New(`line 1: header: missing column "record"`)
	}
	var reg evaluation.Registry
	lines := registryLines{}
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		line, _ := cr.FieldPos(0)
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
			lines["units"] = append(lines["units"], line)
			reg.Units = append(reg.Units, evaluation.Unit{Code: get("code"), Kind: evaluation.UnitKind(get("kind")), Parent: get("parent"), Name: name})
		case "category":
			lines["categories"] = append(lines["categories"], line)
			reg.Categories = append(reg.Categories, evaluation.Category{Code: get("code"), Class: get("class"), Urgency: get("urgency"), Name: name})
		case "cadre":
			lines["cadres"] = append(lines["cadres"], line)
			reg.Cadres = append(reg.Cadres, evaluation.Cadre{ID: get("id"), Name: get("name"), Position: get("position")})
		case "tenure":
			from, err := date("from")
			if err != nil {
				return nil, nil, err
			}
			to, err := date("to")
			if err != nil {
				return nil, nil, err
			}
			lines["tenures"] = append(lines["tenures"], line)
			reg.Tenures = append(reg.Tenures, evaluation.Tenure{Cadre: get("cadre"), Unit: get("unit"), Role: get("role"), From: from, To: to})
		default:
			return nil, nil, fmt.Errorf("line %d: field record: %q is not one of unit, category, cadre, tenure", line, rec)
		}
	}
	return &reg, lines.lineOf, nil
}
