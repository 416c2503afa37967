package main

import (
	"context"
	"encoding/json"

	"frontline/audit"
	"frontline/fault"
	"frontline/rbac"
	"frontline/store"
)

// session is the principal a command runs for: a user named with --user (or $FRONTLINE_USER): their
// role and domain decide what it may show and do, through rbac's one
// Authorize. Without a user it runs for the local operator, who holds the
// database itself and so everything in it; audit entries then name
// "local". session opens that principal once.
func (a *app) session(ctx context.Context, db *store.DB) (rbac.Principal, error) {
	if a.sess != nil {
		return *a.sess, nil
	}
	name := ""
	if a.user != nil {
		name = *a.user
	}
	p := rbac.Local()
	if name != "" {
		authz, err := db.Authorizer(ctx)
		if err != nil {
			return p, err
		}
		if u, ok := authz.User(name); !ok || u.Disabled {
			return p, fault.Errorf(fault.Forbidden, "session", "user %q is unknown or disabled", name)
		}
		p = authz.Principal(name)
	}
	a.sess = &p
	return p, nil
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
