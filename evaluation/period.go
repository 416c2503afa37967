package evaluation

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"frontline/fault"
)

// Period is a span of days [From, To) in a time zone, named as written:
// a month "2026-10", a quarter "2026-Q4", a year "2026", or from/to dates.
type Period struct {
	Name     string
	From, To time.Time
}

var (
	monthPattern   = regexp.MustCompile(`^(\d{4})-(\d{2})$`)
	quarterPattern = regexp.MustCompile(`^(\d{4})-[Qq]([1-4])$`)
	yearPattern    = regexp.MustCompile(`^(\d{4})$`)
)

// ParsePeriod reads "2026-10", "2026-Q4" or "2026" in the given zone.
func ParsePeriod(s string, loc *time.Location) (Period, error) {
	atoi := func(v string) int { n, _ := strconv.Atoi(v); return n }
	if m := monthPattern.FindStringSubmatch(s); m != nil {
		month := atoi(m[2])
		if month < 1 || month > 12 {
			return Period{}, fault.Sayf(fault.Invalid, "period", "期间 %q：没有第 %d 月", "period %q: no month %d", s, month)
		}
		from := time.Date(atoi(m[1]), time.Month(month), 1, 0, 0, 0, 0, loc)
		return Period{Name: s, From: from, To: from.AddDate(0, 1, 0)}, nil
	}
	if m := quarterPattern.FindStringSubmatch(s); m != nil {
		from := time.Date(atoi(m[1]), time.Month(3*atoi(m[2])-2), 1, 0, 0, 0, 0, loc)
		return Period{Name: s, From: from, To: from.AddDate(0, 3, 0)}, nil
	}
	if m := yearPattern.FindStringSubmatch(s); m != nil {
		from := time.Date(atoi(m[1]), 1, 1, 0, 0, 0, 0, loc)
		return Period{Name: s, From: from, To: from.AddDate(1, 0, 0)}, nil
	}
	return Period{}, fault.Sayf(fault.Invalid, "period", "期间 %q 无法识别：请写月份（2026-10）、季度（2026-Q4）或年份（2026）",
		"period %q: want a month (2026-10), a quarter (2026-Q4) or a year (2026)", s)
}

// PeriodBetween is the days from `from` through `to`, both included.
func PeriodBetween(from, to Date, loc *time.Location) (Period, error) {
	if to.Before(from.Time) {
		return Period{}, fmt.Errorf("the period ends on %s, before it begins on %s", to, from)
	}
	f := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, loc)
	t := time.Date(to.Year(), to.Month(), to.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, 1)
	return Period{Name: from.String() + "/" + to.String(), From: f, To: t}, nil
}

// ResolvePeriod reads a period given by name ("2026-10", "2026-Q4",
// "2026") or by its first and last days, in loc.
func ResolvePeriod(name, from, to string, loc *time.Location) (Period, error) {
	invalid := func(zh, en string, args ...any) (Period, error) {
		return Period{}, fault.Sayf(fault.Invalid, "period", zh, en, args...)
	}
	switch {
	case name != "" && (from != "" || to != ""):
		return invalid("请给出期间，或起止日期，不要同时给出", "give a period or from/to, not both")
	case name != "":
		return ParsePeriod(name, loc)
	case from != "" && to != "":
		f, ferr := ParseDate(from)
		if ferr != nil {
			return invalid("起始日期 %q 无法识别：请写 2026-10-01 这样的日期", "from %q: want a date such as 2026-10-01", from)
		}
		t, terr := ParseDate(to)
		if terr != nil {
			return invalid("截止日期 %q 无法识别：请写 2026-10-31 这样的日期", "to %q: want a date such as 2026-10-31", to)
		}
		if t.Before(f.Time) {
			return invalid("期间在 %s 结束，早于其开始的 %s", "the period ends on %s, before it begins on %s", t, f)
		}
		return PeriodBetween(f, t, loc)
	}
	return invalid("请给出期间（2026-10、2026-Q4、2026）或起止日期", "give a period (2026-10, 2026-Q4, 2026) or both from and to")
}

// ParseAsOf reads an as-of time: RFC 3339, or a date meaning its start in loc.
func ParseAsOf(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if d, err := ParseDate(s); err == nil {
		return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc), nil
	}
	return time.Time{}, fault.Sayf(fault.Invalid, "asof", "截至时间 %q 无法识别：请写日期（2026-10-31）或 RFC 3339 时间", "want an RFC 3339 time or a date, got %q", s)
}
