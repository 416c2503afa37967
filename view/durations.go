package view

import (
	"math"
	"slices"
	"time"
)

// Durations is the durations report: for each unit, how many cases it
// led and how long they took to close, and to the first action where the
// data has one.
type Durations struct {
	Period string `json:"period"`
	// Clock is "elapsed" (real hours) or "wall" (the difference of the
	// local wall-clock times, as cities' own reports count across a
	// daylight-saving change), in Zone.
	Clock string          `json:"clock"`
	Zone  string          `json:"zone"`
	Units []UnitDurations `json:"units"`
	All   UnitDurations   `json:"all"`
}

// UnitDurations is one unit's line of the durations report.
type UnitDurations struct {
	Unit  string `json:"unit"`
	Name  string `json:"name,omitempty"`
	Cases int    `json:"cases"`
	// Closed counts the cases with a close time; the spread of ToClose is
	// over those closed at or after they opened (ToClose.N).
	Closed      int      `json:"closed"`
	ShareClosed *float64 `json:"share_closed"`
	ToClose     Spread   `json:"to_close"`
	// ToFirstAction is from opening to the first response, where the data
	// records one.
	ToFirstAction *Spread `json:"to_first_action,omitempty"`
}

// Spread is the median and 90th percentile of durations, in hours.
type Spread struct {
	N           int      `json:"n"`
	MedianHours *float64 `json:"median_hours"`
	P90Hours    *float64 `json:"p90_hours"`
}

// SpreadOf gives the median and 90th percentile of durations. The median
// of an even count is the mean of the middle two; percentiles interpolate
// linearly between closest ranks (Hyndman and Fan's type 7, as
// spreadsheets and numpy compute them). It sorts hours in place.
func SpreadOf(hours []float64) Spread {
	s := Spread{N: len(hours)}
	if len(hours) == 0 {
		return s
	}
	slices.Sort(hours)
	med, p90 := Quantile(hours, 0.5), Quantile(hours, 0.9)
	s.MedianHours, s.P90Hours = &med, &p90
	return s
}

// Quantile is the type 7 quantile p of sorted values.
func Quantile(sorted []float64, p float64) float64 {
	h := float64(len(sorted)-1) * p
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (h-lo)*(sorted[i+1]-sorted[i])
}

// Hours is the duration from a to b in hours: elapsed, or by the local
// wall clock of loc when wall is set.
func Hours(a, b time.Time, wall bool, loc *time.Location) float64 {
	if wall {
		a, b = wallClock(a.In(loc)), wallClock(b.In(loc))
	}
	return b.Sub(a).Hours()
}

// wallClock reads a local time's clock as if it were UTC.
func wallClock(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}
