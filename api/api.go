// Package api is Frontline's HTTP API: huma v2 on the standard library's
// ServeMux, OpenAPI 3.1 at /openapi.json, RFC 9457 problem details for
// every error, bearer tokens for clients, and the same rbac.Authorize
// for every operation as the command line.
package api

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"log"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"frontline/api/auth"
	"frontline/api/dashboard"
	"frontline/api/present"
	"frontline/api/problem"
	"frontline/fault"
	"frontline/rbac"
	"frontline/service"
)

// Config says how the server behaves.
type Config struct {
	// MaxEventBytes caps one POST /events body (default 64 MiB).
	MaxEventBytes int64
	// Config is how sign-in and sessions behave (its SignedIn hook is
	// the server's own: the metrics count sign-ins).
	auth.Config
	// RefreshEvery, when set, recomputes the kept scores that ingest
	// made stale in the background, at most this often, instead of after
	// each POST /events: a stream of batches then does not recompute the
	// same months after every one. Reads meanwhile count the stale
	// months afresh, so they are never out of date. Close stops it.
	RefreshEvery time.Duration
	// Lang is the deployment's language ("zh", the default, or "en"):
	// every visitor's pages are in it until they switch.
	Lang string
	// NoBoard leaves the live board's clock off: no crossings are
	// announced, and the warning stream and webhooks stay silent (the
	// board itself is still read from the deadlines).
	NoBoard bool
	// HookBackoff is the wait after a webhook's first failed delivery
	// (default service.DefaultBackoff); it doubles with each failure.
	HookBackoff time.Duration
	// Open311Public lets anyone read Open311's services and requests,
	// without what people wrote, as many cities publish them.
	Open311Public bool
}

// Server serves the API over one database.
type Server struct {
	cfg     Config
	now     func() time.Time
	log     *slog.Logger
	svc     *service.Service
	mux     *http.ServeMux
	api     huma.API
	metrics *metrics

	auth  *auth.Auth
	reads *present.Reads
	pages *dashboard.Pages

	stale chan struct{} // kept scores to refresh, when refreshing in the background
	clock *service.Clock
	hooks *service.Hooks
	ctx   context.Context // ends when the server closes: streams end with it
	stop  context.CancelFunc
	loops sync.WaitGroup // the background loops Close stops

	breachMu   sync.Mutex
	breaches   map[string]int
	breachesAt time.Time
}

// Version is the API's version in the OpenAPI document.
const Version = "1.0.0"

type ctxKey int

// requestKey holds the request in an operation's context.
const requestKey ctxKey = 0

// bearer is the security requirement of every operation that needs a
// user: an API token, or the dashboard's session cookie.
var bearer = []map[string][]string{{"bearer": {}}, {"session": {}}}

// New builds the server.
func New(svc *service.Service, log *slog.Logger, now func() time.Time, cfg Config) *Server {
	if cfg.MaxEventBytes <= 0 {
		cfg.MaxEventBytes = 64 << 20
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{svc: svc, cfg: cfg, now: now, log: log, mux: http.NewServeMux(), metrics: newMetrics()}
	authCfg := cfg.Config
	authCfg.SignedIn = func(outcome string) { s.metrics.logins.WithLabelValues(outcome).Inc() }
	s.auth = auth.New(svc, now, authCfg)
	s.reads = present.New(svc, s.auth, now)
	config := huma.DefaultConfig("Frontline", Version)
	config.Info.Description = "Two-way performance evaluation and cadre assessment for front-line disposal: case trails in, " +
		"mutual scores, satisfaction, breaches, cadres, appeals and findings out. Errors are RFC 9457 problem details."
	config.OpenAPIPath = "/openapi"
	config.DocsPath = "" // served from embedded assets below: nothing from the internet
	config.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer":  {Type: "http", Scheme: "bearer", Description: "an API token from `frontline users token NAME`"},
		"session": {Type: "apiKey", In: "cookie", Name: SessionCookie, Description: "the dashboard's session, from POST /api/v1/login"},
	}
	ctx, stop := context.WithCancel(context.Background())
	s.ctx, s.stop = ctx, stop
	if cfg.RefreshEvery > 0 && svc != nil {
		s.stale = make(chan struct{}, 1)
		s.stale <- struct{}{} // what an earlier run left stale
		s.svc.Stale = func() {
			select {
			case s.stale <- struct{}{}:
			default: // a refresh is already due
			}
		}
		s.loops.Go(func() { s.refreshLoop(ctx) })
	}
	if svc != nil && !cfg.NoBoard {
		s.clock, s.hooks = service.NewClock(svc), service.NewHooks(svc)
		svc.Board, svc.Hooks = s.clock, s.hooks
		if cfg.HookBackoff > 0 {
			s.hooks.Backoff = cfg.HookBackoff
		}
		heard, stop := s.clock.Listen()
		s.loops.Go(func() { s.clock.Run(ctx, log) })
		s.loops.Go(func() { s.hooks.Run(ctx, log) })
		s.loops.Go(func() { // new warning events go out to the hooks at once
			defer func() { stop() }() // the listener of the moment
			for {
				select {
				case <-ctx.Done():
					return
				case _, ok := <-heard:
					if !ok { // fell behind: listen again
						heard, stop = s.clock.Listen()
					}
					s.hooks.Poke()
				}
			}
		})
	}
	s.api = humago.New(s.mux, config)
	if svc != nil {
		s.metrics.gauge("frontline_breaches", "Breached deadlines of the cases opened this month (in the policy's zone), as of the scrape, by milestone.",
			[]string{"milestone"}, s.breachGauge)
	}
	s.api.UseMiddleware(s.authenticate)
	s.register()
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.Handle("GET /metrics", s.scraper(s.metrics.handler()))
	s.mux.HandleFunc("GET /docs", s.docs)
	if svc != nil {
		s.pages = dashboard.New(svc, s.auth, log, now, cfg.Lang)
		s.pages.Register(s.mux)
	}
	return s
}

// Warm does at start what the first readers would otherwise wait for:
// the audit page's check of both chains.
func (s *Server) Warm(ctx context.Context) {
	if s.pages == nil {
		return
	}
	if err := s.pages.Warm(ctx); err != nil && ctx.Err() == nil {
		s.log.Warn("warming up: checking the chains", "error", err)
	}
}

// Close stops the background refresh, if any, after the one under way.
func (s *Server) Close() {
	s.stop()
	s.loops.Wait()
}

func (s *Server) refreshLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.stale:
		}
		start := time.Now()
		months, err := s.svc.Refresh(context.WithoutCancel(ctx), s.now())
		if err != nil {
			s.log.Error("refresh kept scores", slog.String("error", err.Error()))
		} else if len(months) > 0 {
			s.log.Info("refreshed kept scores", slog.Int("months", len(months)), slog.Duration("elapsed", time.Since(start)))
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.cfg.RefreshEvery):
		}
	}
}

// Handler returns the server's handler: every route, with access logs
// and request metrics.
func (s *Server) Handler() http.Handler {
	// Browsers' cross-site requests that would change something are
	// refused before anything else (Sec-Fetch-Site, Origin).
	routes := http.NewCrossOriginProtection().Handler(s.mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		lang := requestLang(r, s.cfg.Lang)
		r = r.WithContext(context.WithValue(r.Context(), langKey{}, lang))
		if reason := badURL(r.URL); reason != "" {
			// No code or id holds these; the databases refuse some of them
			// (PostgreSQL has no NUL in text), so they stop here.
			writeProblem(rec, lang, http.StatusBadRequest, reason)
		} else {
			routes.ServeHTTP(rec, r)
		}
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		elapsed := time.Since(start)
		s.metrics.observe(r.Method, route, rec.status, elapsed)
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("method", r.Method), slog.String("route", route),
			slog.String("path", r.URL.Path), slog.Int("status", rec.status), slog.Duration("elapsed", elapsed),
			slog.String("user", rec.user))
	})
}

// writeProblem answers a plain handler's refusal as a problem document
// in lang.
func writeProblem(w http.ResponseWriter, lang string, status int, detail string) {
	if lang == "zh" {
		detail = inChinese(detail)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"title": statusTitle(status, lang), "status": status, "detail": detail})
}

// scraper lets through to the metrics a bearer token whose user may read
// them (an admin, or a monitoring account given the right): they name
// routes, users' outcomes and the month's breaches, not for everyone.
func (s *Server) scraper(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || token == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="frontline"`)
			writeProblem(w, langOf(r.Context()), http.StatusUnauthorized, "metrics: send Authorization: Bearer TOKEN of a user who may read them")
			return
		}
		ctx := r.Context()
		u, err := s.auth.TokenUser(ctx, token)
		if err == nil {
			var c rbac.Principal
			if c, err = s.auth.Caller(auth.WithUser(ctx, u.Name)); err == nil {
				err = c.Authorize(ctx, rbac.Read, rbac.Resource{Object: "metrics"})
			}
		}
		if err != nil {
			a := problem.Of(s.log, err)
			switch kind := fault.KindOf(err); {
			case u.Name == "" && kind == fault.Forbidden:
				a.Status, a.Detail = http.StatusUnauthorized, "invalid or expired token"
			case kind == fault.Forbidden, kind == fault.NotFound:
				a.Status, a.Detail = http.StatusForbidden, "metrics: "+u.Name+" may not read them"
			}
			for k, v := range a.Header {
				w.Header()[k] = v
			}
			writeProblem(w, langOf(r.Context()), a.Status, a.Detail)
			return
		}
		auth.NoteUser(w, u.Name)
		next.ServeHTTP(w, r)
	})
}

// badURL says what is wrong with a request's path or query: a control
// character or text that is not UTF-8; "" if nothing.
func badURL(u *url.URL) string {
	for _, part := range []struct{ name, text string }{{"path", u.Path}, {"query", u.RawQuery}} {
		text := part.text
		if part.name == "query" {
			if unescaped, err := url.QueryUnescape(text); err == nil {
				text = unescaped
			}
		}
		if !utf8.ValidString(text) {
			return "the request's " + part.name + " is not UTF-8"
		}
		if strings.ContainsFunc(text, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return "the request's " + part.name + " holds a control character"
		}
	}
	return ""
}

// OpenAPI returns the API's OpenAPI document.
func (s *Server) OpenAPI() *huma.OpenAPI { return s.api.OpenAPI() }

type statusRecorder struct {
	http.ResponseWriter
	status int
	user   string
}

// NoteUser says whom the request is answered for, for the access log.
func (r *statusRecorder) NoteUser(name string) { r.user = name }

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// authenticate puts the request in the context and, for operations that
// need a user, the user its bearer token names.
func (s *Server) authenticate(ctx huma.Context, next func(huma.Context)) {
	r, w := humago.Unwrap(ctx)
	ctx = huma.WithValue(ctx, requestKey, r)
	if len(ctx.Operation().Security) == 0 {
		next(ctx)
		return
	}
	var (
		u   service.UserRecord
		err error
	)
	cookie, _ := huma.ReadCookie(ctx, SessionCookie)
	switch {
	case ctx.Header("Authorization") != "" || cookie == nil:
		token, ok := strings.CutPrefix(ctx.Header("Authorization"), "Bearer ")
		if !ok || token == "" {
			ctx.SetHeader("WWW-Authenticate", `Bearer realm="frontline"`)
			huma.WriteErr(s.api, ctx, http.StatusUnauthorized, "sign in: send Authorization: Bearer TOKEN, or sign in at POST /api/v1/login")
			return
		}
		if u, err = s.auth.TokenUser(ctx.Context(), token); fault.KindOf(err) == fault.Forbidden {
			ctx.SetHeader("WWW-Authenticate", `Bearer realm="frontline", error="invalid_token"`)
			huma.WriteErr(s.api, ctx, http.StatusUnauthorized, "invalid or expired token")
			return
		}
	default:
		if u, err = s.auth.SessionUser(ctx.Context(), cookie.Value, ctx.Method(), ctx.Header(CSRFHeader)); fault.KindOf(err) == fault.Forbidden {
			status := http.StatusUnauthorized
			if errors.Is(err, auth.ErrCSRF) {
				status = http.StatusForbidden
			}
			detail := err.Error()
			if langOf(ctx.Context()) == "zh" {
				detail = cmp.Or(fault.Chinese(err), detail)
			}
			huma.WriteErr(s.api, ctx, status, detail)
			return
		}
		ctx = huma.WithContext(ctx, auth.WithSession(ctx.Context(), cookie.Value))
	}
	if err != nil {
		s.log.Warn("database unavailable", slog.String("error", err.Error()))
		ctx.SetHeader("Retry-After", "5")
		huma.WriteErr(s.api, ctx, http.StatusServiceUnavailable, "the database cannot be reached just now; try again shortly")
		return
	}
	auth.NoteUser(w, u.Name)
	next(huma.WithContext(ctx, auth.WithUser(ctx.Context(), u.Name)))
}

// register adds an operation whose handler answers domain errors by
// their kind: the one place where the JSON API maps an error to HTTP.
func register[I, O any](s *Server, op huma.Operation, handler func(context.Context, *I) (*O, error)) {
	huma.Register(s.api, op, func(ctx context.Context, in *I) (*O, error) {
		out, err := handler(ctx, in)
		if err != nil {
			return nil, answer(ctx, s.log, err)
		}
		return out, nil
	})
}

// answer answers an error as an RFC 9457 problem in the request's
// language: one the operation wrote as such as it says, any other as
// package problem maps it.
func answer(ctx context.Context, log *slog.Logger, err error) error {
	lang := langOf(ctx)
	var se huma.StatusError
	if errors.As(err, &se) {
		if m, ok := se.(*huma.ErrorModel); ok {
			localize(m, lang)
		}
		return err
	}
	a := problem.Of(log, err)
	e := huma.NewError(a.Status, say(a, lang))
	if m, ok := e.(*huma.ErrorModel); ok {
		m.Title = statusTitle(a.Status, lang)
	}
	if a.Header != nil {
		return huma.ErrorWithHeaders(e, a.Header)
	}
	return e
}

// breachGauge reports this month's breaches by milestone, as the breach
// list counts them, recomputed at most once a minute.
func (s *Server) breachGauge(emit func(value float64, labels ...string)) {
	s.breachMu.Lock()
	defer s.breachMu.Unlock()
	if s.breaches == nil || s.now().Sub(s.breachesAt) > time.Minute {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		counts, err := s.svc.BreachesByMilestone(ctx)
		if err != nil {
			s.log.Warn("breach gauge", slog.String("error", err.Error()))
			return
		}
		s.breaches, s.breachesAt = counts, s.now()
	}
	for milestone, n := range s.breaches {
		emit(float64(n), milestone)
	}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "application/json")
	if err := s.svc.Ping(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`{"status":"unavailable","database":"unreachable"}` + "\n"))
		return
	}
	w.Write([]byte(`{"status":"ok","database":"reachable"}` + "\n"))
}

// Document renders the OpenAPI document as committed in api/openapi.json:
// indented, with a final newline.
func Document() ([]byte, error) {
	s := New(nil, slog.New(slog.DiscardHandler), time.Now, Config{})
	b, err := json.MarshalIndent(s.OpenAPI(), "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Timeouts bound how long a client may take: to send its request's
// headers, its body, and to sit idle between requests. A slow client
// cannot hold a connection open for ever.
type Timeouts struct {
	Header, Body, Idle time.Duration
}

// DefaultTimeouts give a slow network time to send a 64 MiB batch of
// events, and no more.
var DefaultTimeouts = Timeouts{Header: 10 * time.Second, Body: 5 * time.Minute, Idle: 2 * time.Minute}

// HTTPServer returns the server for the handler, with its limits: the
// timeouts, and 64 KiB of headers.
func (s *Server) HTTPServer(t Timeouts, errorLog *log.Logger) *http.Server {
	hs := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: t.Header, ReadTimeout: t.Header + t.Body, IdleTimeout: t.Idle,
		MaxHeaderBytes: 64 << 10, ErrorLog: errorLog}
	// Open warning streams end when shutdown begins: it waits for requests
	// in flight, and a stream never finishes by itself.
	hs.RegisterOnShutdown(s.stop)
	return hs
}
