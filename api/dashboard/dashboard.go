// Package dashboard is Frontline's web pages: rendered on the server from
// the service's use cases (the numbers the JSON API answers, under the
// same Authorize), signed in with the session cookie, in Chinese by
// default and English on request.
package dashboard

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"frontline/api/auth"
	"frontline/api/present"
	"frontline/api/problem"
	"frontline/evaluation"
	"frontline/fault"
	"frontline/rbac"
	"frontline/service"
	"frontline/view"
)

//go:embed i18n static templates
var files embed.FS

// Pages serves the dashboard over one service.
type Pages struct {
	svc    *service.Service
	auth   *auth.Auth
	reads  *present.Reads
	log    *slog.Logger
	now    func() time.Time
	tracks *auth.Throttle // guesses at a case's access code
	pages  templates
	lang   string // the deployment's language
	// checked is the audit page's last check of the chains (see verdict).
	checked struct {
		run      sync.Mutex // held by the one check running
		mu       sync.Mutex // guards the fields below
		at       time.Time
		state    present.AuditState
		renewing bool // a check of a stale verdict is on its way
	}
}

// New returns the pages; they sign in and authorize through a.
func New(svc *service.Service, a *auth.Auth, log *slog.Logger, now func() time.Time, lang string) *Pages {
	if lang != "en" {
		lang = "zh"
	}
	tmpl, err := parseTemplates()
	if err != nil {
		panic(err) // the templates are embedded: a test catches this
	}
	return &Pages{svc: svc, auth: a, reads: present.New(svc, a, now), log: log, now: now, pages: tmpl, lang: lang,
		// Guesses at a case's access code: from one address for one case,
		// five, then doubling waits; from one address, as for sign-ins; for
		// one case from anywhere, a ceiling far above that, so that a
		// guesser cannot lock the resident out of their own case.
		tracks: auth.NewThrottle(a.Window(), map[string]auth.Limit{"pair:": {Max: 5, Backoff: time.Second},
			"addr:": {Max: a.LoginsPerAddress()}, "case:": {Max: 2 * a.LoginsPerUser()}})}
}

// langCookie remembers the language chosen with the switch.
const langCookie = "frontline_lang"

// catalogs are the dashboard's messages by language.
var catalogs = func() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, lang := range []string{"zh", "en"} {
		b, err := files.ReadFile("i18n/" + lang + ".json")
		if err != nil {
			panic(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("i18n/%s.json: %v", lang, err))
		}
		out[lang] = m
	}
	return out
}()

// pageLang picks the page's language: ?lang=, then the switch's cookie,
// then the deployment's (deployment). A browser's own preference does not
// count: a Chinese district's pages are Chinese for every visitor until
// they switch.
func pageLang(r *http.Request, deployment string) string {
	for _, v := range []string{r.URL.Query().Get("lang"), cookieValue(r, langCookie)} {
		if v == "zh" || v == "en" {
			return v
		}
	}
	return deployment
}

func cookieValue(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}

// page is what every page's template gets.
type page struct {
	Lang, Title string
	User        *rbac.User // nil on public pages
	CSRF        string
	Path        string          // the page's path and query, for the language switch
	Period      string          // the period the page shows, for forms that return to it
	ReadsCases  bool            // the user may open some cases: link to them
	Supervises  bool            // the user records supervision findings: offer the forms
	Urges       bool            // the user urges units on open cases (督办): offer the forms
	Exports     map[string]bool // the packs the user may export: link to those only
	Notice      string          // what the user's last action did, said once after it
	Script      string          // the page's one script, from /static; none when empty
	Red         *int            // red warnings the user may see, for the header; nil for one who may not read the board
	Back        string          // the page a form was posted from, for its error page; "" for home
	Nav         []navLink
	Data        any

	appealed map[[2]string]string // the state of the user's unit's appeals, by case and target
	names    func() view.Names    // the registry's names in the page's language, read on first use
	now      time.Time
	printer  *message.Printer
	loc      *time.Location
}

type navLink struct {
	Href, Label string
	Current     bool
}

// UnitName names a unit by its registry name with its code, "鼓东街道
// (S1)", or by its code alone when the registry has no name for it.
func (p *page) UnitName(code string) string { return view.WithCode(p.names().Unit(code), code) }

// Unit is UnitName as markup, the code set apart.
func (p *page) Unit(code string) template.HTML {
	name := p.names().Unit(code)
	if name == "" || name == code {
		return template.HTML(template.HTMLEscapeString(code))
	}
	return template.HTML(template.HTMLEscapeString(name) + ` <span class="code">(` + template.HTMLEscapeString(code) + `)</span>`)
}

// unitOption is a unit a unit field suggests.
type unitOption struct{ Code, Label string }

// UnitOptions are the registry's streets, departments and enterprises,
// by code, each named: a unit field's suggestions.
func (p *page) UnitOptions() []unitOption {
	names := p.names()
	var out []unitOption
	for code, kind := range names.Units() {
		if kind != evaluation.Community {
			out = append(out, unitOption{Code: code, Label: names.Unit(code)})
		}
	}
	return out
}

// Now is when the page was made.
func (p *page) Now() time.Time { return p.now }

// Category names a category by its registry name with its code.
func (p *page) Category(code string) string { return view.WithCode(p.names().Category(code), code) }

// Actor names who made an audit entry: a user by name, the command line
// and an anonymous visitor in words.
func (p *page) Actor(name string) string {
	if name == rbac.LocalOperator || name == "anonymous" {
		return p.T("actor." + name)
	}
	return name
}

// Due says, beside an event that met a milestone (a response, a report,
// a disposal, a street's call), the deadline it met or missed: its time
// and status in words; "" for any other event.
func (p *page) Due(c view.Case, e evaluation.Event) string {
	milestone, unit := map[evaluation.EventType]string{evaluation.Responded: "respond", evaluation.Reported: "report",
		evaluation.Resolved: "dispose"}[e.Type], e.Unit
	if e.Type == evaluation.Dispatched && e.By == c.Street {
		milestone, unit = "call", c.Street
	}
	if milestone == "" {
		return ""
	}
	for _, d := range c.Deadlines {
		if d.Unit == unit && d.Milestone == milestone && d.Deadline != nil && d.Actual != nil && d.Actual.Equal(e.At) {
			return p.T("due.beside", p.Time(d.Deadline), p.T("status."+d.Status))
		}
	}
	return ""
}

// Target shows what an event of a case's trail is aimed at: a unit by
// name; a deadline as its unit and milestone; an earlier event of the
// trail as its kind and time ("申诉 · 2026-06-25 10:20"); else the id.
func (p *page) Target(c view.Case, e evaluation.Event) template.HTML {
	if e.Target == "" {
		return ""
	}
	if _, unit, m, round, ok := evaluation.ParseDeadlineID(e.Target); ok {
		s := p.Unit(unit) + template.HTML(" · "+template.HTMLEscapeString(p.Label(string(m))))
		if round > 1 {
			s += template.HTML(" #" + strconv.Itoa(round))
		}
		return s
	}
	for _, t := range c.Trail {
		if t.ID == e.Target {
			return template.HTML(template.HTMLEscapeString(p.Label(string(t.Type))+" · "+p.Time(t.At)) +
				` <span class="code">(` + template.HTMLEscapeString(t.ID) + `)</span>`)
		}
	}
	return p.Unit(e.Target)
}

// CategoryName names a category in words alone, as a reader of a case
// wants it; its code when the registry has no name.
func (p *page) CategoryName(code string) string { return p.names().Category(code) }

// Details says in words what an event of a trail carried besides its
// type and units: a return's reason, a rating and whether it was solved,
// a revisit's finding, a score and whether a call was accurate, a
// ruling's or decision's verdict, a finding's severity, and its note.
func (p *page) Details(e evaluation.Event) []string {
	var out []string
	yesNo := func(key string, v *bool) {
		if v != nil {
			out = append(out, p.T(key+map[bool]string{true: ".yes", false: ".no"}[*v]))
		}
	}
	if e.Reason != "" {
		out = append(out, p.T("detail.reason", p.Label(e.Reason)))
	}
	if e.Satisfaction != "" {
		out = append(out, p.T("detail.rating", p.Label(e.Satisfaction)))
	}
	yesNo("detail.solved", e.Solved)
	yesNo("detail.in_place", e.InPlace)
	if e.Score != nil {
		out = append(out, p.T("detail.score", *e.Score))
	}
	yesNo("detail.accurate", e.Accurate)
	switch e.Type {
	case evaluation.ReturnRuled:
		yesNo("detail.justified", e.Upheld)
	case evaluation.AppealDecided:
		yesNo("detail.upheld", e.Upheld)
	}
	if e.Severity != "" {
		out = append(out, p.T("detail.severity", p.Label(e.Severity)))
	}
	if e.Note != "" {
		out = append(out, p.T("detail.note", e.Note))
	}
	return out
}

// AppealState is the state of the user's unit's appeal against target in
// case c, or "" if it has none: a breach shows it instead of the form.
func (p *page) AppealState(c, target string) string { return p.appealed[[2]string{c, target}] }

// AppealTarget shows what an appeal is against: a deadline as its unit
// and milestone ("D1 · 响应", "D1 · 处置 #2"); an event as its kind, who
// recorded it of whom, its verdict and time ("评价响应 · 鼓东街道 (S1) →
// 城管局 (D1) · 2 分 · 2026-06-02 10:00"); an event not found by its id.
func (p *page) AppealTarget(a service.Appeal) string {
	if _, unit, m, round, ok := evaluation.ParseDeadlineID(a.Target); ok {
		s := unit + " · " + p.Label(string(m))
		if round > 1 {
			s += " #" + strconv.Itoa(round)
		}
		return s
	}
	e := a.TargetEvent
	if e == nil {
		return p.T("appeal.event", a.Target)
	}
	parts := e.Describe(p.Lang, p.UnitName)
	return strings.Join(append(parts, p.Time(e.At)), " · ")
}

// T translates key, formatting args for the page's language.
func (p *page) T(key string, args ...any) string {
	msg, ok := catalogs[p.Lang][key]
	if !ok {
		msg = key
	}
	if len(args) == 0 {
		return msg
	}
	return p.printer.Sprintf(msg, args...)
}

// Label names a code (a metric, an event type, a milestone, a state) in
// the page's language.
func (p *page) Label(code string) string {
	if code == "" {
		return "—"
	}
	return view.Words(code, p.Lang)
}

// Pct shows a share (0.97) as a percentage with one decimal (97.0%).
func (p *page) Pct(v any) string { return p.pct(v, 1) }

// Pct2 shows a share with two decimals, where a tenth of a point decides:
// satisfaction against its target (97.48% is not 97.5%).
func (p *page) Pct2(v any) string { return p.pct(v, 2) }

func (p *page) pct(v any, decimals int) string {
	f, ok := number(v)
	if !ok {
		return "—"
	}
	return p.printer.Sprintf("%.*f%%", decimals, f*100)
}

// Num shows a number with the given decimals, grouped for the locale.
func (p *page) Num(v any, decimals int) string {
	f, ok := number(v)
	if !ok {
		return "—"
	}
	return p.printer.Sprintf("%.*f", decimals, f)
}

// Signed shows a change with its sign (+1.5, −2.0), or a dash.
func (p *page) Signed(v *float64, decimals int) string {
	if v == nil {
		return "—"
	}
	if *v < 0 {
		return "−" + p.printer.Sprintf("%.*f", decimals, -*v)
	}
	return "+" + p.printer.Sprintf("%.*f", decimals, *v)
}

// Time shows a time in the policy's zone.
func (p *page) Time(v any) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x == nil {
			return "—"
		}
		t = *x
	}
	if t.IsZero() {
		return "—"
	}
	return t.In(p.loc).Format("2006-01-02 15:04")
}

// Month names a month (2026-10) for the locale.
func (p *page) Month(name string) string {
	t, err := time.Parse("2006-01", name)
	if err != nil {
		return name
	}
	if p.Lang == "en" {
		return t.Format("Jan 2006")
	}
	return fmt.Sprintf("%d年%d月", t.Year(), t.Month())
}

// monthOption is a month in a period picker.
type monthOption struct {
	Value, Label string
	Selected     bool
}

// periodGroup is a picker's group of periods: months, quarters or years.
type periodGroup struct {
	Label   string
	Options []monthOption
}

// Periods offers the periods a longer view is read over: the years, the
// quarters and the months of the last three years, newest first, with
// selected chosen (and offered even when older).
func (p *page) Periods(selected string) []periodGroup {
	now := p.now.In(p.loc)
	years := periodGroup{Label: p.T("period.years")}
	quarters := periodGroup{Label: p.T("period.quarters")}
	for y := now.Year(); y > now.Year()-monthsOffered/12; y-- {
		v := strconv.Itoa(y)
		years.Options = append(years.Options, monthOption{Value: v, Label: p.T("period.year", v), Selected: v == selected})
		for q := 4; q >= 1; q-- {
			if y == now.Year() && 3*q-2 > int(now.Month()) {
				continue // not begun
			}
			v := fmt.Sprintf("%d-Q%d", y, q)
			quarters.Options = append(quarters.Options, monthOption{Value: v, Label: p.T("period.quarter", strconv.Itoa(y), q), Selected: v == selected})
		}
	}
	months := periodGroup{Label: p.T("period.months"), Options: slices.DeleteFunc(p.Months(selected), func(o monthOption) bool { return !monthLike(o.Value) })}
	// An older year or quarter chosen is offered too.
	found := func(g periodGroup) bool {
		return slices.ContainsFunc(g.Options, func(o monthOption) bool { return o.Selected })
	}
	switch {
	case selected == "" || found(years) || found(quarters) || found(months):
	case len(selected) == 4:
		years.Options = append(years.Options, monthOption{Value: selected, Label: selected, Selected: true})
	case strings.Contains(selected, "-Q"):
		quarters.Options = append(quarters.Options, monthOption{Value: selected, Label: selected, Selected: true})
	}
	return []periodGroup{years, quarters, months}
}

// monthLike says whether a period's name is a month's ("2026-06").
func monthLike(v string) bool { return len(v) == 7 && v[4] == '-' && v[5] != 'Q' }

// monthsOffered is how far back a period picker reaches: three years.
const monthsOffered = 36

// Months lists the months a period picker offers, this month first, named
// in the page's language (a native month input names them in the
// browser's); selected is chosen, and offered too when older.
func (p *page) Months(selected string) []monthOption {
	now := p.now.In(p.loc)
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	var out []monthOption
	for i := range monthsOffered {
		v := first.AddDate(0, -i, 0).Format("2006-01")
		label := p.Month(v)
		if i == 0 {
			label = p.T("month.current", label)
		}
		out = append(out, monthOption{Value: v, Label: label, Selected: v == selected})
	}
	if selected != "" && !slices.ContainsFunc(out, func(o monthOption) bool { return o.Selected }) {
		out = append(out, monthOption{Value: selected, Label: p.Month(selected), Selected: true})
	}
	return out
}

// Duration shows seconds as hours and minutes.
func (p *page) Duration(seconds int64) string {
	if seconds >= 48*3600 { // past two days, days and hours read better
		return p.T("overdue.dh", seconds/86400, seconds%86400/3600)
	}
	return p.T("overdue.hm", seconds/3600, seconds%3600/60)
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, !math.IsNaN(x)
	case *float64:
		if x == nil {
			return 0, false
		}
		return *x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	return 0, false
}

// templates holds each page's template: the layout with the page's
// "content" in it.
type templates map[string]*template.Template

// templateFuncs are the few helpers templates need besides the page's methods.
var templateFuncs = template.FuncMap{
	"contains": strings.Contains,
	"deref":    func(p *int) int { return *p },
	"list":     func(xs ...string) []string { return xs },
	"neg":      func(n int64) int64 { return -n },
	// pair hands a partial the page and its own data.
	"pair": func(p *page, data any) map[string]any { return map[string]any{"Page": p, "Data": data} },
}

func parseTemplates() (templates, error) {
	layout, err := template.New("layout").Funcs(templateFuncs).ParseFS(files, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := templates{}
	for _, name := range names {
		base := path.Base(name)
		if base == "layout.html" || base == "partials.html" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(files, name)
		if err != nil {
			return nil, err
		}
		out[strings.TrimSuffix(base, ".html")] = t
	}
	return out, nil
}

// pageFunc renders one page; it returns the template's name, or an error.
type pageFunc func(w http.ResponseWriter, r *http.Request, p *page) (string, error)

// Register adds the pages at / to mux.
func (s *Pages) Register(mux *http.ServeMux) {
	static, _ := fs.Sub(files, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /login", s.public(s.loginPage))
	mux.HandleFunc("POST /login", s.public(s.loginSubmit))
	mux.HandleFunc("GET /track", s.public(s.trackPage))
	mux.HandleFunc("POST /track", s.public(s.trackSubmit))
	mux.HandleFunc("POST /logout", s.signedIn(s.logoutSubmit))
	mux.HandleFunc("GET /{$}", s.signedIn(s.homePage))
	// Any other address is a page that is not there, said as a page: the
	// API's own addresses answer their own way.
	mux.HandleFunc("GET /", s.public(s.missingPage))
	mux.HandleFunc("GET /units/{code}", s.signedIn(s.unitPage))
	mux.HandleFunc("GET /rankings", s.signedIn(s.rankingsPage))
	mux.HandleFunc("GET /breaches", s.signedIn(s.breachesPage))
	mux.HandleFunc("GET /warnings", s.signedIn(s.warningsPage))
	mux.HandleFunc("GET /cases/{id}", s.signedIn(s.casePage))
	mux.HandleFunc("GET /satisfaction", s.signedIn(s.satisfactionPage))
	mux.HandleFunc("GET /users", s.signedIn(s.usersPage))
	mux.HandleFunc("POST /users", s.signedIn(s.userAddSubmit))
	mux.HandleFunc("POST /users/{name}/password", s.signedIn(s.userPasswordSubmit))
	mux.HandleFunc("POST /users/{name}/disabled", s.signedIn(s.userDisabledSubmit))
	mux.HandleFunc("GET /charts/{name}", s.signedIn(s.chart))
	mux.HandleFunc("GET /appeals", s.signedIn(s.appealsPage))
	mux.HandleFunc("POST /appeals", s.signedIn(s.appealSubmit))
	mux.HandleFunc("POST /appeals/{id}/decision", s.signedIn(s.decideSubmit))
	mux.HandleFunc("POST /cases/{id}/evaluation", s.signedIn(s.evaluateSubmit))
	mux.HandleFunc("GET /matrix", s.signedIn(s.matrixPage))
	mux.HandleFunc("GET /cadres", s.signedIn(s.cadresPage))
	mux.HandleFunc("GET /cadres/{id}", s.signedIn(s.cadrePage))
	mux.HandleFunc("GET /findings", s.signedIn(s.findingsPage))
	mux.HandleFunc("POST /findings", s.signedIn(s.findingSubmit))
	mux.HandleFunc("POST /findings/{id}/withdrawal", s.signedIn(s.withdrawSubmit))
	mux.HandleFunc("POST /urgings", s.signedIn(s.urgeSubmit))
	mux.HandleFunc("GET /audit", s.signedIn(s.auditPage))
	mux.HandleFunc("GET /reciprocity", s.signedIn(s.reciprocityPage))
}

// newPage starts a page for a request: its language and zone.
func (s *Pages) newPage(w http.ResponseWriter, r *http.Request) *page {
	lang := pageLang(r, s.lang)
	if q := r.URL.Query().Get("lang"); q == "zh" || q == "en" {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: q, Path: "/", SameSite: http.SameSiteLaxMode, MaxAge: 365 * 24 * 3600})
	}
	tag := language.SimplifiedChinese
	if lang == "en" {
		tag = language.English
	}
	p := &page{Lang: lang, Path: r.URL.Path, printer: message.NewPrinter(tag), loc: time.UTC, now: s.now()}
	p.names = sync.OnceValue(func() view.Names {
		reg, err := s.svc.Registry(r.Context())
		if err != nil {
			// Codes alone: the page still says everything it must.
			reg = &evaluation.Registry{}
		}
		return view.NamesOf(reg, lang)
	})
	q := r.URL.Query()
	q.Del("lang")
	if len(q) > 0 {
		p.Path += "?" + q.Encode()
	}
	// Where a form was posted from, on this site: its error page leads back there.
	if r.Method == http.MethodPost {
		if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host && strings.HasPrefix(ref.Path, "/") && !strings.HasPrefix(ref.Path, "//") {
			p.Back = ref.RequestURI()
		}
	}
	if policies, err := s.svc.Policies(r.Context()); err == nil {
		p.loc = policies.At(s.now()).Location
	}
	return p
}

// public serves a page that needs no user.
func (s *Pages) public(f pageFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, s.newPage(w, r), f)
	}
}

// signedIn serves a page for the session's user, or sends the browser to
// sign in. A form posted to it must carry the session's csrf_token.
func (s *Pages) signedIn(f pageFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := s.newPage(w, r)
		secret := cookieValue(r, auth.SessionCookie)
		// A form that changes something carries the session's token, as
		// the API's header does: one rule, auth's.
		u, err := s.auth.SessionUser(r.Context(), secret, r.Method, r.PostFormValue("csrf_token"))
		switch {
		case errors.Is(err, auth.ErrCSRF): // the user is known: the error page says it under their name
		case secret == "" || fault.KindOf(err) == fault.Forbidden:
			target := "/login?next=" + url.QueryEscape(r.URL.RequestURI())
			if secret != "" {
				target += "&ended=1"
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		case err != nil:
			s.errorPage(w, p, problem.Of(s.log, err))
			return
		}
		auth.NoteUser(w, u.Name)
		p.User, p.CSRF = &u.User, rbac.CSRFToken(secret)
		if err != nil {
			s.errorPage(w, p, problem.Of(s.log, err))
			return
		}
		r = r.WithContext(auth.WithSession(auth.WithUser(r.Context(), u.Name), secret))
		p.Nav = s.nav(p, &u.User, r.URL.Path)
		if key := r.URL.Query().Get("done"); slices.Contains(notices, key) {
			p.Notice = p.T("done." + key)
		}
		if c, err := s.auth.Caller(r.Context()); err == nil {
			p.ReadsCases = c.AuthorizeSome(r.Context(), rbac.Read, "cases") == nil
			p.Supervises = c.Authorize(r.Context(), rbac.Write, rbac.Resource{Object: "findings"}) == nil
			p.Urges = c.Authorize(r.Context(), rbac.Write, rbac.Resource{Object: "urgings"}) == nil
			p.Exports = map[string]bool{}
			for _, kind := range service.ExportKinds {
				p.Exports[kind] = c.Authorize(r.Context(), rbac.Read, rbac.Resource{Object: "exports." + kind, Unit: u.Unit}) == nil
			}
			if n, ok, err := s.svc.RedCount(r.Context(), c); ok && err == nil {
				p.Red = &n
			}
		}
		s.render(w, r, p, f)
	}
}

// notices are what a form's redirect may say it did (?done=KEY, shown as
// the catalogue's done.KEY): a fixed list, so that a link cannot put
// words on a page.
var notices = []string{"finding", "withdrawn", "upheld", "rejected", "urged"}

// missingPage answers an address no page has: the error page, in the
// reader's language, with the way back.
func (s *Pages) missingPage(w http.ResponseWriter, r *http.Request, p *page) (string, error) {
	if strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/open311/") {
		http.NotFound(w, r)
		return "", nil
	}
	return "", notFound(p.T("error.notfound.detail"))
}

// nav lists the pages the user's role has.
func (s *Pages) nav(p *page, u *rbac.User, current string) []navLink {
	var links []navLink
	add := func(href, key string) {
		links = append(links, navLink{Href: href, Label: p.T(key), Current: href == current})
	}
	switch u.Role {
	case rbac.StreetHead, rbac.DeptHead:
		add("/units/"+u.Unit, "nav.unit")
		add("/warnings", "nav.warnings")
		add("/breaches", "nav.breaches")
		add("/findings", "nav.findings")
		add("/appeals", "nav.appeals")
	case rbac.OrgAssessor:
		add("/rankings", "nav.rankings")
		add("/matrix", "nav.matrix")
		add("/cadres", "nav.cadres")
		add("/appeals", "nav.appeals")
	case rbac.DisciplineInspector:
		add("/warnings", "nav.warnings")
		add("/breaches", "nav.breaches")
		add("/findings", "nav.findings")
		add("/reciprocity", "nav.reciprocity")
		add("/appeals", "nav.appeals")
		add("/audit", "nav.audit")
	case rbac.Admin:
		add("/users", "nav.users")
	}
	if u.Role != rbac.Admin {
		add("/satisfaction", "nav.satisfaction")
	}
	return links
}

func (s *Pages) render(w http.ResponseWriter, r *http.Request, p *page, f pageFunc) {
	name, err := f(w, r, p)
	if err != nil {
		s.errorPage(w, p, problem.Of(s.log, err)) // as the API answers it
		return
	}
	if name == "" {
		return // the handler answered (a redirect, an image)
	}
	s.writePage(w, p, http.StatusOK, name)
}

func (s *Pages) writePage(w http.ResponseWriter, p *page, status int, name string) {
	var b bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&b, "layout", p); err != nil {
		s.log.Error("render page", slog.String("page", name), slog.String("error", err.Error()))
		http.Error(w, "internal error; it was logged", http.StatusInternalServerError)
		return
	}
	pageHeaders(w.Header(), p)
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// pageHeaders are the headers of every page and part of one: HTML, not
// cached, and no script but the live board's own.
func pageHeaders(h http.Header, p *page) {
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	scripts := "'none'"
	if p.Script != "" {
		scripts = "'self'"
	}
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self'; style-src 'self'; script-src "+scripts+"; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
}

// errorPage answers with a page saying what went wrong, without
// internals; a record outside the user's domain reads as not found.
func (s *Pages) errorPage(w http.ResponseWriter, p *page, a problem.Answer) {
	title, detail := p.T("error.title"), p.T("error.internal")
	switch a.Status {
	case http.StatusNotFound:
		title, detail = p.T("error.notfound"), p.T("error.notfound.detail")
	case http.StatusForbidden:
		title, detail = p.T("error.forbidden.title"), p.T("error.forbidden")
	case http.StatusServiceUnavailable:
		title, detail = p.T("error.unavailable"), p.T("error.unavailable.detail")
		if fault := service.StorageFault(a.Cause); fault != "" {
			detail = p.T("error.storage." + fault)
		}
		s.log.Warn("page", slog.String("error", a.Cause.Error()))
	case http.StatusInternalServerError:
		s.log.Error("page", slog.String("error", a.Cause.Error()))
	default:
		detail = a.Detail
		if fault.KindOf(a.Cause) != fault.Internal {
			detail = fault.Text(a.Cause, p.Lang) // in the reader's language, without the developer's operation
		}
	}
	// When to try again, as the API says it.
	if v := a.Header.Get("Retry-After"); v != "" {
		w.Header().Set("Retry-After", v)
	}
	p.Title, p.Data = title, detail
	s.writePage(w, p, a.Status, "error")
}
