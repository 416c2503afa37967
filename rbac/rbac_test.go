package rbac

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"frontline/evaluation"
	"frontline/fault"
)

func testUsers() []User {
	return []User{
		{Name: "ada", Role: Admin},
		{Name: "olga", Role: OrgAssessor},
		{Name: "dina", Role: DisciplineInspector},
		{Name: "sam", Role: StreetHead, Unit: "S1"},
		{Name: "dan", Role: DeptHead, Unit: "D1"},
		{Name: "bot", Role: Dispatch},
		{Name: "gone", Role: OrgAssessor, Disabled: true},
	}
}

// TestAuthorizeEveryRoleActionDomain checks every role against every
// object, action and domain: what DESIGN.md §6 allows, and nothing else.
func TestAuthorizeEveryRoleActionDomain(t *testing.T) {
	a, err := New(testUsers())
	if err != nil {
		t.Fatal(err)
	}
	// allowed[user] lists "object action domain" triples; domain "own" is
	// the user's unit, "other" another unit of the same kind, "district"
	// the district as a whole. Everything else must be denied.
	allowed := map[string][]string{
		"ada": {"users * district", "registry * district", "policy * district", "webhooks * district", "webhooks read district", "webhooks write district",
			"users read district", "users write district", "registry write district", "policy write district",
			"events write district", "decisions write district", "metrics read district"},
		"olga": {"scores read *", "matrix read *", "cadres read *", "appeals read *", "appeals decide *",
			"exports.meeting read *", "exports.cadres read *", "satisfaction read *", "satisfaction.district read *", "rulings write *", "registry read *"},
		"dina": {"cases read *", "breaches read *", "warnings read *", "audit read *", "findings read *", "findings write *", "urgings write *", "reciprocity read *",
			"appeals read *", "exports.breaches read *", "satisfaction read *", "satisfaction.district read *", "registry read *"},
		"sam": {"scores read own", "matrix read own", "cases read own", "breaches read own", "warnings read own", "findings read own",
			"appeals read own", "appeals write own", "evaluations.response write own", "exports.unit read own",
			"satisfaction read own", "satisfaction.district read *", "registry read *"},
		"dan": {"scores read own", "matrix read own", "cases read own", "breaches read own", "warnings read own", "findings read own",
			"appeals read own", "appeals write own", "evaluations.call write own", "returns write own", "exports.unit read own",
			"satisfaction read own", "satisfaction.district read *", "registry read *"},
		"bot": {"events write *", "registry read *"},
	}
	objects := []string{"users", "registry", "policy", "scores", "matrix", "cadres", "appeals", "exports.meeting", "exports.cadres",
		"exports.breaches", "exports.unit", "satisfaction", "satisfaction.district", "cases", "breaches", "warnings", "webhooks", "audit", "findings",
		"urgings", "reciprocity", "evaluations.response", "evaluations.call", "returns", "rulings", "events", "decisions", "metrics"}
	actions := []string{Read, Write, Decide}
	own := map[string]string{"sam": "S1", "dan": "D1"}
	other := map[string]string{"sam": "S2", "dan": "D2"}
	checked := 0
	for _, u := range testUsers() {
		grants := allowed[u.Name]
		for _, obj := range objects {
			for _, act := range actions {
				for _, dom := range []string{"own", "other", "district"} {
					unit := map[string]string{"own": own[u.Name], "other": other[u.Name], "district": ""}[dom]
					if unit == "" && dom != "district" {
						unit = map[string]string{"own": "S1", "other": "D2"}[dom] // district-wide users: any unit
					}
					want := false
					for _, g := range grants {
						f := strings.Fields(g)
						if f[0] != obj || (f[1] != act && f[1] != "*") {
							continue
						}
						switch f[2] {
						case "*":
							want = true
						case "district":
							want = want || dom == "district" || own[u.Name] == ""
						case "own":
							want = want || dom == "own"
						}
					}
					if u.Disabled {
						want = false
					}
					res := Resource{Object: obj, Unit: unit, ID: "X1"}
					err := a.Authorize(context.Background(), u.Name, act, res)
					if (err == nil) != want {
						t.Errorf("%s (%s) %s %s in %s (%q): got %v, want allowed=%v", u.Name, u.Role, act, obj, dom, unit, err, want)
					}
					if err != nil && dom == "other" && own[u.Name] != "" && a.Allowed(u.Name, act, Resource{Object: obj, Unit: own[u.Name]}) &&
						fault.KindOf(err) != fault.NotFound {
						t.Errorf("%s guessing %s's %s got %v, want it answered as not found", u.Name, unit, obj, err)
					}
					checked++
				}
			}
		}
	}
	if err := a.Authorize(context.Background(), "nobody", Read, Resource{Object: "scores"}); fault.KindOf(err) != fault.Forbidden {
		t.Errorf("an unknown user got %v, want forbidden", err)
	}
	t.Logf("%d role × object × action × domain decisions checked", checked)
}

func TestNotFoundLooksLikeMissing(t *testing.T) {
	a, _ := New(testUsers())
	hidden := a.Authorize(context.Background(), "sam", Read, Resource{Object: "cases", Unit: "S2", ID: "C42"})
	missing := NotFound("read cases", Resource{Object: "cases", ID: "C42"})
	if hidden == nil || hidden.Error() != missing.Error() {
		t.Errorf("another street's case: %v; a missing case: %v — want the same answer", hidden, missing)
	}
}

func TestScope(t *testing.T) {
	a, _ := New(testUsers())
	for _, tc := range []struct {
		user, act, obj string
		all            bool
		units          string
	}{
		{"olga", Read, "scores", true, ""},
		{"sam", Read, "scores", false, "S1"},
		{"dan", Read, "cadres", false, ""},
		{"bot", Read, "scores", false, ""},
	} {
		all, units := a.Scope(tc.user, tc.act, tc.obj)
		if all != tc.all || strings.Join(units, ",") != tc.units {
			t.Errorf("Scope(%s, %s %s) = %v %v, want %v %q", tc.user, tc.act, tc.obj, all, units, tc.all, tc.units)
		}
	}
}

func TestValidateUser(t *testing.T) {
	kinds := map[string]evaluation.UnitKind{"S1": evaluation.Street, "D1": evaluation.Department, "E1": evaluation.Enterprise}
	kind := func(c string) (evaluation.UnitKind, bool) { k, ok := kinds[c]; return k, ok }
	for _, tc := range []struct {
		u    User
		want string
	}{
		{User{Name: "a", Role: StreetHead, Unit: "S1"}, ""},
		{User{Name: "a", Role: DeptHead, Unit: "E1"}, ""},
		{User{Name: "a", Role: StreetHead}, "needs a unit"},
		{User{Name: "a", Role: StreetHead, Unit: "D1"}, "not a street"},
		{User{Name: "a", Role: OrgAssessor, Unit: "S1"}, "takes no unit"},
		{User{Name: "a", Role: "boss"}, "role \"boss\""},
		{User{Name: "a b", Role: Admin}, "without spaces"},
		{User{Name: "a", Role: DeptHead, Unit: "D9"}, "not in the registry"},
	} {
		err := tc.u.Validate(kind)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("Validate(%+v) = %v, want %q", tc.u, err, tc.want)
		}
	}
}

// BenchmarkAuthorize decides with 1,000 units and 10,000 users (target:
// under 50 µs a decision).
func BenchmarkAuthorize(b *testing.B) {
	var users []User
	for i := range 10000 {
		switch i % 10 {
		case 0:
			users = append(users, User{Name: fmt.Sprintf("u%d", i), Role: OrgAssessor})
		case 1, 2, 3, 4:
			users = append(users, User{Name: fmt.Sprintf("u%d", i), Role: StreetHead, Unit: fmt.Sprintf("S%d", i%1000)})
		default:
			users = append(users, User{Name: fmt.Sprintf("u%d", i), Role: DeptHead, Unit: fmt.Sprintf("D%d", i%1000)})
		}
	}
	a, err := New(users)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	i := 0
	for b.Loop() {
		i++
		u := users[(i*7919)%len(users)]
		_ = a.Authorize(ctx, u.Name, Read, Resource{Object: "scores", Unit: fmt.Sprintf("S%d", i%1000), ID: "x"})
	}
}

func TestPasswordsAndTokens(t *testing.T) {
	pw := NewPassword()
	if len(pw) != 20 {
		t.Fatalf("password %q", pw)
	}
	h, err := HashPassword(pw)
	if err != nil || !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(h, pw) {
		t.Fatalf("hash %q %v", h, err)
	}
	if !CheckPassword(h, pw) || CheckPassword(h, pw+"x") || CheckPassword("$argon2id$v=19$m=99999999,t=2,p=1$AA$AA", pw) || CheckPassword("plain", pw) {
		t.Error("CheckPassword accepts a wrong password or a malformed hash, or refuses the right one")
	}
	h2, _ := HashPassword(pw)
	if h2 == h {
		t.Error("two hashes of one password are equal: no salt")
	}
	tok, id, hash := NewToken()
	gotID, secret, ok := ParseToken(tok)
	if !ok || gotID != id || !TokenMatches(hash, secret) || TokenMatches(hash, secret+"x") || strings.Contains(hash, secret) {
		t.Errorf("token %q: id %q %v, matches %v", tok, gotID, ok, TokenMatches(hash, secret))
	}
	for _, bad := range []string{"", "flt_", "flt_abc_def", "Bearer " + tok, strings.Replace(tok, "flt_", "xyz_", 1)} {
		if _, _, ok := ParseToken(bad); ok {
			t.Errorf("ParseToken(%q) accepted", bad)
		}
	}
}

func TestAuthorizeSomeAndAny(t *testing.T) {
	a, _ := New(testUsers())
	ctx := context.Background()
	for _, tc := range []struct {
		user, object string
		units        []string
		some, any    fault.Kind // -1: allowed
	}{
		{"sam", "cases", []string{"S1", "D2"}, -1, -1},                      // his street's case
		{"sam", "cases", []string{"S2", "D2"}, -1, fault.NotFound},          // another street's: as missing
		{"dina", "cases", []string{"S2"}, -1, -1},                           // district-wide
		{"olga", "cases", []string{"S1"}, fault.Forbidden, fault.Forbidden}, // no case rights at all
		{"bot", "scores", nil, fault.Forbidden, fault.Forbidden},
	} {
		kind := func(err error) fault.Kind {
			if err == nil {
				return -1
			}
			return fault.KindOf(err)
		}
		if got := kind(a.AuthorizeSome(ctx, tc.user, Read, tc.object)); got != tc.some {
			t.Errorf("AuthorizeSome(%s, %s) = %v, want %v", tc.user, tc.object, got, tc.some)
		}
		if got := kind(a.AuthorizeAny(ctx, tc.user, Read, tc.object, "C1", tc.units...)); got != tc.any {
			t.Errorf("AuthorizeAny(%s, %s, %v) = %v, want %v", tc.user, tc.object, tc.units, got, tc.any)
		}
	}
}
