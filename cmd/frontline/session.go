package main

import (
	"context"
	"encoding/json"

	"frontline/audit"
	"frontline/fault"
	"frontline/rbac"
	"frontline/store"
)

// A command runs for a user named with --user (or $FRONTLINE_USER): their
// role and domain decide what it may show and do, through rbac's one
// Authorize. Without a user it runs for the local operator, who holds the
// database itself and so everything in it; audit entries then name
// "local".
type session struct {
	name  string
	authz *rbac.Authorizer // nil for the local operator
}

// localOperator is the actor of commands run without --user.
const localOperator = "local"

// session opens the session of the command's user.
func (a *app) session(ctx context.Context, db *store.DB) (*session, error) {
	if a.sess != nil {
		return a.sess, nil
	}
	name := ""
	if a.user != nil {
		name = *a.user
	}
	s := &session{name: name}
	if name != "" {
		authz, err := db.Authorizer(ctx)
		if err != nil {
			return nil, err
		}
		if u, ok := authz.User(name); !ok || u.Disabled {
			return nil, fault.Errorf(fault.Forbidden, "session", "user %q is unknown or disabled", name)
		}
		s.authz = authz
	}
	a.sess = s
	return s, nil
}

// Actor names the session's user in the audit log.
func (s *session) Actor() string {
	if s.authz == nil {
		return localOperator
	}
	return s.name
}

// Authorize asks rbac whether the session may do action on res.
func (s *session) Authorize(ctx context.Context, action string, res rbac.Resource) error {
	if s.authz == nil {
		return nil
	}
	return s.authz.Authorize(ctx, s.name, action, res)
}

// Sees says whether the session may read object in unit's domain ("" for
// the district): for filtering lists without revealing what is left out.
func (s *session) Sees(object, unit string) bool {
	return s.authz == nil || s.authz.Allowed(s.name, rbac.Read, rbac.Resource{Object: object, Unit: unit})
}

// authorizeAny decides on a record of several units (rbac.AuthorizeAny).
func (s *session) authorizeAny(ctx context.Context, action, object, id string, units ...string) error {
	if s.authz == nil {
		return nil
	}
	return s.authz.AuthorizeAny(ctx, s.name, action, object, id, units...)
}

// audit appends an entry for the session's user.
func (a *app) audit(ctx context.Context, db *store.DB, action, object string, details any) error {
	s, err := a.session(ctx, db)
	if err != nil {
		return err
	}
	body, err := json.Marshal(details)
	if err != nil {
		return err
	}
	_, err = db.AppendAudit(ctx, audit.Entry{Actor: s.Actor(), Action: action, Object: object, Details: string(body)})
	return err
}

// authorize opens the session and asks whether it may do action on res.
func (a *app) authorize(ctx context.Context, db *store.DB, action string, res rbac.Resource) error {
	s, err := a.session(ctx, db)
	if err != nil {
		return err
	}
	return s.Authorize(ctx, action, res)
}

// mayReadCase allows a case to a user who may read cases of its street or
// of a unit it was sent to, answers it as missing to other heads, and
// audits the read of its trail by a named user.
func (a *app) mayReadCase(ctx context.Context, db *store.DB, v *store.CaseView) error {
	s, err := a.session(ctx, db)
	if err != nil {
		return err
	}
	if err := s.authorizeAny(ctx, rbac.Read, "cases", v.Case.ID, v.Units()...); err != nil {
		if fault.KindOf(err) == fault.NotFound {
			return store.CaseNotFound(v.Case.ID)
		}
		return err
	}
	if s.authz == nil {
		return nil
	}
	return a.audit(ctx, db, "case.read", v.Case.ID, map[string]int{"events": len(v.Trail)})
}

// authorizeSome allows the action when the session may do it for some
// unit (rbac.AuthorizeSome).
func (s *session) authorizeSome(ctx context.Context, action, object string) error {
	if s.authz == nil {
		return nil
	}
	return s.authz.AuthorizeSome(ctx, s.name, action, object)
}
