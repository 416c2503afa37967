package service

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"frontline/evaluation"
	"frontline/scoring"
	"frontline/store"
)

// TestYearAsOfInsideTheData: a year scored as of times inside its data
// (cases opened after then, events after then, deadlines open then) comes
// from the kept counts with the cases that differ counted again, and says
// exactly what counting every case afresh says.
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
		for _, asof := range []time.Time{
			time.Date(2026, 2, 14, 9, 30, 0, 0, loc),
			time.Date(2026, 7, 1, 0, 0, 0, 0, loc), // a month's first instant
			time.Date(2026, 12, 6, 10, 0, 0, 0, loc),
			time.Date(2027, 1, 15, 0, 0, 0, 0, loc), // after every event
		} {
			if _, ok, err := db.CountedInputs(ctx, year.From, year.To); err != nil || !ok {
				t.Fatalf("the kept counts cannot serve the year (%v): the test would not check them", err)
			}
			got, err := svc.scorePeriod(ctx, year, asof, policies)
			if err != nil {
				t.Fatal(err)
			}
			all, err := db.ScoringData(ctx, year.From, year.To)
			if err != nil {
				t.Fatal(err)
			}
			want := scoring.Compute(all, scoring.Options{AsOf: asof, Scoring: policies.At(year.From).Scoring})
			if diff := cmp.Diff(reportJSON(t, want), reportJSON(t, got)); diff != "" {
				t.Errorf("the year as of %s from kept counts differs from a fresh count (-fresh +kept):\n%s", asof, diff)
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
