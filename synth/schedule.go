package synth

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// hourWeights is the daily rhythm of reports: quiet nights, peaks in the
// morning and afternoon office hours.
var hourWeights = [24]float64{
	0.25, 0.15, 0.10, 0.08, 0.08, 0.15, 0.40, 0.90, 1.60, 2.00, 2.00, 1.70,
	1.00, 1.10, 1.80, 1.90, 1.80, 1.40, 1.00, 0.90, 0.80, 0.65, 0.50, 0.35,
}

// weekendFactor scales the rhythm on Saturdays and Sundays, when fewer grid
// staff patrol and offices are closed.
const weekendFactor = 0.65

// schedule yields the opening times of n cases over a year, in order, with
// the daily and weekly rhythm and some day-to-day noise. It splits the year
// into hours, gives each hour its share of the n cases, and draws the cases
// of one hour at a time, so it holds one hour's times at most.
type schedule struct {
	r      *rand.Rand
	start  time.Time
	counts []int // cumulative number of cases opened before the end of each hour
	hour   int
	buf    []int64 // seconds into the current hour, sorted
	done   int
}

func newSchedule(r *rand.Rand, start time.Time, n int) *schedule {
	end := start.AddDate(1, 0, 0)
	hours := int(end.Sub(start) / time.Hour)
	cum := make([]float64, hours)
	total, dayNoise := 0.0, 1.0
	for h := range hours {
		t := start.Add(time.Duration(h) * time.Hour)
		if h%24 == 0 {
			dayNoise = 0.8 + 0.4*r.Float64()
		}
		w := hourWeights[t.Hour()] * dayNoise
		if !isWorkday(t) {
			w *= weekendFactor
		}
		total += w
		cum[h] = total
	}
	s := &schedule{r: r, start: start, counts: make([]int, hours), hour: -1}
	for h := range hours {
		s.counts[h] = int(math.Round(float64(n) * cum[h] / total))
	}
	s.counts[hours-1] = n
	return s
}

// next returns the next opening time; it must not be called more than n times.
func (s *schedule) next() time.Time {
	for len(s.buf) == 0 {
		s.hour++
		k := s.counts[s.hour] - s.done
		for range k {
			s.buf = append(s.buf, s.r.Int64N(3600))
		}
		slices.Sort(s.buf)
		s.done += k
	}
	sec := s.buf[0]
	s.buf = s.buf[1:]
	return s.start.Add(time.Duration(s.hour)*time.Hour + time.Duration(sec)*time.Second)
}
