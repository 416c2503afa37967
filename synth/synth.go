// Package synth generates a deterministic synthetic city district and a
// year of realistic case trails, with planted behaviours (lenient and harsh
// raters, reciprocal street/department pairs, slow and shirking
// departments, misdirecting streets) recorded in a Truth for detection
// tests and demos.
//
// The same Config always yields the same registry and byte-identical
// events. Generation holds only the cases in flight, so its memory does not
// grow with the number of cases.
package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"frontline/evaluation"
	"frontline/fault"
)

// DefaultCases is the number of cases generated when Config.Cases is zero.
const DefaultCases = 50000

// Config says what to generate.
type Config struct {
	Cases int       // number of cases (DefaultCases when 0)
	Seed  int64     // seeds every random choice
	Start time.Time // first day of the year simulated; default 2026-01-01 00:00 Asia/Shanghai
}

// withDefaults fills in the defaults and moves Start to midnight of its day
// in the policy time zone.
func (c Config) withDefaults() Config {
	if c.Cases == 0 {
		c.Cases = DefaultCases
	}
	if c.Start.IsZero() {
		c.Start = time.Date(2026, time.January, 1, 0, 0, 0, 0, zone)
	}
	c.Start = midnight(c.Start.In(zone))
	return c
}

// generator is the state of one run of Generate.
type generator struct {
	d     *district
	r     *rand.Rand
	heap  eventHeap
	emit  func(*evaluation.Event) error
	truth *Truth
}

// Generate writes every event of every case to emit, in nondecreasing
// order of event time (ties by case, then by place in the trail), and
// returns the truth. Cases are generated in order of their opening; the
// events of cases in flight wait in a min-heap and are emitted once no
// later case can precede them, so memory stays bounded. Events that would
// fall after the simulated year are not generated: the cases they belong
// to stay open. Generate stops at the first error emit returns.
func Generate(cfg Config, emit func(*evaluation.Event) error) (*Truth, error) {
	if cfg.Cases < 0 {
		return nil, fault.Errorf(fault.Invalid, "generate", "cases must not be negative, got %d", cfg.Cases)
	}
	cfg = cfg.withDefaults()
	d := newDistrict(cfg)
	truth := d.truth
	truth.Seed, truth.Cases, truth.Start, truth.End = cfg.Seed, cfg.Cases, d.start, d.end
	truth.EventsByType = map[string]int{}
	g := &generator{
		d:     d,
		r:     rand.New(rand.NewPCG(uint64(cfg.Seed), streamTrail)),
		emit:  emit,
		truth: &truth,
	}
	sched := newSchedule(rand.New(rand.NewPCG(uint64(cfg.Seed), streamSchedule)), d.start, cfg.Cases)
	for i := range cfg.Cases {
		open := sched.next()
		if err := g.flush(open.Unix()); err != nil {
			return nil, err
		}
		evs, out := g.simulate(i+1, open)
		for seq, e := range evs {
			g.heap.push(pending{at: e.At.Unix(), cas: i, seq: seq, ev: e})
		}
		if out.rated {
			truth.Rated++
			if out.satisfied {
				truth.Satisfied++
			}
		}
		if out.open {
			truth.OpenCases++
		}
	}
	if err := g.flush(math.MaxInt64); err != nil {
		return nil, err
	}
	if truth.Rated > 0 {
		truth.Satisfaction = float64(truth.Satisfied) / float64(truth.Rated)
	}
	return &truth, nil
}

// flush emits the pending events at or before the Unix second until: no
// case opened from then on can have an event that sorts before them.
func (g *generator) flush(until int64) error {
	for g.heap.len() > 0 && g.heap.min().at <= until {
		e := g.heap.pop().ev
		if err := g.emit(e); err != nil {
			return fmt.Errorf("generate: emit event %s: %w", e.ID, err)
		}
		g.truth.Events++
		g.truth.EventsByType[string(e.Type)]++
	}
	return nil
}
