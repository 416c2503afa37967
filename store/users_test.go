package store

import (
	"context"
	"testing"
	"time"

	"frontline/fault"
	"frontline/rbac"
)

// TestTokensAuthenticate: a token signs its user in until it expires, is
// revoked, or its user is disabled; a wrong secret never does, and every
// failure reads the same.
func TestTokensAuthenticate(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		if err := db.AddUser(ctx, rbac.User{Name: "bot", Role: rbac.Dispatch}, ""); err != nil {
			t.Fatal(err)
		}
		token, id, hash := rbac.NewToken()
		if err := db.AddToken(ctx, "bot", id, hash, fixedNow.Add(24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if u, err := db.UserByToken(ctx, token, fixedNow); err != nil || u.Name != "bot" {
			t.Fatalf("a good token: %v %v", u.Name, err)
		}
		wrong := token[:len(token)-1] + "A"
		if token[len(token)-1] == 'A' {
			wrong = token[:len(token)-1] + "B"
		}
		_, errWrong := db.UserByToken(ctx, wrong, fixedNow)
		_, errUnknown := db.UserByToken(ctx, "flt_000000000000_"+token[len(token)-43:], fixedNow)
		_, errExpired := db.UserByToken(ctx, token, fixedNow.Add(25*time.Hour))
		for name, err := range map[string]error{"wrong secret": errWrong, "unknown id": errUnknown, "expired": errExpired} {
			if fault.KindOf(err) != fault.Forbidden || err.Error() != errWrong.Error() {
				t.Errorf("%s: %v, want the same forbidden answer as every failure", name, err)
			}
		}
		if n, err := db.RevokeTokens(ctx, "bot", ""); err != nil || n != 1 {
			t.Fatalf("revoke: %d %v", n, err)
		}
		if _, err := db.UserByToken(ctx, token, fixedNow); err == nil {
			t.Error("a revoked token still signs in")
		}
		token2, id2, hash2 := rbac.NewToken()
		db.AddToken(ctx, "bot", id2, hash2, fixedNow.Add(time.Hour))
		db.SetUserDisabled(ctx, "bot", true)
		if _, err := db.UserByToken(ctx, token2, fixedNow); err == nil {
			t.Error("a disabled user's token signs in")
		}
	})
}
