package store

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"frontline/evaluation"
	"frontline/formats"
	"frontline/synth"
)

func TestWorkedExampleBreaches(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		loadRegistry(t, db, "testdata/registry.yaml")
		ingestString(t, db, readFile(t, "testdata/worked.ndjson"), 4)
		loc, _ := time.LoadLocation("Asia/Shanghai")
		asof := time.Date(2026, 7, 1, 0, 0, 0, 0, loc)
		june, _ := evaluation.ParsePeriod("2026-06", loc)
		got := breachIDs(t, db, june, asof, "")
		want := []string{"W2/D2/respond", "W2/S1/call", "W3/D1/dispose", "W3/D1/respond"}
		if diff := gocmp.Diff(want, got); diff != "" {
			t.Errorf("June breaches (-want +got):\n%s", diff)
		}
		if got := breachIDs(t, db, june, asof, "D1"); !slices.Equal(got, []string{"W3/D1/dispose", "W3/D1/respond"}) {
			t.Errorf("D1's breaches = %v", got)
		}
		// A stricter policy from June on: class A must respond in 4 minutes.
		stricter := strings.Replace(string(formats.DefaultPolicyYAML), "effective: 2000-01-01", "effective: 2026-06-01", 1)
		stricter = strings.Replace(stricter, "A: {respond: 10m, dispose: 4h}", "A: {respond: 4m, dispose: 4h}", 1)
		if n := storePolicy(t, db, stricter); n != 3 {
			t.Fatalf("StorePolicy = %d cases; want 3 recomputed", n)
		}
		got = breachIDs(t, db, june, asof, "")
		want = []string{"W1/D1/respond", "W2/D2/respond", "W2/S1/call", "W3/D1/dispose", "W3/D1/respond"}
		if diff := gocmp.Diff(want, got); diff != "" {
			t.Errorf("June breaches under the stricter policy (-want +got):\n%s", diff)
		}
	})
}

// storePolicy stores a policy text and returns the cases it recomputed.
func storePolicy(t *testing.T, db *DB, text string) int {
	t.Helper()
	p, err := formats.ParsePolicy([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	n, err := db.StorePolicy(context.Background(), p.Effective, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func breachIDs(t *testing.T, db *DB, p evaluation.Period, asof time.Time, unit string) []string {
	t.Helper()
	ds, err := db.Deadlines(context.Background(), DeadlineFilter{From: p.From, To: p.To, Unit: unit, LateBy: asof})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range ds {
		if st, _ := d.StatusAt(asof); st == evaluation.Breached {
			ids = append(ids, d.ID())
		}
	}
	sort.Strings(ids)
	return ids
}

// TestSyntheticBreachCounts ingests a synthetic district and checks the
// stored breaches per unit against a count made here, independently, from
// the raw events: calls and responses for every case, and disposals for
// class-A cases (wall-clock limit) without returns or reopenings.
func TestSyntheticBreachCounts(t *testing.T) {
	cfg := synth.Config{Cases: 1500, Seed: 11}
	reg := synth.District(cfg)
	var buf bytes.Buffer
	var events []evaluation.Event
	enc := json.NewEncoder(&buf)
	if _, err := synth.Generate(cfg, func(e *evaluation.Event) error {
		events = append(events, *e)
		return enc.Encode(e)
	}); err != nil {
		t.Fatal(err)
	}
	asof := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	want := independentBreaches(reg, events, asof)
	forEachDB(t, func(t *testing.T, db *DB) {
		if _, err := db.LoadRegistry(context.Background(), reg, OriginRegistry); err != nil {
			t.Fatal(err)
		}
		ingestString(t, db, buf.String(), 0)
		all := evaluation.Period{Name: "all", From: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), To: asof}
		ds, err := db.Deadlines(context.Background(), DeadlineFilter{From: all.From, To: all.To, LateBy: asof})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, d := range ds {
			if st, _ := d.StatusAt(asof); st != evaluation.Breached || !want.judged[d.Case+"/"+string(d.Milestone)] {
				continue
			}
			got[d.Unit+" "+string(d.Milestone)]++
		}
		if diff := gocmp.Diff(want.counts, got); diff != "" {
			t.Errorf("breaches per unit and milestone (-independent +stored):\n%s", diff)
		}
		var lines []string
		for k, n := range got {
			lines = append(lines, fmt.Sprintf("%s=%d", k, n))
		}
		sort.Strings(lines)
		t.Logf("breaches per unit (%d kinds): %s", len(lines), strings.Join(lines, ", "))
	})
}

type breachCount struct {
	counts map[string]int  // "UNIT milestone" → breaches
	judged map[string]bool // "CASE/milestone" the independent count covers
}

// independentBreaches counts breaches straight from the events, with the
// default limits written out: call 30m; respond 10m (A, B) or 30m (C);
// dispose 4h for class A.
func independentBreaches(reg *evaluation.Registry, events []evaluation.Event, asof time.Time) breachCount {
	class := map[string]string{}
	for _, c := range reg.Categories {
		class[c.Code] = c.Class
	}
	byCase := map[string][]evaluation.Event{}
	for _, e := range events {
		byCase[e.Case] = append(byCase[e.Case], e)
	}
	out := breachCount{counts: map[string]int{}, judged: map[string]bool{}}
	late := func(due, actual time.Time) bool {
		if actual.IsZero() {
			return asof.After(due)
		}
		return actual.After(due)
	}
	for id, trail := range byCase {
		slices.SortFunc(trail, func(a, b evaluation.Event) int { return a.At.Compare(b.At) })
		var opened time.Time
		var cls string
		messy := false
		dispatched := map[string]evaluation.Event{}
		first := map[string]map[evaluation.EventType]time.Time{}
		for _, e := range trail {
			switch e.Type {
			case evaluation.Opened:
				opened, cls = e.At, class[e.Category]
			case evaluation.Returned, evaluation.Reopened:
				messy = true
			}
			if e.Type == evaluation.Dispatched {
				if _, ok := dispatched[e.Unit]; !ok {
					dispatched[e.Unit] = e
				}
			}
			if first[e.Unit] == nil {
				first[e.Unit] = map[evaluation.EventType]time.Time{}
			}
			if _, ok := first[e.Unit][e.Type]; !ok {
				first[e.Unit][e.Type] = e.At
			}
		}
		if opened.IsZero() {
			continue
		}
		out.judged[id+"/call"], out.judged[id+"/respond"] = true, true
		called := false
		for _, e := range trail {
			if e.Type == evaluation.Dispatched && e.By != "platform" && !called {
				called = true
				if late(opened.Add(30*time.Minute), e.At) {
					out.counts[e.By+" call"]++
				}
			}
		}
		respond := 30 * time.Minute
		if cls == "A" || cls == "B" {
			respond = 10 * time.Minute
		}
		if cls == "A" && !messy {
			out.judged[id+"/dispose"] = true
		}
		for unit, d := range dispatched {
			actual := first[unit][evaluation.Responded]
			if r, ok := first[unit][evaluation.Returned]; ok && (actual.IsZero() || r.Before(actual)) {
				actual = r
			}
			if late(d.At.Add(respond), actual) {
				out.counts[unit+" respond"]++
			}
			if cls == "A" && !messy && d.Role != "assist" {
				var resolved time.Time
				for _, e := range trail {
					if e.Type == evaluation.Resolved && e.Unit == unit && !e.At.Before(d.At) {
						resolved = e.At
						break
					}
				}
				if late(d.At.Add(4*time.Hour), resolved) {
					out.counts[unit+" dispose"]++
				}
			}
		}
	}
	return out
}

// TestEachDeadlineMatchesCaseViews checks the streamed deadlines against
// each case's own view, which assembles them from the rows in Go: the
// same deadlines, in order of due time, case, unit, milestone and round;
// the late filter keeps exactly the missed ones; and an error from the
// callback stops the walk.
func TestEachDeadlineMatchesCaseViews(t *testing.T) {
	cfg := synth.Config{Cases: 600, Seed: 5}
	reg := synth.District(cfg)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	ids := map[string]bool{}
	if _, err := synth.Generate(cfg, func(e *evaluation.Event) error {
		ids[e.Case] = true
		return enc.Encode(e)
	}); err != nil {
		t.Fatal(err)
	}
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		if _, err := db.LoadRegistry(ctx, reg, OriginRegistry); err != nil {
			t.Fatal(err)
		}
		ingestString(t, db, buf.String(), 0)
		var want []evaluation.Deadline
		for id := range ids {
			v, err := db.Case(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, v.Deadlines...)
		}
		slices.SortFunc(want, func(a, b evaluation.Deadline) int {
			return cmp.Or(a.Due.Compare(b.Due), strings.Compare(a.Case, b.Case), strings.Compare(a.Unit, b.Unit),
				strings.Compare(string(a.Milestone), string(b.Milestone)), a.Round-b.Round)
		})
		all := DeadlineFilter{From: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)}
		got, err := db.Deadlines(ctx, all)
		if err != nil {
			t.Fatal(err)
		}
		if len(want) < 1000 {
			t.Fatalf("only %d deadlines in the case views", len(want))
		}
		if diff := gocmp.Diff(want, got); diff != "" {
			t.Fatalf("streamed deadlines differ from the case views (-views +streamed):\n%s", diff)
		}

		asof := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
		var missed []evaluation.Deadline
		for _, d := range want {
			if d.Due.Before(asof) && (d.Actual.IsZero() || d.Actual.After(d.Due)) {
				missed = append(missed, d)
			}
		}
		late := all
		late.LateBy = asof
		got, err = db.Deadlines(ctx, late)
		if err != nil {
			t.Fatal(err)
		}
		if len(missed) == 0 || len(missed) == len(want) {
			t.Fatalf("%d of %d deadlines missed: the data does not test the filter", len(missed), len(want))
		}
		if diff := gocmp.Diff(missed, got); diff != "" {
			t.Errorf("late deadlines (-views +streamed):\n%s", diff)
		}

		stop := errors.New("enough")
		n := 0
		err = db.EachDeadline(ctx, all, func(evaluation.Deadline) error {
			if n++; n == 10 {
				return stop
			}
			return nil
		})
		if err != stop || n != 10 {
			t.Errorf("stopping the walk: %d deadlines, error %v; want 10 and the callback's error", n, err)
		}
	})
}
