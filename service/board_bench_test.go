package service

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"frontline/evaluation"
	"frontline/formats"
	"frontline/ingest"
	"frontline/store"
	"frontline/store/storetest"
)

// openBoard builds a district with n open assignments on the engine dsn
// names: n cases of three classes, each dispatched to a department at a
// time spread over the six hours before start, none answered yet. It
// returns the service with its clock at start.
func openBoard(b *testing.B, dsn string, n int, start time.Time) *Service {
	b.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, store.WithPolicyFormat(formats.ParsePolicies))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	var reg bytes.Buffer
	reg.WriteString("units:\n")
	for s := 1; s <= 10; s++ {
		fmt.Fprintf(&reg, "  - {code: S%02d, kind: street, name: {zh: 街道%d}}\n", s, s)
	}
	for d := 1; d <= 86; d++ {
		fmt.Fprintf(&reg, "  - {code: D%02d, kind: department, name: {zh: 部门%d}}\n", d, d)
	}
	reg.WriteString("categories:\n  - {code: garbage, class: A, urgency: normal, name: {zh: 垃圾}}\n" +
		"  - {code: road, class: B, urgency: normal, name: {zh: 道路}}\n  - {code: other, class: C, urgency: normal, name: {zh: 其他}}\n")
	registry, err := formats.ParseRegistry(&reg, "yaml", nil)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.LoadRegistry(ctx, registry, store.OriginRegistry); err != nil {
		b.Fatal(err)
	}
	var events bytes.Buffer
	categories := []string{"garbage", "road", "other"}
	for i := range n {
		opened := start.Add(-6 * time.Hour).Add(time.Duration(i) * 6 * time.Hour / time.Duration(n))
		street := fmt.Sprintf("S%02d", i%10+1)
		fmt.Fprintf(&events, `{"id":"B%d-1","case":"B%d","type":"opened","at":%q,"category":%q,"street":%q}`+"\n",
			i, i, opened.Format(time.RFC3339), categories[i%3], street)
		fmt.Fprintf(&events, `{"id":"B%d-2","case":"B%d","type":"dispatched","at":%q,"unit":"D%02d","by":%q}`+"\n",
			i, i, opened.Add(2*time.Minute).Format(time.RFC3339), i%86+1, street)
	}
	in := &ingest.Ingester{Store: db, Pseudo: evaluation.NewPseudonymizer([]byte("bench key 012345"))}
	if sum, err := in.Run(ctx, formats.NewNDJSONDecoder(&events)); err != nil || sum.Accepted != 2*n {
		b.Fatalf("ingest: %+v %v", sum, err)
	}
	return &Service{DB: db, Pseudo: in.Pseudo, Now: func() time.Time { return start }}
}

// BenchmarkClockTick measures one tick of the board's clock over 100,000
// open assignments (BOARD_CASES; issue 24's target: ≤ 50 ms): the clock
// loaded once, then each tick a second later than the one before, finding
// and announcing the crossings due. It reports the deadlines kept and the
// crossings announced per tick.
func BenchmarkClockTick(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("BOARD_CASES")); err == nil && v > 0 {
		n = v
	}
	engines := map[string]func(b *testing.B) string{"sqlite": func(b *testing.B) string { return storetest.SQLite(b) }}
	if dsn := os.Getenv(storetest.PostgresEnv); dsn != "" {
		engines["postgres"] = func(b *testing.B) string { return storetest.Postgres(b, dsn) }
	}
	for _, name := range []string{"sqlite", "postgres"} {
		dsn, ok := engines[name]
		if !ok {
			continue
		}
		b.Run(name, func(b *testing.B) {
			start := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
			svc := openBoard(b, dsn(b), n, start)
			now := start
			svc.Now = func() time.Time { return now }
			clock := NewClock(svc)
			ctx := context.Background()
			if _, err := clock.Tick(ctx); err != nil { // loads the board, announces what is lit already
				b.Fatal(err)
			}
			crossings := 0
			b.ResetTimer()
			for b.Loop() {
				now = now.Add(time.Second)
				logged, err := clock.Tick(ctx)
				if err != nil {
					b.Fatal(err)
				}
				crossings += len(logged)
			}
			b.ReportMetric(float64(len(clock.entries)), "deadlines")
			b.ReportMetric(float64(crossings)/float64(b.N), "crossings/op")
		})
	}
}
