package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"frontline/audit"

	"github.com/jackc/pgx/v5"
)

// auditLock is the advisory lock that keeps PostgreSQL's audit chain
// linear; SQLite's write transactions already run one at a time.
const auditLock = 7003

// AppendAudit adds an entry at the end of the chain and returns it linked,
// once it is committed. Entries appended at the same moment are
// committed together (group commit): the first to arrive writes every
// entry queued by then in one transaction, in arrival order, and the
// others wait for it. A burst of audited reads then costs one commit per
// batch, not one per read.
func (db *DB) AppendAudit(ctx context.Context, e audit.Entry) (audit.Entry, error) {
	if e.At.IsZero() {
		e.At = db.now()
	}
	if e.Details == "" {
		e.Details = "{}"
	}
	p := &pendingAudit{entry: e, done: make(chan struct{})}
	q := &db.audits
	q.mu.Lock()
	q.queue = append(q.queue, p)
	lead := !q.writing
	q.writing = true
	q.mu.Unlock()
	if lead {
		db.writeAudits(context.WithoutCancel(ctx))
	}
	<-p.done
	return p.entry, p.err
}

// auditQueue holds the entries waiting to be committed.
type auditQueue struct {
	mu      sync.Mutex
	queue   []*pendingAudit
	writing bool // a writer is committing a batch
}

type pendingAudit struct {
	entry audit.Entry
	err   error
	done  chan struct{}
}

// writeAudits commits the entries queued now, then hands on to a new
// writer if more arrived meanwhile, so that no caller writes for others
// for long.
func (db *DB) writeAudits(ctx context.Context) {
	q := &db.audits
	q.mu.Lock()
	batch := q.queue
	q.queue = nil
	q.mu.Unlock()
	entries := make([]audit.Entry, len(batch))
	for i, p := range batch {
		entries[i] = p.entry
	}
	err := db.appendAudits(ctx, entries)
	for i, p := range batch {
		p.entry, p.err = entries[i], err
		close(p.done)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.queue) > 0 {
		go db.writeAudits(ctx)
		return
	}
	q.writing = false
}

// appendAudits links entries after the chain's end and commits them.
func (db *DB) appendAudits(ctx context.Context, entries []audit.Entry) error {
	tx, err := db.bun.BeginTx(ctx, nil)
	if err != nil {
		return db.wrap("append audit entry", err)
	}
	defer tx.Rollback()
	if db.engine == Postgres {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", auditLock)); err != nil {
			return db.wrap("append audit entry", err)
		}
	}
	var last audit.Entry
	var prev *audit.Entry
	err = tx.QueryRowContext(ctx, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").Scan(&last.Seq, &last.Hash)
	switch {
	case err == nil:
		prev = &last
	case err != sql.ErrNoRows:
		return db.wrap("append audit entry", err)
	}
	for i := range entries {
		e := &entries[i]
		e.Link(prev)
		if _, err := tx.ExecContext(ctx, "INSERT INTO audit_log (seq, at, actor, action, object, details, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			e.Seq, e.At, e.Actor, e.Action, e.Object, e.Details, e.Prev, e.Hash); err != nil {
			return db.wrap("append audit entry", err)
		}
		prev = e
	}
	return db.wrap("append audit entry", tx.Commit())
}

// row is a query's one row, on either driver.
type row interface{ Scan(dest ...any) error }

// appendAuditIn links e after the chain's end and inserts it, in the
// transaction query and exec run in (which holds the audit chain's lock).
func appendAuditIn(ctx context.Context, e audit.Entry, query func(q string, args ...any) (row, error), exec func(q string, args ...any) error) error {
	if e.Details == "" {
		e.Details = "{}"
	}
	var last audit.Entry
	var prev *audit.Entry
	r, err := query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
	if err != nil {
		return err
	}
	switch err := r.Scan(&last.Seq, &last.Hash); {
	case err == nil:
		prev = &last
	case errors.Is(err, sql.ErrNoRows), errors.Is(err, pgx.ErrNoRows):
	default:
		return err
	}
	e.Link(prev)
	return exec("INSERT INTO audit_log (seq, at, actor, action, object, details, prev, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
		e.Seq, e.At, e.Actor, e.Action, e.Object, e.Details, e.Prev, e.Hash)
}

// AuditFilter selects audit entries.
type AuditFilter struct {
	Since         time.Time
	Actor, Action string
	Limit         int
}

// AuditEntries calls f with the entries in sequence order.
func (db *DB) AuditEntries(ctx context.Context, f AuditFilter, each func(audit.Entry) error) error {
	q := "SELECT seq, " + db.ts("at") + ", actor, action, object, details, prev, hash FROM audit_log WHERE 1=1"
	var args []any
	if !f.Since.IsZero() {
		q += " AND at >= ?"
		args = append(args, f.Since.UTC())
	}
	if f.Actor != "" {
		q += " AND actor = ?"
		args = append(args, f.Actor)
	}
	if f.Action != "" {
		q += " AND action = ?"
		args = append(args, f.Action)
	}
	q += " ORDER BY seq"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := db.reads.QueryContext(ctx, q, args...)
	if err != nil {
		return db.wrap("read audit log", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e audit.Entry
		var at timeCol
		if err := rows.Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.Object, &e.Details, &e.Prev, &e.Hash); err != nil {
			return db.wrap("read audit log", err)
		}
		e.At = at.t
		if err := each(e); err != nil {
			return err
		}
	}
	return db.wrap("read audit log", rows.Err())
}

// VerifyAudit walks the whole chain; with an anchor, the chain must hold
// that entry with that hash.
func (db *DB) VerifyAudit(ctx context.Context, anchor *audit.Head) (audit.Head, int64, *audit.Problem, error) {
	v := audit.NewVerifier(anchor)
	err := db.AuditEntries(ctx, AuditFilter{}, func(e audit.Entry) error { v.Add(e); return nil })
	if err != nil {
		return audit.Head{}, 0, nil, err
	}
	head, n, p := v.Done()
	return head, n, p, nil
}

// AuditHead returns the chain's last entry: what a report or an export
// prints, so that a later reader can check the log still holds it.
func (db *DB) AuditHead(ctx context.Context) (audit.Head, error) {
	h := audit.Head{Hash: audit.Genesis}
	st, err := db.prepared(ctx, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
	if err != nil {
		return h, db.wrap("read audit head", err)
	}
	err = st.QueryRowContext(ctx).Scan(&h.Seq, &h.Hash)
	if err == sql.ErrNoRows {
		return h, nil
	}
	return h, db.wrap("read audit head", err)
}
