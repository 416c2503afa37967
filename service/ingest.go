package service

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"frontline/audit"
	"frontline/evaluation"
	"frontline/formats"
	"frontline/ingest"
	"frontline/rbac"
	"frontline/store"
)

// IngestRequest is one source of case-trail events: a file, a request
// body, an event Frontline writes itself.
type IngestRequest struct {
	// Source names the source in the audit log: a file name, or the
	// operation that received it.
	Source  string
	Decoder ingest.Decoder
	// BatchSize is the events stored per transaction (default
	// ingest.DefaultBatchSize).
	BatchSize int
	// OnReject is told of each rejected record.
	OnReject func(ingest.Reject)
	// Describe, when set, adds to the audit entry what the door learnt
	// while reading the source: its SHA-256, the problems of the data.
	Describe func(details map[string]any)
	// KeepStale leaves the kept scores the events make stale for the
	// caller to refresh (an ingest of several files refreshes once).
	KeepStale bool

	allow func(*evaluation.Event) error // who may write which event (Ingest)
	note  *ingest.Note                  // each batch's audit entry, in its transaction
}

// IsDecision says whether events of the type are decisions Frontline takes
// itself (DESIGN.md §3): appeals and their decisions, supervision
// findings and their withdrawal, rulings on returns, urging. The trail's events
// and the two-way evaluations may come from the dispatch platform; a
// decision only from a principal who may take it for its unit.
func IsDecision(t evaluation.EventType) bool {
	switch t {
	case evaluation.Appealed, evaluation.AppealDecided, evaluation.Supervised, evaluation.FindingWithdrawn, evaluation.ReturnRuled,
		evaluation.Urged:
		return true
	}
	return false
}

// mayWriteDecision asks whether p may write the decision e in a source of
// events: p takes such decisions for e's unit, or imports history (the
// local operator, an admin migrating).
func (s *Service) mayWriteDecision(ctx context.Context, p rbac.Principal, e *evaluation.Event) error {
	if p.Authorize(ctx, rbac.Write, rbac.Resource{Object: "decisions"}) == nil || allowed(ctx, p, e.Type, e.Unit) == nil {
		return nil
	}
	return &evaluation.FieldError{Field: "type", Reason: fmt.Sprintf("%s is a decision Frontline's own process takes; %s may not write it for %s",
		e.Type, p.Actor(), e.Unit)}
}

// Ingest stores a source's events (DESIGN.md §3), audits what it read
// and stored, and brings the kept scores up to date. An error while
// reading or storing leaves the batches stored before it stored, and the
// summary says how many.
func (s *Service) Ingest(ctx context.Context, p rbac.Principal, r IngestRequest) (ingest.Summary, error) {
	if err := p.Authorize(ctx, rbac.Write, rbac.Resource{Object: "events"}); err != nil {
		return ingest.Summary{}, err
	}
	decisions := 0
	r.note = &ingest.Note{Actor: p.Actor(), Source: r.Source}
	r.allow = func(e *evaluation.Event) error {
		if !IsDecision(e.Type) {
			return nil
		}
		if err := s.mayWriteDecision(ctx, p, e); err != nil {
			return err
		}
		decisions++
		return nil
	}
	sum, err := s.store(ctx, r)
	if err != nil {
		return sum, err
	}
	details := map[string]any{"read": sum.Read, "accepted": sum.Accepted, "duplicates": sum.Duplicates, "conflicts": sum.Conflicts,
		"rejected": sum.Rejected, "quarantined": sum.Quarantined, "content_sha256": sum.Content}
	if decisions > 0 {
		details["decisions"] = decisions // imported history: named, with the content's hash
	}
	// Both chains' heads as the ingest ends: the audit chain's is the one
	// this entry follows.
	if head, err := s.DB.EventsHead(ctx); err == nil {
		details["events_head"] = head.String()
	}
	if head, err := s.DB.AuditHead(ctx); err == nil {
		details["audit_head"] = head.String()
	}
	if r.Describe != nil {
		r.Describe(details)
	}
	if err := s.audit(ctx, p, "ingest", r.Source, details); err != nil {
		return sum, err
	}
	if sum.Accepted > 0 && !r.KeepStale {
		return sum, s.ScoresChanged(ctx)
	}
	return sum, nil
}

// store runs the ingest pipeline over a source.
func (s *Service) store(ctx context.Context, r IngestRequest) (ingest.Summary, error) {
	pseudo, err := s.Pseudonymizer(ctx)
	if err != nil {
		return ingest.Summary{}, err
	}
	in := &ingest.Ingester{Store: s.DB, Pseudo: pseudo, BatchSize: r.BatchSize, OnReject: r.OnReject, Allow: r.allow, Note: r.note}
	sum, err := in.Run(ctx, r.Decoder)
	if s.Board != nil && sum.Accepted > 0 {
		s.Board.Poke()
	}
	return sum, err
}

// ScoresChanged brings the kept scores up to date after events were
// stored: at once, or, when the service has a Stale hook, soon in the
// background.
func (s *Service) ScoresChanged(ctx context.Context) error {
	if s.Stale != nil {
		s.Stale()
		return nil
	}
	_, err := s.Refresh(ctx, s.Now())
	return err
}

// events reads a list of events as a decoder does, one record each.
type events struct {
	list []evaluation.Event
	next int
}

func (d *events) Next() (*formats.Record, error) {
	if d.next == len(d.list) {
		return nil, io.EOF
	}
	d.next++
	return &formats.Record{Line: d.next, Event: d.list[d.next-1]}, nil
}

// StoredFile says whether a file with this content (its SHA-256, hex)
// was ingested before, read by the same decoder (format and mapping), in
// a run that took every event it read (none rejected, in conflict or
// quarantined), and how many events it read: ingesting it again can only
// find each of them a duplicate. Events are never removed but by a
// restore, which takes the audit log back with them, so the audit log's
// word holds.
func (s *Service) StoredFile(ctx context.Context, p rbac.Principal, sha256, decoder string) (read int, ok bool, err error) {
	if err := p.Authorize(ctx, rbac.Write, rbac.Resource{Object: "events"}); err != nil {
		return 0, false, err
	}
	err = s.DB.AuditEntries(ctx, store.AuditFilter{Action: "ingest"}, func(e audit.Entry) error {
		var d struct {
			SHA256                                 string `json:"sha256"`
			Decoder                                string `json:"decoder"`
			Read, Rejected, Conflicts, Quarantined int
		}
		if json.Unmarshal([]byte(e.Details), &d) != nil || d.SHA256 != sha256 || d.Decoder != decoder {
			return nil
		}
		if d.Rejected+d.Conflicts+d.Quarantined == 0 && d.Read > 0 {
			read, ok = d.Read, true
		}
		return nil
	})
	return read, ok, err
}

// IngestStoredFile records the ingest of a file StoredFile knows, without
// reading it again: every event a duplicate.
func (s *Service) IngestStoredFile(ctx context.Context, p rbac.Principal, source, sha256, decoder string, read int) (ingest.Summary, error) {
	if err := p.Authorize(ctx, rbac.Write, rbac.Resource{Object: "events"}); err != nil {
		return ingest.Summary{}, err
	}
	sum := ingest.Summary{Read: read, Duplicates: read}
	return sum, s.audit(ctx, p, "ingest", source, map[string]any{"read": sum.Read, "accepted": 0, "duplicates": sum.Duplicates,
		"conflicts": 0, "rejected": 0, "quarantined": 0, "sha256": sha256, "decoder": decoder, "stored_file": true})
}
