package evaluation

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC)

func ev(id string, minutes int, typ EventType, edit func(*Event)) Event {
	e := Event{ID: id, Case: "C1", Type: typ, At: t0.Add(time.Duration(minutes) * time.Minute)}
	if edit != nil {
		edit(&e)
	}
	return e
}

func bp(b bool) *bool { return &b }
func ip(n int) *int   { return &n }

func TestDeriveReturns(t *testing.T) {
	tests := []struct {
		name   string
		trail  []Event
		unit   string
		upheld *bool
	}{
		{
			name: "no ruling, no redispatch: undecided",
			trail: []Event{
				ev("1", 0, Opened, func(e *Event) { e.Category, e.Street = "g", "S1" }),
				ev("2", 5, Dispatched, func(e *Event) { e.Unit, e.By = "D1", "S1" }),
				ev("3", 8, Returned, func(e *Event) { e.Unit, e.Reason = "D1", "misdirected" }),
			},
			unit: "D1", upheld: nil,
		},
		{
			name: "redispatch to another unit implies upheld",
			trail: []Event{
				ev("1", 0, Opened, func(e *Event) { e.Category, e.Street = "g", "S1" }),
				ev("2", 5, Dispatched, func(e *Event) { e.Unit, e.By = "D1", "S1" }),
				ev("3", 8, Returned, func(e *Event) { e.Unit, e.Reason = "D1", "misdirected" }),
				ev("4", 20, Dispatched, func(e *Event) { e.Unit, e.By = "D2", "S1" }),
			},
			unit: "D1", upheld: bp(true),
		},
		{
			name: "ruling overrides the redispatch",
			trail: []Event{
				ev("1", 0, Opened, func(e *Event) { e.Category, e.Street = "g", "S1" }),
				ev("2", 5, Dispatched, func(e *Event) { e.Unit, e.By = "D1", "S1" }),
				ev("3", 8, Returned, func(e *Event) { e.Unit, e.Reason = "D1", "misdirected" }),
				ev("4", 20, Dispatched, func(e *Event) { e.Unit, e.By = "D2", "S1" }),
				ev("5", 90, ReturnRuled, func(e *Event) { e.Unit, e.Target, e.Upheld = "ORG", "D1", bp(false) }),
			},
			unit: "D1", upheld: bp(false),
		},
		{
			name: "ruling before redispatch stands",
			trail: []Event{
				ev("1", 0, Opened, func(e *Event) { e.Category, e.Street = "g", "S1" }),
				ev("2", 5, Dispatched, func(e *Event) { e.Unit, e.By = "D1", "S1" }),
				ev("3", 8, Returned, func(e *Event) { e.Unit, e.Reason = "D1", "misdirected" }),
				ev("4", 10, ReturnRuled, func(e *Event) { e.Unit, e.Target, e.Upheld = "ORG", "D1", bp(false) }),
				ev("5", 20, Dispatched, func(e *Event) { e.Unit, e.By, e.Role = "D2", "S1", "assist" }),
			},
			unit: "D1", upheld: bp(false),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, as := Derive("C1", tt.trail)
			for _, a := range as {
				if a.Unit == tt.unit {
					if diff := cmp.Diff(tt.upheld, a.ReturnUpheld); diff != "" {
						t.Errorf("ReturnUpheld (-want +got):\n%s", diff)
					}
					return
				}
			}
			t.Fatalf("no assignment for %s", tt.unit)
		})
	}
}

func TestDeriveCaseLifecycle(t *testing.T) {
	trail := []Event{
		ev("1", 0, Opened, func(e *Event) { e.Category, e.Street, e.Urgency = "g", "S1", "urgent" }),
		ev("2", 5, Dispatched, func(e *Event) { e.Unit, e.By = "D1", "S1" }),
		ev("3", 7, Responded, func(e *Event) { e.Unit = "D1" }),
		ev("4", 60, Resolved, func(e *Event) { e.Unit = "D1" }),
		ev("5", 61, Closed, nil),
		ev("6", 120, Rated, func(e *Event) { e.Satisfaction, e.Solved = "dissatisfied", bp(false) }),
		ev("7", 130, Reopened, nil),
		ev("8", 200, Resolved, func(e *Event) { e.Unit = "D1" }),
		ev("9", 201, Closed, nil),
		ev("10", 300, Rated, func(e *Event) { e.Satisfaction, e.Solved = "satisfied", bp(true) }),
		ev("11", 301, ResponseEvaluated, func(e *Event) { e.Unit, e.Target, e.Score = "S1", "D1", ip(2) }),
		ev("12", 302, CallEvaluated, func(e *Event) { e.Unit, e.Target, e.Accurate, e.Score = "D1", "S1", bp(true), ip(5) }),
	}
	c, as := Derive("C1", trail)
	want := Case{ID: "C1", OpenedAt: t0, Category: "g", Street: "S1", Urgency: "urgent", Closed: true,
		ClosedAt: t0.Add(201 * time.Minute), Reopenings: 1, ReopenedAt: t0.Add(130 * time.Minute), Satisfaction: "satisfied", Solved: bp(true),
		RatedAt: t0.Add(300 * time.Minute), Events: 12, LastEventAt: t0.Add(302 * time.Minute)}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("case (-want +got):\n%s", diff)
	}
	wantA := []Assignment{{Case: "C1", Unit: "D1", Role: "lead", By: "S1", DispatchedAt: t0.Add(5 * time.Minute),
		RespondedAt: t0.Add(7 * time.Minute), ResolvedAt: t0.Add(60 * time.Minute), Resolutions: 2,
		CallAccurate: bp(true), CallScore: ip(5), CallEvaluatedAt: t0.Add(302 * time.Minute),
		ResponseScore: ip(2), ResponseRater: "S1", ResponseEvaluatedAt: t0.Add(301 * time.Minute)}}
	if diff := cmp.Diff(wantA, as); diff != "" {
		t.Errorf("assignments (-want +got):\n%s", diff)
	}
}

// randomTrail makes a plausible trail with several units, returns,
// ratings and reopenings, with some events sharing a timestamp.
func randomTrail(r *rand.Rand, n int) []Event {
	units := []string{"D1", "D2", "D3"}
	types := []EventType{Dispatched, Responded, Reported, Resolved, Returned, ReturnRuled, Closed, Reopened,
		Rated, Revisited, CallEvaluated, ResponseEvaluated}
	trail := []Event{ev("e0", r.IntN(5), Opened, func(e *Event) { e.Category, e.Street = "g", "S1" })}
	for i := 1; i < n; i++ {
		typ := types[r.IntN(len(types))]
		u := units[r.IntN(len(units))]
		e := ev(fmt.Sprintf("e%d", i), r.IntN(60), typ, nil)
		switch typ {
		case Dispatched:
			e.Unit, e.By = u, []string{"S1", PlatformDispatcher}[r.IntN(2)]
		case Responded, Reported, Resolved:
			e.Unit = u
		case Returned:
			e.Unit, e.Reason = u, "misdirected"
		case ReturnRuled:
			e.Unit, e.Target, e.Upheld = "ORG", u, bp(r.IntN(2) == 0)
		case Rated:
			e.Satisfaction, e.Solved = Satisfactions[r.IntN(3)], bp(r.IntN(2) == 0)
		case Revisited:
			e.Unit, e.InPlace = "S1", bp(r.IntN(2) == 0)
		case CallEvaluated:
			e.Unit, e.Target, e.Accurate, e.Score = u, "S1", bp(r.IntN(2) == 0), ip(1+r.IntN(5))
		case ResponseEvaluated:
			e.Unit, e.Target, e.Score = "S1", u, ip(1+r.IntN(5))
		}
		trail = append(trail, e)
	}
	return trail
}

// TestDeriveIgnoresArrivalOrder is a property test: any permutation of a
// trail derives the same state.
func TestDeriveIgnoresArrivalOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 500 {
		trail := randomTrail(r, 2+r.IntN(25))
		wantCase, wantAs := Derive("C1", append([]Event(nil), trail...))
		for range 5 {
			shuffled := append([]Event(nil), trail...)
			r.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
			gotCase, gotAs := Derive("C1", shuffled)
			if diff := cmp.Diff(wantCase, gotCase); diff != "" {
				t.Fatalf("trail %d: case depends on order (-first +shuffled):\n%s", i, diff)
			}
			if diff := cmp.Diff(wantAs, gotAs); diff != "" {
				t.Fatalf("trail %d: assignments depend on order (-first +shuffled):\n%s", i, diff)
			}
		}
	}
}

func TestUpheldAppealRemovesItsTarget(t *testing.T) {
	trail := []Event{
		ev("1", 0, Opened, func(e *Event) { e.Category, e.Street = "g", "S1" }),
		ev("2", 5, Dispatched, func(e *Event) { e.Unit, e.By = "D1", "S1" }),
		ev("3", 60, Rated, func(e *Event) { e.Satisfaction = "satisfied" }),
		ev("4", 90, Rated, func(e *Event) { e.Satisfaction = "dissatisfied" }),
		ev("5", 95, ResponseEvaluated, func(e *Event) { e.Unit, e.Target, e.Score = "S1", "D1", ip(1) }),
		ev("6", 100, Appealed, func(e *Event) { e.Unit, e.Target, e.Reason = "D1", "4", "the resident rated the wrong case" }),
		ev("7", 101, Appealed, func(e *Event) { e.Unit, e.Target, e.Reason = "D1", "5", "retaliation" }),
		ev("8", 200, AppealDecided, func(e *Event) { e.Unit, e.Target, e.Upheld = "ORG", "6", bp(true) }),
		ev("9", 201, AppealDecided, func(e *Event) { e.Unit, e.Target, e.Upheld = "ORG", "7", bp(false) }),
		ev("10", 202, AppealDecided, func(e *Event) { e.Unit, e.Target, e.Upheld = "ORG", "7", bp(true) }),
	}
	c, as := Derive("C1", trail)
	if c.Satisfaction != "satisfied" {
		t.Errorf("satisfaction = %q, want the rating left after the upheld appeal removed the later one", c.Satisfaction)
	}
	if as[0].ResponseScore == nil || *as[0].ResponseScore != 1 {
		t.Errorf("response score = %v, want 1 kept: its appeal was rejected first, and decisions are final", as[0].ResponseScore)
	}
}
