package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"frontline/api/auth"
	"frontline/rbac"
)

// SessionCookie is the name of the dashboard's session cookie.
const SessionCookie = auth.SessionCookie

// CSRFHeader carries a session's anti-forgery token on every request
// that changes something.
const CSRFHeader = auth.CSRFHeader

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
	secret, expires, u, err := s.auth.SignIn(ctx, r, in.Body.Name, in.Body.Password)
	if err != nil {
		return nil, err
	}
	return &LoginOutput{
		SetCookie:    s.auth.Cookie(r, secret),
		CacheControl: "no-store",
		Body:         SessionBody{Name: u.Name, Role: string(u.Role), Unit: u.Unit, CSRFToken: rbac.CSRFToken(secret), Expires: expires},
	}, nil
}

// LogoutOutput clears the session cookie.
type LogoutOutput struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
}

func (s *Server) logout(ctx context.Context, _ *struct{}) (*LogoutOutput, error) {
	if err := s.auth.SignOut(ctx); err != nil {
		return nil, err
	}
	return &LogoutOutput{SetCookie: auth.EndedCookie()}, nil
}

// SessionOutput is the signed-in user.
type SessionOutput struct {
	CacheControl string `header:"Cache-Control"`
	Body         SessionBody
}

func (s *Server) session(ctx context.Context, _ *struct{}) (*SessionOutput, error) {
	c, err := s.auth.Caller(ctx)
	if err != nil {
		return nil, err
	}
	u, ok := c.User()
	if !ok {
		return nil, huma.Error401Unauthorized("sign in again")
	}
	out := &SessionOutput{CacheControl: "no-store", Body: SessionBody{Name: u.Name, Role: string(u.Role), Unit: u.Unit}}
	if secret, ok := auth.Session(ctx); ok {
		out.Body.CSRFToken = rbac.CSRFToken(secret)
	}
	return out, nil
}
