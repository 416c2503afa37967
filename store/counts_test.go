package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"frontline/evaluation"
	"frontline/scoring"
	"frontline/synth"
)

// keptCountsByMonth reads every kept count, without zeros.
func keptCountsByMonth(t *testing.T, db *DB) map[string]map[string]int64 {
	t.Helper()
	rows, err := db.reads.QueryContext(context.Background(), "SELECT month, unit, outcome, n FROM outcome_counts WHERE n <> 0")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]map[string]int64{}
	for rows.Next() {
		var month, unit, key string
		var n int64
		if err := rows.Scan(&month, &unit, &key, &n); err != nil {
			t.Fatal(err)
		}
		if out[month] == nil {
			out[month] = map[string]int64{}
		}
		out[month][unit+" "+key] = n
	}
	return out
}

// recountByMonth counts every stored case afresh, by month of opening.
func recountByMonth(t *testing.T, db *DB) map[string]map[string]int64 {
	t.Helper()
	ctx := context.Background()
	rules, err := db.Rules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	data, err := db.ScoringData(ctx, time.Time{}, scoring.Forever)
	if err != nil {
		t.Fatal(err)
	}
	byCase := map[string][]scoring.Assignment{}
	for _, a := range data.Assignments {
		byCase[a.Case] = append(byCase[a.Case], a)
	}
	mc := monthCounts{}
	for i := range data.Cases {
		mc.addCase(rules, &data.Cases[i], byCase[data.Cases[i].ID], 1)
	}
	out := map[string]map[string]int64{}
	for month, counts := range mc {
		for o, n := range counts {
			if n == 0 {
				continue
			}
			if out[month] == nil {
				out[month] = map[string]int64{}
			}
			out[month][o.Unit+" "+o.Key()] = n
		}
	}
	return out
}

// checkKeptCounts fails unless the kept counts are exactly a fresh count
// of the stored cases, and scores from them equal scores from the cases
// for every month, the quarters and the year, as of several times.
func checkKeptCounts(t *testing.T, db *DB, asofs ...time.Time) {
	t.Helper()
	kept, fresh := keptCountsByMonth(t, db), recountByMonth(t, db)
	if !maps.EqualFunc(kept, fresh, maps.Equal) {
		for month := range fresh {
			for k, n := range fresh[month] {
				if kept[month][k] != n {
					t.Errorf("%s %s: kept %d, recounted %d", month, k, kept[month][k], n)
				}
			}
			for k, n := range kept[month] {
				if _, ok := fresh[month][k]; !ok {
					t.Errorf("%s %s: kept %d, recounted none", month, k, n)
				}
			}
		}
		return
	}
	ctx := context.Background()
	policies, err := db.Policies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	loc := policies[0].Location
	var periods []evaluation.Period
	for _, name := range []string{"2026", "2026-Q1", "2026-Q3"} {
		p, err := evaluation.ParsePeriod(name, loc)
		if err != nil {
			t.Fatal(err)
		}
		periods = append(periods, p)
	}
	for month := range kept {
		p, err := evaluation.ParsePeriod(month, loc)
		if err != nil {
			t.Fatal(err)
		}
		periods = append(periods, p)
	}
	compared := 0
	for _, p := range periods {
		for _, asof := range asofs {
			opt := scoring.Options{AsOf: asof, Scoring: policies.At(p.From).Scoring}
			got := countedScores(t, db, p, opt)
			if got == nil {
				continue
			}
			data, err := db.ScoringData(ctx, p.From, p.To)
			if err != nil {
				t.Fatal(err)
			}
			want := scoring.Compute(data, opt)
			if g, w := reportText(got), reportText(want); g != w {
				t.Errorf("%s as of %s: kept counts score\n%s\nthe cases score\n%s", p.Name, asof, g, w)
			}
			compared++
		}
	}
	t.Logf("%d months of kept counts agree with a recount; %d scorings agree", len(kept), compared)
}

// reportText prints every number of a report.
// countedScores scores a period from the kept counts, or returns nil
// when they cannot serve.
func countedScores(t *testing.T, db *DB, p evaluation.Period, opt scoring.Options) *scoring.Report {
	t.Helper()
	ctx := context.Background()
	in, ok, err := db.CountedInputs(ctx, p.From, p.To)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		return nil
	}
	open, err := db.OpenScoringData(ctx, p.From, p.To, opt.AsOf)
	if err != nil {
		t.Fatal(err)
	}
	in.Rejudge(open, opt.AsOf)
	return scoring.FromCounts(in, opt)
}

func reportText(r *scoring.Report) string {
	var b bytes.Buffer
	for _, u := range r.Units {
		fmt.Fprintf(&b, "%s cases=%d eligible=%v rank=%d pess=%.9g", u.Unit, u.Cases, u.Eligible, u.Rank, u.Pessimistic)
		if u.Score != nil {
			fmt.Fprintf(&b, " score=%.9g", *u.Score)
		}
		for _, name := range slices.Sorted(maps.Keys(u.Metrics)) {
			m := u.Metrics[name]
			fmt.Fprintf(&b, " %s=%.9g/%g", name, m.Num, m.Den)
		}
		for _, p := range u.Penalties {
			fmt.Fprintf(&b, " %s:%g:%s", p.Kind, p.Points, p.Ref)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// horizonOf returns the latest stored event time.
func horizonOf(t *testing.T, db *DB) time.Time {
	t.Helper()
	var h timeCol
	if err := db.reads.QueryRowContext(context.Background(), "SELECT "+db.ts("horizon")+" FROM count_state").Scan(&h); err != nil {
		t.Fatal(err)
	}
	return h.t
}

// TestKeptCountsAreExact ingests a synthetic district in small shuffled
// batches, then a second time in order into a fresh database, and checks
// the kept counts and the scores from them after each, and after a
// rebuild — as of the end of the data, when some deadlines are not yet
// due, and later.
func TestKeptCountsAreExact(t *testing.T) {
	reg, lines := synthLines(t, synth.Config{Cases: 400, Seed: 17})
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		if _, err := db.LoadRegistry(ctx, reg, OriginRegistry); err != nil {
			t.Fatal(err)
		}
		shuffled := slices.Clone(lines)
		for i := range shuffled {
			j := (i*7919 + 13) % len(shuffled)
			shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
		}
		ingestString(t, db, strings.Join(shuffled, "\n"), 61)
		h := horizonOf(t, db)
		if h.IsZero() {
			t.Fatal("no horizon after ingest")
		}
		var open int
		if err := db.reads.QueryRowContext(ctx, "SELECT count(*) FROM cases WHERE open_until >= ?", h).Scan(&open); err != nil {
			t.Fatal(err)
		}
		if open == 0 {
			t.Fatal("no case has a deadline due after the last event: the test would not check open deadlines")
		}
		// As of times before the last event count the cases with later events
		// again: a day before it, and a quarter of a year before it.
		asofs := []time.Time{h, h.Add(2 * time.Hour), h.Add(72 * time.Hour), h.Add(-24 * time.Hour), h.AddDate(0, -3, 0)}
		checkKeptCounts(t, db, asofs...)
		if _, err := db.Rebuild(ctx); err != nil {
			t.Fatal(err)
		}
		checkKeptCounts(t, db, asofs...)
		// Ingesting everything again changes nothing.
		ingestString(t, db, strings.Join(lines, "\n"), 500)
		checkKeptCounts(t, db, h.Add(time.Hour))
	})
}

// TestRecountRepairsCounts: counts lost or never kept (a database from
// before they were) are marked invalid, not used, and recounted by a
// refresh.
func TestRecountRepairsCounts(t *testing.T) {
	cfg := synth.Config{Cases: 150, Seed: 3}
	reg := synth.District(cfg)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	if _, err := synth.Generate(cfg, func(e *evaluation.Event) error { return enc.Encode(e) }); err != nil {
		t.Fatal(err)
	}
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		if _, err := db.LoadRegistry(ctx, reg, OriginRegistry); err != nil {
			t.Fatal(err)
		}
		ingestString(t, db, buf.String(), 0)
		want := keptCountsByMonth(t, db)
		if _, err := db.sql.ExecContext(ctx, "DELETE FROM outcome_counts"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.sql.ExecContext(ctx, "UPDATE count_state SET valid = false"); err != nil {
			t.Fatal(err)
		}
		asof := horizonOf(t, db).Add(time.Hour)
		policies, err := db.Policies(ctx)
		if err != nil {
			t.Fatal(err)
		}
		june, err := evaluation.ParsePeriod("2026-06", policies[0].Location)
		if err != nil {
			t.Fatal(err)
		}
		if months, err := db.countedMonths(ctx, june.From, june.To); err != nil || months != nil {
			t.Fatalf("invalid counts would serve months %v (err %v)", months, err)
		}
		if _, err := db.StaleMonths(ctx); err != nil { // recounts invalid counts
			t.Fatal(err)
		}
		if got := keptCountsByMonth(t, db); !maps.EqualFunc(got, want, maps.Equal) {
			t.Errorf("recounted counts differ from those kept by ingest")
		}
		if months, err := db.countedMonths(ctx, june.From, june.To); err != nil || !slices.Equal(months, []string{"2026-06"}) {
			t.Fatalf("recounted counts serve months %v (err %v), want [2026-06]", months, err)
		}
		checkKeptCounts(t, db, asof)
	})
}
