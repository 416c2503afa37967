// Package view holds the shapes Frontline's reports take as JSON
// (DESIGN.md §7), shared by the command line and the HTTP API so that
// both say the same thing in the same words.
package view

import (
	"cmp"
	"frontline/evaluation"
	"frontline/scoring"
	"slices"
)

// Unit is one unit's score in `score --format json` and GET /scores.
type Unit struct {
	Unit      string                `json:"unit"`
	Kind      string                `json:"kind"`
	Name      string                `json:"name"`
	Cases     int                   `json:"cases"`
	Metrics   map[string]*float64   `json:"metrics"`
	Intervals map[string][2]float64 `json:"intervals"`
	Score     *float64              `json:"score"`
	Eligible  bool                  `json:"eligible"`
	Rank      *int                  `json:"rank"`
	Penalty   float64               `json:"penalty"`
	// PenaltyReasons say what the penalty is made of: findings by
	// severity, unjustified returns; the most points first.
	PenaltyReasons []PenaltyReason `json:"penalty_reasons,omitempty"`
}

// PenaltyReason is one kind of cause of a unit's penalty points.
type PenaltyReason struct {
	Kind   string  `json:"kind"` // notice, warning, serious or unjustified_return
	Count  int     `json:"count"`
	Points float64 `json:"points"`
}

// UnitOf shapes a unit's score; names in lang (zh or en).
func UnitOf(u *scoring.UnitScore, lang string) Unit {
	out := Unit{Unit: u.Unit, Kind: string(u.Kind), Name: Name(u.Name, lang), Cases: u.Cases,
		Metrics: map[string]*float64{}, Intervals: map[string][2]float64{}, Score: Round(u.Score), Eligible: u.Eligible}
	for name, m := range u.Metrics {
		if v, ok := m.Value(); ok {
			out.Metrics[name] = Round(&v)
		} else {
			out.Metrics[name] = nil
		}
		if lo, hi, ok := m.Interval(); ok {
			out.Intervals[name] = [2]float64{*Round(&lo), *Round(&hi)}
		}
	}
	if u.Rank > 0 {
		r := u.Rank
		out.Rank = &r
	}
	for _, p := range u.Penalties {
		out.Penalty += p.Points
		i := slices.IndexFunc(out.PenaltyReasons, func(r PenaltyReason) bool { return r.Kind == p.Kind })
		if i < 0 {
			i = len(out.PenaltyReasons)
			out.PenaltyReasons = append(out.PenaltyReasons, PenaltyReason{Kind: p.Kind})
		}
		out.PenaltyReasons[i].Count++
		out.PenaltyReasons[i].Points += p.Points
	}
	slices.SortFunc(out.PenaltyReasons, func(a, b PenaltyReason) int {
		return cmp.Or(cmp.Compare(b.Points, a.Points), cmp.Compare(a.Kind, b.Kind))
	})
	return out
}

// Name picks a name in lang, Chinese when there is no English one.
func Name(n evaluation.Name, lang string) string {
	if lang == "en" && n.En != "" {
		return n.En
	}
	return n.Zh
}

// Round keeps six decimals, enough for any rate and quality.
func Round(v *float64) *float64 {
	if v == nil {
		return nil
	}
	s := 0.5
	if *v < 0 {
		s = -0.5
	}
	r := float64(int64(*v*1e6+s)) / 1e6
	return &r
}

// WithCode shows a name with its code, "鼓东街道 (S1)", or the code alone
// when the name is none or the code itself.
func WithCode(name, code string) string {
	if name == "" || name == code {
		return code
	}
	return name + " (" + code + ")"
}
