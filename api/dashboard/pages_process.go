package dashboard

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"frontline/api/present"
	"frontline/evaluation"
	"frontline/rbac"
	"frontline/service"
	"frontline/view"
)

// The dashboard's process pages: the appeal queue with its decisions,
// the matrix, cadres, findings, the audit log's state, and the heads'
// appeal and evaluation forms. Each form posts to the same operation
// the API runs.

// appealsData is the appeal queue.
type appealsData struct {
	State   string
	Appeals []service.Appeal
	Decides bool   // the user may decide appeals
	Decider string // the body the user decides for (the policy's organization department)
}

func (s *Pages) appealsPage(w http.ResponseWriter, r *http.Request, p *page) (string, error) {
	// An assessor works through the open appeals; a head follows its
	// own, decided ones beside the open.
	state := r.URL.Query().Get("state")
	if state == "" {
		state = "open"
		if p.User.Unit != "" {
			state = "all"
		}
	}
	if !slices.Contains([]string{"open", "upheld", "rejected", "duplicate", "all"}, state) {
		return "", invalid(p.T("appeals.state_invalid", state))
	}
	// An appeal just decided stays in its place on the list it was
	// decided from, whatever the list's state, with its decision.
	decided := r.URL.Query().Get("decided")
	read := state
	if decided != "" {
		read = "all"
	}
	appeals, err := s.reads.Appeals(r.Context(), service.AppealQuery{State: read, Unit: p.User.Unit})
	if err != nil {
		return "", err
	}
	if read != state {
		appeals = slices.DeleteFunc(appeals, func(a service.Appeal) bool { return a.ID != decided && state != "all" && a.State != state })
	}
	d := appealsData{State: state, Appeals: appeals}
	if c, err := s.auth.Caller(r.Context()); err == nil && c.Authorize(r.Context(), rbac.Decide, rbac.Resource{Object: "appeals"}) == nil {
		body, err := s.svc.Body(r.Context(), evaluation.AppealDecided)
		if err != nil {
			return "", err
		}
		d.Decides, d.Decider = true, body
	}
	p.Title, p.Data = p.T("appeals"), d
	return "appeals", nil
}

// markAppealed notes on the page the appeals the user's unit has filed,
// so that a breach already appealed shows its appeal's state, not the
// form again.
func (s *Pages) markAppealed(ctx context.Context, p *page) error {
	if p.User == nil || p.User.Unit == "" {
		return nil
	}
	appeals, err := s.reads.Appeals(ctx, service.AppealQuery{State: "all", Unit: p.User.Unit})
	if err != nil {
		return err
	}
	p.noteAppeals(appeals)
	return nil
}

// noteAppeals keeps the state of the user's unit's appeals on the page.
func (p *page) noteAppeals(appeals []service.Appeal) {
	p.appealed = make(map[[2]string]string, len(appeals))
	for _, a := range appeals {
		p.appealed[[2]string{a.Case, a.Target}] = a.State
	}
}

// decideSubmit records an assessor's decision from the queue's form.
func (s *Pages) decideSubmit(w http.ResponseWriter, r *http.Request, p *page) (string, error) {
	note, decision := strings.TrimSpace(r.PostFormValue("note")), r.PostFormValue("decision")
	if note == "" || decision != "upheld" && decision != "rejected" {
		return "", invalid(p.T("form.required"))
	}
	c, err := s.auth.Caller(r.Context())
	if err != nil {
		return "", err
	}
	// Recorded for the caller's body (the policy's organization department).
	if _, err := s.svc.Decide(r.Context(), c, service.DecisionRequest{Appeal: r.PathValue("id"), Note: note,
		Upheld: decision == "upheld", Actor: c.Actor()}); err != nil {
		return "", err
	}
	// Back to the list the assessor was working through, saying so, the
	// decided appeal still in its place.
	id := r.PathValue("id")
	http.Redirect(w, r, back(r, decision)+"&decided="+url.QueryEscape(id)+"#appeal-"+url.PathEscape(id), http.StatusSeeOther)
	return "", nil
}

// appealSubmit files a head's appeal against a breached deadline.
func (s *Pages) appealSubmit(w http.ResponseWriter, r *http.Request, p *page) (string, error) {
	reason := r.PostFormValue("reason")
	if reason == "" {
		return "", invalid(p.T("form.required"))
	}
	c, err := s.auth.Caller(r.Context())
	if err != nil {
		return "", err
	}
	if _, err := s.svc.Appeal(r.Context(), c, service.AppealRequest{Case: r.PostFormValue("case"), Unit: p.User.Unit, Target: r.PostFormValue("target"),
		Reason: reason, Actor: c.Actor()}); err != nil {
		return "", err
	}
	back := "/units/" + url.PathEscape(p.User.Unit) + "?period=" + url.QueryEscape(r.PostFormValue("period"))
	if r.PostFormValue("from") == "findings" { // filed from the findings page: back to it
		back = "/findings?period=" + url.QueryEscape(r.PostFormValue("period"))
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return "", nil
}

// evaluateSubmit records a head's rating of a counterpart on a case: a
// street rates a department's response, a department the street's call.
func (s *Pages) evaluateSubmit(w http.ResponseWriter, r *http.Request, p *page) (string, error) {
	score, err := strconv.Atoi(r.PostFormValue("score"))
	if err != nil || score < 1 || score > 5 {
		return "", invalid(p.T("form.score"))
	}
	e := service.EvaluationRequest{Case: r.PathValue("id"), Unit: p.User.Unit, Target: r.PostFormValue("target"), Score: score}
	if p.User.Role == rbac.DeptHead {
		accurate := r.PostFormValue("accurate") != "false"
		e.Call, e.Accurate = true, &accurate
	}
	c, err := s.auth.Caller(r.Context())
	if err != nil {
		return "", err
	}
	e.Actor = c.Actor()
	if _, _, err := s.svc.Evaluate(r.Context(), c, e); err != nil {
		return "", err
	}
	http.Redirect(w, r, "/cases/"+url.PathEscape(e.Case)+"?rated=1", http.StatusSeeOther)
	return "", nil
}

// matrixData is the two-way matrix.
type matrixData struct {
	Month, Unit string      // Unit: only the pairs of this street or department
	Pairs       []view.Pair // this page's: the least satisfied first
	Total       int
	Pager       pager
	Units       []string // the streets and departments in the month's pairs, for the filter
}

// matrixPerPage is how many pairs a page of the matrix's table shows.
const matrixPerPage = 50

func (s *Pages) matrixPage(w http.ResponseWriter, r *http.Request, p *page) (string, error) {
	month := s.monthParam(r, p)
	pairs, _, err := s.reads.Matrix(r.Context(), service.PeriodQuery{Period: month})
	if err != nil {
		return "", err
	}
	d := matrixData{Month: month, Unit: r.URL.Query().Get("unit")}
	for _, pair := range pairs {
		for _, u := range []string{pair.Street, pair.Department} {
			if !slices.Contains(d.Units, u) {
				d.Units = append(d.Units, u)
			}
		}
		if d.Unit == "" || pair.Street == d.Unit || pair.Department == d.Unit {
			d.Pairs = append(d.Pairs, pair)
		}
	}
	slices.Sort(d.Units)
	// The pairs that need attention first: the least satisfied, then
	// those without ratings, by street and department.
	slices.SortStableFunc(d.Pairs, func(a, b view.Pair) int {
		if a.Satisfaction == nil || b.Satisfaction == nil {
			return cmp.Compare(boolRank(a.Satisfaction == nil), boolRank(b.Satisfaction == nil))
		}
		return cmp.Compare(*a.Satisfaction, *b.Satisfaction)
	})
	d.Total = len(d.Pairs)
	lo, hi, pg := paginate(r.URL, d.Total, matrixPerPage)
	d.Pairs, d.Pager = d.Pairs[lo:hi], pg
	p.Title, p.Data = p.T("matrix.title", p.Month(month)), d
	return "matrix", nil
}

func (s *Pages) matrixChart(ctx context.Context, p *page, month string) ([]byte, error) {
	pairs, sp, err := s.reads.Matrix(ctx, service.PeriodQuery{Period: month})
	if err != nil {
		return nil, err
	}
	var cells []heatCell
	for _, pair := range pairs {
		// By name: a reader knows the units by their names.
		cells = append(cells, heatCell{row: p.names().Unit(pair.Street), col: p.names().Unit(pair.Department), value: pair.Satisfaction})
	}
	target := sp.Policy().Scoring.SatisfactionTarget
	return heatSVG(chartText{title: p.T("matrix.chart"), scale: p.T("matrix.bands", target*100, target*100)}, cells, target)
}

// cadresData is the cadre assessment.
type cadresData struct {
	Period, Role, Kind string
	Cadres             []view.Cadre
}

func (s *Pages) cadresPage(w http.ResponseWriter, r *http.Request, p *page) (string, error) {
	q := r.URL.Query()
	d := cadresData{Period: cmp.Or(q.Get("period"), s.defaultMonth(p)), Role: oneOf(q.Get("role"), "head", "deputy", "all"),
		Kind: oneOf(q.Get("kind"), "", "street", "department", "enterprise")}
	cadres, _, err := s.reads.Cadres(r.Context(), service.PeriodQuery{Period: d.Period}, d.Role, p.Lang)
	if err != nil {
		return "", err
	}
	d.Cadres = cadres
	if d.Kind != "" {
		d.Cadres = slices.DeleteFunc(d.Cadres, func(c view.Cadre) bool { return c.Kind != d.Kind })
	}
	p.Title, p.Period, p.Data = p.T("cadres.title", d.Period), d.Period, d
	return "cadres", nil
}

// oneOf is a page's filter value when it is one the filter offers, else
// the filter's default (the first): the page's form then shows what the
// list holds. (The API refuses such a value; a page is read in process,
// past the API's checks.)
func oneOf(value, def string, others ...string) string {
	if slices.Contains(others, value) {
		return value
	}
	return def
}

// findingsData is a page of the findings the filters choose.
type findingsData struct {
	Period, Unit, State string
	Findings            []service.Finding
	Total               int
	Pager               pager
}

// findingsPerPage is how many findings a page of the list shows.
const findingsPerPage = 100

func (s *Pages) findingsPage(w http.ResponseWriter, r *http.Request, p *page) (string, error) {
	q := r.URL.Query()
	unit, err := p.unitParam(q.Get("unit"))
	if err != nil {
		return "", err
	}
	d := findingsData{Period: q.Get("period"), Unit: unit, State: oneOf(q.Get("state"), "all", "active", "withdrawn", "appealed_away")}
	if !q.Has("period") {
		d.Period = s.defaultMonth(p)[:4] // the year so far
	}
	if p.User.Unit != "" {
		d.Unit = p.User.Unit
	}
	findings, err := s.reads.Findings(r.Context(), service.FindingQuery{PeriodQuery: service.PeriodQuery{Period: d.Period}, Unit: d.Unit, State: d.State})
	if err != nil {
		return "", err
	}
	d.Total = len(findings)
	lo, hi, pg := paginate(r.URL, d.Total, findingsPerPage)
	d.Findings, d.Pager = findings[lo:hi], pg
	p.Title, p.Period, p.Data = p.T("findings"), d.Period, d
	return "findings", s.markAppealed(r.Context(), p)
}

// auditData is the audit log's state and its latest entries.
type auditData struct {
	Verify     present.AuditState
	VerifiedAt time.Time // when the chains were checked
	Entries    []present.AuditEntry
}

func (s *Pages) auditPage(w http.ResponseWriter, r *http.Request, p *page) (string, error) {
	if _, err := s.auth.Reader(r.Context(), "audit"); err != nil {
		return "", err
	}
	v, at, err := s.verdict(r.Context())
	if err != nil {
		return "", err
	}
	since := s.now().Add(-7 * 24 * time.Hour).Format(time.RFC3339)
	entries, err := s.reads.AuditEntries(r.Context(), service.AuditQuery{Since: since, Limit: 10000})
	if err != nil {
		return "", err
	}
	slices.Reverse(entries)
	p.Title, p.Data = p.T("audit.title"), auditData{Verify: v, VerifiedAt: at, Entries: entries[:min(len(entries), 200)]}
	return "audit", nil
}

// verdictFor is how long the audit page shows one check of both chains
// as fresh: a whole check reads every entry and event (about a second for
// half a million events), and the page is opened far more often than the
// log grows. GET /api/v1/audit/verify checks afresh every time.
const verdictFor = time.Minute

// verdict is the last check of the audit log and the event chain, with
// when it was made. Older than verdictFor, it is shown (with its time)
// while a new check runs in the background; with none yet, one is made
// now, or the one the server began at start (Warm) is waited for.
func (s *Pages) verdict(ctx context.Context) (present.AuditState, time.Time, error) {
	s.checked.mu.Lock()
	state, at := s.checked.state, s.checked.at
	if at.IsZero() {
		s.checked.mu.Unlock()
		return s.check(ctx)
	}
	if now := s.now(); (now.Sub(at) >= verdictFor || now.Before(at.Add(-time.Second))) && !s.checked.renewing {
		s.checked.renewing = true
		go func() {
			if _, _, err := s.check(context.WithoutCancel(ctx)); err != nil {
				s.log.Warn("audit page: checking the chains", "error", err)
			}
		}()
	}
	s.checked.mu.Unlock()
	return state, at, nil
}

// check checks both chains, one check at a time, and keeps the verdict; a
// caller that waited for another's check takes its verdict.
func (s *Pages) check(ctx context.Context) (present.AuditState, time.Time, error) {
	s.checked.run.Lock()
	defer s.checked.run.Unlock()
	s.checked.mu.Lock()
	state, at, renewing := s.checked.state, s.checked.at, s.checked.renewing
	s.checked.mu.Unlock()
	if !at.IsZero() && !renewing {
		return state, at, nil // made while this caller waited
	}
	v, err := s.reads.AuditAs(ctx, rbac.Local(), nil, nil) // the server's own check, which every reader shares
	s.checked.mu.Lock()
	defer s.checked.mu.Unlock()
	s.checked.renewing = false
	if err != nil {
		return v, time.Time{}, err
	}
	s.checked.state, s.checked.at = v, s.now()
	return v, s.checked.at, nil
}

// Warm checks the chains for the audit page, as a server does when it
// starts, so that the page's first reader need not wait for a check.
func (s *Pages) Warm(ctx context.Context) error {
	_, _, err := s.check(ctx)
	return err
}

// reciprocityData is the reciprocity flags of a period.
type reciprocityData struct {
	Period string
	Pairs  []view.Reciprocity
}

func (s *Pages) reciprocityPage(w http.ResponseWriter, r *http.Request, p *page) (string, error) {
	period := cmp.Or(r.URL.Query().Get("period"), s.defaultMonth(p)[:4])
	pairs, _, err := s.reads.Reciprocity(r.Context(), service.PeriodQuery{Period: period})
	if err != nil {
		return "", err
	}
	p.Title, p.Data = p.T("reciprocity.title", period), reciprocityData{Period: period, Pairs: pairs}
	return "reciprocity", nil
}

// findingSubmit records an inspector's finding against a unit on a case,
// from a breach row or the case page, for the inspector's body, and goes
// back to where it was filed.
func (s *Pages) findingSubmit(w http.ResponseWriter, r *http.Request, p *page) (string, error) {
	return s.noted(w, r, p, "finding", func(c rbac.Principal, note string) error {
		_, err := s.svc.AddFinding(r.Context(), c, service.FindingRequest{Case: r.PostFormValue("case"), Target: r.PostFormValue("target"),
			Severity: r.PostFormValue("severity"), Note: note, Actor: c.Actor()})
		return err
	})
}

// urgeSubmit urges a unit on an open case, from a breach row or the case
// page; the note (what is asked) may be left out.
func (s *Pages) urgeSubmit(w http.ResponseWriter, r *http.Request, p *page) (string, error) {
	c, err := s.auth.Caller(r.Context())
	if err != nil {
		return "", err
	}
	if _, err := s.svc.Urge(r.Context(), c, service.UrgeRequest{Case: r.PostFormValue("case"), Target: r.PostFormValue("target"),
		Note: strings.TrimSpace(r.PostFormValue("note")), Actor: c.Actor()}); err != nil {
		return "", err
	}
	http.Redirect(w, r, back(r, "urged"), http.StatusSeeOther)
	return "", nil
}

// withdrawSubmit withdraws a finding in force, from the findings list.
func (s *Pages) withdrawSubmit(w http.ResponseWriter, r *http.Request, p *page) (string, error) {
	return s.noted(w, r, p, "withdrawn", func(c rbac.Principal, note string) error {
		_, err := s.svc.WithdrawFinding(r.Context(), c, service.WithdrawalRequest{Finding: r.PathValue("id"), Note: note, Actor: c.Actor()})
		return err
	})
}

// noted runs a form's action that needs a note, as the signed-in caller,
// then goes back to the page the form was on, saying what was done.
func (s *Pages) noted(w http.ResponseWriter, r *http.Request, p *page, done string, act func(c rbac.Principal, note string) error) (string, error) {
	note := strings.TrimSpace(r.PostFormValue("note"))
	if note == "" {
		return "", invalid(p.T("form.required"))
	}
	c, err := s.auth.Caller(r.Context())
	if err != nil {
		return "", err
	}
	if err := act(c, note); err != nil {
		return "", err
	}
	http.Redirect(w, r, back(r, done), http.StatusSeeOther)
	return "", nil
}

// back is where a form returns to: the page it was posted from (its
// "back" field, a path on this site), saying what was done.
func back(r *http.Request, done string) string {
	to := r.PostFormValue("back")
	if !strings.HasPrefix(to, "/") || strings.HasPrefix(to, "//") || strings.ContainsAny(to, "\\\r\n") {
		to = "/"
	}
	u, err := url.Parse(to)
	if err != nil {
		u = &url.URL{Path: "/"}
	}
	q := u.Query()
	q.Del("decided")
	q.Set("done", done)
	u.RawQuery = q.Encode()
	return u.String()
}

// cadreData is one cadre's page: their assessment over the period, the
// units they led in it, and their score month by month.
type cadreData struct {
	Cadre    view.Cadre
	Period   string
	Months   []cadreMonth
	HasTrend bool // some month has a score: the chart has something to draw
}

// cadreMonth is a cadre's score and rank in one month.
type cadreMonth struct {
	Month string
	Score *float64
	Rank  *int
}

// cadrePage shows one cadre: the period's assessment with its tenures
// (each unit linked to its page), and the twelve months up to the
// period's end as a chart and a table.
func (s *Pages) cadrePage(w http.ResponseWriter, r *http.Request, p *page) (string, error) {
	id, period := r.PathValue("id"), cmp.Or(r.URL.Query().Get("period"), s.defaultMonth(p))
	c, err := s.cadre(r.Context(), p, id, period)
	if err != nil {
		return "", err
	}
	if c == nil {
		return "", notFound(p.T("cadre.none", id, p.Month(period)))
	}
	months, err := s.cadreMonths(r.Context(), p, id, period)
	if err != nil {
		return "", err
	}
	d := cadreData{Cadre: *c, Period: period, Months: months,
		HasTrend: slices.ContainsFunc(months, func(m cadreMonth) bool { return m.Score != nil })}
	p.Title, p.Period, p.Data = p.T("cadre.title", c.Name, p.Month(period)), period, d
	return "cadre", nil
}

// cadre is one cadre's assessment over a period, or nil when the period
// assesses no such cadre.
func (s *Pages) cadre(ctx context.Context, p *page, id, period string) (*view.Cadre, error) {
	cadres, _, err := s.reads.Cadres(ctx, service.PeriodQuery{Period: period}, "all", p.Lang)
	if err != nil {
		return nil, err
	}
	if i := slices.IndexFunc(cadres, func(c view.Cadre) bool { return c.Cadre == id }); i >= 0 {
		return &cadres[i], nil
	}
	return nil, nil
}

// cadreMonths are a cadre's score and rank in each of the twelve months
// up to the period's end.
func (s *Pages) cadreMonths(ctx context.Context, p *page, id, period string) ([]cadreMonth, error) {
	var out []cadreMonth
	for _, m := range trendMonths(lastMonthOf(period)) {
		c, err := s.cadre(ctx, p, id, m)
		if err != nil {
			return nil, err
		}
		row := cadreMonth{Month: m}
		if c != nil {
			row.Score, row.Rank = c.Score, c.Rank
		}
		out = append(out, row)
	}
	return out, nil
}

// cadreChart draws a cadre's twelve months.
func (s *Pages) cadreChart(ctx context.Context, p *page, id, period string) ([]byte, error) {
	months, err := s.cadreMonths(ctx, p, id, period)
	if err != nil {
		return nil, err
	}
	c, err := s.cadre(ctx, p, id, period)
	if err != nil {
		return nil, err
	}
	name := id
	if c != nil {
		name = c.Name
	}
	var points []point
	for _, m := range months {
		points = append(points, point{label: m.Month[2:], value: m.Score})
	}
	if !slices.ContainsFunc(points, func(pt point) bool { return pt.value != nil }) {
		return nil, notFound("no scores")
	}
	return lineSVG(chartText{title: p.T("trend.chart", name), yLabel: p.T("score")}, points, nil, nil, nil)
}

// lastMonthOf is a period's last month ("2026-Q2" → "2026-06", "2026" →
// "2026-12"), or the period itself when it names a month.
func lastMonthOf(period string) string {
	switch {
	case len(period) == 4:
		return period + "-12"
	case len(period) == 7 && period[5] == 'Q':
		q, _ := strconv.Atoi(period[6:])
		return fmt.Sprintf("%s-%02d", period[:4], 3*q)
	}
	return period
}

// boolRank orders false before true.
func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}
