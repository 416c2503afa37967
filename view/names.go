package view

import (
	"cmp"
	"iter"
	"maps"
	"slices"

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

func (n Names) pick(name evaluation.Name, code string) string {
	if v := cmp.Or(Name(name, n.lang), name.En); v != "" {
		return v
	}
	return code
}
