package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"frontline/fault"
	"frontline/rbac"
)

type userRow struct {
	bun.BaseModel `bun:"table:users,alias:us"`
	Name          string    `bun:"name,pk"`
	Role          string    `bun:"role"`
	Unit          string    `bun:"unit,nullzero"`
	PasswordHash  string    `bun:"password_hash,nullzero"`
	Disabled      bool      `bun:"disabled"`
	CreatedAt     time.Time `bun:"created_at"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

type tokenRow struct {
	bun.BaseModel `bun:"table:api_tokens,alias:tk"`
	ID            string    `bun:"id,pk"`
	User          string    `bun:"user_name"`
	Hash          string    `bun:"hash"`
	CreatedAt     time.Time `bun:"created_at"`
	ExpiresAt     time.Time `bun:"expires_at"`
	RevokedAt     time.Time `bun:"revoked_at,nullzero"`
}

// UserRecord is a stored user with their credentials' state.
type UserRecord struct {
	rbac.User
	PasswordHash string
	CreatedAt    time.Time
	Tokens       []Token
}

// Token is an API token's stored state; the secret itself is never kept.
type Token struct {
	ID                            string
	User                          string
	Hash                          string
	CreatedAt, ExpiresAt, Revoked time.Time
}

// Active says whether the token can be used at t.
func (t Token) Active(at time.Time) bool { return t.Revoked.IsZero() && at.Before(t.ExpiresAt) }

// AddUser stores a new user; a name already taken is a conflict.
func (db *DB) AddUser(ctx context.Context, u rbac.User, passwordHash string) error {
	now := db.now().UTC()
	row := userRow{Name: u.Name, Role: string(u.Role), Unit: u.Unit, PasswordHash: passwordHash, Disabled: u.Disabled, CreatedAt: now, UpdatedAt: now}
	res, err := db.bun.NewInsert().Model(&row).On("CONFLICT (name) DO NOTHING").Exec(ctx)
	if err != nil {
		return db.wrap("add user", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fault.Sayf(fault.Conflict, "add user", "用户 %q 已存在", "user %q exists", u.Name)
	}
	return nil
}

// Users returns every user with their tokens, by name.
func (db *DB) Users(ctx context.Context) ([]UserRecord, error) {
	var rows []userRow
	if err := db.bun.NewSelect().Model(&rows).Order("name").Scan(ctx); err != nil {
		return nil, db.wrap("read users", err)
	}
	var tokens []tokenRow
	if err := db.bun.NewSelect().Model(&tokens).Order("created_at", "id").Scan(ctx); err != nil {
		return nil, db.wrap("read tokens", err)
	}
	byUser := map[string][]Token{}
	for _, t := range tokens {
		byUser[t.User] = append(byUser[t.User], t.token())
	}
	out := make([]UserRecord, len(rows))
	for i, r := range rows {
		out[i] = r.record()
		out[i].Tokens = byUser[r.Name]
	}
	return out, nil
}

func (r userRow) record() UserRecord {
	return UserRecord{User: rbac.User{Name: r.Name, Role: rbac.Role(r.Role), Unit: r.Unit, Disabled: r.Disabled},
		PasswordHash: r.PasswordHash, CreatedAt: utc(r.CreatedAt)}
}

func (t tokenRow) token() Token {
	return Token{ID: t.ID, User: t.User, Hash: t.Hash, CreatedAt: utc(t.CreatedAt), ExpiresAt: utc(t.ExpiresAt), Revoked: utc(t.RevokedAt)}
}

// User returns one user with their tokens, or not found.
func (db *DB) User(ctx context.Context, name string) (UserRecord, error) {
	var row userRow
	if err := db.bun.NewSelect().Model(&row).Where("us.name = ?", name).Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return UserRecord{}, fault.Sayf(fault.NotFound, "read user", "没有用户 %q", "user %q not found", name)
		}
		return UserRecord{}, db.wrap("read user", err)
	}
	var tokens []tokenRow
	if err := db.bun.NewSelect().Model(&tokens).Where("tk.user_name = ?", name).Order("created_at", "id").Scan(ctx); err != nil {
		return UserRecord{}, db.wrap("read tokens", err)
	}
	u := row.record()
	for _, t := range tokens {
		u.Tokens = append(u.Tokens, t.token())
	}
	return u, nil
}

// AddToken stores a token's id and hash for a user.
func (db *DB) AddToken(ctx context.Context, user, id, hash string, expires time.Time) error {
	row := tokenRow{ID: id, User: user, Hash: hash, CreatedAt: db.now().UTC(), ExpiresAt: expires.UTC()}
	_, err := db.bun.NewInsert().Model(&row).Exec(ctx)
	return db.wrap("add token", err)
}

// RevokeTokens revokes a user's active tokens (one when id is set) and
// returns how many.
func (db *DB) RevokeTokens(ctx context.Context, user, id string) (int, error) {
	q := db.bun.NewUpdate().Model((*tokenRow)(nil)).Set("revoked_at = ?", db.now().UTC()).
		Where("user_name = ?", user).Where("revoked_at IS NULL")
	if id != "" {
		q = q.Where("id = ?", id)
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return 0, db.wrap("revoke tokens", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// SetUserDisabled disables or enables a user.
func (db *DB) SetUserDisabled(ctx context.Context, name string, disabled bool) error {
	res, err := db.bun.NewUpdate().Model((*userRow)(nil)).Set("disabled = ?", disabled).Set("updated_at = ?", db.now().UTC()).
		Where("name = ?", name).Exec(ctx)
	if err != nil {
		return db.wrap("update user", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fault.Sayf(fault.NotFound, "update user", "没有用户 %q", "user %q not found", name)
	}
	return nil
}

// SetPassword stores a user's password hash.
func (db *DB) SetPassword(ctx context.Context, name, hash string) error {
	res, err := db.bun.NewUpdate().Model((*userRow)(nil)).Set("password_hash = ?", hash).Set("updated_at = ?", db.now().UTC()).
		Where("name = ?", name).Exec(ctx)
	if err != nil {
		return db.wrap("set password", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fault.Sayf(fault.NotFound, "set password", "没有用户 %q", "user %q not found", name)
	}
	return nil
}

// TokenOwner returns a token by its id with the user it belongs to, read
// in one lookup (this runs on every request); NotFound when no token has
// the id.
func (db *DB) TokenOwner(ctx context.Context, id string) (Token, rbac.User, error) {
	st, err := db.prepared(ctx, "SELECT tk.hash, "+db.ts("tk.expires_at")+", "+db.ts("tk.revoked_at")+
		", us.name, us.role, us.unit, us.disabled FROM api_tokens AS tk JOIN users AS us ON us.name = tk.user_name WHERE tk.id = $1")
	if err != nil {
		return Token{}, rbac.User{}, db.wrap("authenticate", err)
	}
	var (
		t                = Token{ID: id}
		expires, revoked timeCol
		u                rbac.User
		role             string
		unit             sql.NullString
	)
	err = st.QueryRowContext(ctx, id).Scan(&t.Hash, &expires, &revoked, &u.Name, &role, &unit, &u.Disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, rbac.User{}, fault.Sayf(fault.NotFound, "authenticate", "没有令牌 %q", "no token %q", id)
	} else if err != nil {
		return Token{}, rbac.User{}, db.wrap("authenticate", err)
	}
	t.User, t.ExpiresAt, t.Revoked, u.Role, u.Unit = u.Name, expires.t, revoked.t, rbac.Role(role), unit.String
	return t, u, nil
}
