package exports

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"frontline/evaluation"
	"frontline/scoring"
	"frontline/view"
)

// The pack layouts: what each sheet shows and in which columns. The
// service reads what a pack needs and hands it here.

// Title is a pack's title ("unit" names the unit as named).
func Title(kind, named, lang string) string {
	title := map[string][2]string{"meeting": {"双向评价会议材料", "Two-way evaluation: meeting pack"},
		"breaches": {"超时记录", "Breached deadlines"}, "cadres": {"干部考核", "Cadre assessment"},
		"unit": {named + " 双向评价", named + ": two-way evaluation"}}[kind]
	return view.Pick(lang, title[0], title[1])
}

// label names a code in the pack's language; nothing stays nothing.
func (w *Workbook) label(code string) string {
	if code == "" {
		return ""
	}
	return view.Label(code, w.meta.Lang)
}

// metricColumns are the metrics every pack shows, in DESIGN.md §5's order.
var metricColumns = []string{evaluation.ResponseRate, evaluation.ReportRate, evaluation.DisposalRate, evaluation.ResolutionRate,
	evaluation.SatisfactionRate, evaluation.RedoRate, evaluation.ResponseQuality, evaluation.ResponseQualityCl,
	evaluation.CallAccuracy, evaluation.CallQuality, evaluation.CallQualityCl, evaluation.CallTimeliness}

// metricKind shows rates as percentages and qualities as numbers.
func metricKind(name string) ColumnKind {
	switch name {
	case evaluation.ResponseQuality, evaluation.ResponseQualityCl, evaluation.CallQuality, evaluation.CallQualityCl:
		return Decimal
	}
	return Percent
}

// Breaches is the breach pack: the breaches, streamed, with what became
// of them, and then every event of their cases.
type Breaches struct {
	// Each yields the breaches by due time.
	Each        func(ctx context.Context, yield func(view.Breach) error) error
	AppealState map[string]string   // by breach id: the state of its appeal
	Findings    map[string][]string // by case: its findings, described
	// Trails yields the events of some cases, case by case.
	Trails func(ctx context.Context, cases []string, yield func(evaluation.Event) error) error
}

// WriteBreaches writes the breach pack's sheets: one row per breach with
// its appeal's state and the findings on its case, then every event of
// those cases. It returns the breaches written.
func (w *Workbook) WriteBreaches(ctx context.Context, p Breaches) (int, error) {
	T := w.T
	cols := []Column{{Header: T("单位", "Unit")}, {Header: T("案件", "Case")}, {Header: T("环节", "Milestone")},
		{Header: T("轮次", "Round"), Kind: Integer}, {Header: T("开始", "Start"), Kind: DateTime},
		{Header: T("时限", "Deadline"), Kind: DateTime}, {Header: T("实际完成", "Done"), Kind: DateTime},
		{Header: T("超时（时:分）", "Overdue (h:mm)"), Kind: Duration}, {Header: T("免责", "Excused")},
		{Header: T("申诉", "Appeal")}, {Header: T("监督发现", "Findings")}}
	// The breaches stream from the store to the sheet; only their cases'
	// ids stay, for the trails that follow.
	var cases []string
	n, err := w.Table(T("超时记录", "Breaches"), cols, func(add func(...any) error) error {
		return pipelined(ctx, p.Each, func(b view.Breach) error {
			excused := ""
			if b.Excused {
				excused = T("是", "yes")
			}
			if len(cases) == cap(cases) && len(cases) >= 1<<16 { // before growing, drop the repeats
				slices.Sort(cases)
				cases = slices.Compact(cases)
			}
			cases = append(cases, b.Case)
			return add(b.Unit, b.Case, w.label(b.Milestone), b.Round, b.Start, b.Deadline, b.Actual, b.OverdueSeconds,
				excused, w.label(p.AppealState[b.ID]), strings.Join(p.Findings[b.Case], "; "))
		})
	})
	if err != nil {
		return n, err
	}
	slices.Sort(cases)
	cases = slices.Compact(cases)
	eventCols := []Column{{Header: T("案件", "Case")}, {Header: T("事件", "Event")}, {Header: T("时间", "Time"), Kind: DateTime},
		{Header: T("类型", "Type")}, {Header: T("单位", "Unit")}, {Header: T("对象", "Target")}, {Header: T("说明", "Note")}}
	_, err = w.Table(T("事件", "Events"), eventCols, func(add func(...any) error) error {
		read := func(ctx context.Context, yield func(evaluation.Event) error) error {
			return p.Trails(ctx, cases, yield)
		}
		return pipelined(ctx, read, func(e evaluation.Event) error {
			return add(e.Case, e.ID, e.At, w.label(string(e.Type)), e.Unit, e.Target, e.Note)
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

// Cadres is the cadre pack: the cadres ranked, and each one's score in
// each month of the period.
type Cadres struct {
	Cadres []view.Cadre
	Months []string
	Trend  map[string]map[string]*float64 // month → cadre → score
}

// WriteCadres writes the cadre assessment: one row per cadre with rank,
// percentile and every metric; their tenures; their score by month. It
// returns the cadres written.
func (w *Workbook) WriteCadres(p Cadres) (int, error) {
	T := w.T
	cols := []Column{{Header: T("排名", "Rank"), Kind: Integer}, {Header: T("干部", "Cadre")}, {Header: T("姓名", "Name")},
		{Header: T("职务", "Position")}, {Header: T("单位类别", "Kind")}, {Header: T("得分", "Score"), Kind: Decimal},
		{Header: T("百分位", "Percentile"), Kind: Decimal}, {Header: T("案件", "Cases"), Kind: Decimal}, // the percentile runs 0–100: no percentage
		{Header: T("扣分", "Penalty"), Kind: Decimal}}
	for _, m := range metricColumns {
		cols = append(cols, Column{Header: w.label(m), Kind: metricKind(m)})
	}
	n, err := w.Table(T("干部考核", "Cadres"), cols, func(add func(...any) error) error {
		for _, c := range p.Cadres {
			row := []any{c.Rank, c.Cadre, c.Name, c.Position, w.label(c.Kind), c.Score, c.Percentile, c.Cases, c.Penalty}
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
	tenureCols := []Column{{Header: T("干部", "Cadre")}, {Header: T("姓名", "Name")}, {Header: T("单位", "Unit")}, {Header: T("单位名称", "Unit name")},
		{Header: T("职务", "Role")}, {Header: T("起", "From")}, {Header: T("止", "To")}, {Header: T("权重", "Weight"), Kind: Percent},
		{Header: T("单位得分", "Unit score"), Kind: Decimal}}
	if _, err := w.Table(T("任职", "Tenures"), tenureCols, func(add func(...any) error) error {
		for _, c := range p.Cadres {
			for _, t := range c.Tenures {
				if err := add(c.Cadre, c.Name, t.Unit, t.UnitName, w.label(t.Role), t.From, t.To, t.Weight, t.UnitScore); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		return n, err
	}
	trendCols := []Column{{Header: T("干部", "Cadre")}, {Header: T("姓名", "Name")}}
	for _, m := range p.Months {
		trendCols = append(trendCols, Column{Header: m, Kind: Decimal})
	}
	_, err = w.Table(T("月度趋势", "Trend"), trendCols, func(add func(...any) error) error {
		for _, c := range p.Cadres {
			row := []any{c.Cadre, c.Name}
			for _, m := range p.Months {
				row = append(row, p.Trend[m][c.Cadre])
			}
			if err := add(row...); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// Unit is a head's own unit's pack.
type Unit struct {
	Kind evaluation.UnitKind
	// Scores are the unit's scores by month, and over the whole period
	// when it is longer (Total).
	Scores      []UnitScores
	Breaches    []view.Breach
	Evaluations []Evaluation
}

// UnitScores is the unit's scores over a month, or the whole period.
type UnitScores struct {
	Period string
	Total  bool
	Unit   view.Unit
}

// Evaluation is a two-way evaluation the unit received.
type Evaluation struct {
	Case, From, FromName string
	Call                 bool // of its call (a department rated the street), or of its response
	Score                *int
	Accurate             *bool
}

// WriteUnit writes a head's own unit: its scores by month, its breaches,
// and the evaluations it received. It returns the score rows written.
func (w *Workbook) WriteUnit(p Unit) (int, error) {
	T := w.T
	cols := []Column{{Header: T("月份", "Month")}, {Header: T("案件", "Cases"), Kind: Integer},
		{Header: T("得分", "Score"), Kind: Decimal}, {Header: T("排名", "Rank"), Kind: Integer},
		{Header: T("扣分", "Penalty"), Kind: Decimal}}
	// The metrics of the unit's side: a street is judged on its calls, a
	// department or an enterprise on its responses.
	metrics := evaluation.DepartmentMetrics
	if p.Kind == evaluation.Street {
		metrics = evaluation.StreetMetrics
	}
	for _, m := range metrics {
		cols = append(cols, Column{Header: w.label(m), Kind: metricKind(m)})
	}
	n, err := w.Table(T("得分", "Scores"), cols, func(add func(...any) error) error {
		for _, s := range p.Scores {
			name := s.Period
			if s.Total {
				name = T("合计 ", "All of ") + s.Period
			}
			v := s.Unit
			row := []any{name, v.Cases, v.Score, v.Rank, v.Penalty}
			for _, m := range metrics {
				row = append(row, v.Metrics[m])
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
	breachCols := []Column{{Header: T("案件", "Case")}, {Header: T("环节", "Milestone")}, {Header: T("轮次", "Round"), Kind: Integer},
		{Header: T("时限", "Deadline"), Kind: DateTime}, {Header: T("实际完成", "Done"), Kind: DateTime},
		{Header: T("超时（时:分）", "Overdue (h:mm)"), Kind: Duration}}
	if _, err := w.Table(T("超时记录", "Breaches"), breachCols, func(add func(...any) error) error {
		for _, b := range p.Breaches {
			if err := add(b.Case, w.label(b.Milestone), b.Round, b.Deadline, b.Actual, b.OverdueSeconds); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return n, err
	}
	evalCols := []Column{{Header: T("案件", "Case")}, {Header: T("评价方", "From")}, {Header: T("评价方名称", "From (name)")}, {Header: T("评价内容", "Of")},
		{Header: T("评分", "Score"), Kind: Integer}, {Header: T("呼叫准确", "Call accurate")}}
	_, err = w.Table(T("收到的评价", "Evaluations received"), evalCols, func(add func(...any) error) error {
		for _, e := range p.Evaluations {
			of, accurate := T("响应", "response"), ""
			if e.Call {
				of = T("呼叫", "call")
				if e.Accurate != nil {
					accurate = map[bool]string{true: T("是", "yes"), false: T("否", "no")}[*e.Accurate]
				}
			}
			if err := add(e.Case, e.From, e.FromName, of, e.Score, accurate); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// Meeting is the organization department's meeting pack.
type Meeting struct {
	Cases        int                         // cases assessed
	Satisfaction *scoring.SatisfactionReport // the district's, by month
	Target       float64
	Breaches     map[string]int       // by milestone
	Units        []*scoring.UnitScore // ranked first, by rank; then the rest
	MinCases     int                  // the assessed cases a unit needs to be ranked
	Before       map[string]*float64  // each unit's score in the period before
	Pairs        []view.Pair
	Longest      []view.Breach // the longest breaches, longest first
}

// WriteMeeting writes the meeting pack: the district in figures, the
// street and department rankings with their change from the period
// before, the two-way matrix as a colour-scaled heat map, satisfaction by
// month against the target with a chart, and the longest breaches. It
// returns the units ranked.
// unrankedReason says why a unit has no rank ("" when it has one): too
// few assessed cases, or none of its metrics with data.
func (w *Workbook) unrankedReason(u *scoring.UnitScore, minCases int) string {
	switch {
	case u.Rank > 0:
		return ""
	case !u.Eligible:
		return fmt.Sprintf(w.T("不排名：评估案件 %d 件，少于 %d 件", "Not ranked: %d cases assessed, under %d"), u.Cases, minCases)
	}
	return w.T("不排名：没有可计分的指标", "Not ranked: no metric with data")
}

func (w *Workbook) WriteMeeting(p Meeting) (int, error) {
	T, lang := w.T, w.meta.Lang

	// The district in figures.
	total := view.TallyOf(p.Satisfaction.District.Total, p.Target)
	summary := [][]any{
		{T("评估案件", "Cases assessed"), Value{V: p.Cases, Kind: Integer}},
		{T("群众满意率", "Residents satisfied"), Value{V: total.Rate, Kind: Percent2}},
		{T("满意率目标", "Target"), Value{V: p.Target, Kind: Percent2}},
		{T("距目标还差（条满意评价）", "Short of the target (satisfied ratings)"), Value{V: total.Gap, Kind: Integer}},
	}
	for _, m := range []string{"call", "respond", "report", "dispose"} {
		summary = append(summary, []any{T("超时：", "Breaches: ") + w.label(m), Value{V: p.Breaches[m], Kind: Integer}})
	}
	if err := w.Small(T("全区概况", "District"), []Column{{Header: T("指标", "Figure")}, {Header: T("数值", "Value")}}, summary); err != nil {
		return 0, err
	}

	// The rankings: streets, departments, and enterprises when the
	// district has them (scored on the departments' metrics).
	rows := 0
	kinds := []evaluation.UnitKind{evaluation.Street, evaluation.Department}
	if slices.ContainsFunc(p.Units, func(u *scoring.UnitScore) bool { return u.Kind == evaluation.Enterprise }) {
		kinds = append(kinds, evaluation.Enterprise)
	}
	for _, kind := range kinds {
		names := evaluation.DepartmentMetrics
		if kind == evaluation.Street {
			names = evaluation.StreetMetrics
		}
		cols := []Column{{Header: T("排名", "Rank"), Kind: Integer}, {Header: T("代码", "Code")}, {Header: T("名称", "Name")},
			{Header: T("得分", "Score"), Kind: Decimal}, {Header: T("较上期", "Change"), Kind: Decimal},
			{Header: T("案件", "Cases"), Kind: Integer}, {Header: T("扣分", "Penalty"), Kind: Decimal}}
		for _, m := range names {
			cols = append(cols, Column{Header: w.label(m), Kind: metricKind(m)})
		}
		cols = append(cols, Column{Header: T("说明", "Note")})
		sheet := map[evaluation.UnitKind]string{evaluation.Street: T("街道排名", "Streets"), evaluation.Department: T("部门排名", "Departments"),
			evaluation.Enterprise: T("企业排名", "Enterprises")}[kind]
		n, err := w.Table(sheet, cols, func(add func(...any) error) error {
			for _, u := range p.Units {
				if u.Kind != kind {
					continue
				}
				v := view.UnitOf(u, lang)
				var change *float64
				if then := p.Before[u.Unit]; v.Score != nil && then != nil {
					d := *v.Score - *then
					change = view.Round(&d)
				}
				row := []any{v.Rank, v.Unit, v.Name, v.Score, change, v.Cases, v.Penalty}
				for _, m := range names {
					row = append(row, v.Metrics[m])
				}
				row = append(row, w.unrankedReason(u, p.MinCases))
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
	var streets, depts []string
	cell := map[[2]string]*float64{}
	for _, pair := range p.Pairs {
		if !slices.Contains(streets, pair.Street) {
			streets = append(streets, pair.Street)
		}
		if !slices.Contains(depts, pair.Department) {
			depts = append(depts, pair.Department)
		}
		cell[[2]string{pair.Street, pair.Department}] = pair.Satisfaction
	}
	slices.Sort(streets)
	slices.Sort(depts)
	matrixCols := []Column{{Header: T("街道 \\ 部门", "Street \\ department")}}
	for _, d := range depts {
		matrixCols = append(matrixCols, Column{Header: d, Kind: Percent})
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
	satCols := []Column{{Header: T("月份", "Month")}, {Header: T("评价数", "Ratings"), Kind: Integer},
		{Header: T("满意数", "Satisfied"), Kind: Integer}, {Header: T("满意率", "Satisfied"), Kind: Percent2},
		{Header: T("目标", "Target"), Kind: Percent2}}
	var satRows [][]any
	for _, m := range p.Satisfaction.Months {
		t := view.TallyOf(p.Satisfaction.District.Months[m], p.Target)
		satRows = append(satRows, []any{m, int(t.Rated), int(t.Satisfied), t.Rate, p.Target})
	}
	satSheet := T("满意度", "Satisfaction")
	if err := w.Small(satSheet, satCols, satRows); err != nil {
		return rows, err
	}
	if len(satRows) > 0 {
		if err := w.LineChart(satSheet, T("全区满意率与目标", "District satisfaction against the target"), len(satRows),
			[]Series{{Column: "D"}, {Column: "E"}}, "G2"); err != nil {
			return rows, err
		}
	}

	// The longest breaches.
	unitNames := map[string]string{}
	for _, u := range p.Units {
		unitNames[u.Unit] = view.Name(u.Name, lang)
	}
	topCols := []Column{{Header: T("单位", "Unit")}, {Header: T("名称", "Name")}, {Header: T("案件", "Case")}, {Header: T("环节", "Milestone")},
		{Header: T("时限", "Deadline"), Kind: DateTime}, {Header: T("超时（时:分）", "Overdue (h:mm)"), Kind: Duration}}
	_, err := w.Table(T("超时最长", "Longest breaches"), topCols, func(add func(...any) error) error {
		for _, b := range p.Longest {
			if err := add(b.Unit, unitNames[b.Unit], b.Case, w.label(b.Milestone), b.Deadline, b.OverdueSeconds); err != nil {
				return err
			}
		}
		return nil
	})
	return rows, err
}
