package view

import "time"

// Verdicts sets a city's own deadline verdicts beside Frontline's, case
// by case, for the cases whose data carried one (a due time or an on-time
// flag): how often they agree, where they part, and how far apart their
// deadlines lie.
type Verdicts struct {
	Period string    `json:"period"`
	AsOf   time.Time `json:"asof"`
	// Cases carried a city's verdict or deadline; Withdrawn of them left
	// assessment (cancelled, duplicates: Frontline has no verdict);
	// Undecided are still open and not yet late by one side or the other.
	Cases     int `json:"cases"`
	Withdrawn int `json:"withdrawn"`
	Undecided int `json:"undecided"`
	// Compared had a verdict on both sides: on time or late.
	Compared          int      `json:"compared"`
	Agree             int      `json:"agree"`
	AgreeShare        *float64 `json:"agree_share"`
	BothOnTime        int      `json:"both_on_time"`
	BothLate          int      `json:"both_late"`
	CityLateOnly      int      `json:"city_late_only"`
	FrontlineLateOnly int      `json:"frontline_late_only"`
	// DueGap is Frontline's disposal deadline minus the city's, in hours,
	// over the cases with both.
	DueGap Spread `json:"due_gap"`
	// Disagreements are the first cases where the verdicts differ.
	Disagreements []VerdictCase `json:"disagreements"`
}

// VerdictCase is one case's two verdicts.
type VerdictCase struct {
	Case         string     `json:"case"`
	Unit         string     `json:"unit"`
	CityDue      *time.Time `json:"city_due"`
	CityOnTime   bool       `json:"city_on_time"`
	Due          *time.Time `json:"due"`
	OnTime       bool       `json:"on_time"`
	Closed       *time.Time `json:"closed"`
	OverdueHours float64    `json:"overdue_hours"` // by Frontline's deadline; 0 when on time
}
