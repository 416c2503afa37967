package rbac

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Passwords are hashed with argon2id (RFC 9106's second recommended
// setting scaled to OWASP's minimum: 19 MiB, 2 passes) and kept in the
// PHC string format, so the parameters travel with the hash.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	argonKeyLen  = 32
	saltLen      = 16
)

var b64 = base64.RawStdEncoding

// HashPassword returns the PHC string of a password's argon2id hash.
func HashPassword(password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches a PHC argon2id hash, in
// time that does not depend on where they differ.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var memory, time uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &time, &threads); err != nil || memory > 1<<20 || time > 16 || threads == 0 {
		return false
	}
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, time, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// NewPassword returns a random initial password: 20 characters of base32,
// about 100 bits.
func NewPassword() string {
	b := make([]byte, 13)
	rand.Read(b)
	return strings.ToLower(strings.TrimRight(base32Alphabet(b), "="))[:20]
}

func base32Alphabet(b []byte) string {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789" // no l, o, 0, 1
	var out strings.Builder
	var acc, bits uint
	for _, c := range b {
		acc, bits = acc<<8|uint(c), bits+8
		for bits >= 5 {
			bits -= 5
			out.WriteByte(alphabet[(acc>>bits)&31])
		}
	}
	return out.String()
}

// API tokens are "flt_" + a public id + "_" + a 256-bit secret. Only the
// id and the SHA-256 of the secret are stored: a secret this long needs
// no slow hash, and the id finds the row without comparing secrets.
const tokenPrefix = "flt_"

// NewToken returns a token to show once, its id, and the hash to store.
func NewToken() (token, id, hash string) {
	idb, secret := make([]byte, 6), make([]byte, 32)
	rand.Read(idb)
	rand.Read(secret)
	id = hex.EncodeToString(idb)
	s := base64.RawURLEncoding.EncodeToString(secret)
	return tokenPrefix + id + "_" + s, id, TokenHash(s)
}

// ParseToken splits a token into its id and secret.
func ParseToken(token string) (id, secret string, ok bool) {
	rest, found := strings.CutPrefix(token, tokenPrefix)
	if !found {
		return "", "", false
	}
	id, secret, found = strings.Cut(rest, "_")
	return id, secret, found && len(id) == 12 && len(secret) >= 40
}

// TokenHash is the stored form of a token's secret.
func TokenHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// TokenMatches compares a presented secret with a stored hash in
// constant time.
func TokenMatches(storedHash, secret string) bool {
	return subtle.ConstantTimeCompare([]byte(storedHash), []byte(TokenHash(secret))) == 1
}

// DecoyHash is checked against when a user has no password, so that a
// sign-in takes as long whether or not the name exists.
var DecoyHash = sync.OnceValue(func() string {
	h, _ := HashPassword(NewPassword())
	return h
})

// NewSession returns a dashboard session's secret for the cookie and the
// hash to store.
func NewSession() (secret, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	secret = base64.RawURLEncoding.EncodeToString(b)
	return secret, TokenHash(secret)
}

// CSRFToken is the anti-forgery token of a session: derived from its
// secret, which only the browser holding the cookie knows, so nothing
// more is stored and a page on another site cannot compute it.
func CSRFToken(sessionSecret string) string {
	sum := sha256.Sum256([]byte("frontline csrf\x00" + sessionSecret))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// CSRFMatches compares a presented anti-forgery token in constant time.
func CSRFMatches(sessionSecret, presented string) bool {
	return subtle.ConstantTimeCompare([]byte(CSRFToken(sessionSecret)), []byte(presented)) == 1
}
