package synth

import "time"

// Truth lists what was planted in a generated district and what came out,
// so that detection can be tested against it. Its JSON keys are a contract
// (DESIGN.md §7, `gen` writes truth.json); keys may be added.
type Truth struct {
	Seed   int64     `json:"seed"`
	Cases  int       `json:"cases"`
	Events int       `json:"events"`
	Start  time.Time `json:"start"` // first instant simulated
	End    time.Time `json:"end"`   // events at or after End are not generated

	// LenientRaters are units that give (almost) everyone 5.
	LenientRaters []string `json:"lenient_raters"`
	// HarshRaters are units that give everyone about 3.
	HarshRaters []string `json:"harsh_raters"`
	// ReciprocalPairs are [street, department] pairs that rate each other
	// far above their other ratings.
	ReciprocalPairs [][2]string `json:"reciprocal_pairs"`
	// SlowUnits are departments much worse on time limits.
	SlowUnits []string `json:"slow_units"`
	// ShirkingUnits are departments that often return cases they should
	// keep; those returns are ruled unjustified.
	ShirkingUnits []string `json:"shirking_units"`
	// MisdirectingStreets are streets that often call the wrong department.
	MisdirectingStreets []string `json:"misdirecting_streets"`

	// Satisfaction is the district satisfaction rate as emitted:
	// (satisfied + basically satisfied) ÷ rated, over the latest rating of
	// each rated case.
	Satisfaction float64 `json:"satisfaction"`
	// Rated is the number of cases with a rating; Satisfied those whose
	// latest rating is satisfied or basically satisfied.
	Rated     int `json:"rated"`
	Satisfied int `json:"satisfied"`
	// OpenCases is the number of cases not closed at End.
	OpenCases int `json:"open_cases"`
	// EventsByType counts the emitted events by type.
	EventsByType map[string]int `json:"events_by_type"`
}
