package view

import (
	"time"

	"frontline/scoring"
)

// Tally is satisfaction over some ratings, with its interval and the gap to the target.
type Tally struct {
	Satisfied float64    `json:"satisfied"`
	Rated     float64    `json:"rated"`
	Rate      *float64   `json:"rate"`
	Interval  [2]float64 `json:"interval"`
	Gap       int        `json:"gap"`
}

// TallyOf shapes a tally against target.
func TallyOf(t scoring.Tally, target float64) Tally {
	o := Tally{Satisfied: t.Satisfied, Rated: t.Rated, Gap: t.Gap(target)}
	if r, ok := t.Rate(); ok {
		o.Rate = Round(&r)
		lo, hi := t.Interval()
		o.Interval = [2]float64{*Round(&lo), *Round(&hi)}
	}
	return o
}

// SatisfactionLine is one scope's satisfaction, in total and by month.
type SatisfactionLine struct {
	Unit         string           `json:"unit,omitempty"`
	Kind         string           `json:"kind,omitempty"`
	Name         string           `json:"name,omitempty"`
	Total        Tally            `json:"total"`
	Months       map[string]Tally `json:"months"`
	AtRisk       bool             `json:"at_risk"`
	ClearlyBelow bool             `json:"clearly_below"`
}

// SatisfactionLineOf shapes a line; names in lang.
func SatisfactionLineOf(l scoring.SatisfactionLine, target float64, lang string) SatisfactionLine {
	o := SatisfactionLine{Unit: l.Unit, Kind: string(l.Kind), Name: Name(l.Name, lang), Total: TallyOf(l.Total, target),
		Months: map[string]Tally{}, AtRisk: l.AtRisk, ClearlyBelow: l.ClearlyBelow}
	for m, t := range l.Months {
		o.Months[m] = TallyOf(t, target)
	}
	return o
}

// Pair is one street × department cell of the two-way matrix.
type Pair struct {
	Street        string   `json:"street"`
	Department    string   `json:"department"`
	Calls         int      `json:"calls"`
	AccurateCalls int      `json:"accurate_calls"`
	CallScore     *float64 `json:"call_score"`
	ResponseScore *float64 `json:"response_score"`
	Respond       *float64 `json:"respond_on_time"`
	Dispose       *float64 `json:"dispose_on_time"`
	Satisfaction  *float64 `json:"satisfaction"`
}

// PairsOf shapes the matrix.
func PairsOf(pairs []scoring.Pair) []Pair {
	val := func(m scoring.Metric) *float64 {
		if v, ok := m.Value(); ok {
			return Round(&v)
		}
		return nil
	}
	out := []Pair{}
	for _, p := range pairs {
		out = append(out, Pair{p.Street, p.Department, p.Calls, p.AccurateCalls, val(p.CallScore), val(p.ResponseScore),
			val(p.Respond), val(p.Dispose), val(p.Satisfaction)})
	}
	return out
}

// Satisfaction is `satisfaction --format json` and GET /satisfaction.
type Satisfaction struct {
	Period   string             `json:"period"`
	AsOf     time.Time          `json:"asof"`
	Target   float64            `json:"target"`
	Months   []string           `json:"months"`
	District SatisfactionLine   `json:"district"`
	Units    []SatisfactionLine `json:"units"`
	AtRisk   []string           `json:"at_risk"`
}

// SatisfactionOf shapes a satisfaction report; names in lang.
func SatisfactionOf(r *scoring.SatisfactionReport, period string, asof time.Time, lang string) Satisfaction {
	out := Satisfaction{Period: period, AsOf: asof, Target: r.Target, Months: r.Months,
		District: SatisfactionLineOf(r.District, r.Target, lang), Units: []SatisfactionLine{}, AtRisk: []string{}}
	for _, l := range r.Units {
		out.Units = append(out.Units, SatisfactionLineOf(l, r.Target, lang))
		if l.AtRisk {
			out.AtRisk = append(out.AtRisk, l.Unit)
		}
	}
	return out
}

// Reciprocity is one street/department pair that rate each other far
// above how each rates everyone else, with the objective record beside
// the ratings (`reciprocity --json`, GET /reciprocity).
type Reciprocity struct {
	Street           string   `json:"street"`
	Department       string   `json:"department"`
	StreetToDept     float64  `json:"street_to_department"`
	StreetToOthers   float64  `json:"street_to_others"`
	DeptToStreet     float64  `json:"department_to_street"`
	DeptToOthers     float64  `json:"department_to_others"`
	Ratings          [2]int   `json:"ratings"`
	StreetResidual   float64  `json:"street_residual"`
	DeptResidual     float64  `json:"department_residual"`
	PairRespond      *float64 `json:"pair_respond_on_time"`
	DeptRespond      *float64 `json:"department_respond_on_time"`
	PairSatisfaction *float64 `json:"pair_satisfaction"`
	DeptSatisfaction *float64 `json:"department_satisfaction"`
}

// ReciprocityOf shapes the flagged pairs.
func ReciprocityOf(pairs []scoring.Reciprocal) []Reciprocity {
	val := func(m scoring.Metric) *float64 {
		if v, ok := m.Value(); ok {
			return Round(&v)
		}
		return nil
	}
	out := []Reciprocity{}
	for _, r := range pairs {
		out = append(out, Reciprocity{r.Street, r.Department, r.StreetToDept.Value(), r.StreetToOthers.Value(),
			r.DeptToStreet.Value(), r.DeptToOthers.Value(), [2]int{r.StreetToDept.N, r.DeptToStreet.N},
			r.StreetResidual, r.DeptResidual, val(r.PairRespond), val(r.DeptRespond), val(r.PairSatisfaction), val(r.DeptSatisfaction)})
	}
	return out
}
