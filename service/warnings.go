package service

import (
	"context"
	"slices"
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

// WarningList is a page of the board as of one time.
type WarningList struct {
	AsOf     time.Time
	Zone     *time.Location
	Amber    int // amber warnings the caller may see, on every page
	Red      int // red ones
	Total    int // those the query selects, on every page
	Warnings []view.Warning
}

// Warnings lists the board as the principal may see it: the milestones
// of its own unit, and of cases in its street; everything for one who
// sees every unit. Sorted by time left, the most overdue first.
func (s *Service) Warnings(ctx context.Context, p rbac.Principal, q WarningQuery) (*WarningList, error) {
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
	board, err := s.board(ctx)
	if err != nil {
		return nil, err
	}
	out := &WarningList{AsOf: board.asof, Zone: board.zone, Warnings: []view.Warning{}}
	for _, w := range board.warnings {
		if !p.Sees("warnings", w.Unit) && !p.Sees("warnings", w.Street) {
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

// boardNow is the whole board as of one time.
type boardNow struct {
	asof     time.Time
	zone     *time.Location
	warnings []view.Warning // amber and red, by due time
}

// board computes the board as of now from the derived deadlines.
func (s *Service) board(ctx context.Context) (*boardNow, error) {
	now := s.Now()
	rules, err := s.DB.Rules(ctx)
	if err != nil {
		return nil, err
	}
	open, err := s.DB.BoardDeadlines(ctx, store.BoardFilter{})
	if err != nil {
		return nil, err
	}
	urgings, err := s.DB.OpenUrgings(ctx)
	if err != nil {
		return nil, err
	}
	zone := time.UTC
	if p := rules.Policies.At(now); p != nil {
		zone = p.Location
	}
	b := &boardNow{asof: now.In(zone), zone: zone}
	for i := range open {
		d := &open[i]
		if !d.OnBoard(now) {
			continue
		}
		policy := rules.Policies.At(d.OpenedAt)
		if policy == nil {
			continue
		}
		share := policy.WarnShare(rules.Categories[d.Category].Class)
		light := d.LightAt(now, share)
		if light == evaluation.Clear {
			continue
		}
		w := view.Warning{ID: d.ID(), Case: d.Case, Unit: d.Unit, Milestone: string(d.Milestone), Round: d.Round,
			State: string(light), Start: d.Start.In(zone), AmberAt: d.AmberAt(share).In(zone), Deadline: d.Due.In(zone),
			SecondsLeft: int64(d.Due.Sub(now) / time.Second), Category: d.Category, Street: d.Street}
		w.UrgedAt = lastUrging(urgings[d.Case], d.Unit, zone)
		w.Urged = w.UrgedAt != nil
		b.warnings = append(b.warnings, w)
	}
	return b, nil
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
