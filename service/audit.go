package service

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"frontline/audit"
	"frontline/evaluation"
	"frontline/ingest"
	"frontline/rbac"
	"frontline/store"
)

// audit appends an entry for the principal.
func (s *Service) audit(ctx context.Context, p rbac.Principal, action, object string, details any) error {
	return s.appendAudit(ctx, p.Actor(), action, object, details)
}

// appendAudit appends an entry for an actor.
func (s *Service) appendAudit(ctx context.Context, actor, action, object string, details any) error {
	b, err := json.Marshal(details)
	if err != nil {
		return err
	}
	_, err = s.DB.AppendAudit(ctx, audit.Entry{Actor: actor, Action: action, Object: object, Details: string(b)})
	return err
}

// readLog remembers the reads audited in the current minute.
type readLog struct {
	mu     sync.Mutex
	minute time.Time
	seen   map[string]bool
}

// AuditRead records a read in the audit log, once per minute for the
// same principal, record and details when the service was made with New:
// a dashboard refreshed every few seconds leaves one line a minute, not
// hundreds, and the log still says who read what, to the minute (a
// changed record is a new line).
func (s *Service) AuditRead(ctx context.Context, p rbac.Principal, action, object string, details any) error {
	if s.reads == nil {
		return s.audit(ctx, p, action, object, details)
	}
	body, err := json.Marshal(details)
	if err != nil {
		return err
	}
	key := p.Actor() + "\x00" + action + "\x00" + object + "\x00" + string(body)
	minute := s.Now().Truncate(time.Minute)
	r := s.reads
	r.mu.Lock()
	if !minute.Equal(r.minute) || len(r.seen) >= 100_000 {
		// A new minute, or a flood of distinct reads: start again (at
		// worst a read is recorded twice in a minute).
		r.minute, r.seen = minute, map[string]bool{}
	}
	seen := r.seen[key]
	r.seen[key] = true
	r.mu.Unlock()
	if seen {
		return nil
	}
	if err := s.audit(ctx, p, action, object, details); err != nil {
		r.mu.Lock()
		delete(r.seen, key) // not recorded: the next read tries again
		r.mu.Unlock()
		return err
	}
	return nil
}

// VerifyAudit checks the audit chain whole, and against a head printed
// earlier when one is given; a problem names the first entry edited,
// deleted, inserted or reordered.
func (s *Service) VerifyAudit(ctx context.Context, p rbac.Principal, anchor *audit.Head) (audit.Head, int64, *audit.Problem, error) {
	if err := p.Authorize(ctx, rbac.Read, rbac.Resource{Object: "audit"}); err != nil {
		return audit.Head{}, 0, nil, err
	}
	return s.DB.VerifyAudit(ctx, anchor)
}

// AuditQuery filters the audit log: entries from a time (RFC 3339 or a
// date in the policy's zone), by actor and action, at most Limit (0: all).
type AuditQuery struct {
	Since, Actor, Action string
	Limit                int
}

// AuditLog calls each with the audit entries the query selects, oldest
// first, for those who may read the log.
func (s *Service) AuditLog(ctx context.Context, p rbac.Principal, q AuditQuery, each func(audit.Entry) error) error {
	if err := p.Authorize(ctx, rbac.Read, rbac.Resource{Object: "audit"}); err != nil {
		return err
	}
	f := store.AuditFilter{Actor: q.Actor, Action: q.Action, Limit: q.Limit}
	if q.Since != "" {
		policies, err := s.DB.RecentPolicies(ctx, time.Second)
		if err != nil {
			return err
		}
		if f.Since, err = evaluation.ParseAsOf(q.Since, policies.At(s.Now()).Location); err != nil {
			return err
		}
	}
	return s.DB.AuditEntries(ctx, f, each)
}

// ChainState is whether a hash chain is whole: its head, its length and
// the first problem found.
type ChainState struct {
	Head    audit.Head
	Entries int64
	Problem *audit.Problem
}

// LogState is whether the record is whole: the audit log's chain and the
// event log's, each against the other.
type LogState struct {
	Audit, Events ChainState
}

// Intact says whether both chains are whole.
func (l LogState) Intact() bool { return l.Audit.Problem == nil && l.Events.Problem == nil }

// VerifyLog checks the whole record (DESIGN.md §3, integrity of the log):
// the audit chain, against a head printed earlier when given; the event
// chain, against one printed earlier and against every head the audit
// log recorded as events were stored; and that every event since the
// audit log recorded batches is covered by a batch's audit entry, one
// after another, so that an event inserted at the end, or the log cut and
// refilled, shows. A log emptied alone passes only without a head.
func (s *Service) VerifyLog(ctx context.Context, p rbac.Principal, auditAnchor, eventsAnchor *audit.Head) (LogState, error) {
	var st LogState
	if err := p.Authorize(ctx, rbac.Read, rbac.Resource{Object: "audit"}); err != nil {
		return st, err
	}
	var err error
	if st.Audit.Head, st.Audit.Entries, st.Audit.Problem, err = s.DB.VerifyAudit(ctx, auditAnchor); err != nil {
		return st, err
	}
	// What the audit log says was stored.
	type batch struct {
		Events []int64 `json:"events"`
		Head   string  `json:"events_head"`
	}
	var anchors []audit.Head
	if eventsAnchor != nil {
		anchors = append(anchors, *eventsAnchor)
	}
	var covered, first int64 // the last event a batch covered; the first it covered at all
	var gap *audit.Problem
	err = s.DB.AuditEntries(ctx, store.AuditFilter{Action: ingest.BatchAction}, func(e audit.Entry) error {
		var b batch
		if json.Unmarshal([]byte(e.Details), &b) != nil {
			return nil
		}
		if h, err := audit.ParseHead(b.Head); err == nil {
			anchors = append(anchors, h)
		}
		if len(b.Events) != 2 {
			return nil
		}
		if first == 0 {
			first, covered = b.Events[0], b.Events[0]-1
		}
		switch {
		case gap != nil:
		case b.Events[0] <= covered:
			gap = &audit.Problem{Seq: b.Events[0], Kind: "reordered",
				Detail: fmt.Sprintf("the audit log records events %d to %d stored twice, or out of order", b.Events[0], b.Events[1])}
		case b.Events[0] > covered+1:
			gap = &audit.Problem{Seq: covered + 1, Kind: "inserted",
				Detail: fmt.Sprintf("events %d to %d were stored without an audit entry", covered+1, b.Events[0]-1)}
		}
		covered = max(covered, b.Events[1])
		return nil
	})
	if err != nil {
		return st, err
	}
	if st.Events.Head, st.Events.Entries, st.Events.Problem, err = s.DB.VerifyEvents(ctx, anchors...); err != nil {
		return st, err
	}
	switch {
	case st.Events.Problem != nil:
	case st.Audit.Problem != nil:
		// A broken audit log's records of what was stored prove nothing:
		// its own problem says what is wrong.
	case gap != nil:
		st.Events.Problem = gap
	case first > 0 && st.Events.Head.Seq > covered:
		st.Events.Problem = &audit.Problem{Seq: covered + 1, Kind: "inserted",
			Detail: fmt.Sprintf("events %d to %d were stored without an audit entry", covered+1, st.Events.Head.Seq)}
	case st.Events.Entries > 0 && st.Audit.Entries == 0:
		st.Events.Problem = &audit.Problem{Seq: 1, Kind: "deleted",
			Detail: fmt.Sprintf("the audit log is empty, and the event log holds %d events", st.Events.Entries)}
	}
	return st, nil
}
