package service

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"frontline/fault"
	"frontline/rbac"
	"frontline/store"
)

// TestEachUseCaseAsEachRole runs the read use cases over the worked
// example as each role, on both engines: each sees its own domain and no
// more, what it may not read is forbidden, and another unit's record
// reads as one that does not exist.
func TestEachUseCaseAsEachRole(t *testing.T) {
	authz := roles(t)
	june := PeriodQuery{Period: "2026-06", AsOf: "2026-07-01"}
	forbidden := []string{"forbidden"}
	notFound := []string{"not found"}
	type useCase func(ctx context.Context, svc *Service, p rbac.Principal) ([]string, error)
	cases := []struct {
		name string
		run  useCase
		want map[string][]string // by user: what they see, or "forbidden", "not found"
	}{
		{"scores", func(ctx context.Context, svc *Service, p rbac.Principal) ([]string, error) {
			r, err := svc.Scores(ctx, p, ScoresQuery{PeriodQuery: june})
			if err != nil {
				return nil, err
			}
			var units []string
			for _, u := range r.Units {
				units = append(units, u.Unit)
			}
			slices.Sort(units)
			return units, nil
		}, map[string][]string{"olga": {"D1", "D2", "S1"}, "sam": {"S1"}, "dana": {"D2"}, "dina": forbidden, "ada": forbidden, "bot": forbidden}},
		{"breaches", func(ctx context.Context, svc *Service, p rbac.Principal) ([]string, error) {
			r, err := svc.ListBreaches(ctx, p, BreachQuery{PeriodQuery: june})
			if err != nil {
				return nil, err
			}
			var ids []string
			for _, b := range r.Breaches {
				ids = append(ids, b.ID)
			}
			slices.Sort(ids)
			return ids, nil
		}, map[string][]string{"dina": {"W2/D2/respond", "W2/S1/call", "W3/D1/dispose", "W3/D1/respond"}, "sam": {"W2/S1/call"},
			"dana": {"W2/D2/respond"}, "olga": forbidden, "ada": forbidden, "bot": forbidden}},
		{"matrix", func(ctx context.Context, svc *Service, p rbac.Principal) ([]string, error) {
			pairs, _, err := svc.Matrix(ctx, p, june)
			if err != nil {
				return nil, err
			}
			var out []string
			for _, x := range pairs {
				out = append(out, x.Street+"×"+x.Department)
			}
			return out, nil
		}, map[string][]string{"olga": {"S1×D1", "S1×D2"}, "sam": {"S1×D1", "S1×D2"}, "dana": {"S1×D2"}, "dina": forbidden, "ada": forbidden}},
		{"another department's case", func(ctx context.Context, svc *Service, p rbac.Principal) ([]string, error) {
			v, err := svc.Case(ctx, p, "W3")
			if err != nil {
				return nil, err
			}
			return []string{v.Case.ID}, nil
		}, map[string][]string{"dina": {"W3"}, "sam": {"W3"}, "dana": notFound, "olga": forbidden, "ada": forbidden, "bot": forbidden}},
		{"a case that does not exist", func(ctx context.Context, svc *Service, p rbac.Principal) ([]string, error) {
			_, err := svc.Case(ctx, p, "W404")
			return nil, err
		}, map[string][]string{"dina": notFound, "dana": notFound, "olga": forbidden}},
		{"explain another unit", func(ctx context.Context, svc *Service, p rbac.Principal) ([]string, error) {
			ex, _, err := svc.Explain(ctx, p, "D1", june, "en")
			if err != nil {
				return nil, err
			}
			return []string{ex.Unit.Unit}, nil
		}, map[string][]string{"olga": {"D1"}, "dana": notFound, "sam": notFound, "ada": forbidden}},
		{"cadres", func(ctx context.Context, svc *Service, p rbac.Principal) ([]string, error) {
			list, _, err := svc.Cadres(ctx, p, june, "head")
			if err != nil {
				return nil, err
			}
			var ids []string
			for _, c := range list {
				ids = append(ids, c.Cadre.ID)
			}
			slices.Sort(ids)
			return ids, nil
		}, map[string][]string{"olga": {"K001", "K002"}, "sam": forbidden, "dina": forbidden}},
		{"audit log", func(ctx context.Context, svc *Service, p rbac.Principal) ([]string, error) {
			_, _, _, err := svc.VerifyAudit(ctx, p, nil)
			return nil, err
		}, map[string][]string{"dina": nil, "olga": forbidden, "sam": forbidden, "ada": forbidden}},
	}
	forEachService(t, func(t *testing.T, svc *Service, db *store.DB) {
		ctx := context.Background()
		loadRegistry(t, db, "../store/testdata/registry.yaml")
		ingestString(t, db, readFile(t, "../store/testdata/worked.ndjson"), 100)
		for _, c := range cases {
			for user, want := range c.want {
				t.Run(c.name+"/"+user, func(t *testing.T) {
					got, err := c.run(ctx, svc, authz.Principal(user))
					switch {
					case slices.Equal(want, forbidden):
						if fault.KindOf(err) != fault.Forbidden {
							t.Errorf("got %v, %v; want forbidden", got, err)
						}
					case slices.Equal(want, notFound):
						if fault.KindOf(err) != fault.NotFound {
							t.Errorf("got %v, %v; want not found", got, err)
						}
					case err != nil:
						t.Errorf("error %v; want %v", err, want)
					default:
						if diff := cmp.Diff(want, got); diff != "" {
							t.Errorf("(-want +got):\n%s", diff)
						}
					}
				})
			}
		}
	})
}
