package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"frontline/fault"
)

type sessionRow struct {
	bun.BaseModel `bun:"table:sessions,alias:se"`
	Hash          string    `bun:"hash,pk"`
	User          string    `bun:"user_name"`
	CreatedAt     time.Time `bun:"created_at"`
	SeenAt        time.Time `bun:"seen_at"`
	ExpiresAt     time.Time `bun:"expires_at"`
}

// SessionLimits bound a dashboard session: it ends after Idle without a
// request, and after Absolute however active it is.
type SessionLimits struct {
	Idle, Absolute time.Duration
}

// AddSession stores a new session of user under the hash of its secret.
func (db *DB) AddSession(ctx context.Context, user, hash string, limits SessionLimits) (time.Time, error) {
	now := db.now().UTC()
	expires := now.Add(min(limits.Idle, limits.Absolute))
	row := sessionRow{Hash: hash, User: user, CreatedAt: now, SeenAt: now, ExpiresAt: expires}
	if _, err := db.bun.NewInsert().Model(&row).Exec(ctx); err != nil {
		return time.Time{}, db.wrap("add session", err)
	}
	// Ended sessions go as new ones start: the table holds live ones.
	if _, err := db.bun.NewDelete().Model((*sessionRow)(nil)).Where("expires_at < ?", now).Exec(ctx); err != nil {
		return time.Time{}, db.wrap("end sessions", err)
	}
	return expires, nil
}

// UserBySession returns the active user whose live session has this
// hash, and extends the session's idle limit (written at most once a
// minute). Every failure is the same answer.
func (db *DB) UserBySession(ctx context.Context, hash string, limits SessionLimits) (UserRecord, error) {
	denied := fault.Sayf(fault.Forbidden, "authenticate", "会话已结束，请重新登录", "the session has ended; sign in again")
	now := db.now().UTC()
	var row sessionRow
	if err := db.bun.NewSelect().Model(&row).Where("se.hash = ?", hash).Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return UserRecord{}, denied
		}
		return UserRecord{}, db.wrap("read session", err)
	}
	if !now.Before(row.ExpiresAt) {
		return UserRecord{}, denied
	}
	u, err := db.User(ctx, row.User)
	if fault.KindOf(err) == fault.NotFound || (err == nil && u.Disabled) {
		return UserRecord{}, denied
	} else if err != nil {
		return UserRecord{}, err
	}
	if now.Sub(row.SeenAt) >= time.Minute {
		expires := now.Add(limits.Idle)
		if end := row.CreatedAt.Add(limits.Absolute); end.Before(expires) {
			expires = end
		}
		if _, err := db.bun.NewUpdate().Model((*sessionRow)(nil)).Set("seen_at = ?", now).Set("expires_at = ?", expires).
			Where("hash = ?", hash).Exec(ctx); err != nil {
			return UserRecord{}, db.wrap("extend session", err)
		}
	}
	return u, nil
}

// EndSession ends one session.
func (db *DB) EndSession(ctx context.Context, hash string) error {
	_, err := db.bun.NewDelete().Model((*sessionRow)(nil)).Where("hash = ?", hash).Exec(ctx)
	return db.wrap("end session", err)
}

// EndSessions ends every session of a user and returns how many.
func (db *DB) EndSessions(ctx context.Context, user string) (int, error) {
	res, err := db.bun.NewDelete().Model((*sessionRow)(nil)).Where("user_name = ?", user).Exec(ctx)
	if err != nil {
		return 0, db.wrap("end sessions", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
