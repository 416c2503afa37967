package scoring

import (
	"testing"
	"time"

	"frontline/evaluation"
)

func TestGap(t *testing.T) {
	tests := []struct {
		sat, rated float64
		want       int
	}{
		{95, 100, 100}, {97, 100, 20}, {97.5, 100, 0}, {98, 100, 0}, {0, 0, 0}, {1, 2, 38}, {390, 400, 0}, {389, 400, 40},
	}
	for _, tt := range tests {
		if got := (Tally{tt.sat, tt.rated}).Gap(0.975); got != tt.want {
			t.Errorf("Gap(%v of %v) = %d, want %d", tt.sat, tt.rated, got, tt.want)
		}
	}
}

func TestWorkedExampleSatisfactionAndMatrix(t *testing.T) {
	d := dataFromTrails(readTrails(t, "../store/testdata/worked.ndjson"), defaultRules(), workedExampleUnits())
	opt := Options{AsOf: time.Date(2026, 7, 1, 0, 0, 0, 0, shanghai), Scoring: evaluation.DefaultScoring()}
	s := Satisfaction(d, opt, shanghai)
	if s.District.Total != (Tally{1, 2}) || s.District.Total.Gap(0.975) != 38 || !s.District.AtRisk {
		t.Errorf("district = %+v, gap %d; want 1 of 2, gap 38, at risk", s.District.Total, s.District.Total.Gap(0.975))
	}
	if got := s.District.Months["2026-06"]; got != (Tally{1, 2}) || len(s.Months) != 1 {
		t.Errorf("district June = %+v, months %v", got, s.Months)
	}
	units := map[string]SatisfactionLine{}
	for _, l := range s.Units {
		units[l.Unit] = l
	}
	if units["D1"].Total != (Tally{1, 1}) || units["D1"].AtRisk {
		t.Errorf("D1 = %+v", units["D1"])
	}
	if units["D2"].Total != (Tally{0, 1}) || !units["D2"].AtRisk || units["S1"].Total != (Tally{1, 2}) {
		t.Errorf("D2 = %+v, S1 = %+v", units["D2"], units["S1"])
	}

	m := Matrix(d, opt)
	if len(m) != 2 {
		t.Fatalf("matrix = %+v, want S1×D1 and S1×D2", m)
	}
	d1, d2 := m[0], m[1]
	if d1.Department != "D1" || d1.Calls != 1 || d1.AccurateCalls != 1 || d1.CallScore.Num != 100 || d1.ResponseScore.Num != 75 ||
		d1.Respond.Num != 1 || d1.Respond.Den != 1 {
		t.Errorf("S1×D1 = %+v", d1)
	}
	if d2.Department != "D2" || d2.Calls != 1 || d2.Respond.Num != 0 || d2.Respond.Den != 1 || d2.Dispose.Num != 1 ||
		d2.Satisfaction.Num != 0 || d2.Satisfaction.Den != 1 || d2.ResponseScore.Den != 0 {
		t.Errorf("S1×D2 = %+v", d2)
	}
}
