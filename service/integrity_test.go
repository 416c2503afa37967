package service

import (
	"context"
	"strings"
	"testing"

	"frontline/formats"
	"frontline/ingest"
	"frontline/rbac"
	"frontline/store"
)

// TestHostileInput, on both engines: a NUL or another control character
// in an id or a code, a field in capitals that would override its
// lower-case twin, and a field given twice are each rejected alone, with
// the line, the field and the reason; the lines around them are stored.
func TestHostileInput(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, db *store.DB) {
		loadRegistry(t, db, "../store/testdata/registry.yaml")
		lines := []string{
			`{"id":"Q-1","case":"Q1","type":"opened","at":"2026-06-01T09:00:00+08:00","category":"garbage","street":"S1"}`,
			`{"id":"Q-2\u0000","case":"Q2","type":"opened","at":"2026-06-01T09:00:00+08:00","category":"garbage","street":"S1"}`,
			`{"id":"Q-3","case":"Q\n3","type":"opened","at":"2026-06-01T09:00:00+08:00","category":"garbage","street":"S1"}`,
			`{"id":"Q-4","ID":"Q-1","case":"Q4","type":"opened","at":"2026-06-01T09:00:00+08:00","category":"garbage","street":"S1"}`,
			`{"id":"Q-5","case":"Q5","case":"Q1","type":"opened","at":"2026-06-01T09:00:00+08:00","category":"garbage","street":"S1"}`,
			`{"id":"Q-6","case":"Q6","type":"opened","at":"2026-06-01T09:00:00+08:00","category":"garbage","street":"S1","note":"NUL \u0000 in a note"}`,
			`{"id":"Q-7","case":"Q7","type":"opened","at":"2026-06-01T09:00:00+08:00","category":"garbage","street":"S1","note":"two\nlines"}`,
		}
		var rejects []ingest.Reject
		sum, err := svc.Ingest(context.Background(), rbac.Local(), IngestRequest{Source: "hostile.ndjson",
			Decoder:  formats.NewNDJSONDecoder(strings.NewReader(strings.Join(lines, "\n"))),
			OnReject: func(r ingest.Reject) { rejects = append(rejects, r) }})
		if err != nil {
			t.Fatalf("ingest: %v (the whole batch failed)", err)
		}
		if sum.Accepted != 2 || sum.Rejected != 5 {
			t.Errorf("accepted %d, rejected %d; want 2 and 5", sum.Accepted, sum.Rejected)
		}
		want := []struct {
			line          int
			field, reason string
		}{
			{2, "id", "control character (U+0000)"}, {3, "case", "control character (U+000A)"},
			{4, "ID", `write "id"`}, {5, "case", "given twice"}, {6, "note", "control character (U+0000)"},
		}
		for i, w := range want {
			if i >= len(rejects) || rejects[i].Line != w.line || rejects[i].Field != w.field || !strings.Contains(rejects[i].Reason, w.reason) {
				t.Errorf("reject %d: %+v, want line %d field %s reason %q", i, rejects, w.line, w.field, w.reason)
				break
			}
		}
		for _, id := range []string{"Q1", "Q7"} {
			if _, err := svc.Case(context.Background(), rbac.Local(), id); err != nil {
				t.Errorf("case %s, beside the rejected lines, not stored: %v", id, err)
			}
		}
	})
}
