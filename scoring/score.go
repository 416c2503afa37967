package scoring

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"frontline/evaluation"
)

// Case is what scoring needs of a case.
type Case struct {
	ID           string
	OpenedAt     time.Time
	Street       string
	Satisfaction string // the latest rating
	Solved       *bool
	RatedAt      time.Time
	InPlace      *bool // the latest return visit
	RevisitedAt  time.Time
	Reopenings   int
	ReopenedAt   time.Time            // the first reopening
	Call         *evaluation.Deadline // the street's call, if a street called
}

// Assignment is what scoring needs of an assignment, with its deadlines
// (respond, report, and every disposal round).
type Assignment struct {
	evaluation.Assignment
	Deadlines []evaluation.Deadline
}

// Finding is a supervision finding against a unit, not withdrawn.
type Finding struct {
	ID, Case, Unit, Severity string
	At                       time.Time
}

// Data is what scoring reads for one period: the cases opened in it, their
// assignments, the findings on them, and the registry's units.
type Data struct {
	Cases       []Case
	Assignments []Assignment
	Findings    []Finding
	Units       []evaluation.Unit
}

// streets returns the codes of the registry's streets: only a street's
// dispatch is a call.
func (d *Data) streets() map[string]bool {
	out := map[string]bool{}
	for _, u := range d.Units {
		if u.Kind == evaluation.Street {
			out[u.Code] = true
		}
	}
	return out
}

// Options say how to score.
type Options struct {
	AsOf    time.Time
	Scoring evaluation.Scoring
	// Explain keeps the ids behind every metric (for `frontline explain`).
	Explain bool
}

// Penalty is one cause of penalty points.
type Penalty struct {
	Kind   string  `json:"kind"` // a severity, or "unjustified_return"
	Points float64 `json:"points"`
	Ref    string  `json:"ref"` // the finding's event id, or case/unit of the return
}

// UnitScore is one unit's result for a period.
type UnitScore struct {
	Unit      string
	Kind      evaluation.UnitKind
	Name      evaluation.Name
	Cases     int // assessed cases
	CaseIDs   []string
	Metrics   map[string]*Metric
	Penalties []Penalty
	Score     *float64
	// Pessimistic is the composite with every rate at its Wilson lower
	// bound: the tie-breaker, so that a score resting on few cases yields.
	Pessimistic float64
	Eligible    bool
	Rank        int // 0 when not ranked
}

// Value returns a metric's value, or false without data.
func (u *UnitScore) Value(name string) (float64, bool) { return u.Metrics[name].Value() }

// Report is the scores of every unit with data in a period.
type Report struct {
	AsOf  time.Time
	Units []*UnitScore // streets, departments, enterprises; by kind, then rank, then code
}

// unitSide says which metrics and weights judge a unit.
func unitSide(k evaluation.UnitKind) (metrics []string, street bool) {
	if k == evaluation.Street {
		return evaluation.StreetMetrics, true
	}
	return evaluation.DepartmentMetrics, false
}

// Compute scores every street, department and enterprise with data.
func Compute(d *Data, opt Options) *Report {
	sc := opt.Scoring
	asof := opt.AsOf
	units := map[string]*UnitScore{}
	kinds := map[string]evaluation.Unit{}
	for _, u := range d.Units {
		kinds[u.Code] = u
	}
	get := func(code string) *UnitScore {
		if u, ok := units[code]; ok {
			return u
		}
		reg, ok := kinds[code]
		if !ok || reg.Kind == evaluation.Community {
			return nil
		}
		u := &UnitScore{Unit: code, Kind: reg.Kind, Name: reg.Name, Metrics: map[string]*Metric{}}
		names, _ := unitSide(reg.Kind)
		for _, n := range names {
			u.Metrics[n] = &Metric{Rate: n != evaluation.ResponseQuality && n != evaluation.ResponseQualityCl &&
				n != evaluation.CallQuality && n != evaluation.CallQualityCl}
		}
		units[code] = u
		return u
	}
	assessed := map[string]map[string]bool{}
	assess := func(u *UnitScore, caseID string) {
		if assessed[u.Unit] == nil {
			assessed[u.Unit] = map[string]bool{}
		}
		assessed[u.Unit][caseID] = true
	}
	cases := make(map[string]*Case, len(d.Cases))
	for i := range d.Cases {
		cases[d.Cases[i].ID] = &d.Cases[i]
	}

	cal := newCalibration(d, sc.Shrinkage, asof)
	for i := range d.Cases {
		c := &d.Cases[i]
		if c.Street == "" || c.OpenedAt.After(asof) {
			continue
		}
		s := get(c.Street)
		if s == nil {
			continue
		}
		assess(s, c.ID)
		if w, ok := satisfactionOf(c, asof, sc); ok {
			s.Metrics[evaluation.SatisfactionRate].add(w, c.ID, opt.Explain)
		}
		if solved, ok := resolutionOf(c, asof); ok {
			s.Metrics[evaluation.ResolutionRate].add(b2f(solved), c.ID, opt.Explain)
		}
		if c.Call != nil && !c.Call.Excused {
			if cu := get(c.Call.Unit); cu != nil && cu.isStreet() {
				if st, _ := c.Call.StatusAt(asof); st == evaluation.Met || st == evaluation.Breached {
					cu.Metrics[evaluation.CallTimeliness].add(b2f(st == evaluation.Met), c.Call.ID(), opt.Explain)
				}
			}
		}
	}

	for i := range d.Assignments {
		a := &d.Assignments[i]
		if a.DispatchedAt.IsZero() || a.DispatchedAt.After(asof) {
			continue
		}
		c := cases[a.Case]
		if c == nil || c.OpenedAt.After(asof) {
			continue
		}
		dept := get(a.Unit)
		if dept != nil && !dept.isStreet() {
			assess(dept, a.Case)
			for j := range a.Deadlines {
				dl := &a.Deadlines[j]
				if dl.Excused {
					continue
				}
				st, _ := dl.StatusAt(asof)
				if st != evaluation.Met && st != evaluation.Breached {
					continue
				}
				name := map[evaluation.Milestone]string{evaluation.Respond: evaluation.ResponseRate,
					evaluation.Report: evaluation.ReportRate, evaluation.Dispose: evaluation.DisposalRate}[dl.Milestone]
				dept.Metrics[name].add(b2f(st == evaluation.Met), dl.ID(), opt.Explain)
			}
			if a.Role == "lead" && !a.Ended() {
				if w, ok := satisfactionOf(c, asof, sc); ok {
					dept.Metrics[evaluation.SatisfactionRate].add(w, c.ID, opt.Explain)
				}
				if solved, ok := resolutionOf(c, asof); ok {
					dept.Metrics[evaluation.ResolutionRate].add(b2f(solved), c.ID, opt.Explain)
				}
				if !a.ResolvedAt.IsZero() && !a.ResolvedAt.After(asof) {
					reopened := c.Reopenings > 0 && !c.ReopenedAt.After(asof)
					dept.Metrics[evaluation.RedoRate].add(b2f(reopened), c.ID, opt.Explain)
				}
			}
			if a.ResponseScore != nil && !a.ResponseEvaluatedAt.After(asof) {
				id := fmt.Sprintf("%s:%d by %s", a.Case, *a.ResponseScore, a.ResponseRater)
				v := cal.response(a.ResponseRater, *a.ResponseScore)
				dept.Metrics[evaluation.ResponseQuality].score(quality(float64(*a.ResponseScore)), id, opt.Explain)
				dept.Metrics[evaluation.ResponseQualityCl].score(v, fmt.Sprintf("%s = %.1f", id, v), opt.Explain)
			}
			if a.ReturnUnjustified() {
				dept.Penalties = append(dept.Penalties, Penalty{Kind: "unjustified_return",
					Points: sc.Penalties["unjustified_return"], Ref: a.Case + "/" + a.Unit})
			}
		}
		if a.By == "" || a.By == evaluation.PlatformDispatcher {
			continue
		}
		street := get(a.By)
		if street == nil || !street.isStreet() {
			continue
		}
		evaluated := !a.CallEvaluatedAt.After(asof)
		inaccurate := a.Ended() || (evaluated && a.CallAccurate != nil && !*a.CallAccurate)
		street.Metrics[evaluation.CallAccuracy].add(b2f(!inaccurate), a.Case+"/"+a.Unit, opt.Explain)
		if a.CallScore != nil && evaluated {
			id := fmt.Sprintf("%s:%d by %s", a.Case, *a.CallScore, a.Unit)
			v := cal.call(a.Unit, *a.CallScore)
			street.Metrics[evaluation.CallQuality].score(quality(float64(*a.CallScore)), id, opt.Explain)
			street.Metrics[evaluation.CallQualityCl].score(v, fmt.Sprintf("%s = %.1f", id, v), opt.Explain)
		}
	}

	for _, f := range d.Findings {
		if f.At.After(asof) {
			continue
		}
		severity := f.Severity
		if severity == "" {
			severity = "notice" // a finding without a severity is the mildest kind
		}
		if u := get(f.Unit); u != nil {
			u.Penalties = append(u.Penalties, Penalty{Kind: severity, Points: sc.Penalties[severity], Ref: f.ID})
		}
	}

	r := &Report{AsOf: asof}
	for _, u := range units {
		for id := range assessed[u.Unit] {
			u.CaseIDs = append(u.CaseIDs, id)
		}
		slices.Sort(u.CaseIDs)
		u.Cases = len(u.CaseIDs)
		if !opt.Explain {
			u.CaseIDs = nil
		}
		for _, m := range u.Metrics {
			m.sortIDs()
		}
		slices.SortFunc(u.Penalties, func(a, b Penalty) int { return cmp.Compare(a.Ref, b.Ref) })
		u.composite(sc)
		r.Units = append(r.Units, u)
	}
	rank(r.Units)
	return r
}

func (u *UnitScore) isStreet() bool { return u.Kind == evaluation.Street }

// satisfactionOf returns how much a case's rating counts as satisfied, if
// it was rated by asof.
func satisfactionOf(c *Case, asof time.Time, sc evaluation.Scoring) (float64, bool) {
	if c.Satisfaction == "" || c.RatedAt.After(asof) {
		return 0, false
	}
	return sc.SatisfactionWeights[c.Satisfaction], true
}

// resolutionOf says whether a case was confirmed solved: the resident's
// `solved`, else the return visit's `in_place`; false when unconfirmed.
func resolutionOf(c *Case, asof time.Time) (solved, confirmed bool) {
	if c.Solved != nil && !c.RatedAt.After(asof) {
		return *c.Solved, true
	}
	if c.InPlace != nil && !c.RevisitedAt.After(asof) {
		return *c.InPlace, true
	}
	return false, false
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// composite computes the score: Σ weight × metric × 100 over metrics with
// data, weights renormalised, minus penalty points, floored at 0.
func (u *UnitScore) composite(sc evaluation.Scoring) {
	weights := sc.DepartmentWeights
	if u.isStreet() {
		weights = sc.StreetWeights
	}
	var sum, pess, total float64
	// A fixed order: floating-point sums must not depend on map order.
	names := make([]string, 0, len(weights))
	for name := range weights {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		w := weights[name]
		if w == 0 {
			continue
		}
		metric := name
		if sc.Quality == "calibrated" {
			switch name {
			case evaluation.ResponseQuality:
				metric = evaluation.ResponseQualityCl
			case evaluation.CallQuality:
				metric = evaluation.CallQualityCl
			}
		}
		m := u.Metrics[metric]
		v, ok := m.Value()
		if !ok {
			continue
		}
		lo := v
		if m.Rate {
			lo, _, _ = m.Interval()
		} else {
			v, lo = v/100, v/100
		}
		if name == evaluation.RedoRate {
			// Fewer redos is better: a redo rate enters as its complement.
			hi := 1.0
			if _, h, ok := m.Interval(); ok {
				hi = h
			}
			v, lo = 1-v, 1-hi
		}
		sum += w * v
		pess += w * lo
		total += w
	}
	if total == 0 {
		return
	}
	var points float64
	for _, p := range u.Penalties {
		points += p.Points
	}
	score := math.Max(0, sum/total*100-points)
	u.Score = &score
	u.Pessimistic = math.Max(0, pess/total*100-points)
	u.Eligible = u.Cases >= sc.MinCases
}

// rank orders units by kind, then eligible ones by score (ties: the
// pessimistic score, then more cases), and numbers them within their kind;
// equal units share a rank.
func rank(units []*UnitScore) {
	SortUnits(units)
	pos := map[evaluation.UnitKind]int{}
	for i, u := range units {
		if !u.Eligible || u.Score == nil {
			continue
		}
		pos[u.Kind]++
		u.Rank = pos[u.Kind]
		if i > 0 && units[i-1].Kind == u.Kind && units[i-1].Eligible && compareScores(units[i-1], u) == 0 {
			u.Rank = units[i-1].Rank
		}
	}
}

// SortUnits orders units as reports list them: by kind (streets,
// departments, enterprises), eligible ones first, better scores first.
func SortUnits(units []*UnitScore) {
	order := map[evaluation.UnitKind]int{evaluation.Street: 0, evaluation.Department: 1, evaluation.Enterprise: 2}
	slices.SortFunc(units, func(a, b *UnitScore) int {
		if c := cmp.Compare(order[a.Kind], order[b.Kind]); c != 0 {
			return c
		}
		if a.Eligible != b.Eligible {
			if a.Eligible {
				return -1
			}
			return 1
		}
		if c := compareScores(a, b); c != 0 {
			return c
		}
		return cmp.Compare(a.Unit, b.Unit)
	})
}

// compareScores orders better units first.
func compareScores(a, b *UnitScore) int {
	as, bs := -1.0, -1.0
	if a.Score != nil {
		as = *a.Score
	}
	if b.Score != nil {
		bs = *b.Score
	}
	if c := cmp.Compare(bs, as); c != 0 {
		return c
	}
	if c := cmp.Compare(b.Pessimistic, a.Pessimistic); c != 0 {
		return c
	}
	return cmp.Compare(b.Cases, a.Cases)
}
