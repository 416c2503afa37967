package evaluation_test

import (
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	. "frontline/evaluation"
	"frontline/evaluation/evaluationtest"
)

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

// testRules is the default policy of DESIGN.md §4 with a few categories.
func testRules(t testing.TB) *Rules {
	t.Helper()
	cal, err := NewCalendar(shanghai, []WorkPeriod{{Start: 8*60 + 30, End: 12 * 60}, {Start: 14*60 + 30, End: 17*60 + 30}}, OfficialHolidays(2025, 2026, 2027))
	if err != nil {
		t.Fatal(err)
	}
	p := &Policy{
		Effective: Date{Time: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)},
		Location:  shanghai,
		CallLimit: Limit{N: 30, Unit: Minutes},
		Classes: map[string]Limits{
			"A": {Respond: Limit{N: 10, Unit: Minutes}, Dispose: Limit{N: 4, Unit: Hours}},
			"B": {Respond: Limit{N: 10, Unit: Minutes}, Report: Limit{N: 1, Unit: Hours}, Dispose: Limit{N: 1, Unit: WorkingDays}},
			"C": {Respond: Limit{N: 30, Unit: Minutes}, Report: Limit{N: 2, Unit: Hours}, Dispose: Limit{N: 3, Unit: WorkingDays}},
		},
		Calendar: cal,
	}
	return &Rules{Policies: Policies{p}, Units: map[string]UnitKind{"S1": Street}, Categories: map[string]Category{
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
	trails := evaluationtest.ParseTrails(t, shanghai, workedExample)
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
			if diff := cmp.Diff(tt.want, judge(t, evaluationtest.ParseTrails(t, shanghai, tt.trail), rules, asof)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestPolicyInForceOnTheOpeningDay: a case is judged by the version in
// force on the day (in the policy's zone) it was opened.
func TestPolicyInForceOnTheOpeningDay(t *testing.T) {
	rules := testRules(t)
	old := rules.Policies[0]
	stricter := *old
	stricter.Effective = Date{Time: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)}
	stricter.Classes = map[string]Limits{"A": {Respond: Limit{N: 5, Unit: Minutes}, Dispose: Limit{N: 4, Unit: Hours}}}
	rules.Policies = Policies{old, &stricter}
	trails := evaluationtest.ParseTrails(t, shanghai, `
1 J1 opened 2026-06-30T23:30 category=garbage street=S1
2 J1 dispatched 2026-06-30T23:40 unit=D1 by=S1
3 J2 opened 2026-07-01T00:30 category=garbage street=S1
4 J2 dispatched 2026-07-01T00:40 unit=D1 by=S1`)
	for id, want := range map[string]time.Duration{"J1": 10 * time.Minute, "J2": 5 * time.Minute} {
		c, as := Derive(id, trails[id])
		for _, d := range Deadlines(&c, as, trails[id], rules) {
			if d.Milestone == Respond && d.Due.Sub(d.Start) != want {
				t.Errorf("%s: respond limit %v, want %v (opened %s)", id, d.Due.Sub(d.Start), want, c.OpenedAt.In(shanghai))
			}
		}
	}
}

// TestUrgencyOverridesTheClassLimit: a critical case gets the override;
// a case without urgency takes its category's default.
func TestUrgencyOverridesTheClassLimit(t *testing.T) {
	rules := testRules(t)
	p := *rules.Policies[0]
	p.Urgent = map[string]map[string]Limits{"critical": {"A": {Respond: Limit{N: 3, Unit: Minutes}}}}
	rules.Policies = Policies{&p}
	rules.Categories["fire"] = Category{Code: "fire", Class: "A", Urgency: "critical"}
	trails := evaluationtest.ParseTrails(t, shanghai, `
1 U1 opened 2026-07-06T09:00 category=garbage street=S1 urgency=critical
2 U1 dispatched 2026-07-06T09:00 unit=D1 by=S1
3 U2 opened 2026-07-06T09:00 category=garbage street=S1
4 U2 dispatched 2026-07-06T09:00 unit=D1 by=S1
5 U3 opened 2026-07-06T09:00 category=fire street=S1
6 U3 dispatched 2026-07-06T09:00 unit=D1 by=S1`)
	want := map[string]time.Duration{"U1": 3 * time.Minute, "U2": 10 * time.Minute, "U3": 3 * time.Minute}
	for id, limit := range want {
		c, as := Derive(id, trails[id])
		for _, d := range Deadlines(&c, as, trails[id], rules) {
			if d.Milestone == Respond && d.Due.Sub(d.Start) != limit {
				t.Errorf("%s: respond limit %v, want %v", id, d.Due.Sub(d.Start), limit)
			}
			if d.Milestone == Dispose && d.Due.Sub(d.Start) != 4*time.Hour {
				t.Errorf("%s: dispose limit %v, want the class's 4h kept", id, d.Due.Sub(d.Start))
			}
		}
	}
}
