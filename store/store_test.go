package store

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"frontline/evaluation"
	"frontline/fault"
	"frontline/formats"
	"frontline/ingest"
	"frontline/store/storetest"
	"frontline/synth"
)

// fixedNow is the clock of every test database.
var fixedNow = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)

// forEachDB runs f against a fresh database on every engine.
func forEachDB(t *testing.T, f func(t *testing.T, db *DB)) {
	t.Helper()
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) { f(t, openTestDB(t, dsn)) })
}

func openTestDB(t *testing.T, dsn string) *DB {
	t.Helper()
	db, err := Open(context.Background(), dsn, WithPolicyFormat(formats.ParsePolicies), WithClock(func() time.Time { return fixedNow }))
	if err != nil {
		t.Fatalf("open %s: %v", EngineOf(dsn), err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func loadRegistry(t *testing.T, db *DB, path string) RegistryResult {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	reg, err := formats.ParseRegistry(f, formats.RegistryFormat(path), func(string) bool { return false })
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	res, err := db.LoadRegistry(context.Background(), reg, OriginRegistry)
	if err != nil {
		t.Fatalf("load registry: %v", err)
	}
	return res
}

func ingestString(t *testing.T, db *DB, ndjson string, batch int) ingest.Summary {
	t.Helper()
	in := &ingest.Ingester{Store: db, Pseudo: evaluation.NewPseudonymizer([]byte("test key 0123456")), BatchSize: batch}
	sum, err := in.Run(context.Background(), formats.NewNDJSONDecoder(strings.NewReader(ndjson)))
	if err != nil {
		t.Fatalf("ingest: %v", err)
	}
	return sum
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestOpenMigratesTwice(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		// Opening again runs no migration twice and keeps the data.
		loadRegistry(t, db, "testdata/registry.yaml")
		if err := db.migrate(context.Background()); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		counts, err := db.Counts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if counts["units"] != 4 {
			t.Errorf("units after second migrate = %d, want 4", counts["units"])
		}
	})
}

func TestLoadRegistryUpsertKeepsHistory(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		got := loadRegistry(t, db, "testdata/registry.yaml")
		want := RegistryResult{Units: RegistryCounts{Added: 4}, Categories: RegistryCounts{Added: 2},
			Cadres: RegistryCounts{Added: 2}, Tenures: RegistryCounts{Added: 2}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("first load (-want +got):\n%s", diff)
		}
		// A second file renames one unit, ends a tenure and leaves out D2.
		reg := &evaluation.Registry{
			Units: []evaluation.Unit{
				{Code: "S1", Kind: evaluation.Street, Name: evaluation.Name{Zh: "鼓东街道", En: "Gudong Street"}},
				{Code: "D1", Kind: evaluation.Department, Name: evaluation.Name{Zh: "城市管理局", En: "City Management Bureau"}},
			},
			Tenures: []evaluation.Tenure{{Cadre: "K002", Unit: "D1", Role: "head",
				From: mustDate(t, "2026-01-01"), To: mustDate(t, "2026-09-30")}},
		}
		got, err := db.LoadRegistry(ctx, reg, OriginRegistry)
		if err != nil {
			t.Fatal(err)
		}
		want = RegistryResult{Units: RegistryCounts{Changed: 1, Unchanged: 1}, Tenures: RegistryCounts{Changed: 1}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("reload (-want +got):\n%s", diff)
		}
		stored, err := db.Registry(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(stored.Units) != 4 {
			t.Errorf("units after reload = %d, want 4 (a reload never deletes)", len(stored.Units))
		}
		for _, u := range stored.Units {
			if u.Code == "D1" && u.Name.Zh != "城市管理局" {
				t.Errorf("D1 name = %q, want the new name", u.Name.Zh)
			}
		}
		var changes []registryChangeRow
		if err := db.bun.NewSelect().Model(&changes).Order("seq").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		var old []string
		for _, c := range changes {
			if c.Old != "" {
				old = append(old, c.Entity+" "+c.Key)
				if !strings.Contains(c.Old, "城管局") && c.Entity == "unit" {
					t.Errorf("change of %s keeps old value %s, want the old name", c.Key, c.Old)
				}
			}
		}
		if diff := cmp.Diff([]string{"unit D1", "tenure K002/D1/2026-01-01"}, old); diff != "" {
			t.Errorf("recorded changes (-want +got):\n%s", diff)
		}
	})
}

func mustDate(t *testing.T, s string) evaluation.Date {
	t.Helper()
	d, err := evaluation.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestIngestIdempotentAndConflicts(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		loadRegistry(t, db, "testdata/registry.yaml")
		events := readFile(t, "testdata/worked.ndjson")
		got := ingestString(t, db, events, 5)
		if got.Read != 16 || got.Accepted != 16 {
			t.Fatalf("first ingest = %+v, want 16 read and accepted", got)
		}
		got = ingestString(t, db, events, 5)
		if got.Duplicates != 16 || got.Accepted != 0 {
			t.Errorf("re-ingest = %+v, want 16 duplicates", got)
		}
		// Same id, other content: a conflict, and the stored event is unchanged.
		changed := strings.Replace(strings.SplitN(events, "\n", 2)[0], `"S1"`, `"S1C1"`, 1)
		got = ingestString(t, db, changed+"\n", 5)
		if got.Conflicts != 1 || len(got.Errors) != 1 || got.Errors[0].ID != "W-01" {
			t.Errorf("conflicting ingest = %+v, want one conflict on W-01", got)
		}
		// The same instant written in another offset is the same content.
		sameInstant := strings.Replace(strings.SplitN(events, "\n", 2)[0], "2026-06-01T09:00:00+08:00", "2026-06-01T01:00:00Z", 1)
		got = ingestString(t, db, sameInstant+"\n", 5)
		if got.Duplicates != 1 {
			t.Errorf("same instant in UTC = %+v, want a duplicate", got)
		}
		v, err := db.Case(context.Background(), "W1")
		if err != nil {
			t.Fatal(err)
		}
		if v.Case.Street != "S1" {
			t.Errorf("W1 street = %q after a conflict, want S1 kept", v.Case.Street)
		}
	})
}

func TestWorkedExampleMilestones(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		loadRegistry(t, db, "testdata/registry.yaml")
		ingestString(t, db, readFile(t, "testdata/worked.ndjson"), 100)
		at := func(s string) time.Time {
			tm, err := time.Parse(time.RFC3339, s)
			if err != nil {
				t.Fatal(err)
			}
			return tm.UTC()
		}
		v, err := db.Case(context.Background(), "W2")
		if err != nil {
			t.Fatal(err)
		}
		wantCase := evaluation.Case{ID: "W2", OpenedAt: at("2026-06-18T16:00:00+08:00"), Category: "road", Street: "S1",
			Satisfaction: "dissatisfied", RatedAt: at("2026-06-22T18:00:00+08:00"), Revisits: 1, InPlace: ptr(true),
			RevisitedAt: at("2026-06-23T09:00:00+08:00"), Events: 7, LastEventAt: at("2026-06-23T09:00:00+08:00")}
		if diff := cmp.Diff(wantCase, v.Case); diff != "" {
			t.Errorf("W2 case (-want +got):\n%s", diff)
		}
		wantAssign := []evaluation.Assignment{{Case: "W2", Unit: "D2", Role: "lead", By: "S1",
			DispatchedAt: at("2026-06-18T16:45:00+08:00"), RespondedAt: at("2026-06-18T17:00:00+08:00"),
			ReportedAt: at("2026-06-18T17:40:00+08:00"), ResolvedAt: at("2026-06-22T16:00:00+08:00"), Resolutions: 1}}
		if diff := cmp.Diff(wantAssign, v.Assignments); diff != "" {
			t.Errorf("W2 assignments (-want +got):\n%s", diff)
		}
		w1, err := db.Case(context.Background(), "W1")
		if err != nil {
			t.Fatal(err)
		}
		a := w1.Assignments[0]
		if a.CallAccurate == nil || !*a.CallAccurate || a.CallScore == nil || *a.CallScore != 5 || a.ResponseScore == nil || *a.ResponseScore != 4 {
			t.Errorf("W1 evaluations = accurate %v call %v response %v, want true 5 4", a.CallAccurate, a.CallScore, a.ResponseScore)
		}
		if _, err := db.Case(context.Background(), "nope"); fault.KindOf(err) != fault.NotFound {
			t.Errorf("unknown case error = %v, want kind not found", err)
		}
	})
}

func ptr[T any](v T) *T { return &v }

func TestQuarantineReleasedWhenRegistryLearnsCode(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		loadRegistry(t, db, "testdata/registry.yaml")
		events := `{"id":"Q-1","case":"Q1","type":"opened","at":"2026-06-01T09:00:00+08:00","category":"garbage","street":"S9","reporter":"13800000000"}
{"id":"Q-2","case":"Q1","type":"dispatched","at":"2026-06-01T09:05:00+08:00","unit":"D1","by":"S9"}
{"id":"Q-3","case":"Q1","type":"responded","at":"2026-06-01T09:06:00+08:00","unit":"D1"}
`
		got := ingestString(t, db, events, 10)
		if got.Quarantined != 2 || got.Accepted != 1 {
			t.Fatalf("ingest = %+v, want 2 quarantined and 1 accepted", got)
		}
		list, total, err := db.QuarantineList(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if total != 2 || list[0].Missing[0] != "unit:S9" {
			t.Errorf("quarantine = %d %+v, want 2 naming unit:S9", total, list)
		}
		// Sending the same events again while the code is still unknown is a duplicate.
		if got := ingestString(t, db, events, 10); got.Duplicates != 3 {
			t.Errorf("re-ingest during quarantine = %+v, want 3 duplicates", got)
		}
		reg := &evaluation.Registry{Units: []evaluation.Unit{{Code: "S9", Kind: evaluation.Street, Name: evaluation.Name{Zh: "新街道"}}}}
		if _, err := db.LoadRegistry(ctx, reg, OriginRegistry); err != nil {
			t.Fatal(err)
		}
		in := &ingest.Ingester{Store: db, Pseudo: evaluation.NewPseudonymizer([]byte("test key 0123456"))}
		released, err := in.Release(ctx)
		if err != nil || released != 2 {
			t.Fatalf("release = %d, %v; want 2", released, err)
		}
		v, err := db.Case(ctx, "Q1")
		if err != nil {
			t.Fatal(err)
		}
		if v.Case.Street != "S9" || len(v.Assignments) != 1 || v.Assignments[0].By != "S9" || v.Case.Events != 3 {
			t.Errorf("case after release = %+v %+v, want street S9 called D1", v.Case, v.Assignments)
		}
		if strings.Contains(v.Trail[0].Reporter, "13800000000") || v.Trail[0].Reporter == "" {
			t.Errorf("reporter stored as %q, want a pseudonym", v.Trail[0].Reporter)
		}
		if _, total, _ := db.QuarantineList(ctx, 10); total != 0 {
			t.Errorf("quarantine after release holds %d, want 0", total)
		}
		if got := ingestString(t, db, events, 10); got.Duplicates != 3 {
			t.Errorf("re-ingest after release = %+v, want 3 duplicates", got)
		}
	})
}

// TestArrivalOrderDoesNotMatter ingests the same trails in shuffled orders
// and batch sizes, and checks that the derived state and a full rebuild
// agree with an in-order ingest.
func TestArrivalOrderDoesNotMatter(t *testing.T) {
	lines := strings.Split(strings.TrimSpace(readFile(t, "testdata/worked.ndjson")), "\n")
	var want map[string]*CaseView
	forEachDB(t, func(t *testing.T, db *DB) {
		loadRegistry(t, db, "testdata/registry.yaml")
		ingestString(t, db, strings.Join(lines, "\n"), 100)
		ref := snapshot(t, db)
		if want == nil {
			want = ref
		} else if diff := cmp.Diff(want, ref); diff != "" {
			t.Errorf("engines disagree (-sqlite +this):\n%s", diff)
		}
		for seed := range uint64(5) {
			t.Run("", func(t *testing.T) {
				fresh := openLike(t, db)
				loadRegistry(t, fresh, "testdata/registry.yaml")
				shuffled := append([]string(nil), lines...)
				r := rand.New(rand.NewPCG(seed, 42))
				r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
				ingestString(t, fresh, strings.Join(shuffled, "\n"), 1+int(seed))
				if diff := cmp.Diff(ref, snapshot(t, fresh)); diff != "" {
					t.Errorf("shuffled (seed %d) differs (-in order +shuffled):\n%s", seed, diff)
				}
				if _, err := fresh.Rebuild(context.Background()); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(ref, snapshot(t, fresh)); diff != "" {
					t.Errorf("rebuild differs (-ingested +rebuilt):\n%s", diff)
				}
			})
		}
	})
}

// openLike opens another empty database on the same engine as db.
func openLike(t *testing.T, db *DB) *DB {
	t.Helper()
	if db.engine == Postgres {
		return openTestDB(t, storetest.Postgres(t, os.Getenv(storetest.PostgresEnv)))
	}
	return openTestDB(t, storetest.SQLite(t))
}

func snapshot(t *testing.T, db *DB) map[string]*CaseView {
	t.Helper()
	var ids []string
	if err := db.bun.NewSelect().Model((*caseRow)(nil)).Column("id").Scan(context.Background(), &ids); err != nil {
		t.Fatal(err)
	}
	out := map[string]*CaseView{}
	for _, id := range ids {
		v, err := db.Case(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		out[id] = v
	}
	return out
}

// TestSameContentOtherEncodingIsDuplicate covers events stored by an
// earlier version whose canonical encoding (and so hash) differed: equal
// content is still a duplicate, not a conflict.
func TestSameContentOtherEncodingIsDuplicate(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		loadRegistry(t, db, "testdata/registry.yaml")
		events := readFile(t, "testdata/worked.ndjson")
		ingestString(t, db, events, 100)
		// Pretend W-01 and W-02 were stored with another encoding.
		if _, err := db.bun.NewUpdate().Table("events").Set("hash = ?", []byte("older encoding")).
			Where("id IN (?)", bun.In([]string{"W-01", "W-02"})).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		got := ingestString(t, db, events, 100)
		if got.Duplicates != 16 || got.Conflicts != 0 {
			t.Errorf("re-ingest = %+v, want 16 duplicates", got)
		}
		changed := strings.Replace(strings.SplitN(events, "\n", 2)[0], `"S1"`, `"S1C1"`, 1)
		if got := ingestString(t, db, changed, 100); got.Conflicts != 1 {
			t.Errorf("changed content = %+v, want a conflict", got)
		}
	})
}

// TestSQLitePathWithURICharacters opens files whose names hold the
// characters that end a URI path.
func TestSQLitePathWithURICharacters(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a#b.db", "c?d.db", "e%20f.db"} {
		db := openTestDB(t, filepath.Join(dir, name))
		loadRegistry(t, db, "testdata/registry.yaml")
		db.Close()
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("database %q not created where asked: %v", name, err)
		}
	}
}

// TestIngestRechecksRulesUnderTheLock: a batch prepared with rules that
// changed before it took the write lock is refused, and the retry uses
// the current rules.
func TestIngestRechecksRulesUnderTheLock(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		loadRegistry(t, db, "testdata/registry.yaml")
		rules, stamp, err := db.rulesWithStamp(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// Another process loads a stricter policy in between.
		stricter := strings.Replace(string(formats.DefaultPolicyYAML), "effective: 2000-01-01", "effective: 2026-01-01", 1)
		stricter = strings.Replace(stricter, "A: {respond: 10m, dispose: 4h}", "A: {respond: 4m, dispose: 4h}", 1)
		storePolicy(t, db, stricter)
		err = db.begin(ctx, stamp, durable, func(tx batchTx) error {
			_, _, err := db.ingestIn(tx, nil, rules, nil, false, nil, false)
			return err
		})
		if !errors.Is(err, errRulesChanged) {
			t.Errorf("ingest with stale rules: %v, want errRulesChanged", err)
		}
		if got := ingestString(t, db, readFile(t, "testdata/worked.ndjson"), 100); got.Accepted != 16 {
			t.Errorf("ingest after the change = %+v", got)
		}
		// The retry used the stricter policy: W1's response after 5 minutes is late.
		june, _ := evaluation.ParsePeriod("2026-06", time.UTC)
		if ids := breachIDs(t, db, evaluation.Period{From: june.From.Add(-8 * time.Hour), To: june.To}, time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), "D1"); len(ids) == 0 || ids[0] != "W1/D1/respond" {
			t.Errorf("D1's breaches = %v, want W1's response under the 4-minute limit", ids)
		}
	})
}

// synthLines generates a synthetic district: its registry and its events
// as NDJSON lines.
func synthLines(t *testing.T, cfg synth.Config) (*evaluation.Registry, []string) {
	t.Helper()
	var lines []string
	if _, err := synth.Generate(cfg, func(e *evaluation.Event) error {
		b, err := json.Marshal(e)
		lines = append(lines, string(b))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return synth.District(cfg), lines
}

// TestSyntheticTrailsInAnyOrder ingests a synthetic district — returns,
// rulings, reopenings, appeals, evaluations — in time order and shuffled
// in small batches, and checks every case comes out the same, and the
// same again after a rebuild.
func TestSyntheticTrailsInAnyOrder(t *testing.T) {
	reg, lines := synthLines(t, synth.Config{Cases: 300, Seed: 5})
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		if _, err := db.LoadRegistry(ctx, reg, OriginRegistry); err != nil {
			t.Fatal(err)
		}
		ingestString(t, db, strings.Join(lines, "\n"), 0)
		want := snapshot(t, db)
		fresh := openLike(t, db)
		if _, err := fresh.LoadRegistry(ctx, reg, OriginRegistry); err != nil {
			t.Fatal(err)
		}
		shuffled := slices.Clone(lines)
		r := rand.New(rand.NewPCG(9, 9))
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		ingestString(t, fresh, strings.Join(shuffled, "\n"), 97)
		if diff := cmp.Diff(want, snapshot(t, fresh)); diff != "" {
			t.Errorf("shuffled ingest differs (-in order +shuffled):\n%s", diff)
		}
		if _, err := fresh.Rebuild(ctx); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, snapshot(t, fresh)); diff != "" {
			t.Errorf("rebuild differs (-ingested +rebuilt):\n%s", diff)
		}
	})
}

// TestCaseViewFollowsChanges: a case read again after an event arrives,
// or after another handle (another process) rebuilt with a new policy,
// shows the change, though case views are kept in memory.
func TestCaseViewFollowsChanges(t *testing.T) {
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		reader, other := openTestDB(t, dsn), openTestDB(t, dsn)
		loadRegistry(t, reader, "testdata/registry.yaml")
		lines := strings.Split(strings.TrimSpace(readFile(t, "testdata/worked.ndjson")), "\n")
		ingestString(t, reader, strings.Join(lines[:3], "\n"), 100) // W1 opened, dispatched, responded
		respondDue := func() (time.Time, int) {
			t.Helper()
			v, err := reader.Case(ctx, "W1")
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range v.Deadlines {
				if d.Milestone == evaluation.Respond {
					return d.Due, len(v.Trail)
				}
			}
			t.Fatalf("W1 has no respond deadline: %+v", v.Deadlines)
			return time.Time{}, 0
		}
		due, events := respondDue()
		if again, _ := respondDue(); !again.Equal(due) || events != 3 {
			t.Fatalf("W1 read twice: %v then %v, %d events", due, again, events)
		}
		ingestString(t, other, lines[3], 100) // resolved, through the other handle
		if _, n := respondDue(); n != 4 {
			t.Errorf("W1 after a fourth event shows %d events", n)
		}
		stricter := strings.Replace(string(formats.DefaultPolicyYAML), "effective: 2000-01-01", "effective: 2026-01-01", 1)
		stricter = strings.Replace(stricter, "A: {respond: 10m, dispose: 4h}", "A: {respond: 4m, dispose: 4h}", 1)
		storePolicy(t, other, stricter)
		if _, err := other.Rebuild(ctx); err != nil {
			t.Fatal(err)
		}
		if now, _ := respondDue(); now.Sub(due) != -6*time.Minute {
			t.Errorf("W1's response due %v after the rebuild, want 6 minutes before %v", now, due)
		}
	})
}

// TestLargeBatchMeetingStoredIDs: a large batch after one that found
// nothing stored is written without looking its ids up; when some are
// stored after all (duplicates, one conflict), the batch is written again
// with the look-up, and says so per event, the derived rows exact.
func TestLargeBatchMeetingStoredIDs(t *testing.T) {
	reg, lines := synthLines(t, synth.Config{Cases: 500, Seed: 23})
	if len(lines) < 3*optimisticBatch {
		t.Fatalf("%d events: too few for two large batches", len(lines))
	}
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		if _, err := db.LoadRegistry(ctx, reg, OriginRegistry); err != nil {
			t.Fatal(err)
		}
		first := lines[:len(lines)/2]
		if got := ingestString(t, db, strings.Join(first, "\n"), len(lines)); got.Accepted != len(first) {
			t.Fatalf("first half = %+v", got)
		}
		if db.foundStored.Load() {
			t.Fatal("a fresh batch was looked up: the optimistic path was not taken")
		}
		// The second half with the first half's last 300 events again,
		// one of them changed.
		again := slices.Clone(lines[len(first)-300:])
		var changed map[string]any
		if err := json.Unmarshal([]byte(again[0]), &changed); err != nil {
			t.Fatal(err)
		}
		at, err := time.Parse(time.RFC3339, changed["at"].(string))
		if err != nil {
			t.Fatal(err)
		}
		changed["at"] = at.Add(time.Second).Format(time.RFC3339)
		b, err := json.Marshal(changed)
		if err != nil {
			t.Fatal(err)
		}
		again[0] = string(b)
		got := ingestString(t, db, strings.Join(again, "\n"), len(lines))
		want := len(lines) - len(first)
		if got.Accepted != want || got.Duplicates != 299 || got.Conflicts != 1 {
			t.Errorf("second batch = accepted %d, duplicates %d, conflicts %d; want %d, 299, 1", got.Accepted, got.Duplicates, got.Conflicts, want)
		}
		if !db.foundStored.Load() {
			t.Error("the batch that met stored ids did not leave the next one looking them up")
		}
		counts, err := db.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if counts["events"] != len(lines) {
			t.Errorf("events stored = %d, want %d", counts["events"], len(lines))
		}
		if _, n, problem, err := db.VerifyEvents(ctx); err != nil || problem != nil || n != int64(len(lines)) {
			t.Errorf("event chain after the retried batch: %d events, %v, %v", n, problem, err)
		}
		sameAsRebuilt(t, db, "derived rows after the retried batch")
	})
}

// TestRunDerivesEachCaseOnce: a run of small batches leaves its cases'
// derived rows for later batches and says at its end what a rebuild says;
// a run that stops between batches leaves its waiting cases listed, and
// opening the database derives them; an event written between a run's
// batches by someone else is in the derived rows too.
func TestRunDerivesEachCaseOnce(t *testing.T) {
	reg, lines := synthLines(t, synth.Config{Cases: 300, Seed: 29})
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		if _, err := db.LoadRegistry(ctx, reg, OriginRegistry); err != nil {
			t.Fatal(err)
		}
		pseudo := evaluation.NewPseudonymizer([]byte("test key 0123456"))
		prepare := func(part []string) []ingest.Prepared {
			codes, err := db.Codes(ctx)
			if err != nil {
				t.Fatal(err)
			}
			out := make([]ingest.Prepared, 0, len(part))
			for i, line := range part {
				var e evaluation.Event
				if err := json.Unmarshal([]byte(line), &e); err != nil {
					t.Fatal(err)
				}
				pseudo.Apply(&e)
				p, err := ingest.Seal(i+1, e, codes)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, p)
			}
			return out
		}
		underived := func() int {
			var n int
			if err := db.sql.QueryRowContext(ctx, "SELECT count(*) FROM underived").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		// Half the events in batches of 100, the run stopping before its end.
		run := db.NewRun()
		half := len(lines) / 2
		for start := 0; start < half; start += 100 {
			if _, err := run.IngestBatch(ctx, prepare(lines[start:min(start+100, half)]), nil, false); err != nil {
				t.Fatal(err)
			}
		}
		// The run's batches committed lazily; the writer is back to syncing.
		if db.engine == SQLite {
			var level int
			if err := db.sql.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&level); err != nil || level != 2 {
				t.Errorf("after a run's lazy commits the writer's synchronous = %d (%v), want 2 (FULL)", level, err)
			}
		}
		waiting := underived()
		if waiting == 0 {
			t.Fatal("a run of small batches left no case waiting: the test would not check waiting cases")
		}
		var stale int
		if err := db.sql.QueryRowContext(ctx, "SELECT count(DISTINCT e.case_id) FROM events AS e LEFT JOIN cases AS c ON c.id = e.case_id WHERE c.id IS NULL").Scan(&stale); err != nil {
			t.Fatal(err)
		}
		if stale == 0 {
			t.Error("every stored case is derived while the run's cases wait")
		}
		// The database opened again derives what was left.
		dsn := db.path
		if db.engine == Postgres {
			dsn = db.dsn
		}
		reopened := openTestDB(t, dsn)
		if n := underived(); n != 0 {
			t.Errorf("%d cases still listed underived after the database was opened again", n)
		}
		sameAsRebuilt(t, reopened, "cases derived at opening")

		// The rest in a second run, with one event written between two of
		// its batches by an ingest of its own, to a case the run has waiting.
		run = reopened.NewRun()
		rest := lines[half:]
		for start := 0; start < len(rest); start += 100 {
			part := slices.Clone(rest[start:min(start+100, len(rest))])
			if start == 300 {
				i := slices.IndexFunc(part, func(line string) bool {
					var e evaluation.Event
					return json.Unmarshal([]byte(line), &e) == nil && run.(*Run).pending[e.Case] > 0
				})
				if i < 0 {
					t.Fatal("no event of a waiting case in the batch: the test would not write one outside the run")
				}
				if _, err := reopened.IngestBatch(ctx, prepare(part[i:i+1]), nil); err != nil {
					t.Fatal(err)
				}
				part = slices.Delete(part, i, i+1)
			}
			if _, err := run.IngestBatch(ctx, prepare(part), nil, start+100 >= len(rest)); err != nil {
				t.Fatal(err)
			}
		}
		if n := underived(); n != 0 {
			t.Errorf("%d cases listed underived after the run's last batch", n)
		}
		sameAsRebuilt(t, reopened, "cases derived by the runs")
	})
}

// sameAsRebuilt checks that every case's view is what a rebuild makes it.
func sameAsRebuilt(t *testing.T, db *DB, what string) {
	t.Helper()
	before := snapshot(t, db)
	if _, err := db.Rebuild(context.Background()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, snapshot(t, db)); diff != "" {
		t.Errorf("%s differ from a rebuild:\n%s", what, diff)
	}
}

// TestLargeRunTidiesPostgres: a run that stores many events vacuums and
// analyzes the tables it churned when PostgreSQL's autovacuum is off, and
// leaves them to the server when it is on.
func TestLargeRunTidiesPostgres(t *testing.T) {
	reg, lines := synthLines(t, synth.Config{Cases: 120, Seed: 31})
	defer func(n int) { tidyAfter = n }(tidyAfter)
	tidyAfter = len(lines) / 2
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		if _, err := db.LoadRegistry(ctx, reg, OriginRegistry); err != nil {
			t.Fatal(err)
		}
		ingestString(t, db, strings.Join(lines, "\n"), 200)
		if db.engine != Postgres {
			return
		}
		var autovacuum string
		var vacuumed bool
		if err := db.sql.QueryRowContext(ctx, "SELECT current_setting('autovacuum')").Scan(&autovacuum); err != nil {
			t.Fatal(err)
		}
		if err := db.sql.QueryRowContext(ctx, "SELECT last_vacuum IS NOT NULL AND last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = 'cases'").Scan(&vacuumed); err != nil {
			t.Fatal(err)
		}
		if want := autovacuum == "off"; vacuumed != want {
			t.Errorf("autovacuum %s: cases vacuumed and analyzed by the run = %v, want %v", autovacuum, vacuumed, want)
		}
	})
}
