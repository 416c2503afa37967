package service

import (
	"context"
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
