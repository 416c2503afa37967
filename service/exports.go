package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"frontline/audit"
	"frontline/evaluation"
	"frontline/exports"
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
		return nil, invalid("export", "no export %q: want one of %s", r.Kind, strings.Join(ExportKinds, ", "))
	}
	res := rbac.Resource{Object: "exports." + r.Kind}
	if r.Kind == "unit" {
		if r.Unit == "" {
			return nil, invalid("export", "the unit pack needs a unit")
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
	loc := r.Policies.At(r.AsOf).Location
	var units map[string]evaluation.Unit // the registry's, for the unit pack
	if r.Kind == "unit" {
		if units, err = s.registryUnits(ctx); err != nil {
			return nil, err
		}
	}
	named := view.WithCode(view.Name(units[r.Unit].Name, r.Lang), r.Unit)
	title := map[string][2]string{"meeting": {"双向评价会议材料", "Two-way evaluation: meeting pack"},
		"breaches": {"超时记录", "Breached deadlines"}, "cadres": {"干部考核", "Cadre assessment"},
		"unit": {named + " 双向评价", named + ": two-way evaluation"}}[r.Kind]
	meta := exports.Meta{Kind: r.Kind, Title: view.Pick(r.Lang, title[0], title[1]) + " · " + r.Period.Name, Period: r.Period.Name,
		AsOf: r.AsOf, Policy: r.Policies.At(r.Period.From).Effective.String(), ExportedBy: c.Actor(), ExportedAt: s.Now(),
		AuditHead: head.String(), Lang: r.Lang, Location: loc}
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

// breachPack writes the breach pack's sheets: one row per breach with its
// appeal's state and the findings on its case, then every event of those
// cases.
func (s *Service) breachPack(ctx context.Context, c rbac.Principal, w *exports.Workbook, r ExportRequest, loc *time.Location) (int, error) {
	appealState := map[string]string{}
	appeals, err := s.Appeals(ctx, rbac.Local(), r.Period.From, r.Period.To)
	if err != nil {
		return 0, err
	}
	for _, ap := range appeals {
		if ap.State != "duplicate" {
			appealState[ap.Target] = ap.State
		}
	}
	findings := map[string][]string{}
	all, err := s.Findings(ctx, rbac.Local(), r.Period.From, r.Period.To)
	if err != nil {
		return 0, err
	}
	for _, f := range all {
		findings[f.Case] = append(findings[f.Case], f.ID+" "+f.Target+" "+f.Severity+" "+f.State)
	}
	T := func(zh, en string) string { return view.Pick(r.Lang, zh, en) }
	cols := []exports.Column{{Header: T("单位", "Unit")}, {Header: T("案件", "Case")}, {Header: T("环节", "Milestone")},
		{Header: T("轮次", "Round"), Kind: exports.Integer}, {Header: T("开始", "Start"), Kind: exports.DateTime},
		{Header: T("时限", "Deadline"), Kind: exports.DateTime}, {Header: T("实际完成", "Done"), Kind: exports.DateTime},
		{Header: T("超时（时:分）", "Overdue (h:mm)"), Kind: exports.Duration}, {Header: T("免责", "Excused")},
		{Header: T("申诉", "Appeal")}, {Header: T("监督发现", "Findings")}}
	// The breaches stream from the store to the sheet; only their cases'
	// ids stay, for the trails that follow.
	var cases []string
	n, err := w.Table(T("超时记录", "Breaches"), cols, func(add func(...any) error) error {
		read := func(ctx context.Context, yield func(view.Breach) error) error {
			return s.EachBreach(ctx, c, r.Period, r.AsOf, "", loc, yield)
		}
		return pipelined(ctx, read, func(b view.Breach) error {
			excused := ""
			if b.Excused {
				excused = T("是", "yes")
			}
			if len(cases) == cap(cases) && len(cases) >= 1<<16 { // before growing, drop the repeats
				slices.Sort(cases)
				cases = slices.Compact(cases)
			}
			cases = append(cases, b.Case)
			return add(b.Unit, b.Case, label(r.Lang, b.Milestone), b.Round, b.Start, b.Deadline, b.Actual, b.OverdueSeconds,
				excused, label(r.Lang, appealState[b.ID]), strings.Join(findings[b.Case], "; "))
		})
	})
	if err != nil {
		return n, err
	}
	slices.Sort(cases)
	cases = slices.Compact(cases)
	eventCols := []exports.Column{{Header: T("案件", "Case")}, {Header: T("事件", "Event")}, {Header: T("时间", "Time"), Kind: exports.DateTime},
		{Header: T("类型", "Type")}, {Header: T("单位", "Unit")}, {Header: T("对象", "Target")}, {Header: T("说明", "Note")}}
	_, err = w.Table(T("事件", "Events"), eventCols, func(add func(...any) error) error {
		// The trails a chunk of cases at a time: memory holds a few chunks'.
		read := func(ctx context.Context, yield func(evaluation.Event) error) error {
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
		return pipelined(ctx, read, func(e evaluation.Event) error {
			return add(e.Case, e.ID, e.At, label(r.Lang, string(e.Type)), e.Unit, e.Target, e.Note)
		})
	})
	return n, err
}

// pipelined hands what read yields to write, in batches through a queue,
// with read in a goroutine of its own: the database is read while the
// sheet is written, on two cores where there are two. The queue holds
// 64 batches of 256, about the events of a chunk of trails, so that
// the writer has work while the next chunk is read. An error on either side
// stops both and is returned.
func pipelined[T any](ctx context.Context, read func(ctx context.Context, yield func(T) error) error, write func(T) error) error {
	const batch = 256
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	queue := make(chan []T, 64)
	readErr := make(chan error, 1)
	go func() {
		defer close(queue)
		buf := make([]T, 0, batch)
		send := func() error {
			// Once the writer has stopped it drains the queue, so a send
			// would still go through: look at the context first.
			if err := ctx.Err(); err != nil {
				return err
			}
			select {
			case queue <- buf:
				buf = make([]T, 0, batch)
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		err := read(ctx, func(v T) error {
			if buf = append(buf, v); len(buf) == batch {
				return send()
			}
			return nil
		})
		if err == nil && len(buf) > 0 {
			err = send()
		}
		readErr <- err
	}()
	for b := range queue {
		for _, v := range b {
			if err := write(v); err != nil {
				cancel()
				for range queue { // let the reader end
				}
				<-readErr
				return err
			}
		}
	}
	return <-readErr
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

// label names a code in lang; nothing stays nothing.
func label(lang, code string) string {
	if code == "" {
		return ""
	}
	return view.Label(code, lang)
}

// metricColumns are the metrics every pack shows, in DESIGN.md §5's order.
var metricColumns = []string{evaluation.ResponseRate, evaluation.ReportRate, evaluation.DisposalRate, evaluation.ResolutionRate,
	evaluation.SatisfactionRate, evaluation.RedoRate, evaluation.ResponseQuality, evaluation.ResponseQualityCl,
	evaluation.CallAccuracy, evaluation.CallQuality, evaluation.CallQualityCl, evaluation.CallTimeliness}

// metricKind shows rates as percentages and qualities as numbers.
func metricKind(name string) exports.ColumnKind {
	switch name {
	case evaluation.ResponseQuality, evaluation.ResponseQualityCl, evaluation.CallQuality, evaluation.CallQualityCl:
		return exports.Decimal
	}
	return exports.Percent
}

// cadrePack writes the cadre assessment: one row per cadre with rank,
// percentile and every metric; their tenures; their score by month.
func (s *Service) cadrePack(ctx context.Context, w *exports.Workbook, r ExportRequest, loc *time.Location) (int, error) {
	T := func(zh, en string) string { return view.Pick(r.Lang, zh, en) }
	scored, err := s.Cadres(ctx, r.Period, r.AsOf, r.Policies, "all")
	if err != nil {
		return 0, err
	}
	cadres := make([]view.Cadre, len(scored))
	for i, c := range scored {
		cadres[i] = view.CadreOf(c, loc, r.Lang)
	}
	cols := []exports.Column{{Header: T("排名", "Rank"), Kind: exports.Integer}, {Header: T("干部", "Cadre")}, {Header: T("姓名", "Name")},
		{Header: T("职务", "Position")}, {Header: T("单位类别", "Kind")}, {Header: T("得分", "Score"), Kind: exports.Decimal},
		{Header: T("百分位", "Percentile"), Kind: exports.Decimal}, {Header: T("案件", "Cases"), Kind: exports.Decimal}, // the percentile runs 0–100: no percentage
		{Header: T("扣分", "Penalty"), Kind: exports.Decimal}}
	for _, m := range metricColumns {
		cols = append(cols, exports.Column{Header: label(r.Lang, m), Kind: metricKind(m)})
	}
	n, err := w.Table(T("干部考核", "Cadres"), cols, func(add func(...any) error) error {
		for _, c := range cadres {
			row := []any{c.Rank, c.Cadre, c.Name, c.Position, label(r.Lang, c.Kind), c.Score, c.Percentile, c.Cases, c.Penalty}
			for _, m := range metricColumns {
				row = append(row, c.Metrics[m])
			}
			if err := add(row...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	tenureCols := []exports.Column{{Header: T("干部", "Cadre")}, {Header: T("姓名", "Name")}, {Header: T("单位", "Unit")}, {Header: T("单位名称", "Unit name")},
		{Header: T("职务", "Role")}, {Header: T("起", "From")}, {Header: T("止", "To")}, {Header: T("权重", "Weight"), Kind: exports.Percent},
		{Header: T("单位得分", "Unit score"), Kind: exports.Decimal}}
	if _, err := w.Table(T("任职", "Tenures"), tenureCols, func(add func(...any) error) error {
		for _, c := range cadres {
			for _, t := range c.Tenures {
				if err := add(c.Cadre, c.Name, t.Unit, t.UnitName, label(r.Lang, t.Role), t.From, t.To, t.Weight, t.UnitScore); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		return n, err
	}
	// The trend: each cadre's score in each month of the period.
	months := MonthsOf(r.Period, loc)
	byMonth := map[string]map[string]*float64{}
	for _, m := range months {
		scored, err := s.Cadres(ctx, m, r.AsOf, r.Policies, "all")
		if err != nil {
			return n, err
		}
		byMonth[m.Name] = map[string]*float64{}
		for _, c := range scored {
			byMonth[m.Name][c.Cadre.ID] = view.Round(c.Score)
		}
	}
	trendCols := []exports.Column{{Header: T("干部", "Cadre")}, {Header: T("姓名", "Name")}}
	for _, m := range months {
		trendCols = append(trendCols, exports.Column{Header: m.Name, Kind: exports.Decimal})
	}
	_, err = w.Table(T("月度趋势", "Trend"), trendCols, func(add func(...any) error) error {
		for _, c := range cadres {
			row := []any{c.Cadre, c.Name}
			for _, m := range months {
				row = append(row, byMonth[m.Name][c.Cadre])
			}
			if err := add(row...); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// unitPack writes a head's own unit: its scores by month, its breaches,
// and the evaluations it received.
func (s *Service) unitPack(ctx context.Context, c rbac.Principal, w *exports.Workbook, r ExportRequest, loc *time.Location, units map[string]evaluation.Unit) (int, error) {
	T := func(zh, en string) string { return view.Pick(r.Lang, zh, en) }
	months := MonthsOf(r.Period, loc)
	cols := []exports.Column{{Header: T("月份", "Month")}, {Header: T("案件", "Cases"), Kind: exports.Integer},
		{Header: T("得分", "Score"), Kind: exports.Decimal}, {Header: T("排名", "Rank"), Kind: exports.Integer},
		{Header: T("扣分", "Penalty"), Kind: exports.Decimal}}
	// The metrics of the unit's side: a street is judged on its calls, a
	// department or an enterprise on its responses.
	metrics := evaluation.DepartmentMetrics
	if units[r.Unit].Kind == evaluation.Street {
		metrics = evaluation.StreetMetrics
	}
	for _, m := range metrics {
		cols = append(cols, exports.Column{Header: label(r.Lang, m), Kind: metricKind(m)})
	}
	n, err := w.Table(T("得分", "Scores"), cols, func(add func(...any) error) error {
		periods := months
		if len(months) > 1 {
			periods = append(periods, r.Period) // and the whole period
		}
		for i, m := range periods {
			report, err := s.scorePeriod(ctx, m, r.AsOf, r.Policies)
			if err != nil {
				return err
			}
			name := m.Name
			if i == len(months) {
				name = T("合计 ", "All of ") + r.Period.Name
			}
			for _, u := range report.Units {
				if u.Unit != r.Unit {
					continue
				}
				v := view.UnitOf(u, r.Lang)
				row := []any{name, v.Cases, v.Score, v.Rank, v.Penalty}
				for _, m := range metrics {
					row = append(row, v.Metrics[m])
				}
				if err := add(row...); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	breaches, err := s.Breaches(ctx, c, r.Period, r.AsOf, r.Unit, loc)
	if err != nil {
		return n, err
	}
	breachCols := []exports.Column{{Header: T("案件", "Case")}, {Header: T("环节", "Milestone")}, {Header: T("轮次", "Round"), Kind: exports.Integer},
		{Header: T("时限", "Deadline"), Kind: exports.DateTime}, {Header: T("实际完成", "Done"), Kind: exports.DateTime},
		{Header: T("超时（时:分）", "Overdue (h:mm)"), Kind: exports.Duration}}
	if _, err := w.Table(T("超时记录", "Breaches"), breachCols, func(add func(...any) error) error {
		for _, b := range breaches {
			if err := add(b.Case, label(r.Lang, b.Milestone), b.Round, b.Deadline, b.Actual, b.OverdueSeconds); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return n, err
	}
	data, err := s.DB.ScoringData(ctx, r.Period.From, r.Period.To)
	if err != nil {
		return n, err
	}
	evalCols := []exports.Column{{Header: T("案件", "Case")}, {Header: T("评价方", "From")}, {Header: T("评价方名称", "From (name)")}, {Header: T("评价内容", "Of")},
		{Header: T("评分", "Score"), Kind: exports.Integer}, {Header: T("呼叫准确", "Call accurate")}}
	nameOf := func(code string) string { return view.Name(units[code].Name, r.Lang) }
	_, err = w.Table(T("收到的评价", "Evaluations received"), evalCols, func(add func(...any) error) error {
		for _, a := range data.Assignments {
			if a.Unit == r.Unit && a.ResponseScore != nil {
				if err := add(a.Case, a.ResponseRater, nameOf(a.ResponseRater), T("响应", "response"), a.ResponseScore, ""); err != nil {
					return err
				}
			}
			if a.By == r.Unit && (a.CallScore != nil || a.CallAccurate != nil) {
				accurate := ""
				if a.CallAccurate != nil {
					accurate = map[bool]string{true: T("是", "yes"), false: T("否", "no")}[*a.CallAccurate]
				}
				if err := add(a.Case, a.Unit, nameOf(a.Unit), T("呼叫", "call"), a.CallScore, accurate); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return n, err
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

// meetingPack writes the organization department's meeting pack: the
// district in figures, the street and department rankings with their
// change from the period before, the two-way matrix as a colour-scaled
// heat map, satisfaction by month against the target with a chart, and
// the longest breaches.
func (s *Service) meetingPack(ctx context.Context, w *exports.Workbook, r ExportRequest, loc *time.Location) (int, error) {
	T := func(zh, en string) string { return view.Pick(r.Lang, zh, en) }
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
		top            []view.Breach // the longest 50, longest first; ties by due time
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		report, err = s.score(gctx, r.Period.From, r.Period.To, r.AsOf, policy.Scoring, false)
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
	g.Go(func() error {
		return s.EachBreach(gctx, everyone, r.Period, r.AsOf, "", loc, func(b view.Breach) error {
			byMilestone[b.Milestone]++
			if len(top) == 50 && b.OverdueSeconds <= top[49].OverdueSeconds {
				return nil
			}
			i, _ := slices.BinarySearchFunc(top, b.OverdueSeconds, func(t view.Breach, overdue int64) int {
				if t.OverdueSeconds >= overdue {
					return -1 // the earlier of equals stays first
				}
				return 1
			})
			top = slices.Insert(top, i, b)[:min(len(top)+1, 50)]
			return nil
		})
	})
	if err := g.Wait(); err != nil {
		return 0, err
	}
	prevScore := map[string]*float64{}
	for _, u := range before.Units {
		prevScore[u.Unit] = view.Round(u.Score)
	}
	sat := scoring.Satisfaction(data, opt, loc)

	// The district in figures.
	target := policy.Scoring.SatisfactionTarget
	total := view.TallyOf(sat.District.Total, target)
	summary := [][]any{
		{T("评估案件", "Cases assessed"), exports.Value{V: len(data.Cases), Kind: exports.Integer}},
		{T("群众满意率", "Residents satisfied"), exports.Value{V: total.Rate, Kind: exports.Percent2}},
		{T("满意率目标", "Target"), exports.Value{V: target, Kind: exports.Percent2}},
		{T("距目标还差（条满意评价）", "Short of the target (satisfied ratings)"), exports.Value{V: total.Gap, Kind: exports.Integer}},
	}
	for _, m := range []string{"call", "respond", "report", "dispose"} {
		summary = append(summary, []any{T("超时：", "Breaches: ") + label(r.Lang, m), exports.Value{V: byMilestone[m], Kind: exports.Integer}})
	}
	if err := w.Small(T("全区概况", "District"), []exports.Column{{Header: T("指标", "Figure")}, {Header: T("数值", "Value")}}, summary); err != nil {
		return 0, err
	}

	// The rankings: streets, departments, and enterprises when the
	// district has them (scored on the departments' metrics).
	rows := 0
	kinds := []evaluation.UnitKind{evaluation.Street, evaluation.Department}
	if slices.ContainsFunc(report.Units, func(u *scoring.UnitScore) bool { return u.Kind == evaluation.Enterprise }) {
		kinds = append(kinds, evaluation.Enterprise)
	}
	for _, kind := range kinds {
		names := evaluation.DepartmentMetrics
		if kind == evaluation.Street {
			names = evaluation.StreetMetrics
		}
		cols := []exports.Column{{Header: T("排名", "Rank"), Kind: exports.Integer}, {Header: T("代码", "Code")}, {Header: T("名称", "Name")},
			{Header: T("得分", "Score"), Kind: exports.Decimal}, {Header: T("较上期", "Change"), Kind: exports.Decimal},
			{Header: T("案件", "Cases"), Kind: exports.Integer}, {Header: T("扣分", "Penalty"), Kind: exports.Decimal}}
		for _, m := range names {
			cols = append(cols, exports.Column{Header: label(r.Lang, m), Kind: metricKind(m)})
		}
		sheet := map[evaluation.UnitKind]string{evaluation.Street: T("街道排名", "Streets"), evaluation.Department: T("部门排名", "Departments"),
			evaluation.Enterprise: T("企业排名", "Enterprises")}[kind]
		n, err := w.Table(sheet, cols, func(add func(...any) error) error {
			for _, u := range report.Units { // ranked first, by rank; then the rest
				if u.Kind != kind {
					continue
				}
				v := view.UnitOf(u, r.Lang)
				var change *float64
				if then := prevScore[u.Unit]; v.Score != nil && then != nil {
					d := *v.Score - *then
					change = view.Round(&d)
				}
				row := []any{v.Rank, v.Unit, v.Name, v.Score, change, v.Cases, v.Penalty}
				for _, m := range names {
					row = append(row, v.Metrics[m])
				}
				if err := add(row...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return rows, err
		}
		rows += n
	}

	// The matrix: satisfaction of each street × department pair, shaded.
	pairs := scoring.Matrix(data, opt)
	var streets, depts []string
	cell := map[[2]string]*float64{}
	for _, p := range view.PairsOf(pairs) {
		if !slices.Contains(streets, p.Street) {
			streets = append(streets, p.Street)
		}
		if !slices.Contains(depts, p.Department) {
			depts = append(depts, p.Department)
		}
		cell[[2]string{p.Street, p.Department}] = p.Satisfaction
	}
	slices.Sort(streets)
	slices.Sort(depts)
	matrixCols := []exports.Column{{Header: T("街道 \\ 部门", "Street \\ department")}}
	for _, d := range depts {
		matrixCols = append(matrixCols, exports.Column{Header: d, Kind: exports.Percent})
	}
	var matrixRows [][]any
	for _, st := range streets {
		row := []any{st}
		for _, d := range depts {
			row = append(row, cell[[2]string{st, d}])
		}
		matrixRows = append(matrixRows, row)
	}
	matrixSheet := T("双向矩阵（满意率）", "Matrix (satisfaction)")
	if err := w.Small(matrixSheet, matrixCols, matrixRows); err != nil {
		return rows, err
	}
	if len(streets) > 0 && len(depts) > 0 {
		if err := w.ColorScale(matrixSheet, len(streets), len(depts)); err != nil {
			return rows, err
		}
	}

	// Satisfaction by month against the target, with a chart.
	satCols := []exports.Column{{Header: T("月份", "Month")}, {Header: T("评价数", "Ratings"), Kind: exports.Integer},
		{Header: T("满意数", "Satisfied"), Kind: exports.Integer}, {Header: T("满意率", "Satisfied"), Kind: exports.Percent2},
		{Header: T("目标", "Target"), Kind: exports.Percent2}}
	var satRows [][]any
	for _, m := range sat.Months {
		t := view.TallyOf(sat.District.Months[m], target)
		satRows = append(satRows, []any{m, int(t.Rated), int(t.Satisfied), t.Rate, target})
	}
	satSheet := T("满意度", "Satisfaction")
	if err := w.Small(satSheet, satCols, satRows); err != nil {
		return rows, err
	}
	if len(satRows) > 0 {
		if err := w.LineChart(satSheet, T("全区满意率与目标", "District satisfaction against the target"), len(satRows),
			[]exports.Series{{Name: T("满意率", "Satisfied"), Column: "D"}, {Name: T("目标", "Target"), Column: "E"}}, "G2"); err != nil {
			return rows, err
		}
	}

	// The longest breaches.
	unitNames := map[string]string{}
	for _, u := range report.Units {
		unitNames[u.Unit] = view.Name(u.Name, r.Lang)
	}
	topCols := []exports.Column{{Header: T("单位", "Unit")}, {Header: T("名称", "Name")}, {Header: T("案件", "Case")}, {Header: T("环节", "Milestone")},
		{Header: T("时限", "Deadline"), Kind: exports.DateTime}, {Header: T("超时（时:分）", "Overdue (h:mm)"), Kind: exports.Duration}}
	_, err := w.Table(T("超时最长", "Longest breaches"), topCols, func(add func(...any) error) error {
		for _, b := range top {
			if err := add(b.Unit, unitNames[b.Unit], b.Case, label(r.Lang, b.Milestone), b.Deadline, b.OverdueSeconds); err != nil {
				return err
			}
		}
		return nil
	})
	return rows, err
}
