package evaluation

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
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
	return &Rules{Policies: Policies{p}, Categories: map[string]Category{
		"garbage": {Code: "garbage", Class: "A", Urgency: "normal"},
		"road":    {Code: "road", Class: "B", Urgency: "normal"},
		"noise":   {Code: "noise", Class: "C", Urgency: "normal"},
	}}
}

// workedExample is the trail of examples/worked-example.md.
const workedExample = `W-01 W1 opened 2026-06-01T09:00 category=garbage street=S1
W-02 W1 dispatched 2026-06-01T09:10 unit=D1 by=S1
W-03 W1 responded 2026-06-01T09:15 unit=D1
W-04 W1 resolved 2026-06-01T12:00 unit=D1
W-05 W1 rated 2026-06-01T15:00 satisfaction=satisfied solved=true
W-08 W2 opened 2026-06-18T16:00 category=road street=S1
W-09 W2 dispatched 2026-06-18T16:45 unit=D2 by=S1
W-10 W2 responded 2026-06-18T17:00 unit=D2
W-11 W2 reported 2026-06-18T17:40 unit=D2
W-12 W2 resolved 2026-06-22T16:00 unit=D2
W-13 W2 rated 2026-06-22T18:00 satisfaction=dissatisfied
W-14 W2 revisited 2026-06-23T09:00 unit=S1 in_place=true
W-15 W3 opened 2026-06-25T10:00 category=garbage street=S1
W-16 W3 dispatched 2026-06-25T10:01 unit=D1 by=platform`

// parseTrails reads the compact trail notation used in these tests:
// "ID CASE TYPE TIME key=value…", times in Shanghai.
func parseTrails(t testing.TB, s string) map[string][]Event {
	t.Helper()
	trails := map[string][]Event{}
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		f := strings.Fields(line)
		at, err := time.ParseInLocation("2006-01-02T15:04", f[3], shanghai)
		if err != nil {
			t.Fatal(err)
		}
		e := Event{ID: f[0], Case: f[1], Type: EventType(f[2]), At: at.UTC()}
		for _, kv := range f[4:] {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "category":
				e.Category = v
			case "street":
				e.Street = v
			case "unit":
				e.Unit = v
			case "by":
				e.By = v
			case "role":
				e.Role = v
			case "target":
				e.Target = v
			case "satisfaction":
				e.Satisfaction = v
			case "reason":
				e.Reason = v
			case "urgency":
				e.Urgency = v
			case "solved", "in_place", "upheld":
				b := v == "true"
				switch k {
				case "solved":
					e.Solved = &b
				case "in_place":
					e.InPlace = &b
				default:
					e.Upheld = &b
				}
			default:
				t.Fatalf("unknown key %q", k)
			}
		}
		e.Normalize()
		trails[e.Case] = append(trails[e.Case], e)
	}
	return trails
}

// judge returns "id status overdue" for every deadline of the trails.
func judge(t testing.TB, trails map[string][]Event, rules *Rules, asof time.Time) []string {
	t.Helper()
	var out []string
	for id, trail := range trails {
		c, as := Derive(id, trail)
		for _, d := range Deadlines(&c, as, trail, rules) {
			st, late := d.StatusAt(asof)
			s := d.ID() + " " + string(st)
			if late > 0 {
				s += " " + late.String()
			}
			if d.Excused {
				s += " excused"
			}
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

func TestWorkedExampleDeadlines(t *testing.T) {
	rules := testRules(t)
	trails := parseTrails(t, workedExample)
	asof := time.Date(2026, 7, 1, 0, 0, 0, 0, shanghai)
	want := []string{
		"W1/D1/dispose met",
		"W1/D1/respond met",
		"W1/S1/call met",
		"W2/D2/dispose met",
		"W2/D2/report met",
		"W2/D2/respond breached 5m0s",
		"W2/S1/call breached 15m0s",
		"W3/D1/dispose breached 129h59m0s",
		"W3/D1/respond breached 133h49m0s",
	}
	if diff := cmp.Diff(want, judge(t, trails, rules, asof)); diff != "" {
		t.Errorf("deadlines (-want +got):\n%s", diff)
	}
	c, as := Derive("W2", trails["W2"])
	for _, d := range Deadlines(&c, as, trails["W2"], rules) {
		if d.Milestone == Dispose {
			if want := time.Date(2026, 6, 22, 16, 45, 0, 0, shanghai); !d.Due.Equal(want) {
				t.Errorf("W2 dispose due %s, want %s", d.Due.In(shanghai), want)
			}
		}
	}
}

func TestDeadlineRules(t *testing.T) {
	rules := testRules(t)
	asof := time.Date(2026, 8, 1, 0, 0, 0, 0, shanghai)
	tests := []struct {
		name  string
		trail string
		want  []string
	}{
		{
			name: "a milestone at the deadline itself is on time",
			trail: `1 C opened 2026-07-06T09:00 category=garbage street=S1
2 C dispatched 2026-07-06T09:00 unit=D1 by=platform
3 C responded 2026-07-06T09:10 unit=D1
4 C resolved 2026-07-06T13:00 unit=D1`,
			want: []string{"C/D1/dispose met", "C/D1/respond met"},
		},
		{
			name: "a return is a response and stops the returning unit's clock",
			trail: `1 C opened 2026-07-06T09:00 category=road street=S1
2 C dispatched 2026-07-06T09:05 unit=D1 by=S1
3 C returned 2026-07-06T09:12 unit=D1 reason=misdirected
4 C dispatched 2026-07-06T09:30 unit=D2 by=S1
5 C responded 2026-07-06T09:35 unit=D2
6 C reported 2026-07-06T10:20 unit=D2
7 C resolved 2026-07-07T09:00 unit=D2`,
			want: []string{"C/D1/dispose stopped", "C/D1/report stopped", "C/D1/respond met",
				"C/D2/dispose met", "C/D2/report met", "C/D2/respond met", "C/S1/call met"},
		},
		{
			name: "a return ruled unjustified leaves the clock running",
			trail: `1 C opened 2026-07-06T09:00 category=road street=S1
2 C dispatched 2026-07-06T09:05 unit=D1 by=S1
3 C returned 2026-07-06T09:12 unit=D1 reason=misdirected
4 C return_ruled 2026-07-06T11:00 unit=ORG target=D1 upheld=false
5 C resolved 2026-07-08T09:00 unit=D1`,
			want: []string{"C/D1/dispose breached 23h55m0s", "C/D1/report breached 613h55m0s", "C/D1/respond met", "C/S1/call met"},
		},
		{
			name: "holding a case past its deadline and then returning it is a breach",
			trail: `1 C opened 2026-07-06T09:00 category=garbage street=S1
2 C dispatched 2026-07-06T09:00 unit=D1 by=platform
3 C responded 2026-07-06T09:05 unit=D1
4 C returned 2026-07-06T15:00 unit=D1 reason=not_jurisdiction`,
			want: []string{"C/D1/dispose breached 2h0m0s", "C/D1/respond met"},
		},
		{
			name: "an assisting unit is judged on response only",
			trail: `1 C opened 2026-07-06T09:00 category=noise street=S1
2 C dispatched 2026-07-06T09:10 unit=D1 by=S1
3 C dispatched 2026-07-06T09:10 unit=D2 by=S1 role=assist
4 C responded 2026-07-06T09:20 unit=D1
5 C responded 2026-07-06T09:50 unit=D2
6 C reported 2026-07-06T10:00 unit=D1
7 C resolved 2026-07-07T10:00 unit=D1`,
			want: []string{"C/D1/dispose met", "C/D1/report met", "C/D1/respond met", "C/D2/respond breached 10m0s", "C/S1/call met"},
		},
		{
			name: "a reopened case restarts the disposal clock",
			trail: `1 C opened 2026-07-06T09:00 category=garbage street=S1
2 C dispatched 2026-07-06T09:00 unit=D1 by=platform
3 C responded 2026-07-06T09:05 unit=D1
4 C resolved 2026-07-06T10:00 unit=D1
5 C closed 2026-07-06T10:05
6 C reopened 2026-07-07T09:00
7 C resolved 2026-07-07T15:00 unit=D1`,
			want: []string{"C/D1/dispose met", "C/D1/dispose/2 breached 2h0m0s", "C/D1/respond met"},
		},
		{
			name: "an upheld appeal excuses the breach it names",
			trail: `1 C opened 2026-07-06T09:00 category=garbage street=S1
2 C dispatched 2026-07-06T09:00 unit=D1 by=platform
3 C responded 2026-07-06T09:30 unit=D1
4 C resolved 2026-07-06T10:00 unit=D1
5 C appealed 2026-07-06T11:00 unit=D1 target=C/D1/respond
6 C appeal_decided 2026-07-08T11:00 unit=ORG target=5 upheld=true`,
			want: []string{"C/D1/dispose met", "C/D1/respond breached 20m0s excused"},
		},
		{
			name: "not yet due is pending; never done and past due is breached",
			trail: `1 C opened 2026-07-31T23:20 category=noise street=S1
2 C dispatched 2026-07-31T23:40 unit=D1 by=S1
3 D opened 2026-07-06T09:00 category=noise street=S1
4 D dispatched 2026-07-06T09:00 unit=D1 by=S1`,
			want: []string{"C/D1/dispose pending", "C/D1/report pending", "C/D1/respond pending", "C/S1/call met",
				"D/D1/dispose breached 543h0m0s", "D/D1/report breached 613h0m0s", "D/D1/respond breached 614h30m0s", "D/S1/call met"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, judge(t, parseTrails(t, tt.trail), rules, asof)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
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
