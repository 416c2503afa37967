package rbac

import "context"

// LocalOperator is the actor the audit log names for the command line run
// without a user: whoever holds the database itself.
const LocalOperator = "local"

// Principal is who is asking, through whichever door: a user, whose role
// and domain decide what they may see and do, or the local operator of
// the command line, who holds the database and so everything in it. Every
// use case takes one.
type Principal struct {
	name  string
	authz *Authorizer // nil for the local operator
}

// Local returns the local operator.
func Local() Principal { return Principal{} }

// Principal returns the principal of the user name, as the door that
// signed them in has named them: its decisions deny whatever the user may
// not do, and everything to a user who is unknown or disabled.
func (a *Authorizer) Principal(name string) Principal {
	return Principal{name: name, authz: a}
}

// IsLocal says whether p is the local operator.
func (p Principal) IsLocal() bool { return p.authz == nil }

// Actor names the principal in the trail and the audit log.
func (p Principal) Actor() string {
	if p.authz == nil {
		return LocalOperator
	}
	return p.name
}

// User returns the principal's user; the local operator has none.
func (p Principal) User() (User, bool) {
	if p.authz == nil {
		return User{}, false
	}
	return p.authz.User(p.name)
}

// Unit returns the unit whose head the principal is ("" for district-wide
// roles and the local operator).
func (p Principal) Unit() string {
	u, _ := p.User()
	return u.Unit
}

// Authorize returns nil when the principal may do action on res
// (Authorizer.Authorize).
func (p Principal) Authorize(ctx context.Context, action string, res Resource) error {
	if p.authz == nil {
		return nil
	}
	return p.authz.Authorize(ctx, p.name, action, res)
}

// AuthorizeSome allows action on object when the principal may do it for
// some unit (Authorizer.AuthorizeSome).
func (p Principal) AuthorizeSome(ctx context.Context, action, object string) error {
	if p.authz == nil {
		return nil
	}
	return p.authz.AuthorizeSome(ctx, p.name, action, object)
}

// AuthorizeAny decides on a record of several units
// (Authorizer.AuthorizeAny).
func (p Principal) AuthorizeAny(ctx context.Context, action, object, id string, units ...string) error {
	if p.authz == nil {
		return nil
	}
	return p.authz.AuthorizeAny(ctx, p.name, action, object, id, units...)
}

// Sees says whether the principal may read object in unit's domain (""
// for the district): for filtering lists without revealing what is left
// out.
func (p Principal) Sees(object, unit string) bool {
	return p.authz == nil || p.authz.Allowed(p.name, Read, Resource{Object: object, Unit: unit})
}

// Allowed says whether the principal may do action on res.
func (p Principal) Allowed(action string, res Resource) bool {
	return p.authz == nil || p.authz.Allowed(p.name, action, res)
}

// Scope returns the units whose records of object the principal may do
// action on, or all=true when it may for every unit.
func (p Principal) Scope(action, object string) (all bool, units []string) {
	if p.authz == nil {
		return true, nil
	}
	return p.authz.Scope(p.name, action, object)
}
