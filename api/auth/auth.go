// Package auth is who is asking, over HTTP: password sign-in within
// limits on failures, sessions in a cookie with an anti-forgery token,
// bearer tokens, and the principal a request runs for. The JSON API and
// the dashboard both authenticate here; neither knows how the other does.
package auth

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"time"

	"frontline/api/problem"
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

// Config says how sign-in and sessions behave.
type Config struct {
	// UsersReload is how long a loaded view of users and roles is trusted
	// before it is read again (default 5 s).
	UsersReload time.Duration
	// SessionIdle ends a session after this long without a request
	// (default 2 h); SessionAbsolute ends it however active it is
	// (default 12 h).
	SessionIdle, SessionAbsolute time.Duration
	// SecureCookies marks the session cookie Secure even when TLS ends
	// at a proxy in front (it always is over TLS).
	SecureCookies bool
	// LoginWindow, LoginsPerUser and LoginsPerAddress limit failed
	// sign-ins in the window (default 15 min): from one address for one
	// name, three, then waits that double from a second; from one address
	// for any names, LoginsPerAddress (default 20); for one name from any
	// addresses, LoginsPerUser (default 100), a ceiling far above what one
	// address may try, so that a guesser elsewhere cannot lock the owner
	// out. An admin can lift a name's lock (LiftLock).
	LoginWindow                     time.Duration
	LoginsPerUser, LoginsPerAddress int
	// SignedIn, if set, counts sign-ins by outcome: succeeded, failed or
	// limited.
	SignedIn func(outcome string)
}

// Auth authenticates requests against one service.
type Auth struct {
	svc    *service.Service
	cfg    Config
	now    func() time.Time
	logins *Throttle
	checks chan struct{} // password checks under way

	authzMu sync.Mutex
	authz   *rbac.Authorizer
	authzAt time.Time
}

// New returns the authenticator, its limits defaulted.
func New(svc *service.Service, now func() time.Time, cfg Config) *Auth {
	cfg.UsersReload = cmp.Or(cfg.UsersReload, 5*time.Second)
	cfg.SessionIdle = cmp.Or(cfg.SessionIdle, 2*time.Hour)
	cfg.SessionAbsolute = cmp.Or(cfg.SessionAbsolute, 12*time.Hour)
	cfg.LoginWindow = cmp.Or(cfg.LoginWindow, 15*time.Minute)
	cfg.LoginsPerUser = cmp.Or(cfg.LoginsPerUser, 100)
	cfg.LoginsPerAddress = cmp.Or(cfg.LoginsPerAddress, 20)
	if cfg.SignedIn == nil {
		cfg.SignedIn = func(string) {}
	}
	a := &Auth{svc: svc, cfg: cfg, now: now,
		logins: NewThrottle(cfg.LoginWindow, map[string]Limit{"user:": {Max: cfg.LoginsPerUser}, "addr:": {Max: cfg.LoginsPerAddress},
			"pair:": {Max: 3, Backoff: time.Second}}),
		// A password check takes ~20 MiB and tens of milliseconds: a few at once.
		checks: make(chan struct{}, runtime.GOMAXPROCS(0))}
	if svc != nil {
		svc.UsersChanged = a.UsersChanged // whichever door changed them
		svc.LockLifted = a.liftLock
	}
	return a
}

// Window is how long failures count against a key (sign-ins, guesses).
func (a *Auth) Window() time.Duration { return a.cfg.LoginWindow }

// LoginsPerUser is how many failures a user name may have in the window.
func (a *Auth) LoginsPerUser() int { return a.cfg.LoginsPerUser }

// LoginsPerAddress is how many failures an address may have in the window.
func (a *Auth) LoginsPerAddress() int { return a.cfg.LoginsPerAddress }

type ctxKey int

const (
	userKey ctxKey = iota
	sessionKey
)

// WithUser says that the request in ctx runs for the user name.
func WithUser(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, userKey, name)
}

// WithSession says that the request in ctx came with the session's secret.
func WithSession(ctx context.Context, secret string) context.Context {
	return context.WithValue(ctx, sessionKey, secret)
}

// Session is the secret of the session the request in ctx came with.
func Session(ctx context.Context) (string, bool) {
	secret, ok := ctx.Value(sessionKey).(string)
	return secret, ok
}

// Caller is the principal a request runs for: the user its token or
// session names.
func (a *Auth) Caller(ctx context.Context) (rbac.Principal, error) {
	name, _ := ctx.Value(userKey).(string)
	if name == "" {
		return rbac.Principal{}, problem.Unauthorized("sign in: send Authorization: Bearer TOKEN")
	}
	authz, err := a.authorizer(ctx)
	if err != nil {
		return rbac.Principal{}, err
	}
	return authz.Principal(name), nil
}

// Reader is the caller of a read of object, which they must be allowed
// to read for some unit (lists then keep only what they may see).
func (a *Auth) Reader(ctx context.Context, object string) (rbac.Principal, error) {
	c, err := a.Caller(ctx)
	if err != nil {
		return c, err
	}
	if err := c.AuthorizeSome(ctx, rbac.Read, object); err != nil {
		return c, err
	}
	return c, nil
}

// authorizer returns the current view of users and roles.
func (a *Auth) authorizer(ctx context.Context) (*rbac.Authorizer, error) {
	a.authzMu.Lock()
	defer a.authzMu.Unlock()
	if a.authz != nil && time.Since(a.authzAt) < a.cfg.UsersReload {
		return a.authz, nil
	}
	authz, err := a.svc.Authorizer(ctx)
	if err != nil {
		return nil, err
	}
	a.authz, a.authzAt = authz, time.Now()
	return authz, nil
}

// UsersChanged makes the next request read users and roles again.
func (a *Auth) UsersChanged() {
	a.authzMu.Lock()
	a.authz = nil
	a.authzMu.Unlock()
}

// SignIn checks a name and password from a request, within the limits
// on failures, audits the attempt, and starts a session: the API's
// login and the dashboard's sign-in form both come here.
func (a *Auth) SignIn(ctx context.Context, r *http.Request, name, password string) (secret string, expires time.Time, u service.UserRecord, err error) {
	addr := RemoteHost(r)
	now := a.now()
	userKey, addrKey, pairKey := "user:"+name, "addr:"+addr, "pair:"+name+"\x00"+addr
	if wait := max(a.logins.Wait(userKey, now), a.logins.Wait(addrKey, now), a.logins.Wait(pairKey, now)); wait > 0 {
		a.cfg.SignedIn("limited")
		return "", time.Time{}, u, TooManyAttempts("too many failed sign-ins; try again in %d s", wait)
	}
	select {
	case a.checks <- struct{}{}:
		defer func() { <-a.checks }()
	case <-ctx.Done():
		return "", time.Time{}, u, ctx.Err()
	}
	u, err = a.svc.PasswordUser(ctx, name, password)
	if fault.KindOf(err) == fault.Forbidden {
		a.cfg.SignedIn("failed")
		lockedUser, lockedAddr := a.logins.Fail(userKey, now), a.logins.Fail(addrKey, now)
		a.logins.Fail(pairKey, now)
		// The name is kept only when it is a user's: a password typed
		// into the name field must not reach the log.
		if err := a.svc.LoginFailed(ctx, name, addr, map[string]any{"locked_user": lockedUser, "locked_address": lockedAddr}); err != nil {
			return "", time.Time{}, u, err
		}
		return "", time.Time{}, u, &problem.Error{Status: http.StatusUnauthorized, Detail: err.Error(), Zh: fault.Chinese(err)}
	} else if err != nil {
		return "", time.Time{}, u, err
	}
	a.logins.Reset(userKey)
	a.logins.Reset(pairKey)
	if secret, expires, err = a.svc.StartSession(ctx, u, addr, a.Limits()); err != nil {
		return "", time.Time{}, u, err
	}
	a.cfg.SignedIn("succeeded")
	return secret, expires, u, nil
}

// liftLock forgets a name's failed sign-ins, from every address.
func (a *Auth) liftLock(name string) {
	a.logins.Reset("user:" + name)
	a.logins.ResetPrefix("pair:" + name + "\x00")
}

// TooManyAttempts answers 429 with Retry-After: the wait, in whole
// seconds, fills the message's %d.
func TooManyAttempts(format string, wait time.Duration) error {
	seconds := int(math.Ceil(wait.Seconds()))
	return &problem.Error{Status: http.StatusTooManyRequests, Detail: fmt.Sprintf(format, seconds),
		Header: http.Header{"Retry-After": []string{strconv.Itoa(seconds)}}}
}

// Cookie carries a session's secret to the browser.
func (a *Auth) Cookie(r *http.Request, secret string) http.Cookie {
	return http.Cookie{Name: SessionCookie, Value: secret, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: a.cfg.SecureCookies || r.TLS != nil, MaxAge: int(a.Limits().Absolute.Seconds())}
}

// EndedCookie clears the session cookie.
func EndedCookie() http.Cookie {
	return http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: -1}
}

// SignOut ends the session the request in ctx came with, if any.
func (a *Auth) SignOut(ctx context.Context) error {
	c, err := a.Caller(ctx)
	if err != nil {
		return err
	}
	if secret, ok := Session(ctx); ok {
		return a.svc.EndSession(ctx, c, secret)
	}
	return nil
}

// ErrCSRF refuses a change requested without the session's token.
var ErrCSRF = fault.Sayf(fault.Forbidden, "authenticate", "缺少 %s 请求头或其值不对：请从 GET /api/v1/session 读取", "missing or wrong %s header: read it from GET /api/v1/session", CSRFHeader)

// SessionUser authenticates a request by its session's secret; a
// request that changes something (not GET, HEAD or OPTIONS) must carry
// the session's anti-forgery token.
func (a *Auth) SessionUser(ctx context.Context, secret, method, token string) (service.UserRecord, error) {
	u, err := a.svc.SessionUser(ctx, secret, a.Limits())
	if err != nil {
		return u, err
	}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return u, nil
	}
	if !rbac.CSRFMatches(secret, token) {
		return u, ErrCSRF
	}
	return u, nil
}

// TokenUser authenticates a request by its bearer token.
func (a *Auth) TokenUser(ctx context.Context, token string) (service.UserRecord, error) {
	return a.svc.UserByToken(ctx, token)
}

// Limits are how long a session lasts.
func (a *Auth) Limits() service.SessionLimits {
	return service.SessionLimits{Idle: a.cfg.SessionIdle, Absolute: a.cfg.SessionAbsolute}
}

// RemoteHost is the address a request came from, without its port.
func RemoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// UserNoter is a response that notes who it answers, for the access log.
type UserNoter interface{ NoteUser(name string) }

// NoteUser tells the access log, when w keeps one, whom it answers.
func NoteUser(w http.ResponseWriter, name string) {
	if n, ok := w.(UserNoter); ok {
		n.NoteUser(name)
	}
}
