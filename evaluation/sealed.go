package evaluation

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
)

// Secrets Frontline must use again, not only check — a webhook's signing
// secret — are kept sealed (AES-256-GCM) under a key derived from the
// deployment's key, never in clear in the database.

// box returns the AEAD for one purpose.
func (p *Pseudonymizer) box(purpose string) (cipher.AEAD, error) {
	m := hmac.New(sha256.New, p.key)
	m.Write([]byte("frontline sealed secret: " + purpose))
	block, err := aes.NewCipher(m.Sum(nil))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Seal encrypts a secret for purpose, bound to id (what it belongs to).
func (p *Pseudonymizer) Seal(purpose, id string, secret []byte) ([]byte, error) {
	box, err := p.box(purpose)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, box.NonceSize())
	rand.Read(nonce)
	return box.Seal(nonce, nonce, secret, []byte(id)), nil
}

// ErrUnsealable says a sealed secret does not open: another key sealed it,
// or it was altered.
var ErrUnsealable = errors.New("the sealed secret does not open with this deployment's key")

// Unseal decrypts what Seal sealed for purpose and id.
func (p *Pseudonymizer) Unseal(purpose, id string, sealed []byte) ([]byte, error) {
	box, err := p.box(purpose)
	if err != nil {
		return nil, err
	}
	if len(sealed) < box.NonceSize() {
		return nil, ErrUnsealable
	}
	out, err := box.Open(nil, sealed[:box.NonceSize()], sealed[box.NonceSize():], []byte(id))
	if err != nil {
		return nil, ErrUnsealable
	}
	return out, nil
}
