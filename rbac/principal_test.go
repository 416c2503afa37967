package rbac

import (
	"context"
	"testing"

	"frontline/fault"
)

// TestPrincipal checks that a principal answers as its user's role and
// domain, the local operator as the holder of the database, and an
// unknown or disabled user as no one.
func TestPrincipal(t *testing.T) {
	a, err := New(testUsers())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sam, local := a.Principal("sam"), Local()
	if got := sam.Actor(); got != "sam" {
		t.Errorf("sam's actor = %q", got)
	}
	if got := local.Actor(); got != LocalOperator || !local.IsLocal() || sam.IsLocal() {
		t.Errorf("local actor = %q, IsLocal %v/%v", got, local.IsLocal(), sam.IsLocal())
	}
	if sam.Unit() != "S1" || local.Unit() != "" {
		t.Errorf("units: sam %q, local %q", sam.Unit(), local.Unit())
	}
	tests := []struct {
		name string
		p    Principal
		unit string
		want fault.Kind // -1: allowed
	}{
		{"a head in their street", sam, "S1", -1},
		{"a head in another street", sam, "S2", fault.NotFound},
		{"the local operator anywhere", local, "S2", -1},
		{"an unknown user", a.Principal("nobody"), "S1", fault.Forbidden},
		{"a disabled user", a.Principal("gone"), "", fault.Forbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Authorize(ctx, Read, Resource{Object: "scores", Unit: tt.unit, ID: "x"})
			if tt.want == -1 {
				if err != nil {
					t.Errorf("Authorize = %v, want allowed", err)
				}
				if !tt.p.Sees("scores", tt.unit) {
					t.Errorf("Sees = false, want true")
				}
				return
			}
			if got := fault.KindOf(err); err == nil || got != tt.want {
				t.Errorf("Authorize = %v (%v), want %v", err, got, tt.want)
			}
			if tt.p.Sees("scores", tt.unit) {
				t.Errorf("Sees = true, want false")
			}
		})
	}
	if all, units := sam.Scope(Read, "scores"); all || len(units) != 1 || units[0] != "S1" {
		t.Errorf("sam's scope = %v %v, want S1", all, units)
	}
	if all, _ := local.Scope(Write, "users"); !all {
		t.Errorf("the local operator's scope is not everything")
	}
}
