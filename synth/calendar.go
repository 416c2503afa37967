package synth

import (
	"math/rand/v2"
	"time"
)

// zone is the policy time zone, Asia/Shanghai, written as a fixed offset so
// that the generator needs no time zone database.
// Zone is the time zone of the synthetic district (China Standard Time).
var Zone = time.FixedZone("CST", 8*3600)

var zone = Zone

// Office hours of a working day, as offsets from midnight.
const (
	officeOpen  = 8*time.Hour + 30*time.Minute
	officeClose = 17*time.Hour + 30*time.Minute
)

// sla holds the time limits of an SLA class (DESIGN.md §4).
type sla struct {
	respond, report time.Duration // report is zero when the class has no report limit
	disposeWall     time.Duration // wall-clock dispose limit, or zero
	disposeDays     int           // dispose limit in working days, when disposeWall is zero
}

func slaFor(class string) sla {
	switch class {
	case "A":
		return sla{respond: 10 * time.Minute, disposeWall: 4 * time.Hour}
	case "B":
		return sla{respond: 10 * time.Minute, report: time.Hour, disposeDays: 1}
	default:
		return sla{respond: 30 * time.Minute, report: 2 * time.Hour, disposeDays: 3}
	}
}

// disposeBy returns the disposal deadline of a dispatch made at t.
func (s sla) disposeBy(t time.Time) time.Time {
	if s.disposeWall > 0 {
		return t.Add(s.disposeWall)
	}
	return addWorkingDays(t, s.disposeDays)
}

// isWorkday approximates the working-day calendar by weekdays: the generator
// knows no public holidays. A holiday only moves the policy's deadlines
// later, so a milestone on time here is almost always on time there too.
func isWorkday(t time.Time) bool {
	wd := t.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

func midnight(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// addWorkingDays returns the same time of day on the nth working day after
// t's day; a t on a non-working day counts as 08:30 of the next working day.
func addWorkingDays(t time.Time, n int) time.Time {
	day := midnight(t)
	tod := t.Sub(day)
	if !isWorkday(day) {
		for !isWorkday(day) {
			day = day.AddDate(0, 0, 1)
		}
		tod = officeOpen
	}
	for i := 0; i < n; {
		day = day.AddDate(0, 0, 1)
		if isWorkday(day) {
			i++
		}
	}
	return day.Add(tod)
}

// inOffice reports whether t falls in office hours of a working day.
func inOffice(t time.Time) bool {
	tod := t.Sub(midnight(t))
	return isWorkday(t) && tod >= officeOpen && tod < officeClose
}

// officeAfter returns t if it falls in office hours, or else a time early in
// the next office hours: when staff evaluate, visit and decide.
func officeAfter(r *rand.Rand, t time.Time) time.Time {
	if inOffice(t) {
		return t
	}
	day := midnight(t)
	if t.Sub(day) >= officeOpen || !isWorkday(day) {
		day = day.AddDate(0, 0, 1)
	}
	for !isWorkday(day) {
		day = day.AddDate(0, 0, 1)
	}
	return day.Add(officeOpen + between(r, 0, 3*time.Hour)).Truncate(time.Second)
}

// awakeAfter returns t if it falls between 08:00 and 21:00, or else a time
// early the next morning: when residents answer a callback.
func awakeAfter(r *rand.Rand, t time.Time) time.Time {
	if h := t.Hour(); h >= 8 && h < 21 {
		return t
	}
	day := midnight(t)
	if t.Hour() >= 21 {
		day = day.AddDate(0, 0, 1)
	}
	return day.Add(8*time.Hour + between(r, 0, 3*time.Hour)).Truncate(time.Second)
}

// daytime draws a time with draw, drawing again (a few times at most) while
// it falls between 22:00 and 07:00: crews work by day unless they must not.
func daytime(draw func() time.Time) time.Time {
	t := draw()
	for i := 0; i < 4 && (t.Hour() >= 22 || t.Hour() < 7); i++ {
		t = draw()
	}
	return t
}
