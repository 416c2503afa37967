package synth

import "math/rand/v2"

// work is how well the rated party did in the rater's eyes.
type work int

const (
	workGood work = iota // on time
	workLate             // a limit was missed
	workBad              // a wrong call
)

// scoreDists are cumulative probabilities of the scores 1…5 that an
// unbiased rater gives, by work. Their means, about 3.8, 3.0 and 1.6, leave
// room above for lenient raters and reciprocal pairs to stand out.
var scoreDists = [...][5]float64{
	workGood: {0.02, 0.10, 0.35, 0.75, 1},
	workLate: {0.08, 0.30, 0.67, 0.92, 1},
	workBad:  {0.50, 0.90, 1, 1, 1},
}

// score draws the score that rater gives target, with the rater's planted
// bias: a reciprocal partner gets (almost) always 5, a lenient rater gives
// (almost) everyone 5, a harsh one gives about 3 whatever the work.
func (d *district) score(r *rand.Rand, rater, target string, w work) int {
	t := d.traitsOf(rater)
	u := r.Float64()
	switch {
	case t.partner == target:
		if u < 0.96 {
			return 5
		}
		return 4
	case t.lenient:
		if u < 0.95 {
			return 5
		}
		return 4
	case t.harsh:
		switch {
		case u < 0.75:
			return 3
		case u < 0.87:
			return 2
		}
		return 4
	}
	for i, p := range scoreDists[w] {
		if u < p {
			return i + 1
		}
	}
	return 5
}
