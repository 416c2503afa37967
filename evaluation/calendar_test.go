package evaluation

import (
	"testing"
	"time"
)

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

func testCalendar(t testing.TB) *Calendar {
	t.Helper()
	c, err := NewCalendar(shanghai, []WorkPeriod{{8*60 + 30, 12 * 60}, {14*60 + 30, 17*60 + 30}}, OfficialHolidays(2025, 2026, 2027))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func local(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// TestOfficialSchedule checks the calendar against the State Council's
// published schedules for 2025–2027.
func TestOfficialSchedule(t *testing.T) {
	c := testCalendar(t)
	tests := []struct {
		date string
		work bool
		why  string
	}{
		{"2025-01-01", false, "New Year 2025"},
		{"2025-01-26", true, "Sunday worked before Spring Festival 2025"},
		{"2025-02-04", false, "last day of Spring Festival 2025"},
		{"2025-02-08", true, "Saturday worked after Spring Festival 2025"},
		{"2025-10-08", false, "National Day and Mid-Autumn 2025"},
		{"2025-10-11", true, "Saturday worked after National Day 2025"},
		{"2026-01-02", false, "New Year holiday 2026 (Friday)"},
		{"2026-01-04", true, "Sunday worked after New Year 2026"},
		{"2026-02-14", true, "Saturday worked before Spring Festival 2026"},
		{"2026-02-16", false, "Spring Festival 2026"},
		{"2026-02-23", false, "last day of Spring Festival 2026 (Monday)"},
		{"2026-02-24", true, "Tuesday after Spring Festival 2026"},
		{"2026-02-28", true, "Saturday worked after Spring Festival 2026"},
		{"2026-05-05", false, "Labour Day 2026 (Tuesday)"},
		{"2026-05-09", true, "Saturday worked after Labour Day 2026"},
		{"2026-06-19", false, "Dragon Boat Festival 2026 (Friday)"},
		{"2026-06-22", true, "Monday after the Dragon Boat Festival"},
		{"2026-09-20", true, "Sunday worked before National Day 2026"},
		{"2026-09-25", false, "Mid-Autumn 2026 (Friday)"},
		{"2026-10-07", false, "National Day 2026 (Wednesday)"},
		{"2026-10-08", true, "Thursday after National Day 2026"},
		{"2026-10-10", true, "Saturday worked after National Day 2026"},
		{"2026-12-31", true, "last working day of 2026"},
		{"2027-01-01", false, "New Year 2027"},
		{"2027-02-14", true, "Sunday worked after Spring Festival 2027"},
		{"2027-10-09", true, "Saturday worked after National Day 2027"},
		{"2026-07-04", false, "an ordinary Saturday"},
		{"2026-07-06", true, "an ordinary Monday"},
	}
	for _, tt := range tests {
		if got := c.IsWorkday(local(t, tt.date+" 12:00")); got != tt.work {
			t.Errorf("%s (%s): workday = %t, want %t", tt.date, tt.why, got, tt.work)
		}
	}
}

func TestAddWorkingDays(t *testing.T) {
	c := testCalendar(t)
	tests := []struct {
		name, from string
		n          int
		want       string
	}{
		{"worked example: Thursday before the Dragon Boat holiday", "2026-06-18 16:45", 1, "2026-06-22 16:45"},
		{"dispatched 17:00 on the eve of National Day (a Wednesday)", "2026-09-30 17:00", 1, "2026-10-08 17:00"},
		{"dispatched on a holiday counts from 08:30 of the next working day", "2026-06-19 10:00", 1, "2026-06-23 08:30"},
		{"dispatched on a Sunday", "2026-07-05 22:00", 1, "2026-07-07 08:30"},
		{"the Saturday before Spring Festival is a working day", "2026-02-13 10:00", 1, "2026-02-14 10:00"},
		{"across the Spring Festival week with two adjusted days", "2026-02-13 10:00", 2, "2026-02-24 10:00"},
		{"to the adjusted Saturday after Spring Festival", "2026-02-27 09:00", 1, "2026-02-28 09:00"},
		{"docs: three working days over Spring Festival", "2026-02-13 10:00", 3, "2026-02-25 10:00"},
		{"docs: dispatched during the National Day holiday", "2026-10-03 11:00", 1, "2026-10-09 08:30"},
		{"end of year into New Year 2027", "2026-12-31 15:00", 1, "2027-01-04 15:00"},
		{"three working days over a weekend", "2026-07-02 11:00", 3, "2026-07-07 11:00"},
		{"late evening keeps its time of day", "2026-07-06 23:59", 1, "2026-07-07 23:59"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.AddWorkingDays(local(t, tt.from), tt.n)
			if want := local(t, tt.want); !got.Equal(want) {
				t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", tt.from, tt.n, got.In(shanghai).Format("2006-01-02 15:04"), tt.want)
			}
		})
	}
}

func TestAddWorkingDaysAcrossTimeZones(t *testing.T) {
	c := testCalendar(t)
	// 16:30 UTC on Thursday 18 June is 00:30 on the holiday Friday in Shanghai.
	got := c.AddWorkingDays(time.Date(2026, 6, 18, 16, 30, 0, 0, time.UTC), 1)
	if want := local(t, "2026-06-23 08:30"); !got.Equal(want) {
		t.Errorf("got %s, want %s", got.In(shanghai), want)
	}
	// 15:59 UTC is still Thursday 23:59 in Shanghai.
	got = c.AddWorkingDays(time.Date(2026, 6, 18, 15, 59, 0, 0, time.UTC), 1)
	if want := local(t, "2026-06-22 23:59"); !got.Equal(want) {
		t.Errorf("got %s, want %s", got.In(shanghai), want)
	}
}

func TestAddWorkingTime(t *testing.T) {
	c := testCalendar(t)
	tests := []struct {
		name, from string
		dur        time.Duration
		want       string
	}{
		{"within the morning", "2026-07-06 09:00", time.Hour, "2026-07-06 10:00"},
		{"ends exactly at noon, not after lunch", "2026-07-06 11:00", time.Hour, "2026-07-06 12:00"},
		{"across the lunch break", "2026-07-06 11:00", 2 * time.Hour, "2026-07-06 15:30"},
		{"opened during the lunch break", "2026-07-06 12:30", 2 * time.Hour, "2026-07-06 16:30"},
		{"before office hours", "2026-07-06 06:00", 30 * time.Minute, "2026-07-06 09:00"},
		{"across the night", "2026-07-06 17:00", time.Hour, "2026-07-07 09:00"},
		{"Friday evening to Monday", "2026-07-03 17:00", time.Hour, "2026-07-06 09:00"},
		{"before the Dragon Boat holiday", "2026-06-18 17:00", time.Hour, "2026-06-22 09:00"},
		{"a full working day is 6.5 hours", "2026-07-06 08:30", 6*time.Hour + 30*time.Minute, "2026-07-06 17:30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.AddWorkingTime(local(t, tt.from), tt.dur)
			if want := local(t, tt.want); !got.Equal(want) {
				t.Errorf("AddWorkingTime(%s, %s) = %s, want %s", tt.from, tt.dur, got.In(shanghai).Format("2006-01-02 15:04"), tt.want)
			}
		})
	}
}

func TestParseLimit(t *testing.T) {
	tests := []struct {
		in   string
		want Limit
		err  bool
	}{
		{"10m", Limit{10, Minutes}, false},
		{"10 minutes", Limit{10, Minutes}, false},
		{"4h", Limit{4, Hours}, false},
		{"3wh", Limit{3, WorkingHours}, false},
		{"1 working day", Limit{1, WorkingDays}, false},
		{"2WD", Limit{2, WorkingDays}, false},
		{"none", Limit{}, false},
		{"", Limit{}, false},
		{"soon", Limit{}, true},
		{"5 fortnights", Limit{}, true},
		{"0m", Limit{}, true},
	}
	for _, tt := range tests {
		got, err := ParseLimit(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseLimit(%q) = %v, %v; want %v, error %t", tt.in, got, err, tt.want, tt.err)
		}
	}
}
