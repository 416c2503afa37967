package view

import (
	"testing"

	"frontline/evaluation"
)

// TestFindUnit: a unit is found by what a person types for it, and not
// found when nothing, or more than one unit, answers.
func TestFindUnit(t *testing.T) {
	names := NamesOf(&evaluation.Registry{Units: []evaluation.Unit{
		{Code: "S01", Kind: evaluation.Street, Name: evaluation.Name{Zh: "鼓东街道", En: "Gudong Street"}},
		{Code: "S02", Kind: evaluation.Street, Name: evaluation.Name{Zh: "鼓西街道", En: "Guxi Street"}},
		{Code: "D01", Kind: evaluation.Department, Name: evaluation.Name{Zh: "城市管理局", En: "Urban Management Bureau"}},
	}}, "zh")
	for typed, want := range map[string]string{
		"S01": "S01", "s01": "S01", " s01 ": "S01", "鼓东街道": "S01", "鼓东": "S01", "gudong  street": "S01",
		"鼓东街道 (S01)": "S01", "鼓东街道（S01）": "S01", "城管": "", "城市管理": "D01", "urban": "D01",
		"鼓": "", "街道": "", "S9": "", "": "",
	} {
		got, ok := names.Find(typed)
		if got != want || ok != (want != "") {
			t.Errorf("Find(%q) = %q, %v; want %q", typed, got, ok, want)
		}
	}
}
