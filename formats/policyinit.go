package formats

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/ca"
	"github.com/rickar/cal/v2/de"
	"github.com/rickar/cal/v2/fr"
	"github.com/rickar/cal/v2/gb"
	"github.com/rickar/cal/v2/jp"
	"github.com/rickar/cal/v2/us"
)

// PolicyInit says how a city's own policy is written (`policy init`):
// the default policy with every key shown, in the city's zone and
// working hours, with its public holidays.
type PolicyInit struct {
	Zone string // an IANA name
	// Country is CN (the State Council's holidays and adjusted working
	// days, as the default policy keeps them) or a country whose public
	// holidays Countries lists; "" when Holidays are given instead.
	Country  string
	Holidays []Holiday // days off from a file (ReadHolidays)
	// From and To are the years whose holidays are written (a country's).
	From, To     int
	Effective    string   // the date the policy takes effect (YYYY-MM-DD)
	WorkingHours []string // "09:00-17:00"; default China's two spans for CN, else 09:00–17:00
}

// Holiday is a day off.
type Holiday struct {
	Date time.Time
	Name string
}

// Countries are the countries whose public holidays policy init writes
// from github.com/rickar/cal (their national holidays, on the days they
// are observed), besides CN.
var Countries = map[string][]*cal.Holiday{"US": us.Holidays, "GB": gb.Holidays, "CA": ca.Holidays, "DE": de.Holidays,
	"FR": fr.Holidays, "JP": jp.Holidays}

// InitPolicy writes the policy o asks for and checks that it reads back.
func InitPolicy(o PolicyInit) ([]byte, error) {
	if _, err := time.LoadLocation(o.Zone); err != nil || o.Zone == "" || strings.EqualFold(o.Zone, "local") {
		return nil, fmt.Errorf("zone %q is not a time zone (want an IANA name such as America/Los_Angeles)", o.Zone)
	}
	country := strings.ToUpper(o.Country)
	if _, ok := Countries[country]; country != "" && country != "CN" && !ok {
		return nil, fmt.Errorf("country %q: want CN or one of %s, or --holidays FILE", o.Country, strings.Join(countryCodes(), ", "))
	}
	if o.Effective == "" {
		o.Effective = "2000-01-01"
	}
	hours := o.WorkingHours
	if len(hours) == 0 {
		hours = []string{"09:00-17:00"}
		if country == "CN" {
			hours = []string{"08:30-12:00", "14:30-17:30"}
		}
	}
	days := slices.Clone(o.Holidays)
	if h := Countries[country]; h != nil {
		if o.From < 2000 || o.To > 2100 || o.From > o.To {
			return nil, fmt.Errorf("years %d–%d: want a span within 2000–2100", o.From, o.To)
		}
		for year := o.From; year <= o.To; year++ {
			for _, hol := range h {
				if _, observed := hol.Calc(year); !observed.IsZero() {
					days = append(days, Holiday{Date: observed, Name: hol.Name})
				}
			}
		}
	}
	slices.SortStableFunc(days, func(a, b Holiday) int { return a.Date.Compare(b.Date) })

	var cal bytes.Buffer
	cal.WriteString("calendar:\n")
	switch {
	case country == "CN":
		cal.WriteString("  # The State Council's public holidays and adjusted working days.\n  official: true\n")
	default:
		cal.WriteString("  # Not China's official calendar: the days off are listed below.\n  official: false\n")
	}
	source := "the national holidays of " + country + " (github.com/rickar/cal), on the days observed"
	if country == "" || country == "CN" {
		source = "local days off"
	}
	if len(days) == 0 {
		cal.WriteString("  # " + source + ", for example:\n  #   - {date: 2026-07-15, work: false, name: Storm closure}\n  days: []\n")
	} else {
		cal.WriteString("  # " + source + "; a working Saturday is {date: …, work: true}.\n  days:\n")
		for _, d := range days {
			fmt.Fprintf(&cal, "    - {date: %s, work: false, name: %q}\n", d.Date.Format(time.DateOnly), d.Name)
		}
	}

	text := string(DefaultPolicyYAML)
	for _, r := range []struct{ old, new string }{
		{"# Frontline's default policy (DESIGN.md §4). Copy this file, change it and\n# load it with `frontline policy load FILE`; check it first with\n# `frontline policy check FILE`.\n", ""},
		{"effective: 2000-01-01", "effective: " + o.Effective},
		{"timezone: Asia/Shanghai", "timezone: " + o.Zone},
		{`working_hours: ["08:30-12:00", "14:30-17:30"]`, "working_hours: [" + quoteAll(hours) + "]"},
	} {
		if !strings.Contains(text, r.old) {
			return nil, fmt.Errorf("the default policy has no line %q", r.old)
		}
		text = strings.Replace(text, r.old, r.new, 1)
	}
	block := regexp.MustCompile(`(?ms)^calendar:\n.*?^# Scoring`)
	if !block.MatchString(text) {
		return nil, errors.New("the default policy has no calendar block")
	}
	text = block.ReplaceAllLiteralString(text, cal.String()+"# Scoring")
	head := "# A city's policy, written by `frontline policy init`: every key of the default\n" +
		"# policy shown, in " + o.Zone + "'s clock. Check it with `frontline policy check FILE`\n" +
		"# and load it with `frontline policy load FILE` before its data.\n"
	out := []byte(head + text)
	if _, err := ParsePolicy(out); err != nil {
		return nil, fmt.Errorf("the policy written does not read back: %w", err)
	}
	return out, nil
}

// ReadHolidays reads days off from CSV: date (YYYY-MM-DD) and name, with
// or without a header row. Errors name the line.
func ReadHolidays(r io.Reader) ([]Holiday, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	var out []Holiday
	for line := 1; ; line++ {
		row, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", line, err)
		}
		if len(row) == 0 || (line == 1 && strings.EqualFold(strings.TrimSpace(row[0]), "date")) {
			continue
		}
		d, err := time.Parse(time.DateOnly, strings.TrimSpace(row[0]))
		if err != nil {
			return nil, fmt.Errorf("line %d: field date: %q is not a date (want YYYY-MM-DD)", line, row[0])
		}
		h := Holiday{Date: d}
		if len(row) > 1 {
			h.Name = strings.TrimSpace(row[1])
		}
		out = append(out, h)
	}
}

func quoteAll(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}

func countryCodes() []string {
	out := []string{"CN"}
	for c := range Countries {
		out = append(out, c)
	}
	slices.Sort(out[1:])
	return out
}
