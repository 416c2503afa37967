package api

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"frontline/fault"
	"frontline/rbac"
	"frontline/service"
)

// SessionCookie is the name of the dashboard's session cookie.
const SessionCookie = "frontline_session"

// CSRFHeader carries a session's anti-forgery token on every request
// that changes something; the dashboard's forms send it as the form
// field csrf_token.
const CSRFHeader = "X-CSRF-Token"

// registerLogin adds password sign-in for the dashboard.
func (s *Server) registerLogin() {
	register(s, huma.Operation{OperationID: "login", Method: http.MethodPost, Path: "/api/v1/login", Tags: []string{"sessions"},
		Summary: "Sign in with a password: a session cookie for the dashboard",
		Description: "Answers with an HttpOnly, SameSite=Strict session cookie and the session's anti-forgery token, which every " +
			"request that changes something must send as `" + CSRFHeader + "`. Failed sign-ins are audited and limited per user " +
			"and per address: past the limit the answer is 429 with Retry-After.",
		Errors: []int{http.StatusUnauthorized, http.StatusTooManyRequests}}, s.login)
	register(s, huma.Operation{OperationID: "logout", Method: http.MethodPost, Path: "/api/v1/logout", Tags: []string{"sessions"},
		Summary: "End the session", DefaultStatus: http.StatusNoContent, Security: bearer}, s.logout)
	register(s, huma.Operation{OperationID: "get-session", Method: http.MethodGet, Path: "/api/v1/session", Tags: []string{"sessions"},
		Summary: "Who is signed in, and the session's anti-forgery token", Security: bearer}, s.session)
}

// LoginInput is a user name and password.
type LoginInput struct {
	Body struct {
		Name     string `json:"name" minLength:"1" maxLength:"64"`
		Password string `json:"password" minLength:"1" maxLength:"256"`
	}
}

// SessionBody describes the signed-in user.
type SessionBody struct {
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Unit      string    `json:"unit,omitempty"`
	CSRFToken string    `json:"csrf_token,omitempty" doc:"send as X-CSRF-Token with every request that changes something (session cookies only)"`
	Expires   time.Time `json:"expires,omitzero" doc:"when the session ends without further requests"`
}

// LoginOutput sets the session cookie.
type LoginOutput struct {
	SetCookie    http.Cookie `header:"Set-Cookie"`
	CacheControl string      `header:"Cache-Control"`
	Body         SessionBody
}

func (s *Server) login(ctx context.Context, in *LoginInput) (*LoginOutput, error) {
	r := ctx.Value(requestKey).(*http.Request)
	secret, expires, u, err := s.signIn(ctx, r, in.Body.Name, in.Body.Password)
	if err != nil {
		return nil, err
	}
	return &LoginOutput{
		SetCookie:    s.sessionCookie(r, secret),
		CacheControl: "no-store",
		Body:         SessionBody{Name: u.Name, Role: string(u.Role), Unit: u.Unit, CSRFToken: rbac.CSRFToken(secret), Expires: expires},
	}, nil
}

// sessionCookie carries a session's secret to the browser.
func (s *Server) sessionCookie(r *http.Request, secret string) http.Cookie {
	return http.Cookie{Name: SessionCookie, Value: secret, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: s.cfg.SecureCookies || r.TLS != nil, MaxAge: int(s.sessionLimits().Absolute.Seconds())}
}

// signIn checks a name and password from a request, within the limits
// on failures, audits the attempt, and starts a session: the API's
// login and the dashboard's sign-in form both come here.
func (s *Server) signIn(ctx context.Context, r *http.Request, name, password string) (secret string, expires time.Time, u service.UserRecord, err error) {
	addr := remoteHost(r)
	now := s.now()
	userKey, addrKey := "user:"+name, "addr:"+addr
	if wait := max(s.logins.wait(userKey, now), s.logins.wait(addrKey, now)); wait > 0 {
		s.metrics.logins.WithLabelValues("limited").Inc()
		return "", time.Time{}, u, tooManyAttempts(wait)
	}
	// A password check takes ~20 MiB and tens of milliseconds: a few at once.
	select {
	case s.checks <- struct{}{}:
		defer func() { <-s.checks }()
	case <-ctx.Done():
		return "", time.Time{}, u, ctx.Err()
	}
	u, err = s.svc.PasswordUser(ctx, name, password)
	if fault.KindOf(err) == fault.Forbidden {
		s.metrics.logins.WithLabelValues("failed").Inc()
		lockedUser, lockedAddr := s.logins.fail(userKey, now), s.logins.fail(addrKey, now)
		// The name is kept only when it is a user's: a password typed
		// into the name field must not reach the log.
		if err := s.svc.LoginFailed(ctx, name, addr, map[string]any{"locked_user": lockedUser, "locked_address": lockedAddr}); err != nil {
			return "", time.Time{}, u, err
		}
		return "", time.Time{}, u, huma.Error401Unauthorized(err.Error())
	} else if err != nil {
		return "", time.Time{}, u, err
	}
	s.logins.reset(userKey)
	if secret, expires, err = s.svc.StartSession(ctx, u, addr, s.sessionLimits()); err != nil {
		return "", time.Time{}, u, err
	}
	s.metrics.logins.WithLabelValues("succeeded").Inc()
	return secret, expires, u, nil
}

func tooManyAttempts(wait time.Duration) error {
	seconds := int(math.Ceil(wait.Seconds()))
	return &retryError{StatusError: huma.Error429TooManyRequests(fmt.Sprintf("too many failed sign-ins; try again in %d s", seconds)), seconds: seconds}
}

// retryError is a 429 problem that carries Retry-After.
type retryError struct {
	huma.StatusError
	seconds int
}

// GetHeaders sets Retry-After on the problem's answer.
func (e *retryError) GetHeaders() http.Header {
	return http.Header{"Retry-After": []string{strconv.Itoa(e.seconds)}}
}

// LogoutOutput clears the session cookie.
type LogoutOutput struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
}

func (s *Server) logout(ctx context.Context, _ *struct{}) (*LogoutOutput, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	if secret, ok := ctx.Value(sessionKey).(string); ok {
		if err := s.svc.EndSession(ctx, c, secret); err != nil {
			return nil, err
		}
	}
	return &LogoutOutput{SetCookie: http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: -1}}, nil
}

// SessionOutput is the signed-in user.
type SessionOutput struct {
	CacheControl string `header:"Cache-Control"`
	Body         SessionBody
}

func (s *Server) session(ctx context.Context, _ *struct{}) (*SessionOutput, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	u, ok := c.User()
	if !ok {
		return nil, huma.Error401Unauthorized("sign in again")
	}
	out := &SessionOutput{CacheControl: "no-store", Body: SessionBody{Name: u.Name, Role: string(u.Role), Unit: u.Unit}}
	if secret, ok := ctx.Value(sessionKey).(string); ok {
		out.Body.CSRFToken = rbac.CSRFToken(secret)
	}
	return out, nil
}

// errCSRF refuses a change requested without the session's token.
var errCSRF = fault.Errorf(fault.Forbidden, "authenticate", "missing or wrong %s header: read it from GET /api/v1/session", CSRFHeader)

// sessionUser authenticates a request by its session cookie; requests
// that change something must carry the session's anti-forgery token.
func (s *Server) sessionUser(ctx huma.Context, secret string) (service.UserRecord, error) {
	u, err := s.svc.SessionUser(ctx.Context(), secret, s.sessionLimits())
	if err != nil {
		return u, err
	}
	switch ctx.Method() {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return u, nil
	}
	if !rbac.CSRFMatches(secret, ctx.Header(CSRFHeader)) {
		return u, errCSRF
	}
	return u, nil
}

func (s *Server) sessionLimits() service.SessionLimits {
	return service.SessionLimits{Idle: s.cfg.SessionIdle, Absolute: s.cfg.SessionAbsolute}
}

// remoteHost is the address a request came from, without its port.
func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// throttle counts failures per key (a user name, an address) in a
// sliding window; a key that reached its limit waits until its oldest
// failure leaves the window. It holds at most maxKeys keys.
type throttle struct {
	mu      sync.Mutex
	window  time.Duration
	limits  map[string]int // by key prefix
	fails   map[string][]time.Time
	maxKeys int
}

// newThrottle limits the keys that start with each prefix of limits.
func newThrottle(window time.Duration, limits map[string]int) *throttle {
	return &throttle{window: window, limits: limits, fails: map[string][]time.Time{}, maxKeys: 100_000}
}

func (t *throttle) limit(key string) int {
	for prefix, n := range t.limits {
		if len(key) >= len(prefix) && key[:len(prefix)] == prefix {
			return n
		}
	}
	return 1
}

// recent drops a key's failures that left the window; t.mu is held.
func (t *throttle) recent(key string, now time.Time) []time.Time {
	f := t.fails[key]
	i := 0
	for i < len(f) && now.Sub(f[i]) >= t.window {
		i++
	}
	f = f[i:]
	if len(f) == 0 {
		delete(t.fails, key)
	} else {
		t.fails[key] = f
	}
	return f
}

// wait says how long key must wait before its next attempt.
func (t *throttle) wait(key string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.recent(key, now)
	if len(f) < t.limit(key) {
		return 0
	}
	return f[len(f)-t.limit(key)].Add(t.window).Sub(now)
}

// fail records a failure and says whether the key is now locked.
func (t *throttle) fail(key string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.fails[key]; !ok && len(t.fails) >= t.maxKeys {
		t.evict(now)
	}
	f := append(t.recent(key, now), now)
	if n := t.limit(key); len(f) > n {
		f = f[len(f)-n:]
	}
	t.fails[key] = f
	return len(f) >= t.limit(key)
}

// evict makes room: expired keys go, then the one idle longest.
func (t *throttle) evict(now time.Time) {
	var oldest string
	for k := range t.fails {
		if f := t.recent(k, now); len(f) > 0 && (oldest == "" || f[len(f)-1].Before(t.fails[oldest][len(t.fails[oldest])-1])) {
			oldest = k
		}
	}
	if len(t.fails) >= t.maxKeys {
		delete(t.fails, oldest)
	}
}

// reset forgets a key's failures after a success.
func (t *throttle) reset(key string) {
	t.mu.Lock()
	delete(t.fails, key)
	t.mu.Unlock()
}

// passwordChecks bounds concurrent password checks to the cores.
func passwordChecks() chan struct{} { return make(chan struct{}, runtime.GOMAXPROCS(0)) }
