package scoring

import (
	"cmp"
	"slices"

	"frontline/evaluation"
)

// Mean is the mean of N scores on the 1–5 scale.
type Mean struct {
	N   int
	Sum float64
}

// Value returns the mean, or 0 without scores.
func (m Mean) Value() float64 {
	if m.N == 0 {
		return 0
	}
	return m.Sum / float64(m.N)
}

func (m *Mean) add(v float64) { m.N++; m.Sum += v }

func (m Mean) minus(o Mean) Mean { return Mean{N: m.N - o.N, Sum: m.Sum - o.Sum} }

// Reciprocal is a street/department pair that rate each other far above
// how each rates everyone else, with the evidence.
type Reciprocal struct {
	Street, Department string
	// StreetToDept is the street's scores of the department's responses;
	// StreetToOthers its scores of every other department.
	StreetToDept, StreetToOthers Mean
	// DeptToStreet is the department's scores of the street's calls;
	// DeptToOthers its scores of every other street's.
	DeptToStreet, DeptToOthers Mean
	// Residuals are how far above its other ratings each side rates the other.
	StreetResidual, DeptResidual float64
	// The objective record of the same calls against the department's
	// record on everyone's: on-time response and residents' satisfaction.
	PairRespond, DeptRespond           Metric
	PairSatisfaction, DeptSatisfaction Metric
}

// Reciprocity flags pairs whose mutual ratings both exceed what each side
// gives everyone else by the policy's minimum residual, on at least its
// minimum number of ratings each way (and as many to others). A lenient
// rater, generous to all, has no residual and is not flagged; calibration
// handles it.
func Reciprocity(d *Data, opt Options) []Reciprocal {
	sc := opt.Scoring
	type key = [2]string // street, department
	streetAll, deptAll := map[string]*Mean{}, map[string]*Mean{}
	s2d, d2s := map[key]*Mean{}, map[key]*Mean{}
	bump := func(m map[string]*Mean, k string, v float64) {
		if m[k] == nil {
			m[k] = &Mean{}
		}
		m[k].add(v)
	}
	bumpPair := func(m map[key]*Mean, k key, v float64) {
		if m[k] == nil {
			m[k] = &Mean{}
		}
		m[k].add(v)
	}
	streets := d.streets()
	for i := range d.Assignments {
		a := &d.Assignments[i]
		if a.ResponseScore != nil && streets[a.ResponseRater] && !a.ResponseEvaluatedAt.After(opt.AsOf) {
			bump(streetAll, a.ResponseRater, float64(*a.ResponseScore))
			bumpPair(s2d, key{a.ResponseRater, a.Unit}, float64(*a.ResponseScore))
		}
		if a.CallScore != nil && streets[a.By] && !a.CallEvaluatedAt.After(opt.AsOf) {
			bump(deptAll, a.Unit, float64(*a.CallScore))
			bumpPair(d2s, key{a.By, a.Unit}, float64(*a.CallScore))
		}
	}
	var pairs []key
	for k := range s2d {
		if d2s[k] != nil {
			pairs = append(pairs, k)
		}
	}
	slices.SortFunc(pairs, func(a, b key) int {
		if c := cmp.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return cmp.Compare(a[1], b[1])
	})
	var matrix map[key]Pair
	var units map[string]*UnitScore
	var out []Reciprocal
	for _, k := range pairs {
		r := Reciprocal{Street: k[0], Department: k[1], StreetToDept: *s2d[k], DeptToStreet: *d2s[k]}
		r.StreetToOthers = streetAll[k[0]].minus(r.StreetToDept)
		r.DeptToOthers = deptAll[k[1]].minus(r.DeptToStreet)
		min := sc.ReciprocityMinRatings
		if r.StreetToDept.N < min || r.DeptToStreet.N < min || r.StreetToOthers.N < min || r.DeptToOthers.N < min {
			continue
		}
		r.StreetResidual = r.StreetToDept.Value() - r.StreetToOthers.Value()
		r.DeptResidual = r.DeptToStreet.Value() - r.DeptToOthers.Value()
		if r.StreetResidual < sc.ReciprocityMinResidual || r.DeptResidual < sc.ReciprocityMinResidual {
			continue
		}
		if matrix == nil {
			matrix = map[key]Pair{}
			for _, p := range Matrix(d, opt) {
				matrix[key{p.Street, p.Department}] = p
			}
			units = map[string]*UnitScore{}
			for _, u := range Compute(d, Options{AsOf: opt.AsOf, Scoring: sc}).Units {
				units[u.Unit] = u
			}
		}
		p := matrix[k]
		r.PairRespond, r.PairSatisfaction = p.Respond, p.Satisfaction
		if u := units[k[1]]; u != nil && !u.isStreet() {
			r.DeptRespond = *u.Metrics[evaluation.ResponseRate]
			r.DeptSatisfaction = *u.Metrics[evaluation.SatisfactionRate]
		}
		out = append(out, r)
	}
	return out
}
