package scoring

import (
	"cmp"
	"slices"
	"time"

	"frontline/evaluation"
)

// A cadre is assessed on the units they led. Units are scored by month;
// a cadre carries each month of a unit in proportion to the days of it
// they led the unit: a head who left on 15 March carries 15/31 of the
// unit's March score, their successor the rest. A cadre's score for a
// period is the mean of those monthly unit scores weighted by the days
// led; months in which the unit has no score carry no weight.

// MonthReport is the scores of one month.
type MonthReport struct {
	Period evaluation.Period
	Report *Report
}

// CadreTenure is one tenure's part of a period.
type CadreTenure struct {
	Unit, Role string
	Kind       evaluation.UnitKind
	Name       evaluation.Name
	From, To   time.Time // the tenure's overlap with the period: [From, To)
	// Weight is the overlap's share of the period.
	Weight float64
	// UnitScore is the unit's score over the overlap: its monthly scores
	// weighted by the days led; nil when it has none.
	UnitScore *float64
}

// CadreMonth is a cadre's score in one month of the period.
type CadreMonth struct {
	Month string
	Score *float64
}

// CadreScore is one cadre's assessment for a period.
type CadreScore struct {
	Cadre   evaluation.Cadre
	Kind    evaluation.UnitKind // the kind of unit they led longest
	Tenures []CadreTenure
	Score   *float64
	Metrics map[string]float64 // each metric with data, weighted like the score
	// Cases is the assessed cases they carry: each month's cases of the
	// unit in proportion to the days led.
	Cases float64
	// Penalties are the findings and unjustified returns of their units
	// in the months they led them.
	Penalties  []Penalty
	Months     []CadreMonth
	Eligible   bool
	Rank       int      // within Kind, among eligible cadres; 0 when not ranked
	Percentile *float64 // the share of ranked cadres of the kind they outrank, 0–100
}

// weighted accumulates a mean weighted by days.
type weighted struct{ sum, days float64 }

func (w *weighted) add(v, days float64) { w.sum += v * days; w.days += days }

func (w weighted) mean() *float64 {
	if w.days == 0 {
		return nil
	}
	v := w.sum / w.days
	return &v
}

// Cadres assesses every cadre with a tenure in one of roles (all roles
// when empty) overlapping the period, from the period's monthly scores
// (months in order, covering the period). Ranks are within the kind of
// unit a cadre led longest, among cadres with at least minCases cases.
func Cadres(reg *evaluation.Registry, period evaluation.Period, months []MonthReport, roles []string, minCases int, loc *time.Location) []*CadreScore {
	units := map[string]evaluation.Unit{}
	for _, u := range reg.Units {
		units[u.Code] = u
	}
	byMonth := make([]map[string]*UnitScore, len(months))
	for i, m := range months {
		byMonth[i] = map[string]*UnitScore{}
		if m.Report != nil {
			for _, u := range m.Report.Units {
				byMonth[i][u.Unit] = u
			}
		}
	}
	periodDays := days(period.From, period.To)
	var out []*CadreScore
	for _, cadre := range reg.Cadres {
		cs := &CadreScore{Cadre: cadre, Metrics: map[string]float64{}}
		var score weighted
		metrics := map[string]*weighted{}
		monthly := make([]weighted, len(months))
		kindDays := map[evaluation.UnitKind]float64{}
		for _, t := range reg.Tenures {
			if t.Cadre != cadre.ID || (len(roles) > 0 && !slices.Contains(roles, t.Role)) {
				continue
			}
			from, to := tenureSpan(t, loc)
			from, to = later(from, period.From), earlier(to, period.To)
			if !from.Before(to) {
				continue
			}
			u := units[t.Unit]
			ct := CadreTenure{Unit: t.Unit, Role: t.Role, Kind: u.Kind, Name: u.Name, From: from, To: to, Weight: days(from, to) / periodDays}
			kindDays[u.Kind] += days(from, to)
			var unitScore weighted
			for i, m := range months {
				led := days(later(from, m.Period.From), earlier(to, m.Period.To))
				us := byMonth[i][t.Unit]
				if led <= 0 || us == nil {
					continue
				}
				cs.Cases += led / days(m.Period.From, m.Period.To) * float64(us.Cases)
				for _, p := range us.Penalties {
					if !slices.Contains(cs.Penalties, p) {
						cs.Penalties = append(cs.Penalties, p)
					}
				}
				if us.Score == nil {
					continue
				}
				unitScore.add(*us.Score, led)
				score.add(*us.Score, led)
				monthly[i].add(*us.Score, led)
				for name := range us.Metrics {
					v, ok := us.Value(name)
					if !ok {
						continue
					}
					if metrics[name] == nil {
						metrics[name] = &weighted{}
					}
					metrics[name].add(v, led)
				}
			}
			ct.UnitScore = unitScore.mean()
			cs.Tenures = append(cs.Tenures, ct)
		}
		if len(cs.Tenures) == 0 {
			continue
		}
		cs.Score = score.mean()
		for name, w := range metrics {
			cs.Metrics[name] = *w.mean()
		}
		for i, m := range months {
			cs.Months = append(cs.Months, CadreMonth{Month: m.Period.Name, Score: monthly[i].mean()})
		}
		var longest float64
		for _, k := range []evaluation.UnitKind{evaluation.Street, evaluation.Department, evaluation.Enterprise, evaluation.Community} {
			if kindDays[k] > longest {
				cs.Kind, longest = k, kindDays[k]
			}
		}
		slices.SortFunc(cs.Penalties, func(a, b Penalty) int { return cmp.Compare(a.Ref, b.Ref) })
		cs.Eligible = cs.Score != nil && cs.Cases >= float64(minCases)
		out = append(out, cs)
	}
	rankCadres(out)
	return out
}

// rankCadres orders cadres by kind, eligible first, better scores first,
// and ranks the eligible ones within their kind (equal scores and cases
// share a rank).
func rankCadres(cs []*CadreScore) {
	order := map[evaluation.UnitKind]int{evaluation.Street: 0, evaluation.Department: 1, evaluation.Enterprise: 2}
	val := func(p *float64) float64 {
		if p == nil {
			return -1
		}
		return *p
	}
	slices.SortFunc(cs, func(a, b *CadreScore) int {
		if c := cmp.Compare(order[a.Kind], order[b.Kind]); c != 0 {
			return c
		}
		if a.Eligible != b.Eligible {
			if a.Eligible {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(val(b.Score), val(a.Score)), cmp.Compare(b.Cases, a.Cases), cmp.Compare(a.Cadre.ID, b.Cadre.ID))
	})
	pos := map[evaluation.UnitKind]int{}
	var ranked []*CadreScore
	for i, c := range cs {
		if !c.Eligible {
			continue
		}
		pos[c.Kind]++
		c.Rank = pos[c.Kind]
		if prev := cs[max(i-1, 0)]; i > 0 && prev.Eligible && prev.Kind == c.Kind && val(prev.Score) == val(c.Score) && prev.Cases == c.Cases {
			c.Rank = prev.Rank
		}
		ranked = append(ranked, c)
	}
	for _, c := range ranked {
		var others, below int
		for _, o := range ranked {
			if o != c && o.Kind == c.Kind {
				others++
				if o.Rank > c.Rank {
					below++
				}
			}
		}
		p := 100.0
		if others > 0 {
			p = 100 * float64(below) / float64(others)
		}
		c.Percentile = &p
	}
}

// tenureSpan is a tenure as times: from the start of its first day to the
// end of its last (open-ended without one).
func tenureSpan(t evaluation.Tenure, loc *time.Location) (from, to time.Time) {
	from = time.Date(t.From.Year(), t.From.Month(), t.From.Day(), 0, 0, 0, 0, loc)
	to = Forever
	if !t.To.IsZero() {
		to = time.Date(t.To.Year(), t.To.Month(), t.To.Day()+1, 0, 0, 0, 0, loc)
	}
	return from, to
}

// days returns the length of [from, to) in days, 0 when empty.
func days(from, to time.Time) float64 {
	if !from.Before(to) {
		return 0
	}
	return to.Sub(from).Hours() / 24
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
