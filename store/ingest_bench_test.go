package store

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"testing"

	"frontline/evaluation"
	"frontline/formats"
	"frontline/ingest"
	"frontline/store/storetest"
	"frontline/synth"
)

// benchDistrict returns the registry and NDJSON events of a synthetic
// district of the given size.
func benchDistrict(b *testing.B, cases int) (*evaluation.Registry, []byte, int) {
	b.Helper()
	cfg := synth.Config{Cases: cases, Seed: 1}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	truth, err := synth.Generate(cfg, func(e *evaluation.Event) error { return enc.Encode(e) })
	if err != nil {
		b.Fatal(err)
	}
	return synth.District(cfg), buf.Bytes(), truth.Events
}

// BenchmarkIngest measures a fresh ingest and a re-ingest (all duplicates)
// of 20,000 synthetic cases on each engine; scripts/bench-ingest.sh
// measures 1,000,000 events against sqlite3 .import and psql \copy.
func BenchmarkIngest(b *testing.B) {
	reg, data, n := benchDistrict(b, 20000)
	pseudo := evaluation.NewPseudonymizer([]byte("bench key 012345"))
	engines := map[string]func(b *testing.B) string{
		"sqlite": func(b *testing.B) string { return storetest.SQLite(b) },
	}
	if dsn := os.Getenv(storetest.PostgresEnv); dsn != "" {
		engines["postgres"] = func(b *testing.B) string { return storetest.Postgres(b, dsn) }
	}
	for name, dsn := range engines {
		for _, mode := range []string{"fresh", "duplicates"} {
			b.Run(name+"/"+mode, func(b *testing.B) {
				ctx := context.Background()
				for b.Loop() {
					b.StopTimer()
					db, err := Open(ctx, dsn(b), WithPolicyFormat(formats.ParsePolicies))
					if err != nil {
						b.Fatal(err)
					}
					if _, err := db.LoadRegistry(ctx, reg, OriginRegistry); err != nil {
						b.Fatal(err)
					}
					in := &ingest.Ingester{Store: db, Pseudo: pseudo}
					if mode == "duplicates" {
						if _, err := in.Run(ctx, formats.NewNDJSONDecoder(bytes.NewReader(data))); err != nil {
							b.Fatal(err)
						}
					}
					b.StartTimer()
					sum, err := in.Run(ctx, formats.NewNDJSONDecoder(bytes.NewReader(data)))
					if err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					if sum.Read != n || sum.Accepted+sum.Duplicates != n {
						b.Fatalf("summary %+v, want %d events stored or duplicate", sum, n)
					}
					db.Close()
					b.StartTimer()
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}
