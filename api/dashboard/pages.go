package dashboard

import (
	"cmp"
	"context"
	"errors"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"frontline/api/auth"
	"frontline/api/present"
	"frontline/api/problem"
	"frontline/evaluation"
	"frontline/fault"
	"frontline/rbac"
	"frontline/service"
	"frontline/view"
)

// The dashboard's pages. Each calls the service's use cases, as the JSON
// API does.

// invalid refuses a form's value, saying why in the page's language.
func invalid(msg string) error { return fault.Errorf(fault.Invalid, "", "%s", msg) }

// unitParam reads a unit filter as typed, a code or a name in any case
// ("" for none), and returns its code.
func (p *page) unitParam(typed string) (string, error) {
	if strings.TrimSpace(typed) == "" {
		return "", nil
	}
	code, ok := p.names().Find(typed)
	if !ok {
		return "", invalid(p.T("filter.unit_unknown", typed))
	}
	return code, nil
}

// notFound says that what a page asks for is not there.
func notFound(msg string) error { return fault.Errorf(fault.NotFound, "", "%s", msg) }

// defaultMonth is last month in the policy's zone: the latest whole one.
func (s *Pages) defaultMonth(p *page) string {
	now := s.now().In(p.loc)
	return time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, p.loc).AddDate(0, -1, 0).Format("2006-01")
}

// monthParam is the page's month (?period=2026-10), last month by default.
func (s *Pages) monthParam(r *http.Request, p *page) string {
	if m := r.URL.Query().Get("period"); m != "" {
		return m
	}
	return s.defaultMonth(p)
}

func (s *Pages) homePage(w http.ResponseWriter, r *http.Request, p *page) (string, error) {
	target := "/satisfaction"
	switch p.User.Role {
	case rbac.StreetHead, rbac.DeptHead:
		target = "/units/" + p.User.Unit
	case rbac.OrgAssessor:
		target = "/rankings"
	case rbac.DisciplineInspector:
		target = "/breaches"
	case rbac.Admin:
		target = "/users"
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return "", nil
}

func (s *Pages) loginPage(w http.ResponseWriter, r *http.Request, p *page) (string, error) {
	p.Title = p.T("signin.title")
	msg := ""
	if r.URL.Query().Get("ended") != "" {
		msg = p.T("signin.ended")
	}
	p.Data = loginData{Next: safeNext(r.URL.Query().Get("next")), Message: msg}
	return "login", nil
}

type loginData struct {
	Next, Name, Message string
}

// safeNext keeps a post-sign-in target on this site.
func safeNext(next string) string {
	if len(next) > 1 && next[0] == '/' && next[1] != '/' && next[1] != '\\' {
		return next
	}
	return "/"
}

func (s *Pages) loginSubmit(w http.ResponseWriter, r *http.Request, p *page) (string, error) {
	name, password, next := r.PostFormValue("name"), r.PostFormValue("password"), safeNext(r.PostFormValue("next"))
	secret, _, _, err := s.auth.SignIn(r.Context(), r, name, password)
	if err != nil {
		var refused *problem.Error
		if !errors.As(err, &refused) {
			return "", err
		}
		p.Title = p.T("signin.title")
		msg := p.T("signin.failed")
		if seconds := refused.RetryAfter(); refused.Status == http.StatusTooManyRequests {
			msg = p.T("signin.limited", seconds)
			w.Header().Set("Retry-After", strconv.Itoa(seconds))
		}
		p.Data = loginData{Next: next, Name: name, Message: msg}
		s.writePage(w, p, refused.Status, "login")
		return "", nil
	}
	c := s.auth.Cookie(r, secret)
	http.SetCookie(w, &c)
	http.Redirect(w, r, next, http.StatusSeeOther)
	return "", nil
}

func (s *Pages) logoutSubmit(w http.ResponseWriter, r *http.Request, p *page) (string, error) {
	if err := s.auth.SignOut(r.Context()); err != nil {
		return "", err
	}
	ended := auth.EndedCookie()
	http.SetCookie(w, &ended)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return "", nil
}

// unitData is a unit's page.
type unitData struct {
	Unit         view.Unit
	NoCases      bool     // no assessed case in the month
	ScoreChange  *float64 // from last month
	Month        string
	Months       []string
	Kind         string
	Ranked       int // units of its kind with a rank
	Metrics      []metricRow
	Pairs        []view.Pair
	Breaches     []view.Breach
	SeesBreaches bool // the reader may see them
	HasTrend     bool // some month of the last twelve has a score: the chart has something to draw
	Appeals      []service.Appeal
	Findings     []service.Finding // against the unit, on the month's cases
	SeesFindings bool              // the reader may see them
	AsOf         time.Time
}

type metricRow struct {
	Name          string
	Value, Before *float64 // this month, the month before
	Interval      *[2]float64
	Rate          bool
}

// Change is the metric's change from the month before, signed, in the
// metric's own unit (percentage points for rates).
func (m metricRow) Change() *float64 {
	if m.Value == nil || m.Before == nil {
		return nil
	}
	d := *m.Value - *m.Before
	if m.Rate {
		d *= 100
	}
	return &d
}

// rateMetrics are shown as percentages; the others are 0–100 qualities.
var rateMetrics = map[string]bool{evaluation.ResponseRate: true, evaluation.ReportRate: true, evaluation.DisposalRate: true,
	evaluation.ResolutionRate: true, evaluation.SatisfactionRate: true, evaluation.RedoRate: true,
	evaluation.CallAccuracy: true, evaluation.CallTimeliness: true}

func (s *Pages) unitPage(w http.ResponseWriter, r *http.Request, p *page) (string, error) {
	code, month := r.PathValue("code"), s.monthParam(r, p)
	ctx := r.Context()
	scores, unit, err := s.reads.UnitScore(ctx, code, service.PeriodQuery{Period: month}, p.Lang)
	var d unitData
	switch {
	case err == nil:
		d = unitData{Unit: unit, Month: month, AsOf: scores.AsOf.In(scores.Policy.Location)}
	case p.User.Unit == code && fault.KindOf(err) == fault.NotFound:
		// A head's own unit with no assessed case this month (a small
		// department's quiet month): their page says so, rather than
		// "not found", and still offers the other months, the trend and
		// the breaches.
		own, ok := s.ownUnit(ctx, code, p.Lang)
		if !ok {
			return "", err
		}
		d = unitData{Unit: own, Month: month, AsOf: s.now(), NoCases: true}
	default:
		return "", err
	}
	d.Kind = d.Unit.Kind
	names := evaluation.DepartmentMetrics
	if d.Unit.Kind == string(evaluation.Street) {
		names = evaluation.StreetMetrics
	}
	points, _, err := s.trendPoints(ctx, p, code, month)
	if err != nil {
		return "", err
	}
	d.HasTrend = slices.ContainsFunc(points, func(pt point) bool { return pt.value != nil })
	var before map[string]*float64
	if months := trendMonths(month); len(months) > 1 {
		if _, prev, err := s.reads.UnitScore(ctx, code, service.PeriodQuery{Period: months[len(months)-2]}, p.Lang); err == nil {
			before = prev.Metrics
			if now, then := d.Unit.Score, prev.Score; now != nil && then != nil {
				change := *now - *then
				d.ScoreChange = &change
			}
		}
	}
	for _, name := range names {
		m := metricRow{Name: name, Value: d.Unit.Metrics[name], Before: before[name], Rate: rateMetrics[name]}
		if iv, ok := d.Unit.Intervals[name]; ok {
			m.Interval = &iv
		}
		d.Metrics = append(d.Metrics, m)
	}
	// How many units of its kind are ranked, for "3rd of 10": a count,
	// not the other units' scores, which a head may not see.
	if c, err := s.auth.Caller(ctx); err == nil {
		d.Ranked, _ = s.svc.Ranked(ctx, c, service.PeriodQuery{Period: month}, evaluation.UnitKind(d.Unit.Kind))
	}
	// The sections below are shown to those who may read them: a refusal
	// leaves a section out; any other failure fails the page, rather than
	// passing for "none".
	pairs, _, err := s.reads.Matrix(ctx, service.PeriodQuery{Period: month})
	if err := shown(err); err != nil {
		return "", err
	}
	for _, pair := range pairs {
		if pair.Street == code || pair.Department == code {
			d.Pairs = append(d.Pairs, pair)
		}
	}
	b, err := s.reads.Breaches(ctx, service.BreachQuery{PeriodQuery: service.PeriodQuery{Period: month}, Unit: code})
	if err := shown(err); err != nil {
		return "", err
	} else if b != nil {
		d.Breaches, d.SeesBreaches = b.Breaches, true
	}
	// The findings behind the penalty, for those who may read them.
	f, err := s.reads.Findings(ctx, service.FindingQuery{PeriodQuery: service.PeriodQuery{Period: month}, Unit: code, State: "all"})
	if err := shown(err); err != nil {
		return "", err
	}
	d.Findings, d.SeesFindings = f, err == nil
	a, err := s.reads.Appeals(ctx, service.AppealQuery{State: "all", Unit: code})
	if err := shown(err); err != nil {
		return "", err
	}
	d.Appeals = a
	if p.User.Unit == code {
		p.noteAppeals(d.Appeals)
	}
	p.Title, p.Data, p.Period = p.T("unit.title", d.Unit.Name), d, month
	return "unit", nil
}

// shown is a section's read error that must fail its page: none for a
// refusal, which leaves the section out.
func shown(err error) error {
	if fault.KindOf(err) == fault.Forbidden {
		return nil
	}
	return err
}

// ownUnit is a unit as the registry has it, without scores.
func (s *Pages) ownUnit(ctx context.Context, code, lang string) (view.Unit, bool) {
	reg, err := s.svc.Registry(ctx)
	if err != nil {
		return view.Unit{}, false
	}
	for _, u := range reg.Units {
		if u.Code == code {
			return view.Unit{Unit: code, Kind: string(u.Kind), Name: view.Name(u.Name, lang), Metrics: map[string]*float64{}}, true
		}
	}
	return view.Unit{}, false
}

// rankingsData is the assessor's rankings page.
type rankingsData struct {
	Month  string
	AsOf   time.Time
	Kinds  []kindRanking
	Change map[string]*float64 // each unit's score less its score the month before
}

type kindRanking struct {
	Kind               string
	Ranked, Ineligible []view.Unit
	MinCases           int // the cases a unit needs to be ranked
}

func (s *Pages) rankingsPage(w http.ResponseWriter, r *http.Request, p *page) (string, error) {
	month := s.monthParam(r, p)
	scores, units, err := s.reads.Scores(r.Context(), service.ScoresQuery{PeriodQuery: service.PeriodQuery{Period: month}}, p.Lang)
	if err != nil {
		return "", err
	}
	d := rankingsData{Month: month, AsOf: scores.AsOf.In(scores.Policy.Location), Change: map[string]*float64{}}
	if months := trendMonths(month); len(months) > 1 {
		_, before, err := s.reads.Scores(r.Context(), service.ScoresQuery{PeriodQuery: service.PeriodQuery{Period: months[len(months)-2]}}, p.Lang)
		if err != nil {
			return "", err
		}
		then := map[string]*float64{}
		for _, u := range before {
			then[u.Unit] = u.Score
		}
		for _, u := range units {
			if now, was := u.Score, then[u.Unit]; now != nil && was != nil {
				change := *now - *was
				d.Change[u.Unit] = &change
			}
		}
	}
	minCases := scores.Policy.Scoring.MinCases
	for _, kind := range []string{string(evaluation.Street), string(evaluation.Department), string(evaluation.Enterprise)} {
		k := kindRanking{Kind: kind, MinCases: minCases}
		for _, u := range units {
			switch {
			case u.Kind != kind:
			case u.Rank != nil:
				k.Ranked = append(k.Ranked, u)
			default:
				k.Ineligible = append(k.Ineligible, u)
			}
		}
		if len(k.Ranked)+len(k.Ineligible) > 0 {
			d.Kinds = append(d.Kinds, k)
		}
	}
	p.Title, p.Data = p.T("rankings.title", p.Month(month)), d
	return "rankings", nil
}

// breachesData is the breach list with its filters.
type breachesData struct {
	Month, Unit, Milestone string
	AsOf                   time.Time
	Breaches               []view.Breach // this page's
	Total                  int
	Pager                  pager
}

// pager is one page of a long list: rows From–To (1-based) of Total, and
// the links to the pages before and after it ("" when there is none).
type pager struct {
	From, To, Total int
	Prev, Next      string
}

// paginate cuts one page of n rows, per to a page, from the page query
// parameter of u (1 when absent or out of range), and links its
// neighbours by u with only the page changed.
func paginate(u *url.URL, n, per int) (lo, hi int, pg pager) {
	q := u.Query()
	num, err := strconv.Atoi(q.Get("page"))
	pages := max(1, (n+per-1)/per)
	if err != nil || num < 1 || num > pages {
		num = 1
	}
	lo, hi = (num-1)*per, min(num*per, n)
	link := func(to int) string {
		q.Set("page", strconv.Itoa(to))
		return u.Path + "?" + q.Encode()
	}
	pg = pager{From: lo + 1, To: hi, Total: n}
	if num > 1 {
		pg.Prev = link(num - 1)
	}
	if num < pages {
		pg.Next = link(num + 1)
	}
	return lo, hi, pg
}

// breachesPerPage is how many breaches a page of the list shows; the
// Excel export holds them all.
const breachesPerPage = 100

func (s *Pages) breachesPage(w http.ResponseWriter, r *http.Request, p *page) (string, error) {
	month, milestone := s.monthParam(r, p), r.URL.Query().Get("milestone")
	unit, err := p.unitParam(r.URL.Query().Get("unit"))
	if err != nil {
		return "", err
	}
	if p.User.Unit != "" && unit == "" {
		unit = p.User.Unit
	}
	list, err := s.reads.Breaches(r.Context(), service.BreachQuery{PeriodQuery: service.PeriodQuery{Period: month}, Unit: unit})
	if err != nil {
		return "", err
	}
	p.Title, p.Period = p.T("breaches.title", p.Month(month)), month
	breaches := list.Breaches
	if milestone != "" {
		breaches = slices.DeleteFunc(breaches, func(b view.Breach) bool { return b.Milestone != milestone })
	}
	per := breachesPerPage
	if n, err := strconv.Atoi(r.URL.Query().Get("per_page")); err == nil && n >= 1 && n <= 1000 {
		per = n
	}
	lo, hi, pg := paginate(r.URL, len(breaches), per)
	p.Data = breachesData{Month: month, Unit: unit, Milestone: milestone, AsOf: list.AsOf.In(list.Zone), Breaches: breaches[lo:hi], Total: len(breaches), Pager: pg}
	return "breaches", s.markAppealed(r.Context(), p)
}

// caseData is a case's timeline, and for a head whose unit took part
// the form to rate the counterparts.
type caseData struct {
	Case         view.Case
	Rate, Rated  bool
	Counterparts []string
	Involved     []string          // the units on the case (its street first), whom a finding may name
	Opening      *evaluation.Event // the case's opened event: its subject and address
	Earlier      []earlierRating   // what the user's unit already said of its counterparts here
	Inaccurate   bool              // it said the call was not accurate: the form says so again
	Overdue      string            // the first unit urgeable with a milestone past its deadline: the urge form's choice
}

func (s *Pages) casePage(w http.ResponseWriter, r *http.Request, p *page) (string, error) {
	v, err := s.reads.Case(r.Context(), r.PathValue("id"))
	if err != nil {
		return "", err
	}
	d := caseData{Case: v, Rated: r.URL.Query().Get("rated") != ""}
	if v.Street != "" {
		d.Involved = append(d.Involved, v.Street)
	}
	if i := slices.IndexFunc(v.Trail, func(e evaluation.Event) bool { return e.Type == evaluation.Opened }); i >= 0 {
		d.Opening = &v.Trail[i]
	}
	for _, a := range v.Assignments {
		if !slices.Contains(d.Involved, a.Unit) {
			d.Involved = append(d.Involved, a.Unit)
		}
	}
	for _, a := range v.Assignments {
		switch {
		case p.User.Role == rbac.StreetHead && (a.By == p.User.Unit || v.Street == p.User.Unit) && !slices.Contains(d.Counterparts, a.Unit):
			// A street rates the response of the departments on its case.
			d.Counterparts = append(d.Counterparts, a.Unit)
		case p.User.Role == rbac.DeptHead && a.Unit == p.User.Unit && a.By != "" && a.By != "platform" && !slices.Contains(d.Counterparts, a.By):
			// A department rates the call of the street that called it in.
			d.Counterparts = append(d.Counterparts, a.By)
		}
	}
	d.Rate = len(d.Counterparts) > 0
	for _, dl := range v.Deadlines {
		if d.Overdue == "" && dl.Actual == nil && dl.Status == string(evaluation.Breached) && slices.Contains(v.Urgeable, dl.Unit) {
			d.Overdue = dl.Unit
		}
	}
	for _, a := range v.Assignments {
		switch {
		case p.User.Role == rbac.StreetHead && a.ResponseScore != nil && slices.Contains(d.Counterparts, a.Unit):
			d.Earlier = append(d.Earlier, earlierRating{Unit: a.Unit, Score: *a.ResponseScore})
		case p.User.Role == rbac.DeptHead && a.Unit == p.User.Unit && a.CallScore != nil:
			d.Inaccurate = a.CallAccurate != nil && !*a.CallAccurate
			call := map[bool]string{true: "inaccurate", false: "accurate"}[d.Inaccurate]
			if a.CallAccurate == nil {
				call = ""
			}
			d.Earlier = append(d.Earlier, earlierRating{Unit: a.By, Score: *a.CallScore, Call: call})
		}
	}
	p.Title, p.Data = p.T("case.title", v.ID), d
	return "case", nil
}

// earlierRating is a rating the user's unit gave a counterpart on a case.
type earlierRating struct {
	Unit  string
	Score int
	Call  string // of a call: "accurate" or "inaccurate"; "" of a response
}

// satisfactionData is the district's satisfaction by month.
type satisfactionData struct {
	Year string
	view.Satisfaction
	Below, Met []view.SatisfactionLine // the units the reader sees, below the target (furthest first) and meeting it
}

func (s *Pages) satisfactionPage(w http.ResponseWriter, r *http.Request, p *page) (string, error) {
	year := r.URL.Query().Get("period")
	if year == "" {
		year = s.defaultMonth(p)[:4]
	}
	sat, err := s.reads.Satisfaction(r.Context(), service.PeriodQuery{Period: year}, p.Lang)
	if err != nil {
		return "", err
	}
	p.Title = p.T("satisfaction.title", year)
	d := satisfactionData{Year: year, Satisfaction: sat}
	for _, u := range sat.Units {
		if u.Total.Rate == nil {
			continue
		}
		if u.AtRisk {
			d.Below = append(d.Below, u)
		} else {
			d.Met = append(d.Met, u)
		}
	}
	slices.SortStableFunc(d.Below, func(a, b view.SatisfactionLine) int { return cmp.Compare(b.Total.Gap, a.Total.Gap) })
	slices.SortStableFunc(d.Met, func(a, b view.SatisfactionLine) int { return cmp.Compare(*a.Total.Rate, *b.Total.Rate) })
	p.Data = d
	return "satisfaction", nil
}

// usersData is the admin's user list, with the secret an action just
// made, shown this once.
type usersData struct {
	Users  []present.UserOut
	Roles  []string
	Secret *shownSecret
}

// shownSecret is a password or token for a user, on the page that made it.
type shownSecret struct {
	User, Kind, Value string // Kind: "password" or "token"
}

func (s *Pages) usersPage(w http.ResponseWriter, r *http.Request, p *page) (string, error) {
	return s.showUsers(w, r, p, nil)
}

func (s *Pages) showUsers(w http.ResponseWriter, r *http.Request, p *page, secret *shownSecret) (string, error) {
	users, err := s.reads.Users(r.Context())
	if err != nil {
		return "", err
	}
	if secret != nil { // never kept by a cache or the browser's history
		w.Header().Set("Cache-Control", "no-store")
	}
	p.Title, p.Data = p.T("users.title"), usersData{Users: users, Roles: userRoles, Secret: secret}
	return "users", nil
}

// userRoles are the roles the add-user form offers.
var userRoles = []string{string(rbac.OrgAssessor), string(rbac.DisciplineInspector), string(rbac.StreetHead),
	string(rbac.DeptHead), string(rbac.Dispatch), string(rbac.Admin)}

// userAddSubmit adds a user from the admin's form and shows their first
// secret once: a password, or a dispatch account's token.
func (s *Pages) userAddSubmit(w http.ResponseWriter, r *http.Request, p *page) (string, error) {
	u := rbac.User{Name: strings.TrimSpace(r.PostFormValue("name")), Role: rbac.Role(r.PostFormValue("role")), Unit: strings.TrimSpace(r.PostFormValue("unit"))}
	if u.Name == "" || len(u.Name) > 64 || strings.ContainsFunc(u.Name, unicode.IsSpace) || !slices.Contains(userRoles, string(u.Role)) || len(u.Unit) > 64 {
		return "", invalid(p.T("users.invalid"))
	}
	c, err := s.auth.Caller(r.Context())
	if err != nil {
		return "", err
	}
	cred, err := s.svc.AddUser(r.Context(), c, u, 90)
	if err != nil {
		return "", err
	}
	secret := &shownSecret{User: u.Name, Kind: "password", Value: cred.Password}
	if cred.Password == "" {
		secret.Kind, secret.Value = "token", cred.Token
	}
	return s.showUsers(w, r, p, secret)
}

// userPasswordSubmit gives a user a new password and shows it once.
func (s *Pages) userPasswordSubmit(w http.ResponseWriter, r *http.Request, p *page) (string, error) {
	name := r.PathValue("name")
	c, err := s.auth.Caller(r.Context())
	if err != nil {
		return "", err
	}
	cred, err := s.svc.NewPassword(r.Context(), c, name, false)
	if err != nil {
		return "", err
	}
	return s.showUsers(w, r, p, &shownSecret{User: name, Kind: "password", Value: cred.Password})
}

// userDisabledSubmit disables a user (their tokens revoked, sessions
// ended) or enables them again.
func (s *Pages) userDisabledSubmit(w http.ResponseWriter, r *http.Request, p *page) (string, error) {
	c, err := s.auth.Caller(r.Context())
	if err != nil {
		return "", err
	}
	if err := s.svc.SetDisabled(r.Context(), c, r.PathValue("name"), r.PostFormValue("disabled") == "true"); err != nil {
		return "", err
	}
	http.Redirect(w, r, "/users", http.StatusSeeOther)
	return "", nil
}

// chart draws one of the dashboard's charts as SVG.
func (s *Pages) chart(w http.ResponseWriter, r *http.Request, p *page) (string, error) {
	ctx, q := r.Context(), r.URL.Query()
	var svg []byte
	var err error
	switch r.PathValue("name") {
	case "satisfaction.svg":
		svg, err = s.satisfactionChart(ctx, p, cmp.Or(q.Get("period"), s.defaultMonth(p)[:4]))
	case "trend.svg":
		svg, err = s.trendChart(ctx, p, q.Get("unit"), q.Get("period"))
	case "ranking.svg":
		svg, err = s.rankingChart(ctx, p, q.Get("kind"), q.Get("period"))
	case "cadre.svg":
		svg, err = s.cadreChart(ctx, p, q.Get("cadre"), cmp.Or(q.Get("period"), s.defaultMonth(p)))
	case "matrix.svg":
		svg, err = s.matrixChart(ctx, p, cmp.Or(q.Get("period"), s.defaultMonth(p)))
	default:
		return "", notFound("no such chart")
	}
	if err != nil {
		return "", err
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "private, max-age=60")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.Write(svg)
	return "", nil
}

func (s *Pages) satisfactionChart(ctx context.Context, p *page, year string) ([]byte, error) {
	sat, err := s.reads.Satisfaction(ctx, service.PeriodQuery{Period: year}, p.Lang)
	if err != nil {
		return nil, err
	}
	var points []point
	for _, m := range sat.Months {
		var v *float64
		if t, ok := sat.District.Months[m]; ok && t.Rate != nil {
			pct := *t.Rate * 100
			v = &pct
		}
		points = append(points, point{label: m[5:], value: v})
	}
	target := sat.Target * 100
	// From a whole point under the lowest month or the target, whichever
	// is lower, to 100: a tenth of a point from the target shows.
	low, high := target, 100.0
	for _, pt := range points {
		if pt.value != nil {
			low = min(low, *pt.value)
		}
	}
	low = math.Floor(low - 1)
	return lineSVG(chartText{title: p.T("satisfaction.chart"), yLabel: "%", targetLabel: p.T("chart.target.line", p.T("satisfaction.target", p.Pct(sat.Target)))},
		points, &target, &low, &high)
}

// trendMonths are the twelve months ending with month.
func trendMonths(month string) []string {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return nil
	}
	var out []string
	for i := 11; i >= 0; i-- {
		out = append(out, t.AddDate(0, -i, 0).Format("2006-01"))
	}
	return out
}

func (s *Pages) trendChart(ctx context.Context, p *page, unit, month string) ([]byte, error) {
	if month == "" {
		month = s.defaultMonth(p)
	}
	points, name, err := s.trendPoints(ctx, p, unit, month)
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(points, func(pt point) bool { return pt.value != nil }) {
		return nil, notFound("no scores")
	}
	return lineSVG(chartText{title: p.T("trend.chart", name), yLabel: p.T("score")}, points, nil, nil, nil)
}

// trendPoints are a unit's scores over the twelve months up to month
// (none where it has none), with its name.
func (s *Pages) trendPoints(ctx context.Context, p *page, unit, month string) ([]point, string, error) {
	var points []point
	name := unit
	for _, m := range trendMonths(month) {
		_, u, err := s.reads.UnitScore(ctx, unit, service.PeriodQuery{Period: m}, p.Lang)
		pt := point{label: m[2:]}
		if err == nil {
			pt.value, name = u.Score, u.Name
		} else if fault.KindOf(err) != fault.NotFound {
			return nil, "", err
		}
		points = append(points, pt)
	}
	return points, name, nil
}

func (s *Pages) rankingChart(ctx context.Context, p *page, kind, month string) ([]byte, error) {
	if month == "" {
		month = s.defaultMonth(p)
	}
	_, units, err := s.reads.Scores(ctx, service.ScoresQuery{PeriodQuery: service.PeriodQuery{Period: month}, Kind: kind}, p.Lang)
	if err != nil {
		return nil, err
	}
	units = slices.DeleteFunc(units, func(u view.Unit) bool { return u.Rank == nil })
	slices.SortFunc(units, func(a, b view.Unit) int { return cmp.Compare(*a.Rank, *b.Rank) })
	var points []point
	for _, u := range units {
		points = append(points, point{label: u.Name, value: u.Score})
	}
	return barSVG(chartText{title: p.T("rankings.chart", p.T("kind."+kind)), yLabel: p.T("score")}, points)
}

// trackData is the public progress page of one case.
type trackData struct {
	Case, Message string
	Closed        bool
	Steps         []trackStep
	Due           *time.Time // by when an open case should be settled: its disposal deadline
	Late          bool       // that time has passed
}

type trackStep struct {
	Type string
	At   time.Time
}

// publicSteps are the events a resident sees of their case: milestones
// and times only.
var publicSteps = map[evaluation.EventType]bool{evaluation.Opened: true, evaluation.Dispatched: true, evaluation.Responded: true,
	evaluation.Reported: true, evaluation.Resolved: true, evaluation.Closed: true, evaluation.Reopened: true, evaluation.Rated: true,
	evaluation.Revisited: true}

func (s *Pages) trackPage(w http.ResponseWriter, r *http.Request, p *page) (string, error) {
	p.Title, p.Data = p.T("track.title"), trackData{}
	return "track", nil
}

// trackSubmit shows a case's progress to whoever holds its access code.
// Wrong guesses are limited per address and per case, like sign-ins.
func (s *Pages) trackSubmit(w http.ResponseWriter, r *http.Request, p *page) (string, error) {
	p.Title = p.T("track.title")
	id, code := r.PostFormValue("case"), r.PostFormValue("code")
	now := s.now()
	addr := auth.RemoteHost(r)
	caseKey, addrKey, pairKey := "case:"+id, "addr:"+addr, "pair:"+id+"\x00"+addr
	if wait := max(s.tracks.Wait(caseKey, now), s.tracks.Wait(addrKey, now), s.tracks.Wait(pairKey, now)); wait > 0 {
		seconds := int(wait.Seconds()) + 1
		w.Header().Set("Retry-After", strconv.Itoa(seconds))
		p.Data = trackData{Case: id, Message: p.T("track.limited", seconds)}
		s.writePage(w, p, http.StatusTooManyRequests, "track")
		return "", nil
	}
	v, err := s.svc.Track(r.Context(), id, code)
	if err != nil && fault.KindOf(err) != fault.NotFound {
		return "", err
	}
	if err != nil {
		s.tracks.Fail(caseKey, now)
		s.tracks.Fail(addrKey, now)
		s.tracks.Fail(pairKey, now)
		p.Data = trackData{Case: id, Message: p.T("track.notfound")}
		s.writePage(w, p, http.StatusNotFound, "track")
		return "", nil
	}
	d := trackData{Case: id, Closed: v.Case.Closed}
	if !v.Case.Closed {
		// The latest disposal deadline not yet met: what the resident may expect.
		for _, dl := range v.Deadlines {
			if dl.Milestone == evaluation.Dispose && dl.Actual.IsZero() && dl.Stopped.IsZero() && (d.Due == nil || dl.Due.After(*d.Due)) {
				due := dl.Due
				d.Due = &due
			}
		}
		d.Late = d.Due != nil && now.After(*d.Due)
	}
	for _, e := range v.Trail {
		if publicSteps[e.Type] {
			d.Steps = append(d.Steps, trackStep{Type: string(e.Type), At: e.At})
		}
	}
	p.Data = d
	return "track", nil
}
