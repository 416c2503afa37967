package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"frontline/api/present"
	"frontline/rbac"
	"frontline/service"
)

// registerUsers adds user administration (admin only).
func (s *Server) registerUsers() {
	register(s, huma.Operation{OperationID: "list-users", Method: http.MethodGet, Path: "/api/v1/users", Tags: []string{"users"},
		Summary: "Users, roles and their active tokens (never a secret)", Security: bearer}, s.listUsers)
	register(s, huma.Operation{OperationID: "add-user", Method: http.MethodPost, Path: "/api/v1/users", Tags: []string{"users"},
		Summary: "Add a user; the answer carries the first password (or, for dispatch, an API token) once", DefaultStatus: http.StatusCreated,
		Security: bearer}, s.addUser)
	register(s, huma.Operation{OperationID: "issue-token", Method: http.MethodPost, Path: "/api/v1/users/{name}/tokens", Tags: []string{"users"},
		Summary: "Issue an API token, shown once", DefaultStatus: http.StatusCreated, Security: bearer}, s.issueToken)
	register(s, huma.Operation{OperationID: "revoke-tokens", Method: http.MethodDelete, Path: "/api/v1/users/{name}/tokens", Tags: []string{"users"},
		Summary: "Revoke a user's active tokens (or one, with ?token=ID)", Security: bearer}, s.revokeTokens)
	register(s, huma.Operation{OperationID: "reset-password", Method: http.MethodPost, Path: "/api/v1/users/{name}/password", Tags: []string{"users"},
		Summary: "Give a user a new random password, shown once; their sessions end and their tokens are revoked (unless keep_tokens)", DefaultStatus: http.StatusCreated, Security: bearer}, s.resetPassword)
	register(s, huma.Operation{OperationID: "lift-lock", Method: http.MethodDelete, Path: "/api/v1/users/{name}/lock", Tags: []string{"users"},
		Summary: "Let a user sign in again at once, whatever failed sign-ins were counted against their name", DefaultStatus: http.StatusNoContent,
		Security: bearer}, s.liftLock)
	register(s, huma.Operation{OperationID: "update-user", Method: http.MethodPatch, Path: "/api/v1/users/{name}", Tags: []string{"users"},
		Summary: "Disable a user (tokens revoked, sessions ended) or enable them again", Security: bearer}, s.updateUser)
}

// UserOut is a user as listed.
type UserOut = present.UserOut

// UsersOutput lists users by name.
type UsersOutput struct {
	Body struct {
		Users []UserOut `json:"users"`
	}
}

func (s *Server) listUsers(ctx context.Context, _ *struct{}) (*UsersOutput, error) {
	users, err := s.reads.Users(ctx)
	if err != nil {
		return nil, err
	}
	out := &UsersOutput{}
	out.Body.Users = users
	return out, nil
}

// CredentialOutput carries a secret, once.
type CredentialOutput struct {
	CacheControl string `header:"Cache-Control"`
	Body         service.Credential
}

func credential(cred service.Credential) *CredentialOutput {
	return &CredentialOutput{CacheControl: "no-store", Body: cred}
}

// AddUserInput is a new user.
type AddUserInput struct {
	Body struct {
		Name string `json:"name" minLength:"1" maxLength:"64" pattern:"^\\S+$"`
		Role string `json:"role" enum:"admin,org_assessor,discipline_inspector,street_head,dept_head,dispatch"`
		Unit string `json:"unit,omitempty" maxLength:"64" doc:"the street or department a head leads"`
		Days int    `json:"days,omitempty" minimum:"0" maximum:"3650" doc:"for dispatch: days until the token expires (default 90)"`
	}
}

func (s *Server) addUser(ctx context.Context, in *AddUserInput) (*CredentialOutput, error) {
	w, c, err := s.service(ctx)
	if err != nil {
		return nil, err
	}
	days := in.Body.Days
	if days == 0 {
		days = 90
	}
	cred, err := w.AddUser(ctx, c, rbac.User{Name: in.Body.Name, Role: rbac.Role(in.Body.Role), Unit: in.Body.Unit}, days)
	if err != nil {
		return nil, err
	}
	return credential(cred), nil
}

// TokenInput names a user and a lifetime.
type TokenInput struct {
	Name string `path:"name" maxLength:"64"`
	Body struct {
		Days int `json:"days,omitempty" minimum:"1" maximum:"3650" default:"90"`
	}
}

func (s *Server) issueToken(ctx context.Context, in *TokenInput) (*CredentialOutput, error) {
	w, c, err := s.service(ctx)
	if err != nil {
		return nil, err
	}
	cred, err := w.IssueToken(ctx, c, in.Name, in.Body.Days)
	if err != nil {
		return nil, err
	}
	return credential(cred), nil
}

// RevokeInput names a user and optionally one token.
type RevokeInput struct {
	Name  string `path:"name" maxLength:"64"`
	Token string `query:"token" maxLength:"32" doc:"only this token id"`
}

// RevokeOutput says how many tokens were revoked.
type RevokeOutput struct {
	Body struct {
		Revoked int `json:"revoked"`
	}
}

func (s *Server) revokeTokens(ctx context.Context, in *RevokeInput) (*RevokeOutput, error) {
	w, c, err := s.service(ctx)
	if err != nil {
		return nil, err
	}
	n, err := w.RevokeTokens(ctx, c, in.Name, in.Token)
	if err != nil {
		return nil, err
	}
	out := &RevokeOutput{}
	out.Body.Revoked = n
	return out, nil
}

// UserName names a user.
type UserName struct {
	Name string `path:"name" maxLength:"64"`
}

// PasswordInput names a user, and whether their tokens stay valid.
type PasswordInput struct {
	UserName
	KeepTokens bool `query:"keep_tokens" doc:"leave the user's API tokens valid (by default a new password revokes them)"`
}

func (s *Server) resetPassword(ctx context.Context, in *PasswordInput) (*CredentialOutput, error) {
	w, c, err := s.service(ctx)
	if err != nil {
		return nil, err
	}
	cred, err := w.NewPassword(ctx, c, in.Name, in.KeepTokens)
	if err != nil {
		return nil, err
	}
	return credential(cred), nil
}

func (s *Server) liftLock(ctx context.Context, in *UserName) (*struct{}, error) {
	w, c, err := s.service(ctx)
	if err != nil {
		return nil, err
	}
	return nil, w.LiftLock(ctx, c, in.Name)
}

// UpdateUserInput changes a user.
type UpdateUserInput struct {
	UserName
	Body struct {
		Disabled bool `json:"disabled"`
	}
}

// UserOutput is one user.
type UserOutput struct {
	Body UserOut
}

func (s *Server) updateUser(ctx context.Context, in *UpdateUserInput) (*UserOutput, error) {
	w, c, err := s.service(ctx)
	if err != nil {
		return nil, err
	}
	err = w.SetDisabled(ctx, c, in.Name, in.Body.Disabled)
	if err != nil {
		return nil, err
	}
	u, err := w.User(ctx, c, in.Name)
	if err != nil {
		return nil, err
	}
	return &UserOutput{Body: s.reads.User(u)}, nil
}
