// Package scoring turns derived case state into the two-way scores of
// DESIGN.md §5: metrics per unit and period, composite scores and ranks,
// the street × department matrix, rater calibration, reciprocity flags and
// satisfaction against the district's target.
package scoring

import (
	"math"
	"slices"
)

// z95 is the normal quantile of a two-sided 95% interval.
const z95 = 1.959963984540054

// Wilson returns the Wilson score 95% interval of num successes in den
// trials; [0, 1] when den is 0.
func Wilson(num, den float64) (lo, hi float64) {
	if den <= 0 {
		return 0, 1
	}
	p := num / den
	z2 := z95 * z95
	center := (p + z2/(2*den)) / (1 + z2/den)
	half := z95 / (1 + z2/den) * math.Sqrt(p*(1-p)/den+z2/(4*den*den))
	return math.Max(0, center-half), math.Min(1, center+half)
}

// Metric is one metric of one unit: a rate (Num of Den) or a quality (the
// mean of Den scores on 0–100, Num their sum), with what it rests on.
type Metric struct {
	Num, Den float64
	// Rate says whether the metric is a rate (with a Wilson interval) or a quality.
	Rate bool
	// Counted and Failed hold the ids behind the metric when explaining:
	// the items in the denominator, and those of them not in the numerator
	// (for qualities, each score as "case:score by RATER", with " = value"
	// after a calibrated one). For redo_rate the
	// numerator is the bad outcome, so Failed lists the cases not reopened.
	Counted, Failed []string
}

// Value returns the metric, or false when it has no data.
func (m *Metric) Value() (float64, bool) {
	if m == nil || m.Den == 0 {
		return 0, false
	}
	return m.Num / m.Den, true
}

// Interval returns the Wilson 95% interval of a rate.
func (m *Metric) Interval() (lo, hi float64, ok bool) {
	if m == nil || !m.Rate || m.Den == 0 {
		return 0, 0, false
	}
	lo, hi = Wilson(m.Num, m.Den)
	return lo, hi, true
}

// addN counts n items of the same outcome, w of each toward the
// numerator (1 for a success; for qualities, the score on 0–100), with
// their ids when explaining; failed marks them as not in the numerator.
func (m *Metric) addN(w float64, n int64, ids []string, failed bool) {
	m.Num += w * float64(n)
	m.Den += float64(n)
	m.Counted = append(m.Counted, ids...)
	if failed {
		m.Failed = append(m.Failed, ids...)
	}
}

// add counts one item: w of it toward the numerator (1 for a success).
func (m *Metric) add(w float64, id string, explain bool) {
	m.Num += w
	m.Den++
	if explain {
		m.Counted = append(m.Counted, id)
		if w < 1 {
			m.Failed = append(m.Failed, id)
		}
	}
}

// score adds one quality score already on 0–100.
func (m *Metric) score(v float64, id string, explain bool) {
	m.Num += v
	m.Den++
	if explain {
		m.Counted = append(m.Counted, id)
	}
}

// sortIDs orders the explanation lists for stable output.
func (m *Metric) sortIDs() {
	slices.Sort(m.Counted)
	slices.Sort(m.Failed)
}

// quality maps a 1–5 score to 0–100.
func quality(score float64) float64 { return (score - 1) / 4 * 100 }
