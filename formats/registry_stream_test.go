package formats

import (
	"strings"
	"testing"
)

// TestRegistryYAMLStreamed: a registry read as it comes takes every YAML
// form a person writes — flow mappings one per line, block mappings over
// lines, comments and blank lines, a section in flow style — and an error
// names the file's line, not the item's.
func TestRegistryYAMLStreamed(t *testing.T) {
	good := `# a district
units:
  - {code: S1, kind: street, name: {zh: 鼓东街道, en: Gudong Street}}

  # a community, written out
  - code: S1C1
    kind: community
    parent: S1
    name:
      zh: 某社区
categories: [{code: garbage, class: A, name: {zh: 垃圾清理}}]
cadres:
  - {id: K1, name: 张三, position: 书记}
tenures:
  - {cadre: K1, unit: S1, role: head, from: 2026-01-01}
`
	reg, err := ParseRegistry(strings.NewReader(good), "yaml", func(string) bool { return false })
	if err != nil {
		t.Fatal(err)
	}
	if len(reg.Units) != 2 || reg.Units[1].Parent != "S1" || reg.Units[1].Name.Zh != "某社区" || len(reg.Categories) != 1 ||
		reg.Categories[0].Class != "A" || len(reg.Cadres) != 1 || len(reg.Tenures) != 1 || reg.Tenures[0].From.String() != "2026-01-01" {
		t.Errorf("parsed %+v", reg)
	}
	for _, c := range []struct{ name, yaml, want string }{
		{"a bad kind in a block item", strings.Replace(good, "kind: community", "kind: planet", 1), `line 7: field units[1].kind: "planet" is not one of`},
		{"an unknown field", strings.Replace(good, "    parent: S1", "    parnet: S1", 1), `line 8: unknown field "parnet"`},
		{"an unknown section", good + "streets:\n  - {code: S9}\n", `line 16: "streets" is not a section`},
		{"a section twice", good + "units:\n  - {code: S9, kind: street, name: {zh: x}}\n", "line 16: section units appears twice"},
		{"text before any section", "- {code: S1}\n", "line 1: a registry starts with a section"},
		{"an unknown parent", strings.Replace(good, "parent: S1", "parent: S7", 1), `line 8: field units[1].parent: unknown unit "S7"`},
	} {
		_, err := ParseRegistry(strings.NewReader(c.yaml), "yaml", func(string) bool { return false })
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	big := strings.NewReader("units:\n" + strings.Repeat("  - {code: X, kind: street, name: {zh: x}}\n", 10))
	if err := parseRegistryYAMLStream(&limitedReader{r: big, max: 100}, func(string, func(string) int, any) error { return nil }); err == nil || !strings.Contains(err.Error(), "larger than 100 bytes") {
		t.Errorf("a file over the cap: %v", err)
	}
}
