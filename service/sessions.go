package service

import (
	"context"
	"frontline/fault"
	"frontline/rbac"
	"frontline/store"
)

// PasswordUser returns the user a name and password sign in, or the same
// forbidden error whatever was wrong. An unknown name costs the same
// password check as a known one, so timing does not tell them apart.
func (s *Service) PasswordUser(ctx context.Context, name, password string) (store.UserRecord, error) {
	denied := fault.Errorf(fault.Forbidden, "sign in", "wrong user name or password")
	u, err := s.DB.User(ctx, name)
	if err != nil && fault.KindOf(err) != fault.NotFound {
		return store.UserRecord{}, err
	}
	hash := u.PasswordHash
	if hash == "" {
		hash = rbac.DecoyHash()
	}
	if !rbac.CheckPassword(hash, password) || err != nil || u.PasswordHash == "" || u.Disabled {
		return store.UserRecord{}, denied
	}
	return u, nil
}

// UserByToken returns the active user an API token belongs to. Every
// failure is the same answer, so that a caller learns nothing about
// which part was wrong; the secret is compared in constant time.
func (s *Service) UserByToken(ctx context.Context, token string) (store.UserRecord, error) {
	denied := fault.Errorf(fault.Forbidden, "authenticate", "invalid or expired token")
	id, secret, ok := rbac.ParseToken(token)
	if !ok {
		return store.UserRecord{}, denied
	}
	t, u, err := s.DB.TokenOwner(ctx, id)
	if fault.KindOf(err) == fault.NotFound {
		return store.UserRecord{}, denied
	} else if err != nil {
		return store.UserRecord{}, err
	}
	if !rbac.TokenMatches(t.Hash, secret) || !t.Active(s.Now()) || u.Disabled {
		return store.UserRecord{}, denied
	}
	return store.UserRecord{User: u}, nil
}
