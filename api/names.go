package api

import (
	"cmp"

	"frontline/evaluation"
	"frontline/view"
)

// registryNames names the registry's codes in one language: Open311's
// requests, and every dashboard page that shows a unit or a category.
type registryNames struct {
	units, categories map[string]evaluation.Name
	kinds             map[string]evaluation.UnitKind
	lang              string
}

func namesOf(reg *evaluation.Registry, lang string) registryNames {
	names := registryNames{units: map[string]evaluation.Name{}, categories: map[string]evaluation.Name{}, kinds: map[string]evaluation.UnitKind{}, lang: lang}
	for _, u := range reg.Units {
		names.units[u.Code], names.kinds[u.Code] = u.Name, u.Kind
	}
	for _, cat := range reg.Categories {
		names.categories[cat.Code] = cat.Name
	}
	return names
}

func (n registryNames) Unit(code string) string     { return n.pick(n.units[code], code) }
func (n registryNames) Category(code string) string { return n.pick(n.categories[code], code) }

func (n registryNames) pick(name evaluation.Name, code string) string {
	if v := cmp.Or(view.Name(name, n.lang), name.En); v != "" {
		return v
	}
	return code
}
