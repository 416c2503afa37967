package service

import (
	"context"
	"slices"
	"strings"
	"time"

	"frontline/evaluation"
	"frontline/fault"
	"frontline/rbac"
	"frontline/store"
	"frontline/view"
)

// The live board (预警, DESIGN.md §9): every open milestone of every open
// case, lit amber once the policy's warning share of its limit has passed
// and red once its deadline has; one computation for the API, the
// command line and the dashboard.

// WarningQuery asks for the board now.
type WarningQuery struct {
	State  string // amber or red; both when empty
	Unit   string // only this unit's milestones, if set
	Limit  int    // at most this many (0: DefaultWarningLimit)
	Offset int    // after skipping this many
}

// DefaultWarningLimit is how many warnings a page lists unless asked.
const DefaultWarningLimit = 100

// MaxWarningLimit caps a page.
const MaxWarningLimit = 1000

// Warnings lists the board as the principal may see it: the milestones
// of its own unit, and of cases in its street; everything for one who
// sees every unit. Sorted by time left, the most overdue first.
func (s *Service) Warnings(ctx context.Context, p rbac.Principal, q WarningQuery) (*view.WarningBoard, error) {
	if err := p.AuthorizeSome(ctx, rbac.Read, "warnings"); err != nil {
		return nil, err
	}
	if q.State != "" && !slices.Contains(evaluation.Lights, evaluation.Light(q.State)) {
		return nil, fault.Sayf(fault.Invalid, "warnings", "状态须为 amber（预警）或 red（逾期），而不是 %q", "state must be amber or red, not %q", q.State)
	}
	switch {
	case q.Limit < 0 || q.Offset < 0:
		return nil, fault.Sayf(fault.Invalid, "warnings", "分页参数不能为负数", "limit and offset cannot be negative")
	case q.Limit == 0:
		q.Limit = DefaultWarningLimit
	case q.Limit > MaxWarningLimit:
		q.Limit = MaxWarningLimit
	}
	board, err := s.board(ctx, true)
	if err != nil {
		return nil, err
	}
	out := &view.WarningBoard{AsOf: board.asof, Warnings: []view.Warning{}}
	sees := seer(p)
	for _, w := range board.warnings {
		if !sees(w.Unit, w.Street) {
			continue
		}
		if w.State == string(evaluation.Red) {
			out.Red++
		} else {
			out.Amber++
		}
		if q.State != "" && w.State != q.State || q.Unit != "" && w.Unit != q.Unit {
			continue
		}
		if out.Total >= q.Offset && len(out.Warnings) < q.Limit {
			out.Warnings = append(out.Warnings, w)
		}
		out.Total++
	}
	return out, nil
}

// RedCount is how many red warnings the principal may see now (the
// count every page's header shows); ok is false for one who may not read
// the board.
func (s *Service) RedCount(ctx context.Context, p rbac.Principal) (n int, ok bool, err error) {
	if p.AuthorizeSome(ctx, rbac.Read, "warnings") != nil {
		return 0, false, nil
	}
	board, err := s.board(ctx, false)
	if err != nil {
		return 0, true, err
	}
	sees := seer(p)
	for _, w := range board.warnings {
		if w.State == string(evaluation.Red) && sees(w.Unit, w.Street) {
			n++
		}
	}
	return n, true, nil
}

// seer says whether the principal sees a warning of unit in street: the
// answers kept per unit, for boards of many thousand warnings.
func seer(p rbac.Principal) func(unit, street string) bool {
	known := map[string]bool{}
	sees := func(unit string) bool {
		v, ok := known[unit]
		if !ok {
			v = p.Sees("warnings", unit)
			known[unit] = v
		}
		return v
	}
	return func(unit, street string) bool { return sees(unit) || street != "" && sees(street) }
}

// boardNow is the whole board as of one time.
type boardNow struct {
	asof     time.Time
	zone     *time.Location
	warnings []view.Warning // amber and red, by due time
}

// litDeadline is an open deadline with when it turns amber.
type litDeadline struct {
	store.BoardDeadline
	amberAt time.Time
}

// board computes the board as of now: from the clock's deadlines when a
// clock runs, else from the stored ones; with who was urged when asked.
func (s *Service) board(ctx context.Context, urged bool) (*boardNow, error) {
	now := s.Now()
	rules, err := s.DB.Rules(ctx)
	if err != nil {
		return nil, err
	}
	var open []litDeadline
	if s.Board != nil {
		if open, err = s.Board.Lit(ctx, now); err != nil {
			return nil, err
		}
	} else {
		stored, err := s.DB.BoardDeadlines(ctx, store.BoardFilter{})
		if err != nil {
			return nil, err
		}
		for _, d := range stored {
			if d.Open() {
				open = append(open, litDeadline{d, d.AmberAt(warnShare(rules, &d))})
			}
		}
	}
	var urgings map[string][]store.Urging
	if urged {
		if urgings, err = s.DB.OpenUrgings(ctx); err != nil {
			return nil, err
		}
	}
	zone := time.UTC
	if p := rules.Policies.At(now); p != nil {
		zone = p.Location
	}
	b := &boardNow{asof: now.In(zone), zone: zone}
	for i := range open {
		d := &open[i]
		if d.Start.After(now) {
			continue
		}
		light := evaluation.LightAt(now, d.amberAt, d.Due)
		if light == evaluation.Clear {
			continue
		}
		w := view.Warning{ID: d.ID(), Case: d.Case, Unit: d.Unit, Milestone: string(d.Milestone), Round: d.Round,
			State: string(light), Start: d.Start.In(zone), AmberAt: d.amberAt.In(zone), Deadline: d.Due.In(zone),
			SecondsLeft: int64(d.Due.Sub(now) / time.Second), Category: d.Category, Street: d.Street}
		w.UrgedAt = lastUrging(urgings[d.Case], d.Unit, zone)
		w.Urged = w.UrgedAt != nil
		b.warnings = append(b.warnings, w)
	}
	// The most overdue first: by deadline, then id.
	slices.SortFunc(b.warnings, func(x, y view.Warning) int {
		if c := x.Deadline.Compare(y.Deadline); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	return b, nil
}

// warnShare is the warning share of a deadline's class in the policy of
// its case's opening.
func warnShare(rules *evaluation.Rules, d *store.BoardDeadline) float64 {
	if p := rules.Policies.At(d.OpenedAt); p != nil {
		return p.WarnShare(rules.Categories[d.Category].Class)
	}
	return evaluation.DefaultWarnAt
}

// lastUrging returns when unit was last urged among a case's urgings.
func lastUrging(urgings []store.Urging, unit string, zone *time.Location) *time.Time {
	var last *time.Time
	for _, u := range urgings {
		if u.Unit == unit && (last == nil || u.At.After(*last)) {
			t := u.At.In(zone)
			last = &t
		}
	}
	return last
}
