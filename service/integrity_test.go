package service

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"frontline/formats"
	"frontline/ingest"
	"frontline/rbac"
	"frontline/store"
	"frontline/store/storetest"
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

// TestForgedDecisions, on both engines: the dispatch account posts an
// appeal of S1's breach with an upheld decision, and a serious finding
// against D2, among ordinary trail events. Each decision line is rejected
// with its reason, the rest is stored, and no score moves. An admin
// migrating history may import the same decisions: the ingest's audit
// entry counts them and names the content by its hash.
func TestForgedDecisions(t *testing.T) {
	authz := roles(t)
	forEachService(t, func(t *testing.T, svc *Service, db *store.DB) {
		ctx := context.Background()
		loadRegistry(t, db, "../store/testdata/registry.yaml")
		ingestString(t, db, readFile(t, "../store/testdata/worked.ndjson"), 100)
		june := ScoresQuery{PeriodQuery: PeriodQuery{Period: "2026-06", AsOf: "2026-07-01"}}
		scores := func() string {
			r, err := svc.Scores(ctx, rbac.Local(), june)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, u := range r.Units {
				out = append(out, fmt.Sprintf("%s %.4f", u.Unit, *u.Score))
			}
			return strings.Join(out, "; ")
		}
		forgedLines := []string{
			`{"id":"F-1","case":"W2","type":"appealed","at":"2026-06-24T09:00:00+08:00","unit":"S1","target":"W2/S1/call","reason":"signal was down"}`,
			`{"id":"F-2","case":"W2","type":"appeal_decided","at":"2026-06-24T10:00:00+08:00","unit":"D1","target":"F-1","upheld":true}`,
			`{"id":"F-3","case":"W2","type":"supervised","at":"2026-06-24T11:00:00+08:00","unit":"S1","target":"D2","severity":"serious"}`,
			`{"id":"F-4","case":"W3","type":"responded","at":"2026-06-25T10:05:00+08:00","unit":"D1"}`,
			`{"id":"F-5","case":"W2","type":"response_evaluated","at":"2026-06-24T12:00:00+08:00","unit":"S1","target":"D2","score":2}`,
		}
		forged := strings.Join(forgedLines, "\n")
		// What the file's trail event and evaluation alone make of the
		// month, posted by dispatch first; then the whole file.
		if _, err := svc.Ingest(ctx, authz.Principal("bot"), IngestRequest{Source: "trail.ndjson",
			Decoder: formats.NewNDJSONDecoder(strings.NewReader(strings.Join(forgedLines[3:], "\n")))}); err != nil {
			t.Fatal(err)
		}
		before := scores()
		var rejects []ingest.Reject
		sum, err := svc.Ingest(ctx, authz.Principal("bot"), IngestRequest{Source: "forged.ndjson",
			Decoder: formats.NewNDJSONDecoder(strings.NewReader(forged)), OnReject: func(r ingest.Reject) { rejects = append(rejects, r) },
			KeepStale: true})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Duplicates != 2 || sum.Rejected != 3 || len(rejects) != 3 {
			t.Fatalf("dispatch's forged file: %+v %+v, want the 3 decisions rejected", sum, rejects)
		}
		for i, r := range rejects {
			if r.Line != i+1 || r.Field != "type" || !strings.Contains(r.Reason, "decision") || !strings.Contains(r.Reason, "bot") {
				t.Errorf("reject %d: %+v", i, r)
			}
		}
		if _, err := svc.Refresh(ctx, testNow); err != nil {
			t.Fatal(err)
		}
		if after := scores(); after != before {
			t.Errorf("scores moved by the forged decisions:\n%s\nbefore:\n%s", after, before)
		}
		findings, err := svc.ListFindings(ctx, authz.Principal("dina"), FindingQuery{PeriodQuery: june.PeriodQuery, State: "all"})
		if err != nil || len(findings) != 0 {
			t.Errorf("findings after the forged file: %v %v, want none", findings, err)
		}
		appeals, err := svc.ListAppeals(ctx, authz.Principal("olga"), AppealQuery{State: "all"})
		if err != nil || len(appeals) != 0 {
			t.Errorf("appeals after the forged file: %v %v, want none", appeals, err)
		}

		// The admin's import of history takes the decisions, audited.
		sum, err = svc.Ingest(ctx, authz.Principal("ada"), IngestRequest{Source: "history.ndjson",
			Decoder: formats.NewNDJSONDecoder(strings.NewReader(forged))})
		if err != nil || sum.Accepted != 3 || sum.Duplicates != 2 || scores() == before {
			t.Fatalf("the admin's import: %+v %v, want the 3 decisions stored, and the scores to move", sum, err)
		}
		entries := auditActions(t, db, "ingest")
		last := entries[len(entries)-1]
		if last.Actor != "ada" || !strings.Contains(last.Details, `"decisions":3`) || !strings.Contains(last.Details, `"content_sha256":"`+sum.Content+`"`) ||
			len(sum.Content) != 64 {
			t.Errorf("the import's audit entry: %+v (content %s)", last, sum.Content)
		}
		if appeals, _ := svc.ListAppeals(ctx, authz.Principal("olga"), AppealQuery{State: "all"}); len(appeals) != 1 {
			t.Errorf("after the admin's import: %d appeals, want 1", len(appeals))
		}
	})
}

// TestVerifyLogCrossChecks, on both engines: the record verifies whole
// after ingests and a decision; an event appended at the end with a chain
// hash made to fit passes the event chain alone but not the audit log's
// batches; a log emptied and refilled, or cut short, fails against the
// heads the audit log recorded; an emptied audit log beside the events
// fails too.
func TestVerifyLogCrossChecks(t *testing.T) {
	authz := roles(t)
	storetest.ForEachDSN(t, func(t *testing.T, base string) {
		ctx := context.Background()
		setup := func(t *testing.T) (*Service, string) {
			dsn := storetest.Fresh(t, base)
			svc, db := openService(t, dsn)
			loadRegistry(t, db, "../store/testdata/registry.yaml")
			if _, err := svc.Ingest(ctx, rbac.Local(), IngestRequest{Source: "worked.ndjson", BatchSize: 6,
				Decoder: formats.NewNDJSONDecoder(strings.NewReader(readFile(t, "../store/testdata/worked.ndjson")))}); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Appeal(ctx, rbac.Local(), AppealRequest{Case: "W2", Unit: "D2", Target: "W2/D2/respond", Reason: "road closed"}); err != nil {
				t.Fatal(err)
			}
			return svc, dsn
		}
		svc, _ := setup(t)
		st, err := svc.VerifyLog(ctx, authz.Principal("dina"), nil, nil)
		if err != nil || !st.Intact() || st.Events.Entries != 17 || st.Events.Head.Seq != 17 {
			t.Fatalf("the untouched record: %+v %v", st, err)
		}
		if _, err := svc.VerifyLog(ctx, authz.Principal("sam"), nil, nil); err == nil {
			t.Error("a street head verified the record")
		}
		for _, c := range []struct {
			name   string
			tamper []string
			kind   string
		}{
			{"an event appended with a fitting chain", nil, "inserted"},
			{"the events emptied", []string{"DELETE FROM events"}, "deleted"},
			{"the events cut short", []string{"DELETE FROM events WHERE seq > 15"}, "deleted"},
			{"the audit log emptied", []string{"DELETE FROM audit_log"}, "deleted"},
		} {
			t.Run(c.name, func(t *testing.T) {
				svc, dsn := setup(t)
				tamper := c.tamper
				if tamper == nil {
					head, _ := svc.DB.EventsHead(ctx)
					body := `{"id":"X-1","case":"W2","type":"closed","at":"2026-06-30T00:00:00Z"}`
					h := sha256.Sum256([]byte(body))
					prev, _ := hex.DecodeString(head.Hash)
					chain := sha256.New()
					var n [8]byte
					binary.BigEndian.PutUint64(n[:], uint64(head.Seq+1))
					chain.Write(n[:])
					chain.Write(h[:])
					chain.Write(prev)
					hexOf := func(b []byte) string { return hex.EncodeToString(b) }
					literal := "X'%s'"
					if strings.HasPrefix(dsn, "postgres") {
						literal = `'\x%s'::bytea`
					}
					tamper = []string{fmt.Sprintf("INSERT INTO events (seq, id, case_id, type, at, hash, body, chain) VALUES (%d, 'X-1', 'W2', 'closed', '2026-06-30 00:00:00', "+literal+", '%s', "+literal+")",
						head.Seq+1, hexOf(h[:]), body, hexOf(chain.Sum(nil)))}
				}
				storetest.Exec(t, dsn, tamper...)
				st, err := svc.VerifyLog(ctx, rbac.Local(), nil, nil)
				if err != nil {
					t.Fatal(err)
				}
				if p := st.Events.Problem; p == nil || p.Kind != c.kind {
					t.Errorf("the record: audit %+v, events %+v; want the event log %s", st.Audit, st.Events, c.kind)
				}
			})
		}
	})
}

// TestRegistryLoadAllOrNothing, on both engines: a registry file read and
// stored a chunk at a time is stored whole or not at all: one wrong at
// its last line (a parent never defined) names that line and leaves no
// record of it stored, though thousands were written before the end.
func TestRegistryLoadAllOrNothing(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, db *store.DB) {
		ctx := context.Background()
		var b strings.Builder
		b.WriteString("units:\n  - {code: S1, kind: street, name: {zh: 街道}}\n")
		for i := range 5000 {
			fmt.Fprintf(&b, "  - {code: C%05d, kind: community, parent: S1, name: {zh: 社区%05d}}\n", i, i)
		}
		b.WriteString("  - {code: C99999, kind: community, parent: S7, name: {zh: 无主社区}}\n")
		_, err := svc.LoadRegistry(ctx, rbac.Local(), strings.NewReader(b.String()), "yaml", "big.yaml")
		if err == nil || !strings.Contains(err.Error(), `line 5003: field units[5001].parent: unknown unit "S7"`) {
			t.Fatalf("a file wrong at its last line: %v", err)
		}
		reg, err := svc.Registry(ctx)
		if err != nil || len(reg.Units) != 0 {
			t.Errorf("after the refused file: %d units stored, %v", len(reg.Units), err)
		}
		fixed := strings.Replace(b.String(), "parent: S7", "parent: S1", 1)
		res, err := svc.LoadRegistry(ctx, rbac.Local(), strings.NewReader(fixed), "yaml", "big.yaml")
		if err != nil || res.Units.Added != 5002 {
			t.Errorf("the corrected file: %+v %v", res, err)
		}
	})
}
