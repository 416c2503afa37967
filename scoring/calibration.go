package scoring

import "math"

// Some raters give everyone 5, some give everyone 3. Calibration reads
// each score against its rater's own habits: the score's distance from
// the rater's mean, in the rater's standard deviations, placed on the
// district's scale. A rater with few ratings is pulled toward the
// district's mean and spread by `shrinkage` pseudo-ratings, so that one
// harsh score from a new rater is not blown up.

// moments accumulates a mean and variance.
type moments struct{ n, sum, sumSq float64 }

func (m *moments) add(x float64) { m.addN(x, 1) }

func (m *moments) addN(x, n float64) { m.n += n; m.sum += n * x; m.sumSq += n * x * x }

func (m *moments) mean() float64 { return m.sum / m.n }

func (m *moments) variance() float64 {
	if m.n == 0 {
		return 0
	}
	mu := m.mean()
	return math.Max(0, m.sumSq/m.n-mu*mu)
}

// scale is one side's calibration: the district's moments and each rater's.
type scale struct {
	all       moments
	raters    map[string]*moments
	shrinkage float64
}

func newScale(shrinkage float64) *scale {
	return &scale{raters: map[string]*moments{}, shrinkage: shrinkage}
}

// addN adds n scores of one rater.
func (s *scale) addN(rater string, score, n float64) {
	s.all.addN(score, n)
	m := s.raters[rater]
	if m == nil {
		m = &moments{}
		s.raters[rater] = m
	}
	m.addN(score, n)
}

// calibrated returns a 1–5 score calibrated against its rater, on 0–100.
func (s *scale) calibrated(rater string, score float64) float64 {
	if s.all.n == 0 {
		return quality(score)
	}
	gMean, gVar := s.all.mean(), s.all.variance()
	m := s.raters[rater]
	if m == nil || gVar == 0 {
		return quality(score)
	}
	k := s.shrinkage
	mean := (m.sum + k*gMean) / (m.n + k)
	variance := (m.n*m.variance() + k*gVar) / (m.n + k)
	if variance <= 0 {
		return quality(gMean)
	}
	z := (score - mean) / math.Sqrt(variance)
	x := gMean + math.Sqrt(gVar)*z
	return math.Min(100, math.Max(0, quality(x)))
}

// calibration holds both sides: streets rating responses, departments
// rating calls.
type calibration struct {
	responses, calls *scale
}
