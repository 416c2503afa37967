// Package rbac answers the one question every entry point asks: may this
// user do this to this? Role permissions are data (the embedded casbin
// model and policy, DESIGN.md §6); which user holds which role in which
// domain comes from Frontline's own user table. Everything not allowed is
// denied, and a record outside the caller's domain is answered as if it
// did not exist.
package rbac

import (
	"context"
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	stringadapter "github.com/casbin/casbin/v2/persist/string-adapter"

	"frontline/evaluation"
	"frontline/fault"
)

// Role is what a user is to the district.
type Role string

// The roles of DESIGN.md §6.
const (
	Admin               Role = "admin"
	OrgAssessor         Role = "org_assessor"
	DisciplineInspector Role = "discipline_inspector"
	StreetHead          Role = "street_head"
	DeptHead            Role = "dept_head"
	Dispatch            Role = "dispatch"
)

// Roles lists every role.
var Roles = []Role{Admin, OrgAssessor, DisciplineInspector, StreetHead, DeptHead, Dispatch}

// Actions on objects.
const (
	Read   = "read"
	Write  = "write"
	Decide = "decide"
)

// District is the domain of records that belong to no one unit: district
// totals, rankings of every unit, the audit log.
const District = "*"

// User is a person or a service account.
type User struct {
	Name     string
	Role     Role
	Unit     string // the head's street or department; empty for district-wide roles
	Disabled bool
}

// Domain returns the domain the user holds their role in.
func (u User) Domain() string {
	if u.Unit == "" {
		return District
	}
	return u.Unit
}

// Validate checks a user's role and domain: a head names a unit of the
// right kind, every other role none. kind looks a unit up in the registry.
func (u User) Validate(kind func(code string) (evaluation.UnitKind, bool)) error {
	if u.Name == "" || len(u.Name) > evaluation.MaxCodeLen || strings.ContainsAny(u.Name, " \t\r\n") {
		return fault.Sayf(fault.Invalid, "user", "用户名须为 1 到 %d 个字符，不含空格", "a user name is 1 to %d characters without spaces", evaluation.MaxCodeLen)
	}
	if !slices.Contains(Roles, u.Role) {
		return fault.Sayf(fault.Invalid, "user", "没有角色 %q", "role %q: want one of %v", u.Role, Roles)
	}
	want := map[Role]evaluation.UnitKind{StreetHead: evaluation.Street, DeptHead: evaluation.Department}[u.Role]
	switch {
	case want == "" && u.Unit != "":
		return fault.Sayf(fault.Invalid, "user", "%s面向全区，不属于某个单位：请不要填写单位", "role %s is district-wide: it takes no unit", roleWords(u.Role))
	case want == "":
		return nil
	case u.Unit == "":
		return fault.Sayf(fault.Invalid, "user", "%s须填写所负责的%s", "role %s needs a unit: the %s the head leads", roleWords(u.Role), kindWords(want))
	}
	k, ok := kind(u.Unit)
	if !ok {
		return fault.Sayf(fault.Invalid, "user", "登记信息中没有单位 %q", "unit %q is not in the registry", u.Unit)
	}
	if k != want && !(u.Role == DeptHead && k == evaluation.Enterprise) {
		return fault.Sayf(fault.Invalid, "user", "单位 %s 是%s，不是%s", "unit %s is a %s, not a %s", u.Unit, kindWords(k), kindWords(want))
	}
	return nil
}

// Resource is what an action touches: a kind of object and, for a record,
// the unit it belongs to (empty for the district as a whole) and its id
// (used only to word the answer).
type Resource struct {
	Object string
	Unit   string
	ID     string
}

//go:embed model.conf
var modelText string

//go:embed policy.csv
var policyText string

// Authorizer decides with the embedded policy and the users it was given.
//
// casbin evaluates the matcher once per policy line, tens of microseconds
// a decision. Each user holds exactly one role in one domain, so a
// decision depends only on the role, how the record's domain relates to
// the user's (theirs, another, or the user is district-wide), the object
// and the action: decisions are remembered under that key.
type Authorizer struct {
	enforcer *casbin.SyncedEnforcer
	mu       sync.RWMutex
	users    map[string]User
	memo     sync.Map // decisionKey → bool
}

type decisionKey struct {
	role           Role
	relation       byte // 'a' district-wide user, 'o' the user's own domain, 'x' another
	object, action string
}

// New builds an Authorizer for the given users.
func New(users []User) (*Authorizer, error) {
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return nil, fmt.Errorf("rbac model: %w", err)
	}
	var lines []string
	for _, l := range strings.Split(policyText, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	e, err := casbin.NewSyncedEnforcer(m, stringadapter.NewAdapter(strings.Join(lines, "\n")))
	if err != nil {
		return nil, fmt.Errorf("rbac policy: %w", err)
	}
	e.EnableAutoSave(false) // users live in Frontline's own tables, not in the adapter
	a := &Authorizer{enforcer: e}
	if err := a.SetUsers(users); err != nil {
		return nil, err
	}
	return a, nil
}

// SetUsers replaces the users and their role links.
func (a *Authorizer) SetUsers(users []User) error {
	byName := make(map[string]User, len(users))
	links := make([][]string, 0, len(users))
	for _, u := range users {
		byName[u.Name] = u
		if !u.Disabled {
			links = append(links, []string{u.Name, string(u.Role), u.Domain()})
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.enforcer.ClearPolicy()
	if err := a.enforcer.LoadPolicy(); err != nil {
		return fmt.Errorf("rbac policy: %w", err)
	}
	if len(links) > 0 {
		if _, err := a.enforcer.AddGroupingPolicies(links); err != nil {
			return fmt.Errorf("rbac users: %w", err)
		}
	}
	a.users = byName
	a.memo.Clear()
	return nil
}

// User returns a user by name.
func (a *Authorizer) User(name string) (User, bool) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	u, ok := a.users[name]
	return u, ok
}

// Allowed says whether user may do action on the resource.
func (a *Authorizer) Allowed(user, action string, res Resource) bool {
	u, ok := a.User(user)
	if !ok || u.Disabled {
		return false
	}
	dom := res.Unit
	if dom == "" {
		dom = District
	}
	key := decisionKey{role: u.Role, relation: 'x', object: res.Object, action: action}
	switch {
	case u.Domain() == District:
		key.relation = 'a'
	case u.Domain() == dom:
		key.relation = 'o'
	}
	if v, ok := a.memo.Load(key); ok {
		return v.(bool)
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	allowed, err := a.enforcer.Enforce(user, u.Domain(), dom, res.Object, action)
	if err != nil {
		return false
	}
	a.memo.Store(key, allowed)
	return allowed
}

// Authorize returns nil when user may do action on the resource. Denied,
// it answers a record in another unit's domain as not found, exactly as a
// record that does not exist, and anything else as forbidden.
func (a *Authorizer) Authorize(ctx context.Context, user, action string, res Resource) error {
	if a.Allowed(user, action, res) {
		return nil
	}
	op := action + " " + res.Object
	u, known := a.User(user)
	if known && !u.Disabled && res.ID != "" && res.Unit != "" && a.Allowed(user, action, Resource{Object: res.Object, Unit: u.Domain()}) {
		return NotFound(op, res)
	}
	if !known {
		return fault.Errorf(fault.Forbidden, op, "unknown user %q", user)
	}
	return fault.Errorf(fault.Forbidden, op, "%s %s may not %s %s", u.Role, user, action, res.Object)
}

// NotFound is the answer for a record that does not exist, and so for one
// the caller may not see.
func NotFound(op string, res Resource) error {
	return fault.Errorf(fault.NotFound, op, "%s %q not found", strings.SplitN(res.Object, ".", 2)[0], res.ID)
}

// Scope returns the units whose records of object the user may do action
// on, or all=true when the user may for every unit.
func (a *Authorizer) Scope(user, action, object string) (all bool, units []string) {
	if a.Allowed(user, action, Resource{Object: object}) {
		return true, nil
	}
	if u, ok := a.User(user); ok && u.Unit != "" && a.Allowed(user, action, Resource{Object: object, Unit: u.Unit}) {
		return false, []string{u.Unit}
	}
	return false, nil
}

// AuthorizeSome allows action on object when the user may do it for some
// unit (a head: their own) — what a list filtered with Allowed will show —
// and refuses it as forbidden otherwise.
func (a *Authorizer) AuthorizeSome(ctx context.Context, user, action, object string) error {
	if all, units := a.Scope(user, action, object); all || len(units) > 0 {
		return nil
	}
	return a.Authorize(ctx, user, action, Resource{Object: object})
}

// AuthorizeAny decides on a record that belongs to several units (a case:
// its street and every unit it was sent to): allowed when the user may do
// the action in one of them, or district-wide; answered as not found when
// the user may do it only for other units; forbidden otherwise.
func (a *Authorizer) AuthorizeAny(ctx context.Context, user, action, object, id string, units ...string) error {
	for _, u := range units {
		if u != "" && a.Allowed(user, action, Resource{Object: object, Unit: u}) {
			return nil
		}
	}
	if a.Allowed(user, action, Resource{Object: object}) {
		return nil
	}
	if err := a.AuthorizeSome(ctx, user, action, object); err != nil {
		return err
	}
	return NotFound(action+" "+object, Resource{Object: object, ID: id})
}

// roleWords and kindWords name a role and a unit kind in a message, in
// Chinese and English (see fault.Sayf).
func roleWords(r Role) fault.Words {
	return fault.Words{Zh: map[Role]string{Admin: "系统管理员", OrgAssessor: "组织部考核员", DisciplineInspector: "纪委监督员",
		StreetHead: "街道负责人", DeptHead: "部门负责人", Dispatch: "派遣平台"}[r], En: string(r)}
}

func kindWords(k evaluation.UnitKind) fault.Words {
	return fault.Words{Zh: map[evaluation.UnitKind]string{evaluation.Street: "街道", evaluation.Community: "社区",
		evaluation.Department: "部门", evaluation.Enterprise: "企业"}[k], En: string(k)}
}
