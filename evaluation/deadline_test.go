package evaluation

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// testRules is the default policy of DESIGN.md §4 with the categories of
// the worked example.
func testRules(t testing.TB) *Rules {
	t.Helper()
	p := &Policy{
		Effective: Date{time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)},
		Location:  shanghai,
		CallLimit: Limit{30, Minutes},
		Classes: map[string]Limits{
			"A": {Respond: Limit{10, Minutes}, Dispose: Limit{4, Hours}},
			"B": {Respond: Limit{10, Minutes}, Report: Limit{1, Hours}, Dispose: Limit{1, WorkingDays}},
			"C": {Respond: Limit{30, Minutes}, Report: Limit{2, Hours}, Dispose: Limit{3, WorkingDays}},
		},
		Calendar: testCalendar(t),
	}
	return &Rules{Policies: Policies{p}, Units: map[string]UnitKind{"S1": Street}, Categories: map[string]Category{
		"garbage": {Code: "garbage", Class: "A", Urgency: "normal"},
		"road":    {Code: "road", Class: "B", Urgency: "normal"},
		"noise":   {Code: "noise", Class: "C", Urgency: "normal"},
	}}
}

// clockStarts are the events that start a clock: moving one later moves a
// deadline later, by design, so the monotonicity property is about the others.
var clockStarts = []EventType{Opened, Dispatched, Reopened}

// TestMovingAnEventLaterNeverHelps is a property test: delaying any event
// that is not a clock start, without moving it past one, never turns a
// breached deadline into a met one.
func TestMovingAnEventLaterNeverHelps(t *testing.T) {
	rules := testRules(t)
	r := rand.New(rand.NewPCG(3, 4))
	asof := time.Date(2026, 12, 31, 0, 0, 0, 0, shanghai)
	for i := range 3000 {
		trail := randomTrail(r, 3+r.IntN(20))
		trail[0].Category = []string{"garbage", "road", "noise"}[r.IntN(3)]
		before := statuses(rules, trail, asof)
		k := 1 + r.IntN(len(trail)-1)
		if slices.Contains(clockStarts, trail[k].Type) {
			continue
		}
		limit := time.Duration(1+r.IntN(72*60)) * time.Minute
		for _, e := range trail {
			if slices.Contains(clockStarts, e.Type) && e.At.After(trail[k].At) && e.At.Sub(trail[k].At) < limit {
				limit = e.At.Sub(trail[k].At)
			}
		}
		moved := slices.Clone(trail)
		moved[k].At = moved[k].At.Add(time.Duration(r.Int64N(int64(limit))))
		after := statuses(rules, moved, asof)
		for id, st := range before {
			if st == Breached && after[id] == Met {
				t.Fatalf("trail %d: delaying %s (%s) turned %s from breached to met\n%v", i, trail[k].ID, trail[k].Type, id, trail)
			}
		}
	}
}

func statuses(rules *Rules, trail []Event, asof time.Time) map[string]Status {
	trail = slices.Clone(trail)
	c, as := Derive("C1", trail)
	out := map[string]Status{}
	for _, d := range Deadlines(&c, as, trail, rules) {
		out[d.ID()], _ = d.StatusAt(asof)
	}
	return out
}

func TestDeadlineID(t *testing.T) {
	for _, id := range []string{"C1/D1/respond", "C1/D1/dispose/3"} {
		c, u, m, round, ok := ParseDeadlineID(id)
		if !ok || DeadlineID(c, u, m, round) != id {
			t.Errorf("ParseDeadlineID(%q) does not round-trip", id)
		}
	}
	for _, bad := range []string{"C1", "C1/D1/dispose/1", "C1/D1/dispose/x", "a/b/c/d/e"} {
		if _, _, _, _, ok := ParseDeadlineID(bad); ok {
			t.Errorf("ParseDeadlineID(%q) accepted", bad)
		}
	}
}

// BenchmarkDeadlines measures deadline computation per assignment, for
// recomputing a year after a policy change (target: 1,000,000 in < 2 s).
func BenchmarkDeadlines(b *testing.B) {
	rules := testRules(b)
	r := rand.New(rand.NewPCG(5, 6))
	type item struct {
		c     Case
		as    []Assignment
		trail []Event
	}
	var items []item
	assignments := 0
	for range 1000 {
		trail := randomTrail(r, 12)
		trail[0].Category = []string{"garbage", "road", "noise"}[r.IntN(3)]
		c, as := Derive("C1", trail)
		items = append(items, item{c, as, trail})
		assignments += len(as)
	}
	b.ResetTimer()
	n := 0
	for b.Loop() {
		for i := range items {
			n += len(Deadlines(&items[i].c, items[i].as, items[i].trail, rules))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(assignments*b.N), "ns/assignment")
	_ = fmt.Sprint(n)
}

func TestLightsAcrossTheLimit(t *testing.T) {
	start := time.Date(2026, 12, 1, 1, 5, 0, 0, time.UTC)
	d := Deadline{Case: "A", Unit: "D1", Milestone: Respond, Round: 1, Start: start, Due: start.Add(10 * time.Minute)}
	amber := d.AmberAt(0.8)
	if !amber.Equal(start.Add(8 * time.Minute)) {
		t.Fatalf("AmberAt(0.8) = %v, want 8 minutes after the start", amber)
	}
	for _, tt := range []struct {
		after time.Duration
		light Light
	}{
		{0, Clear},
		{8*time.Minute - time.Second, Clear},
		{8 * time.Minute, Amber},
		{10 * time.Minute, Amber},
		{10*time.Minute + time.Second, Red},
	} {
		if got := LightAt(start.Add(tt.after), amber, d.Due); got != tt.light {
			t.Errorf("LightAt(+%v) = %q, want %q", tt.after, got, tt.light)
		}
	}
}
