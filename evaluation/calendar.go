package evaluation

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"
)

// day is a calendar day in the calendar's zone, as days since 1970-01-01.
type day int32

func dayOf(t time.Time) day {
	y, m, d := t.Date()
	return day(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func (d day) date() (int, time.Month, int) {
	return time.Unix(int64(d)*86400, 0).UTC().Date()
}

func (d day) weekend() bool {
	// 1970-01-01 was a Thursday.
	wd := (int(d)%7 + 7 + 4) % 7 // 0 = Sunday
	return wd == 0 || wd == 6
}

// WorkPeriod is a span of working time within a day, in minutes after midnight.
type WorkPeriod struct{ Start, End int }

func (p WorkPeriod) String() string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", p.Start/60, p.Start%60, p.End/60, p.End%60)
}

// ParseWorkPeriod reads "08:30-12:00".
func ParseWorkPeriod(s string) (WorkPeriod, error) {
	var h1, m1, h2, m2 int
	if _, err := fmt.Sscanf(strings.TrimSpace(s), "%d:%d-%d:%d", &h1, &m1, &h2, &m2); err != nil {
		return WorkPeriod{}, fmt.Errorf("want a span like 08:30-12:00, got %q", s)
	}
	p := WorkPeriod{h1*60 + m1, h2*60 + m2}
	if h1 > 23 || h2 > 24 || m1 > 59 || m2 > 59 || p.Start >= p.End {
		return WorkPeriod{}, fmt.Errorf("%q is not a span within one day", s)
	}
	return p, nil
}

// Holiday is one day of the official schedule: a day off, or an adjusted
// working day (a weekend day worked to make up for a holiday).
type Holiday struct {
	Date Date   `json:"date" yaml:"date"`
	Name string `json:"name,omitempty" yaml:"name,omitempty"`
	Work bool   `json:"work" yaml:"work"`
}

// OfficialHolidays returns the State Council's public holiday schedule for
// the given years, days off and adjusted working days, from the maintained
// 6tail/lunar-go data.
func OfficialHolidays(years ...int) []Holiday {
	var out []Holiday
	for _, y := range years {
		for e := HolidayUtil.GetHolidaysByYear(y).Front(); e != nil; e = e.Next() {
			h := e.Value.(*HolidayUtil.Holiday)
			d, err := ParseDate(h.GetDay())
			if err != nil {
				continue
			}
			out = append(out, Holiday{Date: d, Name: h.GetName(), Work: h.IsWork()})
		}
	}
	return out
}

// Calendar says which days are working days and which hours are working
// hours, in one time zone.
type Calendar struct {
	loc     *time.Location
	periods []WorkPeriod
	off     map[day]bool // holidays on weekdays
	work    map[day]bool // weekend days worked
}

// NewCalendar builds a calendar from the holiday schedule (later entries
// override earlier ones for the same day) and the daily working periods,
// which must be sorted and disjoint.
func NewCalendar(loc *time.Location, periods []WorkPeriod, holidays []Holiday) (*Calendar, error) {
	if len(periods) == 0 {
		return nil, fmt.Errorf("working hours: at least one period is needed")
	}
	for i := 1; i < len(periods); i++ {
		if periods[i].Start < periods[i-1].End {
			return nil, fmt.Errorf("working hours: %s overlaps or precedes %s", periods[i], periods[i-1])
		}
	}
	c := &Calendar{loc: loc, periods: periods, off: map[day]bool{}, work: map[day]bool{}}
	for _, h := range holidays {
		d := dayOf(h.Date.Time)
		delete(c.off, d)
		delete(c.work, d)
		switch {
		case h.Work && d.weekend():
			c.work[d] = true
		case !h.Work && !d.weekend():
			c.off[d] = true
		}
	}
	return c, nil
}

// Location returns the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// Periods returns the daily working periods.
func (c *Calendar) Periods() []WorkPeriod { return c.periods }

func (c *Calendar) workday(d day) bool {
	if d.weekend() {
		return c.work[d]
	}
	return !c.off[d]
}

// IsWorkday reports whether the day of t (in the calendar's zone) is a working day.
func (c *Calendar) IsWorkday(t time.Time) bool { return c.workday(dayOf(t.In(c.loc))) }

// Adjustments lists the calendar's holidays on weekdays and worked weekend days, by date.
func (c *Calendar) Adjustments() []Holiday {
	var out []Holiday
	for d := range c.off {
		out = append(out, Holiday{Date: Date{time.Unix(int64(d)*86400, 0).UTC()}})
	}
	for d := range c.work {
		out = append(out, Holiday{Date: Date{time.Unix(int64(d)*86400, 0).UTC()}, Work: true})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date.Before(out[j].Date.Time) })
	return out
}

func (c *Calendar) at(d day, minutes int) time.Time {
	y, m, dd := d.date()
	return time.Date(y, m, dd, minutes/60, minutes%60, 0, 0, c.loc)
}

// AddWorkingDays returns the deadline n working days after t: the same
// time of day on the nth working day after t's day. A t on a non-working
// day counts as made at the start of the next working day.
func (c *Calendar) AddWorkingDays(t time.Time, n int) time.Time {
	local := t.In(c.loc)
	d := dayOf(local)
	if !c.workday(d) {
		for d++; !c.workday(d); d++ {
		}
		local = c.at(d, c.periods[0].Start)
	}
	for i := 0; i < n; {
		d++
		if c.workday(d) {
			i++
		}
	}
	y, m, dd := d.date()
	return time.Date(y, m, dd, local.Hour(), local.Minute(), local.Second(), local.Nanosecond(), c.loc)
}

// AddWorkingTime returns the instant at which dur of working time has
// passed after t, counting only working periods of working days. A
// deadline that falls at the end of a period is that end, not the next
// period's start.
func (c *Calendar) AddWorkingTime(t time.Time, dur time.Duration) time.Time {
	local := t.In(c.loc)
	d := dayOf(local)
	// Position within the day, in nanoseconds after midnight.
	y, m, dd := local.Date()
	midnight := time.Date(y, m, dd, 0, 0, 0, 0, c.loc)
	pos := local.Sub(midnight)
	left := dur
	for guard := 0; guard < 100000; guard++ {
		if c.workday(d) {
			for _, p := range c.periods {
				start := time.Duration(p.Start) * time.Minute
				end := time.Duration(p.End) * time.Minute
				if pos >= end {
					continue
				}
				pos = max(pos, start)
				if pos+left <= end {
					return c.at(d, 0).Add(pos + left)
				}
				left -= end - pos
				pos = end
			}
		}
		d++
		pos = 0
	}
	panic("evaluation: working time beyond 100000 days")
}
