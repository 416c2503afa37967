package formats

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"frontline/evaluation"
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
	data, err := io.ReadAll(io.LimitReader(r, MaxRegistryBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxRegistryBytes {
		return nil, fmt.Errorf("registry file larger than %d bytes", MaxRegistryBytes)
	}
	var reg *evaluation.Registry
	var lineOf func(path string) int
	switch format {
	case "yaml":
		reg, lineOf, err = parseRegistryYAML(data)
	case "csv":
		reg, lineOf, err = parseRegistryCSV(data)
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

var indexed = regexp.MustCompile(`^(\w+)\[(\d+)\]`)

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

func parseRegistryYAML(data []byte) (*evaluation.Registry, func(string) int, error) {
	var reg evaluation.Registry
	if err := yaml.UnmarshalWithOptions(data, &reg, yaml.Strict()); err != nil {
		return nil, nil, errors.New(yaml.FormatError(err, false, false))
	}
	file, _ := parser.ParseBytes(data, 0)
	lineOf := func(field string) int { return yamlLine(file, field) }
	return &reg, lineOf, nil
}

// registryColumns are the columns of the CSV form. Column `record` says
// which kind of record a row holds: unit, category, cadre or tenure.
var registryColumns = []string{"record", "code", "kind", "parent", "name_zh", "name_en", "class", "urgency",
	"id", "name", "position", "cadre", "unit", "role", "from", "to"}

func parseRegistryCSV(data []byte) (*evaluation.Registry, func(string) int, error) {
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF"))))
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
	lines := map[string]int{}
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
			lines["units["+strconv.Itoa(len(reg.Units))+"]"] = line
			reg.Units = append(reg.Units, evaluation.Unit{Code: get("code"), Kind: evaluation.UnitKind(get("kind")), Parent: get("parent"), Name: name})
		case "category":
			lines["categories["+strconv.Itoa(len(reg.Categories))+"]"] = line
			reg.Categories = append(reg.Categories, evaluation.Category{Code: get("code"), Class: get("class"), Urgency: get("urgency"), Name: name})
		case "cadre":
			lines["cadres["+strconv.Itoa(len(reg.Cadres))+"]"] = line
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
			lines["tenures["+strconv.Itoa(len(reg.Tenures))+"]"] = line
			reg.Tenures = append(reg.Tenures, evaluation.Tenure{Cadre: get("cadre"), Unit: get("unit"), Role: get("role"), From: from, To: to})
		default:
			return nil, nil, fmt.Errorf("line %d: field record: %q is not one of unit, category, cadre, tenure", line, rec)
		}
	}
	lineOf := func(field string) int {
		if m := indexed.FindString(field); m != "" {
			return lines[m]
		}
		return 0
	}
	return &reg, lineOf, nil
}
