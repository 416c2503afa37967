package evaluation

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
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
			return Period{}, fmt.Errorf("period %q: no month %d", s, month)
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
	return Period{}, fmt.Errorf("period %q: want a month (2026-10), a quarter (2026-Q4) or a year (2026)", s)
}

// PeriodBetween is the days from `from` through `to`, both included.
func PeriodBetween(from, to Date, loc *time.Location) (Period, error) {
	if to.Before(from.Time) {
		return Period{}, fmt.Errorf("--to %s is before --from %s", to, from)
	}
	f := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, loc)
	t := time.Date(to.Year(), to.Month(), to.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, 1)
	return Period{Name: from.String() + "/" + to.String(), From: f, To: t}, nil
}
