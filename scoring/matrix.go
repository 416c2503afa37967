package scoring

import (
	"cmp"
	"slices"

	"frontline/evaluation"
)

// Pair is one street × department cell of the two-way matrix: the calls
// the street made to the department and how each judged the other.
type Pair struct {
	Street, Department string
	Calls              int
	AccurateCalls      int     // not proven inaccurate
	CallScore          Metric  // the department's scores of the calls (0–100)
	ResponseScore      Metric  // the street's scores of the responses (0–100)
	Respond, Dispose   Metric  // the department's on-time rates on these calls
	Satisfaction       Metric  // residents' satisfaction with these cases
	Accuracy           float64 // AccurateCalls / Calls
}

// Matrix returns every street × department pair with at least one call,
// ordered by street, then department.
func Matrix(d *Data, opt Options) []Pair {
	cases := map[string]*Case{}
	for i := range d.Cases {
		cases[d.Cases[i].ID] = &d.Cases[i]
	}
	streets := d.streets()
	cells := map[[2]string]*Pair{}
	for i := range d.Assignments {
		a := &d.Assignments[i]
		if !streets[a.By] || a.DispatchedAt.IsZero() || a.DispatchedAt.After(opt.AsOf) {
			continue
		}
		k := [2]string{a.By, a.Unit}
		p := cells[k]
		if p == nil {
			p = &Pair{Street: a.By, Department: a.Unit, Respond: Metric{Rate: true}, Dispose: Metric{Rate: true}, Satisfaction: Metric{Rate: true}}
			cells[k] = p
		}
		p.Calls++
		callEvaluated := !a.CallEvaluatedAt.After(opt.AsOf)
		if !(a.Ended() || (callEvaluated && a.CallAccurate != nil && !*a.CallAccurate)) {
			p.AccurateCalls++
		}
		if a.CallScore != nil && callEvaluated {
			p.CallScore.score(quality(float64(*a.CallScore)), a.Case, false)
		}
		if a.ResponseScore != nil && !a.ResponseEvaluatedAt.After(opt.AsOf) {
			p.ResponseScore.score(quality(float64(*a.ResponseScore)), a.Case, false)
		}
		for j := range a.Deadlines {
			dl := &a.Deadlines[j]
			st, _ := dl.StatusAt(opt.AsOf)
			if dl.Excused || (st != evaluation.Met && st != evaluation.Breached) {
				continue
			}
			switch dl.Milestone {
			case evaluation.Respond:
				p.Respond.add(b2f(st == evaluation.Met), "", false)
			case evaluation.Dispose:
				p.Dispose.add(b2f(st == evaluation.Met), "", false)
			}
		}
		if c := cases[a.Case]; c != nil && a.Role == "lead" && !a.Ended() {
			if w, ok := satisfactionOf(c, opt.AsOf, opt.Scoring); ok {
				p.Satisfaction.add(w, "", false)
			}
		}
	}
	out := make([]Pair, 0, len(cells))
	for _, p := range cells {
		p.Accuracy = float64(p.AccurateCalls) / float64(p.Calls)
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b Pair) int {
		if c := cmp.Compare(a.Street, b.Street); c != 0 {
			return c
		}
		return cmp.Compare(a.Department, b.Department)
	})
	return out
}
