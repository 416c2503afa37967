package api

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"maps"
	"math"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"frontline/evaluation"
	"frontline/fault"
	"frontline/rbac"
	"frontline/service"
	"frontline/view"
)

// The web dashboard: pages rendered on the server from the same
// operations the API runs (so a page shows exactly the API's numbers,
// under the same Authorize), signed in with the session cookie, in
// Chinese by default and English on request.

//go:embed dashboard
var dashboardFiles embed.FS

// langCookie remembers the language chosen with the switch.
const langCookie = "frontline_lang"

// catalogs are the dashboard's messages by language.
var catalogs = func() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, lang := range []string{"zh", "en"} {
		b, err := dashboardFiles.ReadFile("dashboard/i18n/" + lang + ".json")
		if err != nil {
			panic(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("dashboard/i18n/%s.json: %v", lang, err))
		}
		out[lang] = m
	}
	return out
}()

var langMatcher = language.NewMatcher([]language.Tag{language.SimplifiedChinese, language.English})

// pageLang picks the page's language: ?lang=, then the switch's cookie,
// then Accept-Language; Chinese by default.
func pageLang(r *http.Request) string {
	for _, v := range []string{r.URL.Query().Get("lang"), cookieValue(r, langCookie)} {
		if v == "zh" || v == "en" {
			return v
		}
	}
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err == nil && len(tags) > 0 {
		if _, i, conf := langMatcher.Match(tags...); i == 1 && conf != language.No {
			return "en"
		}
	}
	return "zh"
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
	Path        string // the page's path and query, for the language switch
	Period      string // the period the page shows, for forms that return to it
	ReadsCases  bool   // the user may open some cases: link to them
	Nav         []navLink
	Data        any

	appealed map[[2]string]string // the state of the user's unit's appeals, by case and target
	names    func() registryNames // the registry's names in the page's language, read on first use
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
	for _, code := range slices.Sorted(maps.Keys(names.units)) {
		if kind := names.kinds[code]; kind != evaluation.Community {
			out = append(out, unitOption{Code: code, Label: names.Unit(code)})
		}
	}
	return out
}

// Category names a category by its registry name with its code.
func (p *page) Category(code string) string { return view.WithCode(p.names().Category(code), code) }

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
	if p.Lang == "en" {
		return strings.ReplaceAll(code, "_", " ")
	}
	return view.Label(code, p.Lang)
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
	// pair hands a partial the page and its own data.
	"pair": func(p *page, data any) map[string]any { return map[string]any{"Page": p, "Data": data} },
}

func parseTemplates() (templates, error) {
	layout, err := template.New("layout").Funcs(templateFuncs).ParseFS(dashboardFiles, "dashboard/templates/layout.html", "dashboard/templates/partials.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(dashboardFiles, "dashboard/templates/*.html")
	if err != nil {
		return nil, err
	}
	out := templates{}
	for _, name := range names {
		base := path.Base(name)
		if base == "layout.html" || base == "partials.html" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(dashboardFiles, name)
		if err != nil {
			return nil, err
		}
		out[strings.TrimSuffix(base, ".html")] = t
	}
	return out, nil
}

// pageFunc renders one page; it returns the template's name, or an error.
type pageFunc func(w http.ResponseWriter, r *http.Request, p *page) (string, error)

// registerDashboard adds the pages at /.
func (s *Server) registerDashboard() {
	tmpl, err := parseTemplates()
	if err != nil {
		panic(err) // the templates are embedded: a test catches this
	}
	s.pages = tmpl
	static, _ := fs.Sub(dashboardFiles, "dashboard/static")
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	s.mux.HandleFunc("GET /login", s.public(s.loginPage))
	s.mux.HandleFunc("POST /login", s.public(s.loginSubmit))
	s.mux.HandleFunc("GET /track", s.public(s.trackPage))
	s.mux.HandleFunc("POST /track", s.public(s.trackSubmit))
	s.mux.HandleFunc("POST /logout", s.signedIn(s.logoutSubmit))
	s.mux.HandleFunc("GET /{$}", s.signedIn(s.homePage))
	s.mux.HandleFunc("GET /units/{code}", s.signedIn(s.unitPage))
	s.mux.HandleFunc("GET /rankings", s.signedIn(s.rankingsPage))
	s.mux.HandleFunc("GET /breaches", s.signedIn(s.breachesPage))
	s.mux.HandleFunc("GET /cases/{id}", s.signedIn(s.casePage))
	s.mux.HandleFunc("GET /satisfaction", s.signedIn(s.satisfactionPage))
	s.mux.HandleFunc("GET /users", s.signedIn(s.usersPage))
	s.mux.HandleFunc("POST /users", s.signedIn(s.userAddSubmit))
	s.mux.HandleFunc("POST /users/{name}/password", s.signedIn(s.userPasswordSubmit))
	s.mux.HandleFunc("POST /users/{name}/disabled", s.signedIn(s.userDisabledSubmit))
	s.mux.HandleFunc("GET /charts/{name}", s.signedIn(s.chart))
	s.mux.HandleFunc("GET /appeals", s.signedIn(s.appealsPage))
	s.mux.HandleFunc("POST /appeals", s.signedIn(s.appealSubmit))
	s.mux.HandleFunc("POST /appeals/{id}/decision", s.signedIn(s.decideSubmit))
	s.mux.HandleFunc("POST /cases/{id}/evaluation", s.signedIn(s.evaluateSubmit))
	s.mux.HandleFunc("GET /matrix", s.signedIn(s.matrixPage))
	s.mux.HandleFunc("GET /cadres", s.signedIn(s.cadresPage))
	s.mux.HandleFunc("GET /findings", s.signedIn(s.findingsPage))
	s.mux.HandleFunc("GET /audit", s.signedIn(s.auditPage))
	s.mux.HandleFunc("GET /reciprocity", s.signedIn(s.reciprocityPage))
}

// newPage starts a page for a request: its language and zone.
func (s *Server) newPage(w http.ResponseWriter, r *http.Request) *page {
	lang := pageLang(r)
	if q := r.URL.Query().Get("lang"); q == "zh" || q == "en" {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: q, Path: "/", SameSite: http.SameSiteLaxMode, MaxAge: 365 * 24 * 3600})
	}
	tag := language.SimplifiedChinese
	if lang == "en" {
		tag = language.English
	}
	p := &page{Lang: lang, Path: r.URL.Path, printer: message.NewPrinter(tag), loc: time.UTC, now: s.now()}
	p.names = sync.OnceValue(func() registryNames {
		reg, err := s.svc.Registry(r.Context())
		if err != nil {
			// Codes alone: the page still says everything it must.
			reg = &evaluation.Registry{}
		}
		return namesOf(reg, lang)
	})
	q := r.URL.Query()
	q.Del("lang")
	if len(q) > 0 {
		p.Path += "?" + q.Encode()
	}
	if policies, err := s.svc.Policies(r.Context()); err == nil {
		p.loc = policies.At(s.now()).Location
	}
	return p
}

// public serves a page that needs no user.
func (s *Server) public(f pageFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := s.newPage(w, r)
		r = r.WithContext(context.WithValue(r.Context(), requestKey, r))
		s.render(w, r, p, f)
	}
}

// signedIn serves a page for the session's user, or sends the browser to
// sign in. A form posted to it must carry the session's csrf_token.
func (s *Server) signedIn(f pageFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := s.newPage(w, r)
		secret := cookieValue(r, SessionCookie)
		u, err := s.svc.SessionUser(r.Context(), secret, s.sessionLimits())
		if secret == "" || fault.KindOf(err) == fault.Forbidden {
			target := "/login?next=" + url.QueryEscape(r.URL.RequestURI())
			if secret != "" {
				target += "&ended=1"
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		} else if err != nil {
			s.errorPage(w, p, http.StatusServiceUnavailable, err)
			return
		}
		if rec, ok := w.(*statusRecorder); ok {
			rec.user = u.Name
		}
		p.User, p.CSRF = &u.User, rbac.CSRFToken(secret)
		if r.Method == http.MethodPost && !rbac.CSRFMatches(secret, r.PostFormValue("csrf_token")) {
			s.errorPage(w, p, http.StatusForbidden, errCSRF)
			return
		}
		ctx := context.WithValue(r.Context(), userKey, u.Name)
		ctx = context.WithValue(ctx, sessionKey, secret)
		r = r.WithContext(ctx)
		r = r.WithContext(context.WithValue(ctx, requestKey, r))
		p.Nav = s.nav(p, &u.User, r.URL.Path)
		if c, err := s.caller(r.Context()); err == nil {
			p.ReadsCases = c.AuthorizeSome(r.Context(), rbac.Read, "cases") == nil
		}
		s.render(w, r, p, f)
	}
}

// nav lists the pages the user's role has.
func (s *Server) nav(p *page, u *rbac.User, current string) []navLink {
	var links []navLink
	add := func(href, key string) {
		links = append(links, navLink{Href: href, Label: p.T(key), Current: href == current})
	}
	switch u.Role {
	case rbac.StreetHead, rbac.DeptHead:
		add("/units/"+u.Unit, "nav.unit")
		add("/breaches", "nav.breaches")
		add("/findings", "nav.findings")
		add("/appeals", "nav.appeals")
	case rbac.OrgAssessor:
		add("/rankings", "nav.rankings")
		add("/matrix", "nav.matrix")
		add("/cadres", "nav.cadres")
		add("/appeals", "nav.appeals")
	case rbac.DisciplineInspector:
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

func (s *Server) render(w http.ResponseWriter, r *http.Request, p *page, f pageFunc) {
	name, err := f(w, r, p)
	if err != nil {
		err = problem(s.log, err) // a domain error's kind, as the API answers it
		s.errorPage(w, p, statusOf(err), err)
		return
	}
	if name == "" {
		return // the handler answered (a redirect, an image)
	}
	s.writePage(w, p, http.StatusOK, name)
}

func (s *Server) writePage(w http.ResponseWriter, p *page, status int, name string) {
	var b bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&b, "layout", p); err != nil {
		s.log.Error("render page", slog.String("page", name), slog.String("error", err.Error()))
		http.Error(w, "internal error; it was logged", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// statusOf is the HTTP status an operation's error answers with: its
// own for a problem, 500 for anything else.
func statusOf(err error) int {
	var se huma.StatusError
	if errors.As(err, &se) {
		return se.GetStatus()
	}
	return http.StatusInternalServerError
}

// errorPage answers with a page saying what went wrong, without
// internals; a record outside the user's domain reads as not found.
func (s *Server) errorPage(w http.ResponseWriter, p *page, status int, err error) {
	title, detail := p.T("error.title"), p.T("error.internal")
	switch status {
	case http.StatusNotFound:
		title, detail = p.T("error.notfound"), p.T("error.notfound.detail")
	case http.StatusForbidden:
		title, detail = p.T("error.forbidden.title"), p.T("error.forbidden")
	case http.StatusServiceUnavailable:
		title, detail = p.T("error.unavailable"), p.T("error.unavailable.detail")
		if fault := service.StorageFault(err); fault != "" {
			detail = p.T("error.storage." + fault)
		}
		s.log.Warn("page", slog.String("error", err.Error()))
	case http.StatusInternalServerError:
		s.log.Error("page", slog.String("error", err.Error()))
	default:
		var se huma.StatusError
		if errors.As(err, &se) {
			detail = se.Error()
		}
	}
	// When to try again, as the API says it.
	var he huma.HeadersError
	if errors.As(err, &he) {
		if v := he.GetHeaders().Get("Retry-After"); v != "" {
			w.Header().Set("Retry-After", v)
		}
	}
	p.Title, p.Data = title, detail
	s.writePage(w, p, status, "error")
}
