package main

import "frontline/view"

// label shows a code in the user's language; unknown codes and empty
// values show as they are ("—" for empty).
func (a *app) label(code string) string {
	if code == "" {
		return "—"
	}
	return view.Label(code, a.lang)
}
