package service

import (
	"context"
	"strings"
	"testing"
	"time"

	"frontline/fault"
	"frontline/rbac"
	"frontline/store"
)

// TestTokensAuthenticate: a token signs its user in until it expires, is
// revoked, or its user is disabled; a wrong secret never does, and every
// failure reads the same.
func TestTokensAuthenticate(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, db *store.DB) {
		ctx := context.Background()
		if err := db.AddUser(ctx, rbac.User{Name: "bot", Role: rbac.Dispatch}, ""); err != nil {
			t.Fatal(err)
		}
		token, id, hash := rbac.NewToken()
		if err := db.AddToken(ctx, "bot", id, hash, testNow.Add(24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if u, err := svc.UserByToken(ctx, token); err != nil || u.Name != "bot" {
			t.Fatalf("a good token: %v %v", u.Name, err)
		}
		wrong := token[:len(token)-1] + "A"
		if token[len(token)-1] == 'A' {
			wrong = token[:len(token)-1] + "B"
		}
		_, errWrong := svc.UserByToken(ctx, wrong)
		_, errUnknown := svc.UserByToken(ctx, "flt_000000000000_"+token[len(token)-43:])
		_, errExpired := svc.at(testNow.Add(25*time.Hour)).UserByToken(ctx, token)
		for name, err := range map[string]error{"wrong secret": errWrong, "unknown id": errUnknown, "expired": errExpired} {
			if fault.KindOf(err) != fault.Forbidden || err.Error() != errWrong.Error() {
				t.Errorf("%s: %v, want the same forbidden answer as every failure", name, err)
			}
		}
		if n, err := db.RevokeTokens(ctx, "bot", ""); err != nil || n != 1 {
			t.Fatalf("revoke: %d %v", n, err)
		}
		if _, err := svc.UserByToken(ctx, token); err == nil {
			t.Error("a revoked token still signs in")
		}
		token2, id2, hash2 := rbac.NewToken()
		db.AddToken(ctx, "bot", id2, hash2, testNow.Add(time.Hour))
		db.SetUserDisabled(ctx, "bot", true)
		if _, err := svc.UserByToken(ctx, token2); err == nil {
			t.Error("a disabled user's token signs in")
		}
	})
}

// at is the service with its clock stopped at t.
func (s *Service) at(t time.Time) *Service {
	c := *s
	c.Now = func() time.Time { return t }
	return &c
}

// TestNewPasswordEndsEveryWayIn, on both engines: a new password signs
// out the user's sessions and revokes their API tokens, unless the admin
// keeps the tokens; the audit entry counts both.
func TestNewPasswordEndsEveryWayIn(t *testing.T) {
	forEachService(t, func(t *testing.T, svc *Service, db *store.DB) {
		ctx := context.Background()
		if _, err := svc.AddUser(ctx, rbac.Local(), rbac.User{Name: "olga", Role: rbac.OrgAssessor}, 90); err != nil {
			t.Fatal(err)
		}
		limits := SessionLimits{Idle: time.Hour, Absolute: 2 * time.Hour}
		token := func() string {
			cred, err := svc.IssueToken(ctx, rbac.Local(), "olga", 30)
			if err != nil {
				t.Fatal(err)
			}
			return cred.Token
		}
		u, _ := svc.User(ctx, rbac.Local(), "olga")
		first := token()
		secret, _, err := svc.StartSession(ctx, u, "127.0.0.1", limits)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.NewPassword(ctx, rbac.Local(), "olga", false); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.UserByToken(ctx, first); err == nil {
			t.Error("a token from before the new password still signs in")
		}
		if _, err := svc.SessionUser(ctx, secret, limits); err == nil {
			t.Error("a session from before the new password goes on")
		}
		kept := token()
		if _, err := svc.NewPassword(ctx, rbac.Local(), "olga", true); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.UserByToken(ctx, kept); err != nil {
			t.Errorf("a token kept on purpose: %v", err)
		}
		entries := auditActions(t, db, "user.password")
		if len(entries) != 3 || !strings.Contains(entries[1].Details, `"tokens_revoked":1`) || strings.Contains(entries[2].Details, "tokens_revoked") {
			t.Errorf("password changes audited as %+v", entries)
		}
	})
}
