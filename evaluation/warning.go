package evaluation

import (
	"time"
)

// Live warnings (预警, DESIGN.md §9): an open milestone shows amber once
// the policy's warning share of its limit has passed, red once its
// deadline has, and leaves the board when it is met or its part ends.

// Light is where an open milestone stands on the live board.
type Light string

// The lights of the board.
const (
	Clear Light = "clear" // less than the warning share of the limit has passed
	Amber Light = "amber" // the warning share has passed, the deadline has not
	Red   Light = "red"   // the deadline has passed without the milestone
)

// Lights lists the lights a warning can show, in order of urgency.
var Lights = []Light{Amber, Red}

// Open says whether the deadline is on the board as of now: started, not
// met, its clock not stopped by a return, not excused.
func (d *Deadline) Open(now time.Time) bool {
	return !d.Start.After(now) && (d.Actual.IsZero() || d.Actual.After(now)) &&
		(d.Stopped.IsZero() || d.Stopped.After(now)) && !d.Excused
}

// AmberAt returns when the deadline turns amber: share of the way from
// its start to its due time, to the second.
func (d *Deadline) AmberAt(share float64) time.Time {
	return d.Start.Add(time.Duration(float64(d.Due.Sub(d.Start)) * share)).Truncate(time.Second)
}

// LightAt returns the light of an open deadline as of now. A milestone
// at its deadline itself is still on time, as StatusAt judges it.
func (d *Deadline) LightAt(now time.Time, share float64) Light {
	switch {
	case now.After(d.Due):
		return Red
	case !now.Before(d.AmberAt(share)):
		return Amber
	}
	return Clear
}

// NextChange returns when an open deadline's light next changes after
// now, or the zero time once it is red.
func (d *Deadline) NextChange(now time.Time, share float64) time.Time {
	switch d.LightAt(now, share) {
	case Clear:
		return d.AmberAt(share)
	case Amber:
		return d.Due.Add(time.Nanosecond)
	}
	return time.Time{}
}
