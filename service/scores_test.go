package service

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"frontline/evaluation"
	"frontline/fault"
	"frontline/rbac"
	"frontline/scoring"
	"frontline/store"
)

func TestKeptScoresFollowIngest(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, db *store.DB) {
		ctx := context.Background()
		loadRegistry(t, db, "../store/testdata/registry.yaml")
		lines := strings.Split(strings.TrimSpace(readFile(t, "../store/testdata/worked.ndjson")), "\n")
		// W1 and W2 first; W3 arrives later.
		ingestString(t, db, strings.Join(lines[:14], "\n"), 100)
		if _, _, err := db.CachedScores(ctx, "2026-06", ""); fault.KindOf(err) != fault.NotFound {
			t.Errorf("cached scores before any refresh: %v, want not found", err)
		}
		asof := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
		months, err := svc.Refresh(ctx, asof)
		if err != nil || strings.Join(months, " ") != "2026-06" {
			t.Fatalf("refresh = %v, %v; want 2026-06", months, err)
		}
		cp, units, err := db.CachedScores(ctx, "2026-06", "D1")
		if err != nil || cp.Stale || len(units) != 1 {
			t.Fatalf("cached D1 = %+v %v %v", cp, units, err)
		}
		if m := units[0].Metrics[evaluation.ResponseRate]; m.Num != 1 || m.Den != 1 {
			t.Errorf("D1 response rate before W3 = %v/%v, want 1/1", m.Num, m.Den)
		}
		ingestString(t, db, strings.Join(lines[14:], "\n"), 100)
		if cp, _, _ := db.CachedScores(ctx, "2026-06", "D1"); !cp.Stale {
			t.Error("scores not marked stale after W3 arrived")
		}
		if months, _ := svc.Refresh(ctx, asof); len(months) != 1 {
			t.Errorf("second refresh = %v, want June again", months)
		}
		if months, _ := svc.Refresh(ctx, asof); len(months) != 0 {
			t.Errorf("third refresh = %v, want nothing stale", months)
		}
		// The kept scores are exactly what computing says.
		data, err := db.ScoringData(ctx, time.Date(2026, 5, 31, 16, 0, 0, 0, time.UTC), time.Date(2026, 6, 30, 16, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		want := scoring.Compute(data, scoring.Options{AsOf: asof, Scoring: evaluation.DefaultScoring()}).Units
		_, got, err := db.CachedScores(ctx, "2026-06", "")
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range want {
			u.CaseIDs = nil
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("kept scores differ from computed (-computed +kept):\n%s", diff)
		}
	})
}

// TestMovedCaseMarksBothMonths: a late `opened` event moves a case to an
// earlier month; the month it left goes stale too.
func TestMovedCaseMarksBothMonths(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, db *store.DB) {
		ctx := context.Background()
		loadRegistry(t, db, "../store/testdata/registry.yaml")
		ingestString(t, db, readFile(t, "../store/testdata/worked.ndjson"), 100)
		asof := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
		if _, err := svc.Refresh(ctx, asof); err != nil {
			t.Fatal(err)
		}
		ingestString(t, db, `{"id":"W-00","case":"W1","type":"opened","at":"2026-05-31T09:00:00+08:00","category":"garbage","street":"S1"}`, 100)
		months, err := svc.Refresh(ctx, asof)
		if err != nil || strings.Join(months, " ") != "2026-05 2026-06" {
			t.Errorf("refreshed %v, %v; want May and June", months, err)
		}
		_, units, err := db.CachedScores(ctx, "2026-06", "D1")
		if err != nil || len(units) != 1 || units[0].Cases != 1 {
			t.Errorf("June's D1 after W1 moved to May: %+v %v; want one case (W3)", units, err)
		}
	})
}

// TestKeptScoresServeOnlyWhenCurrent: a month's kept scores stand for
// its scores as of a later time only when nothing in it can have changed.
func TestKeptScoresServeOnlyWhenCurrent(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, db *store.DB) {
		ctx := context.Background()
		loadRegistry(t, db, "../store/testdata/registry.yaml")
		lines := strings.Split(strings.TrimSpace(readFile(t, "../store/testdata/worked.ndjson")), "\n")
		ingestString(t, db, strings.Join(lines[:14], "\n"), 100)
		from, to := time.Date(2026, 5, 31, 16, 0, 0, 0, time.UTC), time.Date(2026, 6, 30, 16, 0, 0, 0, time.UTC)
		kept := func(asof time.Time) (*scoring.Report, bool) {
			t.Helper()
			r, ok, err := db.KeptScores(ctx, "2026-06", from, to, asof)
			if err != nil {
				t.Fatal(err)
			}
			return r, ok
		}
		if _, ok := kept(to); ok {
			t.Error("kept scores served before any refresh")
		}
		// Kept as of W1's first hour: its later deadlines were open then.
		during := time.Date(2026, 6, 1, 1, 12, 0, 0, time.UTC)
		if _, err := svc.Refresh(ctx, during); err != nil {
			t.Fatal(err)
		}
		if _, ok := kept(to); ok {
			t.Error("scores kept while deadlines were open stand for a later time")
		}
		asof := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
		if err := db.MarkScoresStale(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Refresh(ctx, asof); err != nil {
			t.Fatal(err)
		}
		later := asof.AddDate(0, 1, 0)
		got, ok := kept(later)
		if !ok {
			t.Fatal("settled month's kept scores not served")
		}
		policies, err := db.Policies(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want, err := svc.scorePeriod(ctx, evaluation.Period{Name: "2026-06", From: from, To: to}, later, policies)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want.Units, got.Units); diff != "" {
			t.Errorf("kept scores differ from computed (-computed +kept):\n%s", diff)
		}
		if _, ok := kept(asof.Add(-time.Hour)); ok {
			t.Error("scores kept as of July 1 served for an earlier time")
		}
		ingestString(t, db, strings.Join(lines[14:], "\n"), 100)
		if _, ok := kept(later); ok {
			t.Error("stale kept scores served")
		}
	})
}

// TestKeptScoresHoldUntilTheNextDeadline: the current month's kept scores
// stand for later times until its next deadline falls due, equal to the
// scores computed then; past that instant they are counted afresh.
func TestKeptScoresHoldUntilTheNextDeadline(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, db *store.DB) {
		ctx := context.Background()
		loadRegistry(t, db, "../store/testdata/registry.yaml")
		ingestString(t, db, readFile(t, "../store/testdata/worked.ndjson"), 100)
		from, to := time.Date(2026, 5, 31, 16, 0, 0, 0, time.UTC), time.Date(2026, 6, 30, 16, 0, 0, 0, time.UTC)
		// W3 was dispatched at 02:01 UTC on 25 June; its response is due at 02:11.
		keptAt := time.Date(2026, 6, 25, 2, 5, 0, 0, time.UTC)
		if _, err := svc.Refresh(ctx, keptAt); err != nil {
			t.Fatal(err)
		}
		policies, err := db.Policies(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			asof time.Time
			ok   bool
		}{{keptAt.Add(3 * time.Minute), true}, {time.Date(2026, 6, 25, 2, 11, 0, 0, time.UTC), true}, {time.Date(2026, 6, 25, 2, 12, 0, 0, time.UTC), false}} {
			got, ok, err := db.KeptScores(ctx, "2026-06", from, to, c.asof)
			if err != nil || ok != c.ok {
				t.Errorf("kept as of %s, read as of %s: ok %v (%v), want %v", keptAt, c.asof, ok, err, c.ok)
				continue
			}
			if !ok {
				continue
			}
			want, err := svc.scorePeriod(ctx, evaluation.Period{Name: "2026-06", From: from, To: to}, c.asof, policies)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want.Units, got.Units); diff != "" {
				t.Errorf("kept scores as of %s differ from computed (-computed +kept):\n%s", c.asof, diff)
			}
		}
		// Read past the next deadline, where a refresher runs: the month
		// is counted afresh, marked stale (once), and kept again as of then.
		now := time.Date(2026, 6, 25, 2, 12, 0, 0, time.UTC)
		svc.Now, svc.marks = func() time.Time { return now }, &staleMarks{}
		calls := 0
		svc.Stale = func() { calls++ }
		for range 3 {
			if _, err := svc.Scores(ctx, rbac.Local(), ScoresQuery{PeriodQuery: PeriodQuery{Period: "2026-06"}}); err != nil {
				t.Fatal(err)
			}
		}
		stale, err := db.StaleMonths(ctx)
		if err != nil || calls != 1 || len(stale) != 1 || stale[0].Period != "2026-06" {
			t.Fatalf("after reads past the deadline: %d calls to the refresher, stale months %+v (%v)", calls, stale, err)
		}
		if _, err := svc.Refresh(ctx, now); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := db.KeptScores(ctx, "2026-06", from, to, now); err != nil || !ok {
			t.Errorf("kept again as of %s: %v %v", now, ok, err)
		}
	})
}

// TestYearAsOfInsideTheData: a year scored as of times inside its data
// (cases opened after then, events after then, deadlines open then) comes
// from the kept counts with the cases that differ counted again, and a
// period of parts of months (which the counts cannot serve) is counted
// afresh a month at a time; both say exactly what counting all of the
// period's cases at once says.
func TestYearAsOfInsideTheData(t *testing.T) {
	reg, data := benchDistrict(t, 1200)
	forEachService(t, func(t *testing.T, svc *Service, db *store.DB) {
		ctx := context.Background()
		if _, err := db.LoadRegistry(ctx, reg, store.OriginRegistry); err != nil {
			t.Fatal(err)
		}
		ingestString(t, db, string(data), 5000)
		policies, err := db.Policies(ctx)
		if err != nil {
			t.Fatal(err)
		}
		loc := policies.At(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)).Location
		year, err := evaluation.ParsePeriod("2026", loc)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok, err := db.CountedInputs(ctx, year.From, year.To); err != nil || !ok {
			t.Fatalf("the kept counts cannot serve the year (%v): the test would not check them", err)
		}
		parts := evaluation.Period{From: year.From.AddDate(0, 0, 14), To: year.To.AddDate(0, 0, -10)}
		if _, ok, _ := db.CountedInputs(ctx, parts.From, parts.To); ok {
			t.Fatal("the kept counts serve parts of months: the test would not count afresh")
		}
		for _, asof := range []time.Time{
			time.Date(2026, 2, 14, 9, 30, 0, 0, loc),
			time.Date(2026, 7, 1, 0, 0, 0, 0, loc), // a month's first instant
			time.Date(2026, 12, 6, 10, 0, 0, 0, loc),
			time.Date(2027, 1, 15, 0, 0, 0, 0, loc), // after every event
		} {
			for _, p := range []evaluation.Period{year, parts} {
				got, err := svc.scorePeriod(ctx, p, asof, policies)
				if err != nil {
					t.Fatal(err)
				}
				all, err := db.ScoringData(ctx, p.From, p.To)
				if err != nil {
					t.Fatal(err)
				}
				want := scoring.Compute(all, scoring.Options{AsOf: asof, Scoring: policies.At(p.From).Scoring})
				if len(want.Units) == 0 {
					t.Fatal("no unit scored")
				}
				if diff := cmp.Diff(reportJSON(t, want), reportJSON(t, got)); diff != "" {
					t.Errorf("%s to %s as of %s differs from counting every case at once (-all +scored):\n%s", p.From, p.To, asof, diff)
				}
			}
		}
	})
}

func reportJSON(t *testing.T, r *scoring.Report) string {
	t.Helper()
	b, err := json.MarshalIndent(r.Units, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
