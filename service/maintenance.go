package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"

	"frontline/audit"
	"frontline/fault"

	"frontline/evaluation"
	"frontline/rbac"
	"frontline/store"
)

// Rebuild recomputes every case's derived state from the event log,
// audits it and refreshes the kept scores; it returns the cases rebuilt.
// It takes the right to change the policy, which recomputes the same.
func (s *Service) Rebuild(ctx context.Context, p rbac.Principal) (int, error) {
	if err := p.Authorize(ctx, rbac.Write, rbac.Resource{Object: "policy"}); err != nil {
		return 0, err
	}
	n, err := s.DB.Rebuild(ctx)
	if err != nil {
		return 0, err
	}
	return n, s.audit(ctx, p, "rebuild", "cases", map[string]int{"cases": n})
}

// RefreshKept recomputes the kept monthly scores as of a time (RFC 3339
// or a date; "" for now, another time to replay history): the months
// events made stale, or every month when all is set (pending deadlines
// fall due as time passes). It returns the months refreshed.
func (s *Service) RefreshKept(ctx context.Context, p rbac.Principal, asofText string, all bool) ([]string, error) {
	if err := p.Authorize(ctx, rbac.Write, rbac.Resource{Object: "policy"}); err != nil {
		return nil, err
	}
	asof := s.Now()
	if asofText != "" {
		policies, err := s.DB.Policies(ctx)
		if err != nil {
			return nil, err
		}
		if asof, err = evaluation.ParseAsOf(asofText, policies.At(asof).Location); err != nil {
			return nil, err
		}
	}
	if all {
		if err := s.DB.MarkScoresStale(ctx); err != nil {
			return nil, err
		}
	}
	return s.Refresh(ctx, asof)
}

// QuarantineEntry is an event held back for codes the registry lacks.
type QuarantineEntry = store.QuarantineEntry

// Quarantine lists up to limit events held back for unknown codes, and
// how many there are.
func (s *Service) Quarantine(ctx context.Context, p rbac.Principal, limit int) ([]QuarantineEntry, int, error) {
	if err := p.Authorize(ctx, rbac.Read, rbac.Resource{Object: "registry"}); err != nil {
		return nil, 0, err
	}
	return s.DB.QuarantineList(ctx, limit)
}

// Backups are for the machine's operator, who can read the database
// anyway: no user role is granted them (the policy file names none).
var backupResource = rbac.Resource{Object: "backup"}

// Backup is a copy of the database as written: its file, size and
// digest, and the audit chain's head it holds.
type Backup struct {
	File   string
	Bytes  int64
	SHA256 string
	Engine string
	Head   audit.Head
}

// Backup writes a consistent copy of the database to file (never over a
// file that exists: it is written beside it and renamed at the end) and
// records it in the audit log with its digest and the chain's head.
func (s *Service) Backup(ctx context.Context, p rbac.Principal, file string) (Backup, error) {
	b := Backup{File: file, Engine: string(s.DB.Engine())}
	if err := p.Authorize(ctx, rbac.Read, backupResource); err != nil {
		return b, err
	}
	if _, err := os.Stat(file); err == nil {
		return b, fault.Sayf(fault.Conflict, "backup", "%s 已存在；不会覆盖已有文件", "%s exists; Frontline does not overwrite a file", file)
	}
	if kept, err := s.KeyKept(ctx); err != nil {
		return b, err
	} else if kept {
		// Backups never carry the key; a backup of a database that keeps
		// it would be one whose pseudonyms nothing could check again.
		return b, fault.Sayf(fault.Conflict, "backup", "假名化密钥只保存在本数据库中，而备份从不带走密钥：请先把密钥移出", "the pseudonym key is kept only in this database, and a backup never carries it: move it out first")
	}
	head, err := s.DB.AuditHead(ctx)
	if err != nil {
		return b, err
	}
	b.Head = head
	tmp := file + ".partial"
	os.Remove(tmp)
	defer os.Remove(tmp) // a no-op once renamed
	if err := s.DB.Backup(ctx, tmp); err != nil {
		return b, err
	}
	if b.SHA256, b.Bytes, err = fileDigest(tmp); err != nil {
		return b, err
	}
	if err := os.Rename(tmp, file); err != nil {
		return b, err
	}
	if err := s.audit(ctx, p, "backup", file, map[string]any{"sha256": b.SHA256, "bytes": b.Bytes, "engine": b.Engine,
		"audit_head": head.String()}); err != nil {
		// A copy the log does not record is not left behind.
		os.Remove(file)
		return b, err
	}
	return b, nil
}

// Restored checks the audit chain of a database just restored from file
// and, when it is whole, records the restore in it. Whoever restored the
// file held the database's storage: there is nothing left to authorize.
func (s *Service) Restored(ctx context.Context, p rbac.Principal, file string) (audit.Head, int64, *audit.Problem, error) {
	head, n, problem, err := s.DB.VerifyAudit(ctx, nil)
	if err != nil || problem != nil {
		return head, n, problem, err
	}
	sum, _, err := fileDigest(file)
	if err != nil {
		return head, n, nil, err
	}
	return head, n, nil, s.audit(ctx, p, "restore", file, map[string]any{"sha256": sum, "audit_head": head.String()})
}

func fileDigest(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	return hex.EncodeToString(h.Sum(nil)), n, err
}

// Empty says whether the database holds no event and no user yet.
func (s *Service) Empty(ctx context.Context) (bool, error) { return s.DB.Empty(ctx) }

// AuditHead is the audit chain's head now, to print under a report so
// that it can be checked later against the log.
func (s *Service) AuditHead(ctx context.Context) (audit.Head, error) { return s.DB.AuditHead(ctx) }
