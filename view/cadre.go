package view

import (
	"time"

	"frontline/evaluation"
	"frontline/scoring"
)

// Cadre is one cadre in `cadres --format json` (DESIGN.md §7) and GET /cadres.
type Cadre struct {
	Cadre      string              `json:"cadre"`
	Name       string              `json:"name"`
	Position   string              `json:"position,omitempty"`
	Kind       string              `json:"kind"`
	Score      *float64            `json:"score"`
	Rank       *int                `json:"rank"`
	Percentile *float64            `json:"percentile"`
	Eligible   bool                `json:"eligible"`
	Cases      float64             `json:"cases"`
	Metrics    map[string]*float64 `json:"metrics"`
	Penalty    float64             `json:"penalty"`
	Tenures    []Tenure            `json:"tenures"`
}

// Tenure is one tenure's part of the period.
type Tenure struct {
	Unit      string   `json:"unit"`
	UnitName  string   `json:"unit_name"`
	Role      string   `json:"role"`
	From      string   `json:"from"`
	To        string   `json:"to"` // the last day, inclusive
	Weight    float64  `json:"weight"`
	UnitScore *float64 `json:"unit_score"`
}

// CadreOf shapes a cadre's assessment; names in lang.
func CadreOf(c *scoring.CadreScore, loc *time.Location, lang string) Cadre {
	out := Cadre{Cadre: c.Cadre.ID, Name: c.Cadre.Name, Position: c.Cadre.Position, Kind: string(c.Kind), Score: Round(c.Score),
		Percentile: Round(c.Percentile), Eligible: c.Eligible, Cases: *Round(&c.Cases), Metrics: map[string]*float64{}}
	if c.Rank > 0 {
		r := c.Rank
		out.Rank = &r
	}
	for name, v := range c.Metrics {
		out.Metrics[name] = Round(&v)
	}
	for _, p := range c.Penalties {
		out.Penalty += p.Points
	}
	for _, t := range c.Tenures {
		out.Tenures = append(out.Tenures, Tenure{Unit: t.Unit, UnitName: Name(t.Name, lang), Role: t.Role,
			From: t.From.In(loc).Format(evaluation.DateLayout), To: t.To.In(loc).AddDate(0, 0, -1).Format(evaluation.DateLayout),
			Weight: *Round(&t.Weight), UnitScore: Round(t.UnitScore)})
	}
	return out
}
