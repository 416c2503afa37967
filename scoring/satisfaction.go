package scoring

import (
	"cmp"
	"math"
	"slices"
	"time"

	"frontline/evaluation"
)

// Tally is satisfaction over some ratings: how many counted as satisfied
// (weighted by the policy) of how many rated.
type Tally struct {
	Satisfied float64
	Rated     float64
}

// Rate returns the satisfaction rate, or false without ratings.
func (t Tally) Rate() (float64, bool) {
	if t.Rated == 0 {
		return 0, false
	}
	return t.Satisfied / t.Rated, true
}

// Interval returns the Wilson 95% interval of the rate.
func (t Tally) Interval() (lo, hi float64) { return Wilson(t.Satisfied, t.Rated) }

// Gap is how many additional satisfied ratings (DESIGN.md §5), on top of
// those given so far, would lift the rate to target: the least x with
// (satisfied + x) / (rated + x) ≥ target.
func (t Tally) Gap(target float64) int {
	need := target*t.Rated - t.Satisfied
	if need <= 1e-9 || target >= 1 {
		return 0
	}
	return int(math.Ceil(need/(1-target) - 1e-9))
}

func (t *Tally) add(w float64) { t.Satisfied += w; t.Rated++ }

// SatisfactionLine is one scope's satisfaction: the total and by month.
type SatisfactionLine struct {
	Unit   string // "" for the district
	Kind   evaluation.UnitKind
	Name   evaluation.Name
	Total  Tally
	Months map[string]Tally // "2026-06" → tally, by the month the case was opened
	// AtRisk says the rate is below the target; ClearlyBelow that even
	// the interval's upper bound is.
	AtRisk, ClearlyBelow bool
}

// SatisfactionReport is the district's satisfaction against its target.
type SatisfactionReport struct {
	Target   float64
	Months   []string // every month with a rating, in order
	District SatisfactionLine
	Units    []SatisfactionLine // streets (their cases) and departments and enterprises (as lead), by rate
}

// Satisfaction measures satisfaction for the district, each street and
// each department, in total and by month (in loc), against the target.
func Satisfaction(d *Data, opt Options, loc *time.Location) *SatisfactionReport {
	sc := opt.Scoring
	r := &SatisfactionReport{Target: sc.SatisfactionTarget, District: SatisfactionLine{Months: map[string]Tally{}}}
	regs := map[string]evaluation.Unit{}
	for _, u := range d.Units {
		regs[u.Code] = u
	}
	lines := map[string]*SatisfactionLine{}
	months := map[string]bool{}
	count := func(unit string, month string, w float64) {
		l := lines[unit]
		if l == nil {
			reg := regs[unit]
			l = &SatisfactionLine{Unit: unit, Kind: reg.Kind, Name: reg.Name, Months: map[string]Tally{}}
			lines[unit] = l
		}
		l.Total.add(w)
		m := l.Months[month]
		m.add(w)
		l.Months[month] = m
	}
	cases := map[string]*Case{}
	for i := range d.Cases {
		c := &d.Cases[i]
		cases[c.ID] = c
		w, ok := satisfactionOf(c, opt.AsOf, sc)
		if !ok {
			continue
		}
		month := c.OpenedAt.In(loc).Format("2006-01")
		months[month] = true
		r.District.Total.add(w)
		m := r.District.Months[month]
		m.add(w)
		r.District.Months[month] = m
		if c.Street != "" {
			count(c.Street, month, w)
		}
	}
	for i := range d.Assignments {
		a := &d.Assignments[i]
		c := cases[a.Case]
		if c == nil || a.Role != "lead" || a.Ended() || a.DispatchedAt.IsZero() {
			continue
		}
		if w, ok := satisfactionOf(c, opt.AsOf, sc); ok {
			count(a.Unit, c.OpenedAt.In(loc).Format("2006-01"), w)
		}
	}
	for m := range months {
		r.Months = append(r.Months, m)
	}
	slices.Sort(r.Months)
	judge := func(l *SatisfactionLine) {
		if rate, ok := l.Total.Rate(); ok {
			_, hi := l.Total.Interval()
			l.AtRisk, l.ClearlyBelow = rate < r.Target, hi < r.Target
		}
	}
	judge(&r.District)
	for _, l := range lines {
		judge(l)
		r.Units = append(r.Units, *l)
	}
	slices.SortFunc(r.Units, func(a, b SatisfactionLine) int {
		ar, _ := a.Total.Rate()
		br, _ := b.Total.Rate()
		if c := cmp.Compare(ar, br); c != 0 {
			return c
		}
		return cmp.Compare(a.Unit, b.Unit)
	})
	return r
}
