package api

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"frontline/evaluation"
	"frontline/ingest"
	"frontline/store"
	"frontline/store/storetest"
	"frontline/synth"
)

// TestConcurrentIngestAndReads, on both engines: four clients post the
// same district's events at once, each in its own order and batches, so
// that every event arrives four times, overlapping; meanwhile two readers
// ask for scores, breaches and the meeting pack. Every answer is a
// success (no "database is locked", no deadlock), every event is stored
// exactly once, and the audit chain is intact.
func TestConcurrentIngestAndReads(t *testing.T) {
	cfg := synth.Config{Cases: 600, Seed: 4}
	if raceEnabled { // the same races, on fewer events
		cfg.Cases = 150
	}
	var lines []string
	if _, err := synth.Generate(cfg, func(e *evaluation.Event) error {
		b, err := json.Marshal(e)
		lines = append(lines, string(b))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn, Config{})
		if _, err := f.db.LoadRegistry(context.Background(), synth.District(cfg), store.OriginRegistry); err != nil {
			t.Fatal(err)
		}
		const writers, copies = 4, 4
		var (
			accepted, duplicates, other atomic.Int64
			failures                    = make(chan string, 100)
			wg                          sync.WaitGroup
		)
		fail := func(format string) {
			select {
			case failures <- format:
			default:
			}
		}
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				order := rand.New(rand.NewPCG(uint64(w), 1)).Perm(len(lines))
				size := 200 + 150*w
				for start := 0; start < len(order); start += size {
					var body strings.Builder
					for _, i := range order[start:min(start+size, len(order))] {
						body.WriteString(lines[i])
						body.WriteByte('\n')
					}
					// The district's history holds decisions: an admin's import.
					r := f.do(t, "ada", "POST", "/api/v1/events", "application/x-ndjson", body.String())
					if r.status != 200 {
						fail(r.body)
						return
					}
					var sum ingest.Summary
					json.Unmarshal([]byte(r.body), &sum)
					accepted.Add(int64(sum.Accepted))
					duplicates.Add(int64(sum.Duplicates))
					other.Add(int64(sum.Rejected + sum.Conflicts + sum.Quarantined))
				}
			}()
		}
		done := make(chan struct{})
		var readers sync.WaitGroup
		var reads atomic.Int64
		for _, who := range []string{"olga", "dina"} {
			readers.Add(1)
			go func() {
				defer readers.Done()
				paths := map[string][]string{
					"olga": {"/api/v1/scores?period=2026-03", "/api/v1/exports/meeting.xlsx?period=2026-03", "/api/v1/matrix?period=2026-03"},
					"dina": {"/api/v1/breaches?period=2026-03", "/api/v1/exports/breaches.xlsx?period=2026-03"},
				}[who]
				for i := 0; ; i++ {
					select {
					case <-done:
						return
					default:
					}
					r := f.do(t, who, "GET", paths[i%len(paths)], "", "")
					if r.status != 200 {
						fail(paths[i%len(paths)] + ": " + r.body)
						return
					}
					reads.Add(1)
				}
			}()
		}
		// Each writer posts every event once; copies of the whole set
		// besides the writers' own would only add duplicates.
		wg.Wait()
		close(done)
		readers.Wait()
		close(failures)
		for msg := range failures {
			t.Errorf("a request failed: %.300s", msg)
		}
		n := int64(len(lines))
		if accepted.Load() != n || duplicates.Load() != (copies-1)*n || other.Load() != 0 {
			t.Errorf("accepted %d, duplicates %d, other %d; want %d, %d, 0", accepted.Load(), duplicates.Load(), other.Load(), n, (copies-1)*n)
		}
		if reads.Load() == 0 {
			t.Error("no read ran beside the writers")
		}
		// Every event once: posting them all again changes nothing.
		r := f.do(t, "ada", "POST", "/api/v1/events", "application/x-ndjson", strings.Join(lines, "\n")+"\n")
		var sum ingest.Summary
		json.Unmarshal([]byte(r.body), &sum)
		if r.status != 200 || sum.Accepted != 0 || int64(sum.Duplicates) != n {
			t.Errorf("posting everything again: %d %+v", r.status, sum)
		}
		var verify struct{ Intact bool }
		if r := f.do(t, "dina", "GET", "/api/v1/audit/verify", "", ""); r.status != 200 || json.Unmarshal([]byte(r.body), &verify) != nil || !verify.Intact {
			t.Errorf("audit verify: %d %s", r.status, r.body)
		}
		t.Logf("%d events posted %d times by %d clients beside %d reads", n, copies, writers, reads.Load())
	})
}
