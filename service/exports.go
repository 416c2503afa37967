package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"frontline/audit"
	"frontline/evaluation"
	"frontline/exports"
	"frontline/fault"
	"frontline/formats"
	"frontline/rbac"
	"frontline/scoring"
	"frontline/store"
	"frontline/view"
)

// ExportRequest asks for a pack.
type ExportRequest struct {
	Kind     string // breaches, cadres, unit
	Unit     string // the unit pack's unit: the caller's own
	Period   evaluation.Period
	AsOf     time.Time
	Policies evaluation.Policies
	Lang     string
}

// Exported is an issued pack: its size and SHA-256, which the audit log
// keeps, and its rows.
type Exported struct {
	Bytes  int64
	SHA256 string
	Rows   int
}

// ExportKinds are the packs there are, each for the roles of DESIGN.md §6.
var ExportKinds = []string{"meeting", "breaches", "cadres", "unit"}

// Export writes a pack for the caller to out, limited to their domain,
// and audits it with the file's SHA-256 so that `export verify` can later
// say whether a file is exactly one that was issued. The file streams to
// out as it is packed; the caller hands it on only after Export returns
// without error, when it is audited.
func (s *Service) Export(ctx context.Context, c rbac.Principal, r ExportRequest, out io.Writer) (*Exported, error) {
	if !slices.Contains(ExportKinds, r.Kind) {
		return nil, fault.Sayf(fault.Invalid, "export", "没有名为 %q 的导出；可选 %s", "no export %q: want one of %s", r.Kind, strings.Join(ExportKinds, ", "))
	}
	res := rbac.Resource{Object: "exports." + r.Kind}
	if r.Kind == "unit" {
		if r.Unit == "" {
			return nil, fault.Sayf(fault.Invalid, "export", "单位材料包须指定单位", "the unit pack needs a unit")
		}
		res.Unit = r.Unit
	}
	if err := c.Authorize(ctx, rbac.Read, res); err != nil {
		return nil, err
	}
	head, err := s.DB.AuditHead(ctx)
	if err != nil {
		return nil, err
	}
	events, err := s.DB.EventsHead(ctx)
	if err != nil {
		return nil, err
	}
	loc := r.Policies.At(r.AsOf).Location
	var units map[string]evaluation.Unit // the registry's, for the unit pack
	if r.Kind == "unit" {
		if units, err = s.registryUnits(ctx); err != nil {
			return nil, err
		}
	}
	named := view.WithCode(view.Name(units[r.Unit].Name, r.Lang), r.Unit)
	policy := r.Policies.At(r.Period.From)
	meta := exports.Meta{Kind: r.Kind, Title: exports.Title(r.Kind, named, r.Lang) + " · " + r.Period.Name, Period: r.Period.Name,
		AsOf: r.AsOf, Policy: policyInWords(policy, r.Lang), ExportedBy: exporter(c, r.Lang), ExportedAt: s.Now(),
		District: view.Name(policy.District, r.Lang), AuditHead: head.String(), EventsHead: events.String(), Lang: r.Lang, Location: loc}
	w, err := exports.New(meta)
	if err != nil {
		return nil, err
	}
	defer w.Close()
	var rows int
	switch r.Kind {
	case "meeting":
		rows, err = s.meetingPack(ctx, w, r, loc)
	case "breaches":
		rows, err = s.breachPack(ctx, c, w, r, loc)
	case "cadres":
		rows, err = s.cadrePack(ctx, w, r, loc)
	case "unit":
		rows, err = s.unitPack(ctx, c, w, r, loc, units)
	}
	if err != nil {
		return nil, err
	}
	sum := sha256.New()
	n, err := w.WriteTo(io.MultiWriter(out, sum))
	if err != nil {
		return nil, err
	}
	pack := &Exported{Bytes: n, SHA256: hex.EncodeToString(sum.Sum(nil)), Rows: rows}
	details, err := json.Marshal(map[string]any{"kind": r.Kind, "period": r.Period.Name, "asof": r.AsOf.UTC(), "lang": r.Lang,
		"rows": rows, "bytes": pack.Bytes, "sha256": pack.SHA256})
	if err != nil {
		return nil, err
	}
	if _, err := s.DB.AppendAudit(ctx, audit.Entry{Actor: c.Actor(), Action: "export", Object: r.Kind + "/" + r.Period.Name,
		Details: string(details)}); err != nil {
		return nil, err
	}
	return pack, nil
}

// breachPack reads the breach pack: the breaches, the state of their
// appeals and the findings on their cases, and their cases' trails.
func (s *Service) breachPack(ctx context.Context, c rbac.Principal, w *exports.Workbook, r ExportRequest, loc *time.Location) (int, error) {
	p := exports.Breaches{Findings: map[string][]string{}}
	var err error
	if p.AppealState, err = s.appealStates(ctx, r.Period); err != nil {
		return 0, err
	}
	all, err := s.findings(ctx, rbac.Local(), r.Period.From, r.Period.To)
	if err != nil {
		return 0, err
	}
	units, err := s.registryUnits(ctx)
	if err != nil {
		return 0, err
	}
	p.Names = make(map[string]string, len(units))
	for code, u := range units {
		p.Names[code] = view.Name(u.Name, r.Lang)
	}
	for _, f := range all {
		p.Findings[f.Case] = append(p.Findings[f.Case], findingInWords(f.Severity, f.State, view.WithCode(p.Names[f.Target], f.Target), r.Lang))
	}
	p.Each = func(ctx context.Context, yield func(view.Breach) error) error {
		return s.EachBreach(ctx, c, r.Period, r.AsOf, "", loc, yield)
	}
	// The trails a chunk of cases at a time: memory holds a few chunks'.
	p.Trails = func(ctx context.Context, cases []string, yield func(evaluation.Event) error) error {
		const chunk = 2000
		for start := 0; start < len(cases); start += chunk {
			part := cases[start:min(start+chunk, len(cases))]
			trails, err := s.DB.Trails(ctx, part)
			if err != nil {
				return err
			}
			for _, id := range part {
				for _, e := range trails[id] {
					if err := yield(e); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	return w.WriteBreaches(ctx, p)
}

// VerifyExport says whether a file is byte for byte a pack that was
// issued, and which audit entry issued it.
func (s *Service) VerifyExport(ctx context.Context, c rbac.Principal, file []byte) (*audit.Entry, error) {
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

// cadrePack reads the cadre assessment: the cadres ranked over the
// period, and each one's score in each of its months.
func (s *Service) cadrePack(ctx context.Context, w *exports.Workbook, r ExportRequest, loc *time.Location) (int, error) {
	scored, err := s.cadres(ctx, r.Period, r.AsOf, r.Policies, "all")
	if err != nil {
		return 0, err
	}
	p := exports.Cadres{Cadres: make([]view.Cadre, len(scored)), Trend: map[string]map[string]*float64{}}
	for i, c := range scored {
		p.Cadres[i] = view.CadreOf(c, loc, r.Lang)
	}
	for _, m := range trendMonths(r.Period, r.AsOf, loc) {
		scored, err := s.cadres(ctx, m, r.AsOf, r.Policies, "all")
		if err != nil {
			return 0, err
		}
		p.Months = append(p.Months, m.Name)
		p.Trend[m.Name] = map[string]*float64{}
		for _, c := range scored {
			p.Trend[m.Name][c.Cadre.ID] = view.Round(c.Score)
		}
	}
	// No month past the data: a trailing month nobody has a score in is
	// one the data have not reached.
	for len(p.Months) > 0 && !slices.ContainsFunc(slices.Collect(maps.Values(p.Trend[p.Months[len(p.Months)-1]])), func(v *float64) bool { return v != nil }) {
		p.Months = p.Months[:len(p.Months)-1]
	}
	return w.WriteCadres(p)
}

// unitPack reads a head's own unit: its scores by month (and over the
// period), its breaches, and the evaluations it received.
func (s *Service) unitPack(ctx context.Context, c rbac.Principal, w *exports.Workbook, r ExportRequest, loc *time.Location, units map[string]evaluation.Unit) (int, error) {
	p := exports.Unit{Kind: units[r.Unit].Kind}
	months := trendMonths(r.Period, r.AsOf, loc)
	periods := months
	if len(MonthsOf(r.Period, loc)) > 1 {
		periods = append(periods, r.Period) // and the whole period
	}
	for i, m := range periods {
		report, err := s.scorePeriod(ctx, m, r.AsOf, r.Policies)
		if err != nil {
			return 0, err
		}
		for _, u := range report.Units {
			if u.Unit == r.Unit {
				p.Scores = append(p.Scores, exports.UnitScores{Period: m.Name, Total: i == len(months), Unit: view.UnitOf(u, r.Lang)})
			}
		}
	}
	breaches, err := s.Breaches(ctx, c, r.Period, r.AsOf, r.Unit, loc)
	if err != nil {
		return 0, err
	}
	p.Breaches = breaches
	if p.AppealState, err = s.appealStates(ctx, r.Period); err != nil {
		return 0, err
	}
	data, err := s.DB.ScoringData(ctx, r.Period.From, r.Period.To)
	if err != nil {
		return 0, err
	}
	nameOf := func(code string) string { return view.Name(units[code].Name, r.Lang) }
	for _, a := range data.Assignments {
		if a.Unit == r.Unit && a.ResponseScore != nil {
			p.Evaluations = append(p.Evaluations, exports.Evaluation{Case: a.Case, From: a.ResponseRater, FromName: nameOf(a.ResponseRater), Score: a.ResponseScore})
		}
		if a.By == r.Unit && (a.CallScore != nil || a.CallAccurate != nil) {
			p.Evaluations = append(p.Evaluations, exports.Evaluation{Case: a.Case, From: a.Unit, FromName: nameOf(a.Unit), Call: true,
				Score: a.CallScore, Accurate: a.CallAccurate})
		}
	}
	return w.WriteUnit(p)
}

// registryUnits are the registry's units by code.
func (s *Service) registryUnits(ctx context.Context) (map[string]evaluation.Unit, error) {
	reg, err := s.DB.Registry(ctx)
	if err != nil {
		return nil, err
	}
	units := make(map[string]evaluation.Unit, len(reg.Units))
	for _, u := range reg.Units {
		units[u.Code] = u
	}
	return units, nil
}

// previous is the period before p, of the same length: the month, the
// quarter or the year before, or as many days.
func previous(p evaluation.Period, loc *time.Location) evaluation.Period {
	from, to := p.From.In(loc), p.To.In(loc)
	var prevFrom time.Time
	switch {
	case from.AddDate(0, 1, 0).Equal(to):
		prevFrom = from.AddDate(0, -1, 0)
	case from.AddDate(0, 3, 0).Equal(to):
		prevFrom = from.AddDate(0, -3, 0)
	case from.AddDate(1, 0, 0).Equal(to):
		prevFrom = from.AddDate(-1, 0, 0)
	default:
		prevFrom = from.Add(-to.Sub(from))
	}
	return evaluation.Period{Name: prevFrom.Format("2006-01-02"), From: prevFrom, To: from}
}

// meetingPack reads the organization department's meeting pack: the
// period's scores and the period before's, its cases' compact rows (for
// satisfaction and the matrix), and its breaches, counted by milestone
// and the longest of them.
func (s *Service) meetingPack(ctx context.Context, w *exports.Workbook, r ExportRequest, loc *time.Location) (int, error) {
	policy := r.Policies.At(r.Period.From)
	prev := previous(r.Period, loc)
	opt := scoring.Options{AsOf: r.AsOf, Scoring: policy.Scoring}
	everyone := rbac.Local() // the right to the pack (exports.meeting) is to the whole district

	// The four reads are independent and each mostly waits on its own
	// connection: they run side by side.
	var (
		report, before *scoring.Report
		data           *scoring.Data
		byMilestone    = map[string]int{}
		top            []view.Breach // the longest, longest first; ties by due time
		trend          *scoring.Data // the twelve months up to the period's end, for satisfaction's trend
		window         = trendMonths(r.Period, r.AsOf, loc)
	)
	const longest = 40 // a page's worth
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		report, err = s.scorePeriod(gctx, r.Period, r.AsOf, r.Policies)
		return err
	})
	g.Go(func() (err error) {
		before, err = s.scorePeriod(gctx, prev, r.AsOf, r.Policies)
		return err
	})
	g.Go(func() (err error) {
		data, err = s.DB.ScoringData(gctx, r.Period.From, r.Period.To)
		return err
	})
	if len(window) > 0 && window[0].From.Before(r.Period.From) {
		g.Go(func() (err error) {
			trend, err = s.DB.ScoringData(gctx, window[0].From, r.Period.To)
			return err
		})
	}
	g.Go(func() error {
		return s.EachBreach(gctx, everyone, r.Period, r.AsOf, "", loc, func(b view.Breach) error {
			byMilestone[b.Milestone]++
			if len(top) == longest && b.OverdueSeconds <= top[longest-1].OverdueSeconds {
				return nil
			}
			i, _ := slices.BinarySearchFunc(top, b.OverdueSeconds, func(t view.Breach, overdue int64) int {
				if t.OverdueSeconds >= overdue {
					return -1 // the earlier of equals stays first
				}
				return 1
			})
			top = slices.Insert(top, i, b)[:min(len(top)+1, longest)]
			return nil
		})
	})
	if err := g.Wait(); err != nil {
		return 0, err
	}
	if trend == nil {
		trend = data
	}
	p := exports.Meeting{Cases: len(data.Cases), Satisfaction: scoring.Satisfaction(data, opt, loc), Trend: scoring.Satisfaction(trend, opt, loc),
		Target:   policy.Scoring.SatisfactionTarget,
		Breaches: byMilestone, Units: report.Units, MinCases: policy.Scoring.MinCases, Before: map[string]*float64{}, Pairs: view.PairsOf(scoring.Matrix(data, opt)), Longest: top}
	for _, u := range before.Units {
		p.Before[u.Unit] = view.Round(u.Score)
	}
	for _, m := range window {
		p.TrendMonths = append(p.TrendMonths, m.Name)
	}
	return w.WriteMeeting(p)
}

// exporter names who exported a pack for its cover: the user with their
// role in words ("olga（组织部考核员）"), or the local operator.
func exporter(c rbac.Principal, lang string) string {
	u, ok := c.User()
	if !ok {
		return view.Pick(lang, "本机操作员（直接使用数据库）", "the local operator (at the database itself)")
	}
	return fmt.Sprintf(view.Pick(lang, "%s（%s）", "%s (%s)"), u.Name, view.Words(string(u.Role), lang))
}

// trendMonths are the months a trend shows: the twelve up to the period's
// last month (a year's own months), none starting after asof.
func trendMonths(p evaluation.Period, asof time.Time, loc *time.Location) []evaluation.Period {
	last := p.To.In(loc).Add(-time.Nanosecond)
	end := time.Date(last.Year(), last.Month(), 1, 0, 0, 0, 0, loc).AddDate(0, 1, 0)
	months := MonthsOf(evaluation.Period{From: end.AddDate(-1, 0, 0), To: end}, loc)
	for len(months) > 0 && months[len(months)-1].From.After(asof) {
		months = months[:len(months)-1]
	}
	return months
}

// policyInWords says which policy a pack was made under, for its cover:
// its date, which file (its fingerprint), or that it is the default.
func policyInWords(p *evaluation.Policy, lang string) string {
	if p.Digest == formats.DefaultPolicy().Digest {
		return view.Pick(lang, "内置默认政策（时限与计分按系统默认规则）", "the built-in default policy (the system's default limits and scoring)")
	}
	return fmt.Sprintf(view.Pick(lang, "自 %s 起施行的版本（文件指纹 %s）", "the version in force from %s (file fingerprint %s)"), p.Effective, p.Digest[:12])
}

// findingInWords describes a supervision finding for a pack: its
// severity and state in words, and the unit it names.
func findingInWords(severity, state, unit, lang string) string {
	return fmt.Sprintf(view.Pick(lang, "%s（%s）：%s", "%s (%s): %s"), view.Words(severity, lang), view.Words(state, lang), unit)
}

// appealStates are the states of the period's appeals, by the breach each
// appeals (a duplicate appeal says nothing of its breach).
func (s *Service) appealStates(ctx context.Context, period evaluation.Period) (map[string]string, error) {
	appeals, err := s.appeals(ctx, rbac.Local(), period.From, period.To)
	if err != nil {
		return nil, err
	}
	states := map[string]string{}
	for _, ap := range appeals {
		if ap.State != "duplicate" {
			states[ap.Target] = ap.State
		}
	}
	return states, nil
}
