package service

import (
	"context"
	"crypto/rand"
	"encoding/base64"

	"frontline/evaluation"
	"frontline/fault"
	"frontline/rbac"
)

// The pseudonymisation key keys the hashes of reporters, addresses and
// access codes (DESIGN.md §3). It belongs outside the data: with it and a
// copy of the database, a resident's access code or a phone number is
// found in seconds. It comes from the environment or a key file
// (PseudoKey); a database made before that, or a demo's, may still keep
// one in its settings, which keeps working (KeyInDatabase is told) until
// MoveKey takes it out. Backups never carry it.

const (
	keySetting   = "secret:pseudonym"
	checkSetting = "check:pseudonym" // a keyed hash of a fixed text: tells a wrong key from the right one
)

// keyCheck is what a key makes of a fixed text, kept to recognise it.
func keyCheck(p *evaluation.Pseudonymizer) string { return p.Address("frontline pseudonym key check") }

// Pseudonymizer returns the service's pseudonymizer, made the first time:
// from PseudoKey when the door has a key of its own, else from the key
// this database keeps. A key is checked against the one the database's
// events were pseudonymised with: a wrong one is refused, never used. A
// database with events and no key at all is refused too; an empty one
// makes a key and keeps it (a first run, a demo).
func (s *Service) Pseudonymizer(ctx context.Context) (*evaluation.Pseudonymizer, error) {
	if s.Pseudo != nil {
		return s.Pseudo, nil
	}
	// A database made before keys were checked: its own key's check first.
	if v, ok, err := s.DB.Setting(ctx, keySetting); err != nil {
		return nil, err
	} else if ok {
		if key, err := base64.StdEncoding.DecodeString(v); err == nil {
			if _, err := s.DB.AddSetting(ctx, checkSetting, keyCheck(evaluation.NewPseudonymizer(key))); err != nil {
				return nil, err
			}
		}
	}
	var pseudo *evaluation.Pseudonymizer
	if s.PseudoKey != nil {
		p, err := s.PseudoKey(ctx)
		if err != nil {
			return nil, err
		}
		pseudo = p
	} else {
		p, err := s.storedKey(ctx)
		if err != nil {
			return nil, err
		}
		pseudo = p
	}
	kept, err := s.DB.AddSetting(ctx, checkSetting, keyCheck(pseudo))
	if err != nil {
		return nil, err
	}
	if kept != keyCheck(pseudo) {
		return nil, fault.Sayf(fault.Invalid, "pseudonym key", "这不是本数据库假名化所用的密钥", "this is not the key the database's data was pseudonymised with")
	}
	s.Pseudo = pseudo
	return pseudo, nil
}

// storedKey is the key the database keeps, made if it has none and holds
// no data yet.
func (s *Service) storedKey(ctx context.Context) (*evaluation.Pseudonymizer, error) {
	v, ok, err := s.DB.Setting(ctx, keySetting)
	if err != nil {
		return nil, err
	}
	if !ok {
		if _, checked, err := s.DB.Setting(ctx, checkSetting); err != nil {
			return nil, err
		} else if checked {
			return nil, fault.Sayf(fault.Invalid, "pseudonym key", "本数据库的假名化密钥保存在库外，但没有提供", "the key this database's data was pseudonymised with is kept outside it, and none was given")
		}
		empty, err := s.DB.Empty(ctx)
		if err != nil {
			return nil, err
		}
		if !empty {
			return nil, fault.Sayf(fault.Invalid, "pseudonym key", "数据库中有数据却没有密钥，也没有提供密钥", "the database holds data but no key, and none was given")
		}
		fresh := make([]byte, 32)
		rand.Read(fresh)
		if v, err = s.DB.AddSetting(ctx, keySetting, base64.StdEncoding.EncodeToString(fresh)); err != nil {
			return nil, err
		}
	}
	key, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return nil, err
	}
	if s.KeyInDatabase != nil {
		s.KeyInDatabase()
	}
	return evaluation.NewPseudonymizer(key), nil
}

// KeyKept says whether the database keeps the pseudonymisation key.
func (s *Service) KeyKept(ctx context.Context) (bool, error) {
	_, ok, err := s.DB.Setting(ctx, keySetting)
	return ok, err
}

// MoveKey takes the key the database keeps out of it: write is given the
// key (the command line writes it to a file and reads it back) and, once
// it returned nil, the database forgets it. The operator's alone: no role
// is granted it.
func (s *Service) MoveKey(ctx context.Context, p rbac.Principal, write func(key []byte) error) error {
	if err := p.Authorize(ctx, rbac.Write, rbac.Resource{Object: "keys"}); err != nil {
		return err
	}
	v, ok, err := s.DB.Setting(ctx, keySetting)
	if err != nil {
		return err
	}
	if !ok {
		return fault.Sayf(fault.NotFound, "move key", "数据库中没有假名化密钥", "the database keeps no pseudonym key")
	}
	key, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return err
	}
	if _, err := s.DB.AddSetting(ctx, checkSetting, keyCheck(evaluation.NewPseudonymizer(key))); err != nil {
		return err
	}
	if err := write(key); err != nil {
		return err
	}
	if err := s.DB.DeleteSetting(ctx, keySetting); err != nil {
		return err
	}
	return s.audit(ctx, p, "key.move", "pseudonym", struct{}{})
}
