package service

import (
	"context"
	"time"

	"frontline/fault"
	"frontline/rbac"
	"frontline/store"
)

// PasswordUser returns the user a name and password sign in, or the same
// forbidden error whatever was wrong. An unknown name costs the same
// password check as a known one, so timing does not tell them apart.
func (s *Service) PasswordUser(ctx context.Context, name, password string) (UserRecord, error) {
	denied := fault.Sayf(fault.Forbidden, "sign in", "用户名或密码错误", "wrong user name or password")
	u, err := s.DB.User(ctx, name)
	if err != nil && fault.KindOf(err) != fault.NotFound {
		return UserRecord{}, err
	}
	hash := u.PasswordHash
	if hash == "" {
		hash = rbac.DecoyHash()
	}
	if !rbac.CheckPassword(hash, password) || err != nil || u.PasswordHash == "" || u.Disabled {
		return UserRecord{}, denied
	}
	return u, nil
}

// UserByToken returns the active user an API token belongs to. Every
// failure is the same answer, so that a caller learns nothing about
// which part was wrong; the secret is compared in constant time.
func (s *Service) UserByToken(ctx context.Context, token string) (UserRecord, error) {
	denied := fault.Sayf(fault.Forbidden, "authenticate", "令牌无效或已过期", "invalid or expired token")
	id, secret, ok := rbac.ParseToken(token)
	if !ok {
		return UserRecord{}, denied
	}
	t, u, err := s.DB.TokenOwner(ctx, id)
	if fault.KindOf(err) == fault.NotFound {
		return UserRecord{}, denied
	} else if err != nil {
		return UserRecord{}, err
	}
	if !rbac.TokenMatches(t.Hash, secret) || !t.Active(s.Now()) || u.Disabled {
		return UserRecord{}, denied
	}
	return UserRecord{User: u}, nil
}

// The storage shapes the doors see through the service.
type (
	// UserRecord is a user with the state of their credentials.
	UserRecord = store.UserRecord
	// SessionLimits are how long a dashboard session lasts.
	SessionLimits = store.SessionLimits
	// CaseQuery selects cases (Open311's filters).
	CaseQuery = store.CaseQuery
	// CaseView is a case's derived state with its trail.
	CaseView = store.CaseView
	// RegistryCounts says how many records of a kind a load added and changed.
	RegistryCounts = store.RegistryCounts
)

// LoginFailed audits a failed sign-in from address, with what the door
// knows of it (whether the name or address is now locked out). The name
// is kept only when it is a user's: a password typed into the name field
// must not reach the log.
func (s *Service) LoginFailed(ctx context.Context, name, address string, details map[string]any) error {
	object := "unknown user"
	if _, err := s.DB.User(ctx, name); err == nil {
		object = name
	}
	details["address"] = s.Pseudo.Address(address)
	return s.appendAudit(ctx, "anonymous", "login.failed", object, details)
}

// StartSession starts a dashboard session for a user who signed in from
// address, audits the sign-in and returns the session's secret (the
// cookie) and when it ends.
func (s *Service) StartSession(ctx context.Context, u UserRecord, address string, limits SessionLimits) (string, time.Time, error) {
	secret, hash := rbac.NewSession()
	expires, err := s.DB.AddSession(ctx, u.Name, hash, limits)
	if err != nil {
		return "", time.Time{}, err
	}
	return secret, expires, s.appendAudit(ctx, u.Name, "login", u.Name, map[string]string{"address": s.Pseudo.Address(address)})
}

// SessionUser returns the user a session's secret signs in.
func (s *Service) SessionUser(ctx context.Context, secret string, limits SessionLimits) (UserRecord, error) {
	return s.DB.UserBySession(ctx, rbac.TokenHash(secret), limits)
}

// EndSession ends a principal's session and audits the sign-out.
func (s *Service) EndSession(ctx context.Context, p rbac.Principal, secret string) error {
	if err := s.DB.EndSession(ctx, rbac.TokenHash(secret)); err != nil {
		return err
	}
	return s.audit(ctx, p, "logout", p.Actor(), struct{}{})
}

// Authorizer returns the rbac decisions over the stored users.
func (s *Service) Authorizer(ctx context.Context) (*rbac.Authorizer, error) {
	users, err := s.DB.Users(ctx)
	if err != nil {
		return nil, err
	}
	list := make([]rbac.User, len(users))
	for i, u := range users {
		list[i] = u.User
	}
	return rbac.New(list)
}

// Ping says whether the database answers.
func (s *Service) Ping(ctx context.Context) error { return s.DB.Ping(ctx) }
