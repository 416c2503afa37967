package view

import (
	"cmp"
	"iter"
	"maps"
	"slices"
	"strings"

	"frontline/evaluation"
)

// Names names the registry's codes in one language: Open311's
// requests, and every dashboard page that shows a unit or a category.
type Names struct {
	units, categories map[string]evaluation.Name
	kinds             map[string]evaluation.UnitKind
	lang              string
}

// NamesOf names the registry's codes in lang.
func NamesOf(reg *evaluation.Registry, lang string) Names {
	names := Names{units: map[string]evaluation.Name{}, categories: map[string]evaluation.Name{}, kinds: map[string]evaluation.UnitKind{}, lang: lang}
	for _, u := range reg.Units {
		names.units[u.Code], names.kinds[u.Code] = u.Name, u.Kind
	}
	for _, cat := range reg.Categories {
		names.categories[cat.Code] = cat.Name
	}
	return names
}

// Unit names a unit, or gives its code when the registry has no name.
func (n Names) Unit(code string) string { return n.pick(n.units[code], code) }

// Category names a category, or gives its code.
func (n Names) Category(code string) string { return n.pick(n.categories[code], code) }

// Units are the registry's unit codes, in order, with their kinds.
func (n Names) Units() iter.Seq2[string, evaluation.UnitKind] {
	return func(yield func(string, evaluation.UnitKind) bool) {
		for _, code := range slices.Sorted(maps.Keys(n.units)) {
			if !yield(code, n.kinds[code]) {
				return
			}
		}
	}
}

// Find reads what a person typed for a unit, a code or a name in either
// language, in any case and spacing ("s01", "鼓东街道", "鼓东街道 (S01)",
// "gudong street"), and returns its code: a code first, then a whole
// name, then the one name that holds what was typed. ok is false when no
// unit, or more than one, answers.
func (n Names) Find(typed string) (code string, ok bool) {
	q := strings.Join(strings.Fields(typed), " ")
	if q == "" {
		return "", false
	}
	if i := strings.LastIndexAny(q, "(（"); i > 0 { // "name (code)": the code decides
		if c, ok := n.Find(strings.Trim(q[i:], "()（）")); ok {
			return c, true
		}
	}
	for c := range n.units {
		if strings.EqualFold(c, q) {
			return c, true
		}
	}
	var whole, part []string
	for c, name := range n.units {
		for _, v := range []string{name.Zh, name.En} {
			switch {
			case v == "":
			case strings.EqualFold(v, q):
				whole = append(whole, c)
			case strings.Contains(strings.ToLower(v), strings.ToLower(q)):
				part = append(part, c)
			}
		}
	}
	for _, found := range [][]string{whole, part} {
		slices.Sort(found)
		if found = slices.Compact(found); len(found) == 1 {
			return found[0], true
		}
		if len(found) > 1 {
			return "", false
		}
	}
	return "", false
}

func (n Names) pick(name evaluation.Name, code string) string {
	if v := cmp.Or(Name(name, n.lang), name.En); v != "" {
		return v
	}
	return code
}
