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
	Clear Light = ""      // less than the warning share of the limit has passed: no light
	Amber Light = "amber" // the warning share has passed, the deadline has not
	Red   Light = "red"   // the deadline has passed without the milestone
)

// Lights lists the lights a warning can show, in order of urgency.
var Lights = []Light{Amber, Red}

// AmberAt returns when the deadline turns amber: share of the way from
// its start to its due time, to the second.
func (d *Deadline) AmberAt(share float64) time.Time {
	return d.Start.Add(time.Duration(float64(d.Due.Sub(d.Start)) * share)).Truncate(time.Second)
}

// LightAt returns the light of an open milestone as of now, given when it
// turns amber and when it is due. A milestone at its deadline itself is
// still on time, as Deadline.StatusAt judges it.
func LightAt(now, amberAt, due time.Time) Light {
	switch {
	case now.After(due):
		return Red
	case !now.Before(amberAt):
		return Amber
	}
	return Clear
}
