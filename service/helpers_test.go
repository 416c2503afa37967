package service

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"frontline/audit"
	"frontline/evaluation"
	"frontline/formats"
	"frontline/ingest"
	"frontline/rbac"
	"frontline/store"
	"frontline/store/storetest"
	"frontline/synth"
)

// testNow is the clock of the services the tests run.
var testNow = time.Date(2027, 1, 15, 12, 0, 0, 0, time.UTC)

// forEachService runs f with a service over a fresh database of each engine.
func forEachService(t *testing.T, f func(t *testing.T, svc *Service, db *store.DB)) {
	t.Helper()
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		svc, db := openService(t, dsn)
		f(t, svc, db)
	})
}

// openService opens the service over the database dsn names.
func openService(t *testing.T, dsn string) (*Service, *store.DB) {
	t.Helper()
	db, err := store.Open(context.Background(), dsn, store.WithPolicyFormat(formats.ParsePolicies), store.WithClock(func() time.Time { return testNow }))
	if err != nil {
		t.Fatalf("open %s: %v", store.EngineOf(dsn), err)
	}
	t.Cleanup(func() { db.Close() })
	return &Service{DB: db, Pseudo: testPseudonymizer, Now: func() time.Time { return testNow }}, db
}

var testPseudonymizer = evaluation.NewPseudonymizer([]byte("test key 0123456"))

func loadRegistry(t *testing.T, db *store.DB, path string) {
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
	if _, err := db.LoadRegistry(context.Background(), reg, store.OriginRegistry); err != nil {
		t.Fatalf("load registry: %v", err)
	}
}

func ingestString(t *testing.T, db *store.DB, ndjson string, batch int) ingest.Summary {
	t.Helper()
	in := &ingest.Ingester{Store: db, Pseudo: testPseudonymizer, BatchSize: batch}
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

// benchDistrict generates a synthetic district of so many cases: its
// registry and its events as NDJSON.
func benchDistrict(b testing.TB, cases int) (*evaluation.Registry, []byte) {
	b.Helper()
	cfg := synth.Config{Cases: cases, Seed: 1}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	if _, err := synth.Generate(cfg, func(e *evaluation.Event) error { return enc.Encode(e) }); err != nil {
		b.Fatal(err)
	}
	return synth.District(cfg), buf.Bytes()
}

// auditActions returns the audit entries of one action.
func auditActions(t *testing.T, db *store.DB, action string) []audit.Entry {
	t.Helper()
	var out []audit.Entry
	if err := db.AuditEntries(context.Background(), store.AuditFilter{Action: action}, func(e audit.Entry) error {
		out = append(out, e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// roles decides for one user of each role, over the worked example's
// units: ada (admin), olga (assessor), dina (inspector), sam (head of
// street S1), dana (head of department D2), bot (dispatch).
func roles(t *testing.T) *rbac.Authorizer {
	t.Helper()
	authz, err := rbac.New([]rbac.User{{Name: "ada", Role: rbac.Admin}, {Name: "olga", Role: rbac.OrgAssessor},
		{Name: "dina", Role: rbac.DisciplineInspector}, {Name: "sam", Role: rbac.StreetHead, Unit: "S1"},
		{Name: "dana", Role: rbac.DeptHead, Unit: "D2"}, {Name: "bot", Role: rbac.Dispatch}})
	if err != nil {
		t.Fatal(err)
	}
	return authz
}
