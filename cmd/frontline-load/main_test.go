package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"frontline/api"
	"frontline/evaluation"
	"frontline/formats"
	"frontline/rbac"
	"frontline/service"
	"frontline/store"
	"frontline/store/storetest"
)

// TestLoadAgainstARealServer runs both modes against the API on a real
// database: the figures it prints are the server's answers, counted.
func TestLoadAgainstARealServer(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2027, 1, 15, 4, 0, 0, 0, time.UTC)
	db, err := store.Open(ctx, storetest.SQLite(t), store.WithPolicyFormat(formats.ParsePolicies), store.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f, err := os.Open("../../store/testdata/registry.yaml")
	if err != nil {
		t.Fatal(err)
	}
	reg, err := formats.ParseRegistry(f, "yaml", nil)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.LoadRegistry(ctx, reg, store.OriginRegistry); err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{}
	for _, u := range []rbac.User{{Name: "olga", Role: rbac.OrgAssessor}, {Name: "dina", Role: rbac.DisciplineInspector}, {Name: "bot", Role: rbac.Dispatch}, {Name: "ada", Role: rbac.Admin}} {
		if err := db.AddUser(ctx, u, ""); err != nil {
			t.Fatal(err)
		}
		token, id, hash := rbac.NewToken()
		if err := db.AddToken(ctx, u.Name, id, hash, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		tokens[u.Name] = token
	}
	srv := api.New(service.New(db, evaluation.NewPseudonymizer([]byte("test key 0123456")), func() time.Time { return now }), slog.New(slog.DiscardHandler), func() time.Time { return now }, api.Config{})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	events := filepath.Join(t.TempDir(), "events.ndjson")
	worked, err := os.ReadFile("../../store/testdata/worked.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(events, worked, 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"ingest", "--url", ts.URL, "--token", tokens["bot"], "--events", events, "--batch", "5", "--json", "--metrics-token", tokens["ada"]}, &out); err != nil {
		t.Fatal(err)
	}
	var r report
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if r.Events != 16 || r.Requests != 4 || r.Errors != 0 || r.RSSAfterMB <= 0 {
		t.Errorf("ingest: %+v, want 16 events in 4 requests", r)
	}

	out.Reset()
	args := []string{"reads", "--url", ts.URL, "--token", tokens["olga"], "--case-token", tokens["dina"], "--period", "2026-06",
		"--duration", "300ms", "--workers", "2", "--json", "--metrics-token", tokens["ada"]}
	if err := run(ctx, args, &out); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if r.Requests == 0 || r.Errors != 0 || r.Status["200"] != int(r.Requests) || r.P99ms <= 0 {
		t.Errorf("reads: %+v, want requests all answered 200", r)
	}

	// A token that may not read scores is an error, not a run of 403s.
	if err := run(ctx, []string{"reads", "--url", ts.URL, "--token", tokens["dina"], "--period", "2026-06", "--metrics-token", tokens["ada"]}, &out); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("reads with the inspector's token for scores: %v", err)
	}
}
