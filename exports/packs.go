package exports

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

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
	return view.Words(code, w.meta.Lang)
}

// named shows a unit as "name (code)", from names (code → name).
func named(names map[string]string, code string) string {
	return view.WithCode(names[code], code)
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
	Findings    map[string][]string // by case: its findings, in words
	Names       map[string]string   // unit code → name, in the pack's language
	// Trails yields the events of some cases, case by case.
	Trails func(ctx context.Context, cases []string, yield func(evaluation.Event) error) error
}

// breachTally is a unit's breaches, counted for the summary.
type breachTally struct {
	unit        string
	milestones  map[string]int
	all         int
	excused     int
	appealed    int
	upheld      int
	longest     int64
	overdueSecs int64
}

// WriteBreaches writes the breach pack: a summary by unit that prints,
// then the data, which print their header alone (a reader filters them
// and prints a selection): one row per breach with its appeal's state
// and the findings on its case, and every event of those cases. It
// returns the breaches written.
func (w *Workbook) WriteBreaches(ctx context.Context, p Breaches) (int, error) {
	T := w.T
	summary := T("汇总", "Summary")
	if _, err := w.f.NewSheet(summary); err != nil { // first after the cover, filled once the breaches are counted
		return 0, err
	}
	cols := []Column{{Header: T("单位", "Unit")}, {Header: T("单位名称", "Unit name")}, {Header: T("案件", "Case")}, {Header: T("环节", "Milestone")},
		{Header: T("轮次", "Round"), Kind: Integer}, {Header: T("开始", "Start"), Kind: DateTime},
		{Header: T("时限", "Deadline"), Kind: DateTime}, {Header: T("实际完成", "Done"), Kind: DateTime},
		{Header: T("超时（时:分）", "Overdue (h:mm)"), Kind: Duration}, {Header: T("免责", "Excused")},
		{Header: T("申诉", "Appeal")}, {Header: T("监督发现", "Findings")}}
	// The breaches stream from the store to the sheet; only their cases'
	// ids stay, for the trails that follow, and a tally by unit.
	var cases []string
	tallies := map[string]*breachTally{}
	breachSheet := T("超时记录", "Breaches")
	n, err := w.Table(breachSheet, cols, func(add func(...any) error) error {
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
			t := tallies[b.Unit]
			if t == nil {
				t = &breachTally{unit: b.Unit, milestones: map[string]int{}}
				tallies[b.Unit] = t
			}
			t.all++
			t.milestones[b.Milestone]++
			t.overdueSecs += b.OverdueSeconds
			t.longest = max(t.longest, b.OverdueSeconds)
			if b.Excused {
				t.excused++
			}
			if state := p.AppealState[b.ID]; state != "" {
				t.appealed++
				if state == "upheld" {
					t.upheld++
				}
			}
			return add(b.Unit, p.Names[b.Unit], b.Case, w.label(b.Milestone), b.Round, b.Start, b.Deadline, b.Actual, b.OverdueSeconds,
				excused, w.label(p.AppealState[b.ID]), strings.Join(p.Findings[b.Case], T("；", "; ")))
		})
	})
	if err != nil {
		return n, err
	}
	if err := w.PrintArea(breachSheet, len(cols), 1, 1); err != nil {
		return n, err
	}
	slices.Sort(cases)
	cases = slices.Compact(cases)
	eventCols := []Column{{Header: T("案件", "Case")}, {Header: T("事件", "Event")}, {Header: T("时间", "Time"), Kind: DateTime},
		{Header: T("类型", "Type")}, {Header: T("单位", "Unit")}, {Header: T("对象", "Target")}, {Header: T("说明", "Note")}}
	eventSheet := T("事件", "Events")
	if _, err = w.Table(eventSheet, eventCols, func(add func(...any) error) error {
		read := func(ctx context.Context, yield func(evaluation.Event) error) error {
			return p.Trails(ctx, cases, yield)
		}
		return pipelined(ctx, read, func(e evaluation.Event) error {
			unit, target := "", ""
			if e.Unit != "" {
				unit = named(p.Names, e.Unit)
			}
			if e.Target != "" {
				target = e.Target
				if _, ok := p.Names[e.Target]; ok {
					target = named(p.Names, e.Target)
				}
			}
			return add(e.Case, e.ID, e.At, w.label(string(e.Type)), unit, target, e.Note)
		})
	}); err != nil {
		return n, err
	}
	if err := w.PrintArea(eventSheet, len(eventCols), 1, 1); err != nil {
		return n, err
	}
	return n, w.breachSummary(summary, tallies, p.Names, n, len(cases))
}

// breachSummary fills the breach pack's summary: each unit's breaches by
// milestone, excused and appealed, most breaches first.
func (w *Workbook) breachSummary(sheet string, tallies map[string]*breachTally, names map[string]string, breaches, cases int) error {
	T := w.T
	list := slices.Collect(maps.Values(tallies))
	slices.SortFunc(list, func(a, b *breachTally) int {
		return cmp.Or(cmp.Compare(b.all, a.all), cmp.Compare(a.unit, b.unit))
	})
	cols := []Column{{Header: T("单位", "Unit")}, {Header: T("超时", "Breaches"), Kind: Integer}}
	milestones := []string{"call", "respond", "report", "dispose"}
	for _, m := range milestones {
		cols = append(cols, Column{Header: w.label(m), Kind: Integer})
	}
	cols = append(cols, Column{Header: T("免责", "Excused"), Kind: Integer}, Column{Header: T("申诉", "Appealed"), Kind: Integer},
		Column{Header: T("申诉获支持", "Appeals upheld"), Kind: Integer}, Column{Header: T("最长超时（时:分）", "Longest (h:mm)"), Kind: Duration},
		Column{Header: T("合计超时（时:分）", "Total overdue (h:mm)"), Kind: Duration})
	var rows [][]any
	for _, t := range list {
		row := []any{named(names, t.unit), t.all}
		for _, m := range milestones {
			row = append(row, t.milestones[m])
		}
		rows = append(rows, append(row, t.excused, t.appealed, t.upheld, t.longest, t.overdueSecs))
	}
	note := fmt.Sprintf(T("共 %d 条超时记录，涉及 %d 个案件。明细见“超时记录”“事件”两表：数据表，打印时只印表头；请筛选后打印所选区域。",
		"%d breaches on %d cases. The details are in the Breaches and Events sheets: data sheets, which print their header alone; filter them and print a selection."), breaches, cases)
	// The sheet was made first, to come first; Blocks writes into it.
	_, err := w.Blocks(sheet, Block{Title: T("各单位超时情况", "Breaches by unit"), Cols: cols, Rows: rows}, Block{Title: note})
	return err
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
// each month up to the period's end.
type Cadres struct {
	Cadres []view.Cadre
	Months []string                       // the months of the trend, oldest first: never one after the data
	Trend  map[string]map[string]*float64 // month → cadre → score
}

// WriteCadres writes the cadre assessment on one sheet, one row per
// cadre: rank, the units led (by name), score, percentile, cases and
// penalty, the score month by month, then every metric, folded away
// (they print when unfolded). It returns the cadres written.
func (w *Workbook) WriteCadres(p Cadres) (int, error) {
	T := w.T
	cols := []Column{{Header: T("排名", "Rank"), Kind: Integer}, {Header: T("干部", "Cadre")}, {Header: T("姓名", "Name")},
		{Header: T("职务", "Position")}, {Header: T("单位", "Unit")}, {Header: T("得分", "Score"), Kind: Decimal},
		{Header: T("百分位", "Percentile"), Kind: Decimal}, {Header: T("案件", "Cases"), Kind: Decimal}, // the percentile runs 0–100: no percentage
		{Header: T("扣分", "Penalty"), Kind: Decimal}}
	for _, m := range p.Months {
		cols = append(cols, Column{Header: m, Kind: Decimal})
	}
	firstMetric := len(cols) + 1
	for _, m := range metricColumns {
		cols = append(cols, Column{Header: w.label(m), Kind: metricKind(m)})
	}
	var rows [][]any
	for _, c := range p.Cadres {
		var units []string
		for _, t := range c.Tenures {
			if u := view.WithCode(t.UnitName, t.Unit); !slices.Contains(units, u) {
				units = append(units, u)
			}
		}
		row := []any{c.Rank, c.Cadre, c.Name, c.Position, strings.Join(units, T("；", "; ")), c.Score, c.Percentile, c.Cases, c.Penalty}
		for _, m := range p.Months {
			row = append(row, p.Trend[m][c.Cadre])
		}
		for _, m := range metricColumns {
			row = append(row, c.Metrics[m])
		}
		rows = append(rows, row)
	}
	sheet := T("干部考核", "Cadres")
	if err := w.Small(sheet, cols, rows); err != nil {
		return 0, err
	}
	from, _ := excelize.ColumnNumberToName(firstMetric)
	to, _ := excelize.ColumnNumberToName(len(cols))
	return len(rows), w.Collapse(sheet, from, to)
}

// Unit is a head's own unit's pack.
type Unit struct {
	Kind evaluation.UnitKind
	// Scores are the unit's scores by month, the trend up to the period's
	// end, and over the whole period when it is longer than a month (Total).
	Scores      []UnitScores
	Breaches    []view.Breach
	AppealState map[string]string // by breach id: the state of its appeal
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

// lowScore is the highest score (of 1 to 5) that counts as low.
const lowScore = 2

// raterTally is what one rater said of the unit, on one side.
type raterTally struct {
	from, name          string
	call                bool
	n, scored, sum, low int
	lowest              *int
	judged, accurate    int
}

// WriteUnit writes a head's own unit: an overview (its scores month by
// month with a chart, and the evaluations it received by rater) and its
// breaches, each with its appeal's state. It returns the score rows
// written.
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
	var scoreRows [][]any
	var scores []*float64
	months := 0
	for _, s := range p.Scores {
		name := s.Period
		if s.Total {
			name = T("合计 ", "All of ") + s.Period
		} else {
			months++
			scores = append(scores, s.Unit.Score)
		}
		v := s.Unit
		row := []any{name, v.Cases, v.Score, v.Rank, v.Penalty}
		for _, m := range metrics {
			row = append(row, v.Metrics[m])
		}
		scoreRows = append(scoreRows, row)
	}

	// The evaluations by rater: its responses' raters first, then its calls'.
	tallies := map[[2]string]*raterTally{}
	var order []*raterTally
	for _, e := range p.Evaluations {
		key := [2]string{e.From, fmt.Sprint(e.Call)}
		t := tallies[key]
		if t == nil {
			t = &raterTally{from: e.From, name: e.FromName, call: e.Call}
			tallies[key] = t
			order = append(order, t)
		}
		t.n++
		if e.Score != nil {
			t.scored++
			t.sum += *e.Score
			if *e.Score <= lowScore {
				t.low++
			}
			if t.lowest == nil || *e.Score < *t.lowest {
				t.lowest = e.Score
			}
		}
		if e.Accurate != nil {
			t.judged++
			if *e.Accurate {
				t.accurate++
			}
		}
	}
	slices.SortStableFunc(order, func(a, b *raterTally) int {
		return cmp.Or(cmp.Compare(fmt.Sprint(a.call), fmt.Sprint(b.call)), cmp.Compare(a.from, b.from))
	})
	rateCols := []Column{{Header: T("评价方", "Rater")}, {Header: T("评价内容", "Of")}, {Header: T("评价数", "Evaluations"), Kind: Integer},
		{Header: T("平均分", "Mean score"), Kind: Decimal}, {Header: T("最低分", "Lowest"), Kind: Integer},
		{Header: fmt.Sprintf(T("%d 分及以下", "%d or less"), lowScore), Kind: Integer}, {Header: T("呼叫准确", "Call accurate"), Kind: Percent}}
	var rateRows [][]any
	for _, t := range order {
		of := T("响应", "response")
		if t.call {
			of = T("呼叫", "call")
		}
		var mean, accurate *float64
		if t.scored > 0 {
			m := float64(t.sum) / float64(t.scored)
			mean = &m
		}
		if t.judged > 0 {
			a := float64(t.accurate) / float64(t.judged)
			accurate = &a
		}
		rateRows = append(rateRows, []any{view.WithCode(t.name, t.from), of, t.n, mean, t.lowest, t.low, accurate})
	}
	overview := T("概况", "Overview")
	headers, err := w.Blocks(overview,
		Block{Title: T("得分（逐月）", "Scores by month"), Cols: cols, Rows: scoreRows},
		Block{Title: T("收到的评价（按评价方）", "Evaluations received, by rater"), Cols: rateCols, Rows: rateRows})
	if err != nil {
		return 0, err
	}
	if months > 1 {
		anchor, _ := excelize.CoordinatesToCellName(len(cols)+2, 1)
		if err := w.AddChart(overview, Chart{Title: T("得分走势", "Score by month"), Labels: "A", Series: []string{"C"},
			Header: headers[0], First: headers[0] + 1, Last: headers[0] + months, From: AxisFrom(5, scores...),
			Anchor: anchor, Width: 560, Height: 300}); err != nil {
			return 0, err
		}
	}

	breachCols := []Column{{Header: T("案件", "Case")}, {Header: T("环节", "Milestone")}, {Header: T("轮次", "Round"), Kind: Integer},
		{Header: T("时限", "Deadline"), Kind: DateTime}, {Header: T("实际完成", "Done"), Kind: DateTime},
		{Header: T("超时（时:分）", "Overdue (h:mm)"), Kind: Duration}, {Header: T("免责", "Excused")}, {Header: T("申诉", "Appeal")}}
	_, err = w.Table(T("超时记录", "Breaches"), breachCols, func(add func(...any) error) error {
		for _, b := range p.Breaches {
			excused := ""
			if b.Excused {
				excused = T("是", "yes")
			}
			appeal := w.label(p.AppealState[b.ID])
			if appeal == "" {
				appeal = T("未申诉", "none")
			}
			if err := add(b.Case, w.label(b.Milestone), b.Round, b.Deadline, b.Actual, b.OverdueSeconds, excused, appeal); err != nil {
				return err
			}
		}
		return nil
	})
	return len(scoreRows), err
}

// Meeting is the organization department's meeting pack.
type Meeting struct {
	Cases        int                         // cases assessed
	Satisfaction *scoring.SatisfactionReport // the district's, over the period
	// Trend is the district's satisfaction over the months of TrendMonths:
	// the twelve up to the period's end, none after the data.
	Trend       *scoring.SatisfactionReport
	TrendMonths []string
	Target      float64
	Breaches    map[string]int       // by milestone
	Units       []*scoring.UnitScore // ranked first, by rank; then the rest
	MinCases    int                  // the assessed cases a unit needs to be ranked
	Before      map[string]*float64  // each unit's score in the period before
	Pairs       []view.Pair
	Longest     []view.Breach // the longest breaches, longest first
}

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

// WriteMeeting writes the meeting pack: the district in figures, the
// street and department rankings with their change from the period
// before and their scores in bars, the two-way matrix shaded on a fixed
// scale, satisfaction month by month against the target with a chart,
// and the longest breaches. Units appear by name with their code. It
// returns the units listed in the rankings.
func (w *Workbook) WriteMeeting(p Meeting) (int, error) {
	T, lang := w.T, w.meta.Lang
	names := map[string]string{}
	for _, u := range p.Units {
		names[u.Unit] = view.Name(u.Name, lang)
	}

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
	listed := 0
	kinds := []evaluation.UnitKind{evaluation.Street, evaluation.Department}
	if slices.ContainsFunc(p.Units, func(u *scoring.UnitScore) bool { return u.Kind == evaluation.Enterprise }) {
		kinds = append(kinds, evaluation.Enterprise)
	}
	for _, kind := range kinds {
		n, err := w.ranking(p, kind, names)
		if err != nil {
			return listed, err
		}
		listed += n
	}
	if err := w.matrix(p.Pairs, names, p.Target); err != nil {
		return listed, err
	}

	// Satisfaction month by month against the target, with a chart.
	satCols := []Column{{Header: T("月份", "Month")}, {Header: T("评价数", "Ratings"), Kind: Integer},
		{Header: T("满意数", "Satisfied"), Kind: Integer}, {Header: T("满意率", "Satisfied"), Kind: Percent2},
		{Header: T("目标", "Target"), Kind: Percent2}}
	var satRows [][]any
	rates := []*float64{&p.Target}
	for _, m := range p.TrendMonths {
		t := view.TallyOf(p.Trend.District.Months[m], p.Target)
		satRows = append(satRows, []any{m, int(t.Rated), int(t.Satisfied), t.Rate, p.Target})
		rates = append(rates, t.Rate)
	}
	satSheet := T("满意度", "Satisfaction")
	if err := w.Small(satSheet, satCols, satRows); err != nil {
		return listed, err
	}
	if len(satRows) > 0 {
		if err := w.AddChart(satSheet, Chart{Title: T("全区满意率与目标", "District satisfaction against the target"), Labels: "A",
			Series: []string{"D", "E"}, Header: 1, First: 2, Last: len(satRows) + 1, Percent: true, From: AxisFrom(0.01, rates...),
			Anchor: "G2", Width: 640, Height: 320}); err != nil {
			return listed, err
		}
	}

	// The longest breaches.
	topCols := []Column{{Header: T("单位", "Unit")}, {Header: T("名称", "Name")}, {Header: T("案件", "Case")}, {Header: T("环节", "Milestone")},
		{Header: T("时限", "Deadline"), Kind: DateTime}, {Header: T("超时（时:分）", "Overdue (h:mm)"), Kind: Duration}}
	_, err := w.Table(T("超时最长", "Longest breaches"), topCols, func(add func(...any) error) error {
		for _, b := range p.Longest {
			if err := add(b.Unit, names[b.Unit], b.Case, w.label(b.Milestone), b.Deadline, b.OverdueSeconds); err != nil {
				return err
			}
		}
		return nil
	})
	return listed, err
}

// ranking writes one kind of unit's ranking: rank, code, name, score, its
// change from the period before, cases, penalty, each metric and, for a
// unit without a rank, why; the ranked units' scores in bars below. It
// returns the units listed.
func (w *Workbook) ranking(p Meeting, kind evaluation.UnitKind, names map[string]string) (int, error) {
	T := w.T
	metrics := evaluation.DepartmentMetrics
	if kind == evaluation.Street {
		metrics = evaluation.StreetMetrics
	}
	cols := []Column{{Header: T("排名", "Rank"), Kind: Integer}, {Header: T("代码", "Code")}, {Header: T("名称", "Name")},
		{Header: T("得分", "Score"), Kind: Decimal}, {Header: T("较上期", "Change"), Kind: Decimal},
		{Header: T("案件", "Cases"), Kind: Integer}, {Header: T("扣分", "Penalty"), Kind: Decimal}}
	for _, m := range metrics {
		cols = append(cols, Column{Header: w.label(m), Kind: metricKind(m)})
	}
	cols = append(cols, Column{Header: T("说明", "Note")})
	var rows [][]any
	var scores []*float64
	ranked := 0
	for _, u := range p.Units {
		if u.Kind != kind {
			continue
		}
		v := view.UnitOf(u, w.meta.Lang)
		var change *float64
		if then := p.Before[u.Unit]; v.Score != nil && then != nil {
			d := *v.Score - *then
			change = view.Round(&d)
		}
		row := []any{v.Rank, v.Unit, names[u.Unit], v.Score, change, v.Cases, v.Penalty}
		for _, m := range metrics {
			row = append(row, v.Metrics[m])
		}
		rows = append(rows, append(row, w.unrankedReason(u, p.MinCases)))
		if u.Rank > 0 {
			ranked++
			scores = append(scores, v.Score)
		}
	}
	sheet := map[evaluation.UnitKind]string{evaluation.Street: T("街道排名", "Streets"), evaluation.Department: T("部门排名", "Departments"),
		evaluation.Enterprise: T("企业排名", "Enterprises")}[kind]
	if err := w.Small(sheet, cols, rows); err != nil {
		return 0, err
	}
	if ranked == 0 {
		return len(rows), nil
	}
	// The ranked units are the first rows (p.Units lists them first).
	title := map[evaluation.UnitKind]string{evaluation.Street: T("街道得分", "Streets' scores"),
		evaluation.Department: T("部门得分", "Departments' scores"), evaluation.Enterprise: T("企业得分", "Enterprises' scores")}[kind]
	return len(rows), w.AddChart(sheet, Chart{Title: title, Bars: true, Labels: "C", Series: []string{"D"}, Header: 1, First: 2, Last: ranked + 1,
		From: AxisFrom(5, scores...), Anchor: fmt.Sprintf("B%d", len(rows)+3), Width: 640, Height: uint(max(240, 22*ranked+90))})
}

// matrixBands shade the matrix: under 90% red, to the target amber, at
// or above it green.
func (w *Workbook) matrixBands(target float64) []Band {
	pct := func(v float64) string { return strconv.FormatFloat(v*100, 'f', -1, 64) + "%" }
	return []Band{
		{Min: 0, Color: "F8696B", Label: w.T("低于 90%", "under 90%")},
		{Min: 0.9, Color: "FFD966", Label: fmt.Sprintf(w.T("90%% 至 %s（未达目标）", "90%% to %s (under the target)"), pct(target))},
		{Min: target, Color: "63BE7B", Label: fmt.Sprintf(w.T("%s 及以上（达到目标）", "%s or more (the target met)"), pct(target))},
	}
}

// matrix writes the two-way matrix: each department × street pair's
// satisfaction, by name, shaded against the target. Departments run down
// the page and the few streets across it, so that it prints legibly.
func (w *Workbook) matrix(pairs []view.Pair, names map[string]string, target float64) error {
	T := w.T
	var streets, depts []string
	cell := map[[2]string]*float64{}
	for _, pair := range pairs {
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
	cols := []Column{{Header: T("部门 \\ 街道", "Department \\ street")}}
	for _, st := range streets {
		cols = append(cols, Column{Header: named(names, st), Kind: Percent, Width: 10})
	}
	var rows [][]any
	for _, d := range depts {
		row := []any{named(names, d)}
		for _, st := range streets {
			row = append(row, cell[[2]string{st, d}])
		}
		rows = append(rows, row)
	}
	sheet := T("双向矩阵（满意率）", "Matrix (satisfaction)")
	if err := w.Small(sheet, cols, rows); err != nil {
		return err
	}
	if len(streets) == 0 || len(depts) == 0 {
		return nil
	}
	return w.Shade(sheet, len(depts), len(streets), w.matrixBands(target), T("空白：本期间没有评价", "blank: no ratings in the period"))
}
