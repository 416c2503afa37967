package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// Webhook is an admin's URL for the board's announcements (DESIGN.md §9):
// of one unit (its milestones and its street's cases) or of all. It
// delivers the warning events after Cursor, in order.
type Webhook struct {
	bun.BaseModel `bun:"table:webhooks"`
	ID            string    `bun:"id,pk"`
	URL           string    `bun:"url"`
	Unit          string    `bun:"unit,nullzero"` // "" for every unit
	Secret        []byte    `bun:"secret"`        // sealed
	CreatedAt     time.Time `bun:"created_at"`
	CreatedBy     string    `bun:"created_by"`
	Paused        bool      `bun:"paused"`
	PausedReason  string    `bun:"paused_reason,nullzero"`
	Cursor        int64     `bun:"cursor"`   // the last warning event delivered or passed over
	Failures      int       `bun:"failures"` // failed attempts in a row
	NextAt        time.Time `bun:"next_at,nullzero"`
}

// WebhookDelivery is one attempt to deliver a warning event.
type WebhookDelivery struct {
	bun.BaseModel `bun:"table:webhook_deliveries"`
	Seq           int64     `bun:"seq,pk,autoincrement"`
	Hook          string    `bun:"hook_id"`
	Event         int64     `bun:"event_seq"`
	Attempt       int       `bun:"attempt"`
	At            time.Time `bun:"at"`
	Status        int       `bun:"status,nullzero"` // the receiver's HTTP status; 0 when none came
	Error         string    `bun:"error,nullzero"`
	ElapsedMS     int64     `bun:"elapsed_ms"`
}

// AddWebhook stores a new hook.
func (db *DB) AddWebhook(ctx context.Context, w *Webhook) error {
	w.CreatedAt, w.NextAt = w.CreatedAt.UTC(), w.NextAt.UTC()
	_, err := db.bun.NewInsert().Model(w).Exec(ctx)
	return db.wrap("add webhook", err)
}

// Webhooks lists the hooks, oldest first.
func (db *DB) Webhooks(ctx context.Context) ([]Webhook, error) {
	var out []Webhook
	err := db.bun.NewSelect().Model(&out).Order("created_at", "id").Scan(ctx)
	return out, db.wrap("read webhooks", err)
}

// Webhook reads one hook; ok is false when there is none with that id.
func (db *DB) Webhook(ctx context.Context, id string) (w Webhook, ok bool, err error) {
	err = db.bun.NewSelect().Model(&w).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return w, false, nil
	}
	return w, err == nil, db.wrap("read webhook", err)
}

// UpdateWebhook writes the named columns of a hook; ok is false when it
// is gone.
func (db *DB) UpdateWebhook(ctx context.Context, w *Webhook, columns ...string) (bool, error) {
	w.NextAt = w.NextAt.UTC()
	res, err := db.bun.NewUpdate().Model(w).Column(columns...).WherePK().Exec(ctx)
	if err != nil {
		return false, db.wrap("update webhook", err)
	}
	n, err := res.RowsAffected()
	return n == 1, db.wrap("update webhook", err)
}

// DeleteWebhook removes a hook and its delivery log; ok is false when
// there was none.
func (db *DB) DeleteWebhook(ctx context.Context, id string) (ok bool, err error) {
	err = db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewDelete().Model((*Webhook)(nil)).Where("id = ?", id).Exec(ctx)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if ok = n == 1; err != nil || !ok {
			return err
		}
		_, err = tx.NewDelete().Model((*WebhookDelivery)(nil)).Where("hook_id = ?", id).Exec(ctx)
		return err
	})
	return ok, db.wrap("delete webhook", err)
}

// RecordDelivery logs an attempt and writes the hook's delivery state
// (cursor, failures, next attempt, and a pause after too many failures)
// in one transaction, unless the hook was paused or deleted meanwhile:
// active is false then, and nothing is written.
func (db *DB) RecordDelivery(ctx context.Context, d *WebhookDelivery, w *Webhook) (active bool, err error) {
	d.At, w.NextAt = d.At.UTC(), w.NextAt.UTC()
	err = db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if active, err = updateActive(ctx, tx, w, "cursor", "failures", "next_at", "paused", "paused_reason"); err != nil || !active {
			return err
		}
		_, err := tx.NewInsert().Model(d).Exec(ctx)
		return err
	})
	return active, db.wrap("record webhook delivery", err)
}

// AdvanceWebhook moves an active hook's cursor past what it does not
// carry; active is false when it was paused or deleted meanwhile.
func (db *DB) AdvanceWebhook(ctx context.Context, w *Webhook) (active bool, err error) {
	active, err = updateActive(ctx, db.bun, w, "cursor")
	return active, db.wrap("update webhook", err)
}

// updateActive writes columns of a hook that is still there and not paused.
func updateActive(ctx context.Context, db bun.IDB, w *Webhook, columns ...string) (bool, error) {
	res, err := db.NewUpdate().Model(w).Column(columns...).WherePK().Where("NOT paused").Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// WebhookDeliveries returns a hook's latest attempts, newest first.
func (db *DB) WebhookDeliveries(ctx context.Context, hook string, limit int) ([]WebhookDelivery, error) {
	var out []WebhookDelivery
	err := db.bun.NewSelect().Model(&out).Where("hook_id = ?", hook).Order("seq DESC").Limit(int64(limit)).Scan(ctx)
	return out, db.wrap("read webhook deliveries", err)
}

// deliveryLock is the advisory lock key held by the one server of a
// PostgreSQL database that delivers webhooks at a time.
const deliveryLock = 7005

// Delivering runs f unless another server delivers webhooks right now
// (PostgreSQL: a session's advisory lock, held while f runs); ran says
// whether it did. On SQLite f always runs: one server writes a file.
func (db *DB) Delivering(ctx context.Context, f func() error) (ran bool, err error) {
	if db.engine != Postgres {
		return true, f()
	}
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return false, db.wrap("deliver webhooks", err)
	}
	defer conn.Close()
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", deliveryLock).Scan(&ran); err != nil || !ran {
		return false, db.wrap("deliver webhooks", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", deliveryLock)
	return true, f()
}
