package service

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"frontline/audit"
	"frontline/evaluation"
	"frontline/fault"
	"frontline/rbac"
	"frontline/store"
)

// Credential is a secret shown once: a password or an API token.
type Credential struct {
	Password string    `json:"password,omitempty"`
	Token    string    `json:"token,omitempty"`
	TokenID  string    `json:"token_id,omitempty"`
	Expires  time.Time `json:"expires,omitzero"`
}

func (s *Service) auditUser(ctx context.Context, c rbac.Principal, action, object string, details any) error {
	b, err := json.Marshal(details)
	if err != nil {
		return err
	}
	_, err = s.DB.AppendAudit(ctx, audit.Entry{Actor: c.Actor(), Action: action, Object: object, Details: string(b)})
	return err
}

// AddUser adds a user and returns their first credential: a password, or
// for the dispatch service account an API token valid for days.
func (s *Service) AddUser(ctx context.Context, c rbac.Principal, u rbac.User, days int) (Credential, error) {
	if err := c.Authorize(ctx, rbac.Write, rbac.Resource{Object: "users"}); err != nil {
		return Credential{}, err
	}
	defer s.usersChanged()
	reg, err := s.DB.Registry(ctx)
	if err != nil {
		return Credential{}, err
	}
	kind := func(code string) (evaluation.UnitKind, bool) {
		i := slices.IndexFunc(reg.Units, func(x evaluation.Unit) bool { return x.Code == code })
		if i < 0 {
			return "", false
		}
		return reg.Units[i].Kind, true
	}
	if err := u.Validate(kind); err != nil {
		return Credential{}, err
	}
	if err := s.DB.AddUser(ctx, u, ""); err != nil {
		return Credential{}, err
	}
	if err := s.auditUser(ctx, c, "user.add", u.Name, map[string]string{"role": string(u.Role), "unit": u.Unit}); err != nil {
		return Credential{}, err
	}
	if u.Role == rbac.Dispatch {
		return s.IssueToken(ctx, c, u.Name, days)
	}
	return s.NewPassword(ctx, c, u.Name, false)
}

// NewPassword sets a random password and returns it. Whoever signed in
// with the old one is signed out, and the user's API tokens are revoked
// too unless keepTokens: a password reset after a leak ends every way in.
func (s *Service) NewPassword(ctx context.Context, c rbac.Principal, name string, keepTokens bool) (Credential, error) {
	if err := c.Authorize(ctx, rbac.Write, rbac.Resource{Object: "users"}); err != nil {
		return Credential{}, err
	}
	u, err := s.DB.User(ctx, name)
	if err != nil {
		return Credential{}, err
	}
	if u.Role == rbac.Dispatch {
		return Credential{}, fault.Sayf(fault.Invalid, "set password", "%s 是服务账号，只用令牌登录", "%s is a service account: it signs in with tokens", name)
	}
	pw := rbac.NewPassword()
	hash, err := rbac.HashPassword(pw)
	if err != nil {
		return Credential{}, err
	}
	if err := s.DB.SetPassword(ctx, name, hash); err != nil {
		return Credential{}, err
	}
	// Whoever signed in with the old password is signed out.
	ended, err := s.DB.EndSessions(ctx, name)
	if err != nil {
		return Credential{}, err
	}
	details := map[string]int{"sessions_ended": ended}
	if !keepTokens {
		revoked, err := s.DB.RevokeTokens(ctx, name, "")
		if err != nil {
			return Credential{}, err
		}
		details["tokens_revoked"] = revoked
		s.usersChanged()
	}
	return Credential{Password: pw}, s.auditUser(ctx, c, "user.password", name, details)
}

// SetDisabled disables a user — their tokens are revoked and their
// sessions ended — or enables them again (with no credential: give a
// new password or token).
func (s *Service) SetDisabled(ctx context.Context, c rbac.Principal, name string, disabled bool) error {
	if err := c.Authorize(ctx, rbac.Write, rbac.Resource{Object: "users"}); err != nil {
		return err
	}
	defer s.usersChanged()
	if err := s.DB.SetUserDisabled(ctx, name, disabled); err != nil {
		return err
	}
	if !disabled {
		return s.auditUser(ctx, c, "user.enable", name, struct{}{})
	}
	revoked, err := s.DB.RevokeTokens(ctx, name, "")
	if err != nil {
		return err
	}
	ended, err := s.DB.EndSessions(ctx, name)
	if err != nil {
		return err
	}
	return s.auditUser(ctx, c, "user.disable", name, map[string]int{"tokens_revoked": revoked, "sessions_ended": ended})
}

// IssueToken creates an API token valid for days and returns it.
func (s *Service) IssueToken(ctx context.Context, c rbac.Principal, name string, days int) (Credential, error) {
	if err := c.Authorize(ctx, rbac.Write, rbac.Resource{Object: "users"}); err != nil {
		return Credential{}, err
	}
	if days < 1 || days > 3650 {
		return Credential{}, fault.Sayf(fault.Invalid, "issue token", "令牌有效期须为 1 到 3650 天，不能是 %d 天", "a token lasts 1 to 3650 days, not %d", days)
	}
	u, err := s.DB.User(ctx, name)
	if err != nil {
		return Credential{}, err
	}
	if u.Disabled {
		return Credential{}, fault.Sayf(fault.Conflict, "issue token", "用户 %s 已停用", "user %s is disabled", name)
	}
	token, id, hash := rbac.NewToken()
	expires := s.Now().AddDate(0, 0, days)
	if err := s.DB.AddToken(ctx, name, id, hash, expires); err != nil {
		return Credential{}, err
	}
	return Credential{Token: token, TokenID: id, Expires: expires}, s.auditUser(ctx, c, "token.add", name, map[string]any{"token": id, "expires": expires.UTC()})
}

// RevokeTokens revokes a user's active tokens (one when id is set).
func (s *Service) RevokeTokens(ctx context.Context, c rbac.Principal, name, id string) (int, error) {
	if err := c.Authorize(ctx, rbac.Write, rbac.Resource{Object: "users"}); err != nil {
		return 0, err
	}
	defer s.usersChanged()
	if _, err := s.DB.User(ctx, name); err != nil {
		return 0, err
	}
	n, err := s.DB.RevokeTokens(ctx, name, id)
	if err != nil {
		return 0, err
	}
	return n, s.auditUser(ctx, c, "token.revoke", name, map[string]any{"token": id, "revoked": n})
}

// Users lists the users with their credentials' state (never a secret),
// for those who may manage users.
func (s *Service) Users(ctx context.Context, c rbac.Principal) ([]store.UserRecord, error) {
	if err := c.Authorize(ctx, rbac.Read, rbac.Resource{Object: "users"}); err != nil {
		return nil, err
	}
	return s.DB.Users(ctx)
}

// User reads one user and the state of their credentials, for those who
// may manage users.
func (s *Service) User(ctx context.Context, c rbac.Principal, name string) (UserRecord, error) {
	if err := c.Authorize(ctx, rbac.Read, rbac.Resource{Object: "users"}); err != nil {
		return UserRecord{}, err
	}
	return s.DB.User(ctx, name)
}

// LiftLock lets a user sign in again at once, however many failed
// sign-ins were counted against their name, from whatever addresses; it
// is audited.
func (s *Service) LiftLock(ctx context.Context, c rbac.Principal, name string) error {
	if err := c.Authorize(ctx, rbac.Write, rbac.Resource{Object: "users"}); err != nil {
		return err
	}
	if _, err := s.DB.User(ctx, name); err != nil {
		return err
	}
	if s.LockLifted != nil {
		s.LockLifted(name)
	}
	return s.auditUser(ctx, c, "user.unlock", name, struct{}{})
}
