package service

import (
	"context"
	"strings"
	"testing"

	"frontline/fault"
	"frontline/rbac"
	"frontline/store"
)

// TestLoadPolicy: a policy file that cannot be read is refused as
// invalid, naming what is wrong, and nothing is stored; one that can is
// in force from its effective date, and its load is audited.
func TestLoadPolicy(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, db *store.DB) {
		ctx := context.Background()
		_, _, err := svc.LoadPolicy(ctx, rbac.Local(), []byte("effective: 2026-06-01\nclasses: {A: {respond: soon}}\n"), "bad.yaml")
		if fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), "soon") {
			t.Errorf("invalid policy: %v, want kind invalid naming the limit", err)
		}
		if sources, _ := db.PolicySources(ctx); len(sources) != 0 {
			t.Errorf("a refused policy was stored: %q", sources)
		}
		p, _, err := svc.LoadPolicy(ctx, rbac.Local(), []byte("effective: 2026-06-01\nclasses: {A: {respond: 4m, dispose: 4h}}\n"), "new.yaml")
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := svc.PolicyAt(ctx, rbac.Local(), testNow)
		if err != nil || got.Effective != p.Effective {
			t.Errorf("policy in force = %v (%v), want the one loaded, effective %s", got, err, p.Effective)
		}
		entries := auditActions(t, db, "policy.load")
		if len(entries) != 1 || entries[0].Object != "new.yaml" {
			t.Errorf("audited policy loads = %+v, want one, of new.yaml", entries)
		}
	})
}
