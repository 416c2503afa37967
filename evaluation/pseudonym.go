package evaluation

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// Pseudonymizer replaces personal identifiers with keyed hashes before
// anything is stored: the same reporter always gets the same pseudonym, so
// repeat reports can be linked, but the clear identity cannot be recovered
// or confirmed by guessing without the key.
type Pseudonymizer struct{ key []byte }

// NewPseudonymizer returns a pseudonymizer with the given secret key.
func NewPseudonymizer(key []byte) *Pseudonymizer { return &Pseudonymizer{key: key} }

// Prefixes mark stored values as keyed hashes of a given scheme version.
const (
	reporterPrefix   = "p1:"
	accessCodePrefix = "a1:"
	addressPrefix    = "n1:"
)

func (p *Pseudonymizer) sum(parts ...string) string {
	m := hmac.New(sha256.New, p.key)
	for _, s := range parts {
		m.Write([]byte(s))
		m.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// Reporter returns the pseudonym of a reporter identity.
func (p *Pseudonymizer) Reporter(id string) string {
	return reporterPrefix + p.sum("reporter", id)
}

// Address returns the pseudonym of a network address, for the audit
// log: attempts from one address can be told apart from another's
// without the address being kept.
func (p *Pseudonymizer) Address(addr string) string {
	return addressPrefix + p.sum("address", addr)
}

// AccessCode returns the stored form of a case's access code. The case id
// is mixed in so that equal codes of different cases hash differently.
func (p *Pseudonymizer) AccessCode(caseID, code string) string {
	return accessCodePrefix + p.sum("access", caseID, code)
}

// CheckAccessCode reports in constant time whether code matches the stored hash.
func (p *Pseudonymizer) CheckAccessCode(caseID, code, stored string) bool {
	return subtle.ConstantTimeCompare([]byte(p.AccessCode(caseID, code)), []byte(stored)) == 1
}

// Apply replaces the event's reporter and access code with their keyed
// hashes. It is called exactly once, on input from outside; events read
// back from storage are already pseudonymised.
func (p *Pseudonymizer) Apply(e *Event) {
	if e.Reporter != "" {
		e.Reporter = p.Reporter(e.Reporter)
	}
	if e.AccessCode != "" {
		e.AccessCode = p.AccessCode(e.Case, e.AccessCode)
	}
}
