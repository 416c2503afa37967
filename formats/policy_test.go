package formats

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"frontline/evaluation"
)

func TestDefaultPolicyIsDesignMdSection4(t *testing.T) {
	p := DefaultPolicy()
	if diff := cmp.Diff(evaluation.DefaultScoring(), p.Scoring); diff != "" {
		t.Errorf("default scoring (-DefaultScoring +file):\n%s", diff)
	}
	want := map[string]evaluation.Limits{
		"A": {Respond: evaluation.Limit{N: 10, Unit: evaluation.Minutes}, Dispose: evaluation.Limit{N: 4, Unit: evaluation.Hours}},
		"B": {Respond: evaluation.Limit{N: 10, Unit: evaluation.Minutes}, Report: evaluation.Limit{N: 1, Unit: evaluation.Hours}, Dispose: evaluation.Limit{N: 1, Unit: evaluation.WorkingDays}},
		"C": {Respond: evaluation.Limit{N: 30, Unit: evaluation.Minutes}, Report: evaluation.Limit{N: 2, Unit: evaluation.Hours}, Dispose: evaluation.Limit{N: 3, Unit: evaluation.WorkingDays}},
		// Beyond §4: records imported without a first action, judged on disposal alone.
		"R": {Dispose: evaluation.Limit{N: 3, Unit: evaluation.WorkingDays}},
	}
	if diff := cmp.Diff(want, p.Classes); diff != "" {
		t.Errorf("default classes (-want +got):\n%s", diff)
	}
	if p.CallLimit != (evaluation.Limit{N: 30, Unit: evaluation.Minutes}) || p.Location.String() != "Asia/Shanghai" {
		t.Errorf("call limit %v, zone %v", p.CallLimit, p.Location)
	}
}

// TestNoResponseLimit: a class may have no response limit, said as
// "none"; left out, the limit is an error that says how to write it.
func TestNoResponseLimit(t *testing.T) {
	p, err := ParsePolicy([]byte("effective: 2026-01-01\nclasses:\n  R: {respond: none, dispose: 3wd}\n"))
	if err != nil || !p.Classes["R"].Respond.IsZero() || p.Classes["R"].Dispose != (evaluation.Limit{N: 3, Unit: evaluation.WorkingDays}) {
		t.Errorf("respond: none: %+v %v", p, err)
	}
	if _, err := ParsePolicy([]byte("effective: 2026-01-01\nclasses:\n  R: {dispose: 3wd}\n")); err == nil || !strings.Contains(err.Error(), "key classes.R") || !strings.Contains(err.Error(), "respond: none") {
		t.Errorf("no respond key: %v", err)
	}
}

func TestPolicyErrorsNameKeyAndLine(t *testing.T) {
	base := "effective: 2026-01-01\nclasses:\n  A: {respond: 10m, dispose: 4h}\n"
	tests := []struct {
		name, extra, want string
	}{
		{"unknown weight", "scoring:\n  street_weights: {call_speed: 1}\n", "line 5: key scoring.street_weights.call_speed"},
		{"negative weight", "scoring:\n  department_weights:\n    response_rate: -1\n", "line 6: key scoring.department_weights.response_rate: a weight cannot be negative"},
		{"bad quality", "scoring:\n  quality: cooked\n", `line 5: key scoring.quality: "cooked" is not raw or calibrated`},
		{"bad target", "scoring:\n  satisfaction_target: 97.5\n", "line 5: key scoring.satisfaction_target"},
		{"bad urgency", "urgency:\n  panic:\n    A: {respond: 1m}\n", `key urgency.panic: "panic" is not one of`},
		{"urgency for unknown class", "urgency:\n  urgent:\n    Z: {respond: 1m}\n", `key urgency.urgent.Z: class "Z" is not in classes`},
		{"bad working hours", "working_hours: [\"12:00-08:00\"]\n", "key working_hours[0]"},
		{"bad time zone", "timezone: Mars/Olympus\n", `line 4: key timezone: unknown time zone "Mars/Olympus"`},
		{"bad calendar date", "calendar:\n  days:\n    - {date: 2026-13-01, work: false}\n", "key calendar.days[0].date"},
		{"unknown key", "colour: red\n", "colour"},
		{"warning share of 1", "warn_at: 1\n", "line 4: key warn_at: 1 is not a share of the limit between 0 and 1"},
		{"warning share per urgency", "urgency:\n  urgent:\n    A: {respond: 1m, warn_at: 0.5}\n", "key urgency.urgent.A.warn_at: a warning share is set per class"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePolicy([]byte(base + tt.extra))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParsePolicy() error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestPartialScoringSectionsKeepTheOtherDefaults(t *testing.T) {
	p, err := ParsePolicy([]byte("effective: 2026-01-01\nclasses:\n  A: {respond: 10m, dispose: 4h}\nscoring:\n" +
		"  penalties: {serious: 20}\n  satisfaction_weights: {dissatisfied: 0.2}\n  street_weights: {call_accuracy: 0.5}\n"))
	if err != nil {
		t.Fatal(err)
	}
	sc := p.Scoring
	if sc.Penalties["serious"] != 20 || sc.Penalties["notice"] != 1 || sc.Penalties["warning"] != 3 || sc.Penalties["unjustified_return"] != 2 {
		t.Errorf("penalties = %v, want serious 20 and the other defaults", sc.Penalties)
	}
	if sc.SatisfactionWeights["dissatisfied"] != 0.2 || sc.SatisfactionWeights["satisfied"] != 1 || sc.SatisfactionWeights["basically_satisfied"] != 1 {
		t.Errorf("satisfaction weights = %v", sc.SatisfactionWeights)
	}
	if sc.StreetWeights["call_accuracy"] != 0.5 || sc.StreetWeights["satisfaction_rate"] != 0.25 {
		t.Errorf("street weights = %v", sc.StreetWeights)
	}
	if d := evaluation.DefaultScoring(); d.Penalties["serious"] != 10 {
		t.Errorf("parsing changed the defaults: %v", d.Penalties)
	}
}

func TestPolicyCalendarDays(t *testing.T) {
	base := "effective: 2026-01-01\nclasses:\n  A: {respond: 10m, dispose: 1wd}\n"
	loc, _ := time.LoadLocation("Asia/Shanghai")
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	p, err := ParsePolicy([]byte(base + "calendar:\n  days:\n    - {date: 2026-07-15, work: false, name: typhoon}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Calendar.IsWorkday(at("2026-07-15 12:00")) {
		t.Error("the local day off is a working day")
	}
	if got := p.Calendar.AddWorkingDays(at("2026-07-14 10:00"), 1); !got.Equal(at("2026-07-16 10:00")) {
		t.Errorf("one working day after the 14th = %s, want the 16th", got)
	}
	if !p.Calendar.IsWorkday(at("2026-10-08 12:00")) || p.Calendar.IsWorkday(at("2026-10-01 12:00")) {
		t.Error("the official schedule is missing")
	}
	q, err := ParsePolicy([]byte(base + "calendar:\n  official: false\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !q.Calendar.IsWorkday(at("2026-10-01 12:00")) {
		t.Error("official: false still takes National Day off")
	}
}

// TestInitPolicy writes a Los Angeles policy with the United States'
// holidays, a Chinese district's with the State Council's, and one with
// a file's days off: each reads back, in its zone, with its days off and
// its working hours shown; a zone or country that is none is refused.
func TestInitPolicy(t *testing.T) {
	la, err := InitPolicy(PolicyInit{Zone: "America/Los_Angeles", Country: "us", From: 2019, To: 2021})
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParsePolicy(la)
	if err != nil {
		t.Fatal(err)
	}
	if p.Location.String() != "America/Los_Angeles" || !strings.Contains(string(la), `working_hours: ["09:00-17:00"]`) {
		t.Errorf("zone %s; working hours shown: %v", p.Location, strings.Contains(string(la), "working_hours"))
	}
	for date, off := range map[string]bool{"2020-07-03": true, "2020-01-01": true, "2021-06-18": true, "2020-01-25": true, "2020-01-24": false} {
		d, _ := time.ParseInLocation(time.DateOnly, date, p.Location)
		if got := !p.Calendar.IsWorkday(d); got != off {
			t.Errorf("%s a day off: %v, want %v (Independence Day observed, New Year, Juneteenth observed; not China's Spring Festival)", date, got, off)
		}
	}
	cn, err := InitPolicy(PolicyInit{Zone: "Asia/Shanghai", Country: "CN"})
	if err != nil || !strings.Contains(string(cn), "official: true") || !strings.Contains(string(cn), `"08:30-12:00", "14:30-17:30"`) {
		t.Errorf("a Chinese district's policy: %v\n%s", err, cn)
	}
	days, err := ReadHolidays(strings.NewReader("date,name\n2026-07-15,Storm closure\n"))
	if err != nil || len(days) != 1 {
		t.Fatalf("holidays: %v %v", days, err)
	}
	own, err := InitPolicy(PolicyInit{Zone: "Europe/Dublin", Holidays: days, WorkingHours: []string{"09:30-17:30"}})
	if err != nil || !strings.Contains(string(own), `{date: 2026-07-15, work: false, name: "Storm closure"}`) || !strings.Contains(string(own), `["09:30-17:30"]`) {
		t.Errorf("a policy from a file's days: %v\n%s", err, own)
	}
	if _, err := ReadHolidays(strings.NewReader("2026-07-15,a\n15/07/2026,b\n")); err == nil || !strings.Contains(err.Error(), "line 2: field date") {
		t.Errorf("a bad date: %v", err)
	}
	for _, o := range []PolicyInit{{Zone: "Mars/Olympus", Country: "US", From: 2020, To: 2020}, {Zone: "UTC", Country: "XX"}} {
		if _, err := InitPolicy(o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}

func TestWarningShares(t *testing.T) {
	p, err := ParsePolicy([]byte("effective: 2026-01-01\nwarn_at: 0.7\nclasses:\n  A: {respond: 10m, dispose: 4h, warn_at: 0.5}\n  C: {respond: 30m, dispose: 3wd}\n"))
	if err != nil {
		t.Fatal(err)
	}
	for class, want := range map[string]float64{"A": 0.5, "C": 0.7, "unknown": 0.7} {
		if got := p.WarnShare(class); got != want {
			t.Errorf("WarnShare(%s) = %v, want %v", class, got, want)
		}
	}
	if got := DefaultPolicy().WarnShare("A"); got != 0.8 {
		t.Errorf("default WarnShare = %v, want 0.8", got)
	}
	_, err = ParsePolicy([]byte("effective: 2026-01-01\nclasses:\n  A: {respond: 10m, dispose: 4h, warn_at: -0.2}\n"))
	if err == nil || !strings.Contains(err.Error(), "line 3: key classes.A.warn_at: -0.2 is not a share") {
		t.Errorf("negative class share: %v", err)
	}
}
