package workflow

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"frontline/audit"
	"frontline/evaluation"
	"frontline/exports"
	"frontline/rbac"
	"frontline/store"
	"frontline/view"
)

// ExportRequest asks for a pack.
type ExportRequest struct {
	Kind     string // breaches (more kinds: issue 9)
	Period   evaluation.Period
	AsOf     time.Time
	Policies evaluation.Policies
	Lang     string
}

// Exported is an issued pack: the file and its SHA-256, which the audit
// log keeps.
type Exported struct {
	File   []byte
	SHA256 string
	Rows   int
}

// ExportKinds are the packs there are, each for the roles of DESIGN.md §6.
var ExportKinds = []string{"breaches"}

// Export writes a pack for the caller, limited to their domain, and
// audits it with the file's SHA-256 so that `export verify` can later
// say whether a file is exactly one that was issued.
func (s *Service) Export(ctx context.Context, c Caller, r ExportRequest) (*Exported, error) {
	if !slices.Contains(ExportKinds, r.Kind) {
		return nil, invalid("export", "no export %q: want one of %s", r.Kind, strings.Join(ExportKinds, ", "))
	}
	if err := c.Authorize(ctx, rbac.Read, rbac.Resource{Object: "exports." + r.Kind}); err != nil {
		return nil, err
	}
	head, err := s.DB.AuditHead(ctx)
	if err != nil {
		return nil, err
	}
	loc := r.Policies.At(r.AsOf).Location
	title := map[string][2]string{"breaches": {"超时记录", "Breached deadlines"}}[r.Kind]
	meta := exports.Meta{Kind: r.Kind, Title: pick(r.Lang, title[0], title[1]) + " · " + r.Period.Name, Period: r.Period.Name,
		AsOf: r.AsOf, Policy: r.Policies.At(r.Period.From).Effective.String(), ExportedBy: c.Actor(), ExportedAt: s.Now(),
		AuditHead: head.String(), Lang: r.Lang, Location: loc}
	w, err := exports.New(meta)
	if err != nil {
		return nil, err
	}
	defer w.Close()
	rows, err := s.breachPack(ctx, c, w, r, loc)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		return nil, err
	}
	out := &Exported{File: buf.Bytes(), SHA256: exports.Hash(buf.Bytes()), Rows: rows}
	details, err := json.Marshal(map[string]any{"kind": r.Kind, "period": r.Period.Name, "asof": r.AsOf.UTC(), "lang": r.Lang,
		"rows": rows, "bytes": len(out.File), "sha256": out.SHA256})
	if err != nil {
		return nil, err
	}
	if _, err := s.DB.AppendAudit(ctx, audit.Entry{Actor: c.Actor(), Action: "export", Object: r.Kind + "/" + r.Period.Name,
		Details: string(details)}); err != nil {
		return nil, err
	}
	return out, nil
}

func pick(lang, zh, en string) string {
	if lang == "en" {
		return en
	}
	return zh
}

// breachPack writes the breach pack's sheets: one row per breach with its
// appeal's state and the findings on its case, then every event of those
// cases.
func (s *Service) breachPack(ctx context.Context, c Caller, w *exports.Workbook, r ExportRequest, loc *time.Location) (int, error) {
	breaches, err := s.Breaches(ctx, c, r.Period, r.AsOf, "", loc)
	if err != nil {
		return 0, err
	}
	appealState := map[string]string{}
	appeals, err := s.Appeals(ctx, nil, r.Period.From, r.Period.To)
	if err != nil {
		return 0, err
	}
	for _, ap := range appeals {
		if ap.State != "duplicate" {
			appealState[ap.Target] = ap.State
		}
	}
	findings := map[string][]string{}
	all, err := s.Findings(ctx, nil, r.Period.From, r.Period.To)
	if err != nil {
		return 0, err
	}
	for _, f := range all {
		findings[f.Case] = append(findings[f.Case], f.ID+" "+f.Target+" "+f.Severity+" "+f.State)
	}
	T := func(zh, en string) string { return pick(r.Lang, zh, en) }
	cols := []exports.Column{{Header: T("单位", "Unit")}, {Header: T("案件", "Case")}, {Header: T("环节", "Milestone")},
		{Header: T("轮次", "Round"), Kind: exports.Integer}, {Header: T("开始", "Start"), Kind: exports.DateTime},
		{Header: T("时限", "Deadline"), Kind: exports.DateTime}, {Header: T("实际完成", "Done"), Kind: exports.DateTime},
		{Header: T("超时（时:分）", "Overdue (h:mm)"), Kind: exports.Duration}, {Header: T("免责", "Excused")},
		{Header: T("申诉", "Appeal")}, {Header: T("监督发现", "Findings")}}
	n, err := w.Table(T("超时记录", "Breaches"), cols, func(add func(...any) error) error {
		for _, b := range breaches {
			excused := ""
			if b.Excused {
				excused = T("是", "yes")
			}
			if err := add(b.Unit, b.Case, label(r.Lang, b.Milestone), b.Round, b.Start, b.Deadline, b.Actual, b.OverdueSeconds,
				excused, label(r.Lang, appealState[b.ID]), strings.Join(findings[b.Case], "; ")); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	var cases []string
	for _, b := range breaches {
		if len(cases) == 0 || cases[len(cases)-1] != b.Case {
			cases = append(cases, b.Case)
		}
	}
	slices.Sort(cases)
	cases = slices.Compact(cases)
	trails, err := s.DB.Trails(ctx, cases)
	if err != nil {
		return n, err
	}
	eventCols := []exports.Column{{Header: T("案件", "Case")}, {Header: T("事件", "Event")}, {Header: T("时间", "Time"), Kind: exports.DateTime},
		{Header: T("类型", "Type")}, {Header: T("单位", "Unit")}, {Header: T("对象", "Target")}, {Header: T("说明", "Note")}}
	_, err = w.Table(T("事件", "Events"), eventCols, func(add func(...any) error) error {
		for _, id := range cases {
			for _, e := range trails[id] {
				if err := add(e.Case, e.ID, e.At, label(r.Lang, string(e.Type)), e.Unit, e.Target, e.Note); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return n, err
}

// VerifyExport says whether a file is byte for byte a pack that was
// issued, and which audit entry issued it.
func (s *Service) VerifyExport(ctx context.Context, c Caller, file []byte) (*audit.Entry, error) {
	if err := c.Authorize(ctx, rbac.Read, rbac.Resource{Object: "audit"}); err != nil {
		return nil, err
	}
	sum := exports.Hash(file)
	var found *audit.Entry
	err := s.DB.AuditEntries(ctx, store.AuditFilter{Action: "export"}, func(e audit.Entry) error {
		var d struct{ SHA256 string }
		if json.Unmarshal([]byte(e.Details), &d) == nil && d.SHA256 == sum && found == nil {
			found = &e
		}
		return nil
	})
	return found, err
}

// label names a code in lang; nothing stays nothing.
func label(lang, code string) string {
	if code == "" {
		return ""
	}
	return view.Label(code, lang)
}
