package service

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"frontline/evaluation"
	"frontline/formats"
	"frontline/ingest"
	"frontline/rbac"
	"frontline/store"
	"frontline/store/storetest"
)

// keptScoresDB builds a database of a synthetic district with its kept
// monthly scores computed, and returns it with the events of 10,000 more.
func keptScoresDB(b *testing.B, dsn string, cases int) (*Service, []evaluation.Event) {
	b.Helper()
	ctx := context.Background()
	reg, data := benchDistrict(b, cases)
	db, err := store.Open(ctx, dsn, store.WithPolicyFormat(formats.ParsePolicies))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if _, err := db.LoadRegistry(ctx, reg, store.OriginRegistry); err != nil {
		b.Fatal(err)
	}
	in := &ingest.Ingester{Store: db, Pseudo: evaluation.NewPseudonymizer([]byte("bench key 012345"))}
	if _, err := in.Run(ctx, formats.NewNDJSONDecoder(bytes.NewReader(data))); err != nil {
		b.Fatal(err)
	}
	svc := &Service{DB: db, Now: time.Now}
	if _, err := svc.Refresh(ctx, time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)); err != nil {
		b.Fatal(err)
	}
	// The extra batch: the last 10,000 events again, as new cases.
	var tail []evaluation.Event
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		var e evaluation.Event
		if dec.Decode(&e) != nil {
			break
		}
		tail = append(tail, e)
		if len(tail) > 10000 {
			tail = tail[1:]
		}
	}
	return svc, tail
}

// BenchmarkKeptScore reads one unit's kept score for one month (target:
// under 10 ms).
func BenchmarkKeptScore(b *testing.B) {
	svc, _ := keptScoresDB(b, storetest.SQLite(b), 20000)
	ctx := context.Background()
	for b.Loop() {
		if _, units, err := svc.DB.CachedScores(ctx, "2026-06", "D05"); err != nil || len(units) != 1 {
			b.Fatalf("cached D05: %v %v", units, err)
		}
	}
}

// BenchmarkRefreshAfterBatch ingests a batch of 10,000 events and brings
// the kept scores of the months it touched up to date (target: the
// refresh under 200 ms); it reports both parts per batch.
func BenchmarkRefreshAfterBatch(b *testing.B) {
	engines := map[string]func(b *testing.B) string{"sqlite": func(b *testing.B) string { return storetest.SQLite(b) }}
	if dsn := os.Getenv(storetest.PostgresEnv); dsn != "" {
		engines["postgres"] = func(b *testing.B) string { return storetest.Postgres(b, dsn) }
	}
	for name, dsn := range engines {
		b.Run(name, func(b *testing.B) {
			svc, tail := keptScoresDB(b, dsn(b), 20000)
			ctx := context.Background()
			in := &ingest.Ingester{Store: svc.DB, Pseudo: evaluation.NewPseudonymizer([]byte("bench key 012345")), BatchSize: 10000}
			var ingestTime, refreshTime time.Duration
			round := 0
			for b.Loop() {
				round++
				var buf bytes.Buffer
				enc := json.NewEncoder(&buf)
				for _, e := range tail {
					e.ID, e.Case = fmt.Sprintf("R%d-%s", round, e.ID), fmt.Sprintf("R%d-%s", round, e.Case)
					enc.Encode(&e)
				}
				start := time.Now()
				if _, err := in.Run(ctx, formats.NewNDJSONDecoder(&buf)); err != nil {
					b.Fatal(err)
				}
				mid := time.Now()
				months, err := svc.Refresh(ctx, time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC))
				if err != nil || len(months) == 0 {
					b.Fatalf("refresh: %v %v", months, err)
				}
				ingestTime += mid.Sub(start)
				refreshTime += time.Since(mid)
			}
			b.ReportMetric(float64(ingestTime.Milliseconds())/float64(b.N), "ingest-ms/batch")
			b.ReportMetric(float64(refreshTime.Milliseconds())/float64(b.N), "refresh-ms/batch")
		})
	}
}

// BenchmarkMonthWithOpenDeadlines reads one unit's score for a month
// whose deadlines are all settled and for the latest month, which still
// has deadlines not yet due, as of just after the last event (20,000
// cases, SQLite). It reports the open month's read rate as a share of the
// closed month's (issue 23's target: ≥ 0.8; counted afresh on every read,
// as before the kept month said until when it holds, it was ≈ 0.02), and
// the rate of that fresh count for comparison, measured in the same run.
func BenchmarkMonthWithOpenDeadlines(b *testing.B) {
	svc, tail := keptScoresDB(b, storetest.SQLite(b), 20000)
	ctx := context.Background()
	var last, opened time.Time // the last event, the last opening
	for _, e := range tail {
		if e.At.After(last) {
			last = e.At
		}
		if e.Type == evaluation.Opened && e.At.After(opened) {
			opened = e.At
		}
	}
	now := last.Add(time.Minute)
	svc.Now = func() time.Time { return now }
	if err := svc.DB.MarkScoresStale(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := svc.Refresh(ctx, now); err != nil {
		b.Fatal(err)
	}
	policies, err := svc.DB.Policies(ctx)
	if err != nil {
		b.Fatal(err)
	}
	loc := policies.At(now).Location
	open, closed := opened.In(loc).Format("2006-01"), "2026-06"
	period, err := evaluation.ParsePeriod(open, loc)
	if err != nil {
		b.Fatal(err)
	}
	pending := 0 // deadlines of the open month not yet due
	if err := svc.DB.EachDeadline(ctx, store.DeadlineFilter{From: period.From, To: period.To}, func(d evaluation.Deadline) error {
		if d.Due.After(now) {
			pending++
		}
		return nil
	}); err != nil || pending == 0 {
		b.Fatalf("the month %s has no deadline due after %s: %v", open, now, err)
	}
	if _, ok, err := svc.DB.KeptScores(ctx, open, period.From, period.To, now); err != nil || !ok {
		b.Fatalf("the open month %s is not served from its kept scores as of %s: %v", open, now, err)
	}
	read := func(month string) time.Duration {
		start := time.Now()
		s, err := svc.Scores(ctx, rbac.Local(), ScoresQuery{PeriodQuery: PeriodQuery{Period: month}, Unit: "S01"})
		if err != nil || len(s.Units) != 1 {
			b.Fatalf("%s: %v", month, err)
		}
		return time.Since(start)
	}
	fresh := func() time.Duration {
		start := time.Now()
		if _, err := svc.scorePeriod(ctx, period, now, policies); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	var tClosed, tOpen, tFresh time.Duration
	n := 0
	for b.Loop() {
		tClosed += read(closed)
		tOpen += read(open)
		if n%20 == 0 {
			tFresh += fresh()
		}
		n++
	}
	b.ReportMetric(float64(tClosed)/float64(tOpen), "open/closed")
	b.ReportMetric(float64(tClosed)/(float64(tFresh)*20), "fresh/closed")
	b.ReportMetric(float64(tOpen.Microseconds())/float64(n), "µs/open-read")
}
