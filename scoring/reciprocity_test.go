package scoring

import (
	"fmt"
	"testing"
	"time"

	"frontline/evaluation"
	"frontline/formats"
	"frontline/synth"
)

// syntheticData generates a district and derives its scoring input.
func syntheticData(t testing.TB, cases int, seed int64) (*Data, *synth.Truth) {
	t.Helper()
	cfg := synth.Config{Cases: cases, Seed: seed}
	reg := synth.District(cfg)
	trails := map[string][]evaluation.Event{}
	truth, err := synth.Generate(cfg, func(e *evaluation.Event) error {
		ev := *e
		ev.Normalize()
		trails[ev.Case] = append(trails[ev.Case], ev)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rules := &evaluation.Rules{Policies: evaluation.Policies{formats.DefaultPolicy()}, Categories: map[string]evaluation.Category{},
		Units: map[string]evaluation.UnitKind{}}
	for _, c := range reg.Categories {
		rules.Categories[c.Code] = c
	}
	for _, u := range reg.Units {
		rules.Units[u.Code] = u.Kind
	}
	return dataFromTrails(trails, rules, reg.Units), truth
}

// TestReciprocityFindsPlantedPairs checks recall and precision against
// the pairs the generator planted, across seeds.
func TestReciprocityFindsPlantedPairs(t *testing.T) {
	if testing.Short() {
		t.Skip("generates five districts")
	}
	var found, planted, flagged int
	for seed := int64(1); seed <= 5; seed++ {
		d, truth := syntheticData(t, 8000, seed)
		pairs := Reciprocity(d, Options{AsOf: time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC), Scoring: evaluation.DefaultScoring()})
		want := map[[2]string]bool{}
		for _, p := range truth.ReciprocalPairs {
			want[p] = true
		}
		hits := 0
		for _, p := range pairs {
			if want[[2]string{p.Street, p.Department}] {
				hits++
			} else {
				t.Logf("seed %d: flagged %s/%s, not planted (residuals %.2f, %.2f on %d/%d ratings)", seed,
					p.Street, p.Department, p.StreetResidual, p.DeptResidual, p.StreetToDept.N, p.DeptToStreet.N)
			}
		}
		found += hits
		planted += len(want)
		flagged += len(pairs)
	}
	recall, precision := float64(found)/float64(planted), float64(found)/float64(max(flagged, 1))
	t.Logf("reciprocity over 5 seeds: %d planted, %d flagged, %d right: recall %.2f, precision %.2f", planted, flagged, found, recall, precision)
	fmt.Printf("reciprocity: recall %.2f, precision %.2f (%d planted pairs, 5 seeds)\n", recall, precision, planted)
	if recall < 0.9 || precision < 0.9 {
		t.Errorf("recall %.2f, precision %.2f; want both ≥ 0.9", recall, precision)
	}
}
