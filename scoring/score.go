package scoring

import (
	"cmp"
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
	Withdrawn    bool                 // cancelled or a duplicate: no part in any score
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

// Compute scores every street, department and enterprise with data, as
// of opt.AsOf: it counts the outcomes of every case and scores the counts.
func Compute(d *Data, opt Options) *Report {
	t := NewPieces(opt.Explain)
	t.Add(d, opt.AsOf)
	return t.Report(opt)
}

// Pieces counts scoring data a piece at a time — the cases opened in one
// month, then the next — so that a long period is scored without holding
// all of its rows at once. The pieces must not share a case.
type Pieces struct {
	r        counter
	findings []Finding
	units    []evaluation.Unit
}

// NewPieces starts a count; explain keeps the ids behind each count.
func NewPieces(explain bool) *Pieces {
	t := &Pieces{r: counter{counts: Counts{}, sign: 1}}
	if explain {
		t.r.why = Explanation{}
	}
	return t
}

// Add counts a piece's cases as of asof, and keeps its findings.
func (t *Pieces) Add(d *Data, asof time.Time) {
	byCase := make(map[string][]*Assignment, len(d.Cases))
	for i := range d.Assignments {
		a := &d.Assignments[i]
		byCase[a.Case] = append(byCase[a.Case], a)
	}
	for i := range d.Cases {
		c := &d.Cases[i]
		contribute(t.r, c, byCase[c.ID], asof)
	}
	t.findings = append(t.findings, d.Findings...)
	if d.Units != nil {
		t.units = d.Units
	}
}

// Report scores what was counted.
func (t *Pieces) Report(opt Options) *Report {
	return FromCounts(Inputs{Counts: t.r.counts, Why: t.r.why, Findings: t.findings, Units: t.units}, opt)
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
	// Eligible by its cases, whether or not a score comes of them: a unit
	// with cases enough but no metric with data (no call, no rating) is
	// eligible and unranked, and says so.
	u.Eligible = u.Cases >= sc.MinCases
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
