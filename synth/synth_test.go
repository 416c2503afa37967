package synth

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"frontline/evaluation"
	"frontline/fault"
)

func TestDistrictShape(t *testing.T) {
	reg := District(Config{Seed: 7})
	if err := reg.Validate(func(string) bool { return false }); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	patterns := []struct {
		kind  evaluation.UnitKind
		code  *regexp.Regexp
		count int
	}{
		{evaluation.Street, regexp.MustCompile(`^S(0[1-9]|10)$`), 10},
		{evaluation.Community, regexp.MustCompile(`^S\d\dC\d\d$`), 70},
		{evaluation.Department, regexp.MustCompile(`^D\d\d$`), 86},
		{evaluation.Enterprise, regexp.MustCompile(`^E(0[1-9]|10)$`), 10},
	}
	units := map[string]evaluation.Unit{}
	for _, u := range reg.Units {
		units[u.Code] = u
	}
	for _, p := range patterns {
		t.Run(string(p.kind), func(t *testing.T) {
			got, names := 0, map[string]bool{}
			for _, u := range reg.Units {
				if u.Kind != p.kind || !p.code.MatchString(u.Code) {
					continue
				}
				got++
				if u.Name.En == "" || names[u.Name.Zh] {
					t.Errorf("%s: name %+v missing English or not distinct", u.Code, u.Name)
				}
				names[u.Name.Zh] = true
				if p.kind == evaluation.Community && (u.Parent != u.Code[:3] || units[u.Parent].Kind != evaluation.Street) {
					t.Errorf("%s: parent %q, want street %s", u.Code, u.Parent, u.Code[:3])
				}
			}
			if got != p.count {
				t.Errorf("got %d %s units, want %d", got, p.kind, p.count)
			}
		})
	}
	for _, code := range []string{OrgDepartment, DisciplineCommission} {
		if units[code].Kind != evaluation.Department {
			t.Errorf("oversight body %s: got kind %q, want department", code, units[code].Kind)
		}
	}

	if n := len(reg.Categories); n < 15 || n > 25 {
		t.Errorf("got %d categories, want 15–25", n)
	}
	classes := map[string]int{}
	for _, c := range reg.Categories {
		classes[c.Class]++
	}
	for _, class := range evaluation.SLAClasses {
		if classes[class] == 0 {
			t.Errorf("no category of class %s", class)
		}
	}

	if n := len(reg.Cadres); n < 180 || n > 220 {
		t.Errorf("got %d cadres, want about 200", n)
	}
	start := date(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	heads, changed := map[string]int{}, 0
	for _, tn := range reg.Tenures {
		if tn.Role != "head" {
			continue
		}
		heads[tn.Unit]++
		if !tn.To.IsZero() {
			changed++
			if tn.To.Before(start.Time) {
				t.Errorf("head tenure %+v ends before the year", tn)
			}
		}
	}
	for _, u := range reg.Units {
		if u.Kind != evaluation.Community && heads[u.Code] == 0 {
			t.Errorf("%s has no head", u.Code)
		}
	}
	if share := float64(changed) / float64(len(heads)); share < 0.10 || share > 0.20 {
		t.Errorf("%d of %d units change head (%.2f), want about 0.15", changed, len(heads), share)
	}
	for unit, n := range heads {
		if n > 2 {
			t.Errorf("%s has %d head tenures, want at most 2", unit, n)
		}
	}
}

func TestDistrictDeterministic(t *testing.T) {
	a, _ := json.Marshal(District(Config{Seed: 3}))
	b, _ := json.Marshal(District(Config{Seed: 3}))
	c, _ := json.Marshal(District(Config{Seed: 4}))
	if string(a) != string(b) {
		t.Error("same seed gave different registries")
	}
	if string(a) == string(c) {
		t.Error("different seeds gave the same registry")
	}
}

// digest generates cfg and hashes its events as JSON lines.
func digest(t testing.TB, cfg Config) (string, *Truth) {
	t.Helper()
	h := sha256.New()
	enc := json.NewEncoder(h)
	truth, err := Generate(cfg, func(e *evaluation.Event) error { return enc.Encode(e) })
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return fmt.Sprintf("%x", h.Sum(nil)), truth
}

func TestGenerateDeterministic(t *testing.T) {
	base := Config{Cases: 3000, Seed: 42}
	want, wantTruth := digest(t, base)
	wantJSON, _ := json.Marshal(wantTruth)
	tests := []struct {
		name string
		cfg  Config
		same bool
	}{
		{"same config", base, true},
		{"start given in another zone", Config{Cases: 3000, Seed: 42, Start: time.Date(2025, 12, 31, 16, 0, 0, 0, time.UTC)}, true},
		{"other seed", Config{Cases: 3000, Seed: 43}, false},
		{"other case count", Config{Cases: 3001, Seed: 42}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, truth := digest(t, tt.cfg)
			if (got == want) != tt.same {
				t.Errorf("digest %s vs %s: same = %v, want %v", got, want, got == want, tt.same)
			}
			if gotJSON, _ := json.Marshal(truth); tt.same && string(gotJSON) != string(wantJSON) {
				t.Errorf("truth differs:\n got %s\nwant %s", gotJSON, wantJSON)
			}
		})
	}
}

func TestTruthKeys(t *testing.T) {
	truth, err := Generate(Config{Cases: 500, Seed: 5}, func(*evaluation.Event) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(truth)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"seed", "cases", "events", "lenient_raters", "harsh_raters", "reciprocal_pairs", "slow_units", "satisfaction"} {
		if v, ok := got[k]; !ok || string(v) == "null" {
			t.Errorf("truth.json lacks %q: %s", k, b)
		}
	}
	var pairs [][]string
	if err := json.Unmarshal(got["reciprocal_pairs"], &pairs); err != nil || len(pairs) == 0 || len(pairs[0]) != 2 {
		t.Errorf("reciprocal_pairs = %s, want [[street, department], …]", got["reciprocal_pairs"])
	}
}

func TestGenerateErrors(t *testing.T) {
	if _, err := Generate(Config{Cases: -1}, func(*evaluation.Event) error { return nil }); fault.KindOf(err) != fault.Invalid {
		t.Errorf("negative cases: got %v, want an invalid error", err)
	}
	stop := errors.New("stop")
	n := 0
	_, err := Generate(Config{Cases: 100}, func(*evaluation.Event) error {
		if n++; n == 50 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 50 {
		t.Errorf("emit error: got %v after %d events, want %v after 50", err, n, stop)
	}
}

// sample generates the year that the tests inspecting events share. Each
// test generates it anew rather than keeping it, so that the memory test
// measures the generator alone.
func sample(t *testing.T) ([]*evaluation.Event, *Truth) {
	t.Helper()
	var evs []*evaluation.Event
	truth, err := Generate(Config{Cases: 20000, Seed: 1}, func(e *evaluation.Event) error {
		evs = append(evs, e)
		return nil
	})
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return evs, truth
}

func TestGenerateEvents(t *testing.T) {
	evs, truth := sample(t)
	reg := District(Config{Seed: 1})
	units := map[string]evaluation.UnitKind{}
	for _, u := range reg.Units {
		units[u.Code] = u.Kind
	}
	cats := map[string]bool{}
	for _, c := range reg.Categories {
		cats[c.Code] = true
	}
	if truth.Events != len(evs) || truth.Cases != 20000 {
		t.Errorf("truth counts %d events of %d cases, emitted %d events", truth.Events, truth.Cases, len(evs))
	}
	ids := map[string]bool{}
	lastSeq := map[string]int{}
	idPattern := regexp.MustCompile(`^E(2026\d{6})-(\d{2})$`)
	opened := map[string]time.Time{}
	street := map[string]string{}
	var prev time.Time
	for i, e := range evs {
		if err := e.Validate(); err != nil {
			t.Fatalf("event %d %s: %v", i, e.ID, err)
		}
		if ids[e.ID] {
			t.Fatalf("event id %s appears twice", e.ID)
		}
		ids[e.ID] = true
		m := idPattern.FindStringSubmatch(e.ID)
		if m == nil || e.Case != "C"+m[1] {
			t.Fatalf("event id %s of case %s: want E<case number>-<seq>", e.ID, e.Case)
		}
		if seq, _ := strconv.Atoi(m[2]); seq != lastSeq[e.Case]+1 {
			t.Fatalf("event %s follows sequence %d of its case", e.ID, lastSeq[e.Case])
		} else {
			lastSeq[e.Case] = seq
		}
		if e.At.Before(prev) {
			t.Fatalf("event %s at %v before the previous one at %v", e.ID, e.At, prev)
		}
		prev = e.At
		if _, off := e.At.Zone(); off != 8*3600 {
			t.Fatalf("event %s at %v: want +08:00", e.ID, e.At)
		}
		if e.At.Before(truth.Start) || !e.At.Before(truth.End) {
			t.Fatalf("event %s at %v outside [%v, %v)", e.ID, e.At, truth.Start, truth.End)
		}
		for _, code := range e.UnitRefs() {
			if _, ok := units[code]; !ok {
				t.Fatalf("event %s names unknown unit %q", e.ID, code)
			}
		}
		switch e.Type {
		case evaluation.Opened:
			if !cats[e.Category] {
				t.Fatalf("event %s names unknown category %q", e.ID, e.Category)
			}
			if units[e.Street] != evaluation.Street || e.Community[:3] != e.Street {
				t.Fatalf("event %s: community %s is not in street %s", e.ID, e.Community, e.Street)
			}
			opened[e.Case] = e.At
			street[e.Case] = e.Street
			continue
		case evaluation.Dispatched:
			if k := units[e.Unit]; k != evaluation.Department && k != evaluation.Enterprise {
				t.Fatalf("event %s dispatches to %s, a %s", e.ID, e.Unit, k)
			}
			if e.By != evaluation.PlatformDispatcher && e.By != street[e.Case] {
				t.Fatalf("event %s: called by %s, not the case's street %s", e.ID, e.By, street[e.Case])
			}
		case evaluation.CallEvaluated, evaluation.ResponseEvaluated:
			if e.Score == nil {
				t.Fatalf("event %s has no score", e.ID)
			}
		}
		if _, ok := opened[e.Case]; !ok {
			t.Fatalf("event %s of case %s comes before the case is opened", e.ID, e.Case)
		}
	}
	if len(opened) != 20000 {
		t.Errorf("got %d opened cases, want 20000", len(opened))
	}
	perCase := float64(len(evs)) / float64(len(opened))
	t.Logf("%d events, %.2f per case; by type %v", len(evs), perCase, truth.EventsByType)
	if perCase < 9 || perCase > 11 {
		t.Errorf("got %.2f events per case, want 9–11", perCase)
	}
	for typ, want := range map[evaluation.EventType]float64{
		evaluation.Rated:     0.70,
		evaluation.Revisited: 0.30,
		evaluation.Reopened:  0.02,
		evaluation.Returned:  0.045,
	} {
		got := float64(truth.EventsByType[string(typ)]) / float64(len(opened))
		if got < want*0.6 || got > want*1.4 {
			t.Errorf("%s: got %.3f per case, want about %.3f", typ, got, want)
		}
	}
	if truth.OpenCases == 0 || truth.OpenCases > 400 {
		t.Errorf("got %d cases open at year end, want a handful", truth.OpenCases)
	}
}

func TestSatisfaction(t *testing.T) {
	evs, truth := sample(t)
	latest := map[string]string{}
	for _, e := range evs {
		if e.Type == evaluation.Rated {
			latest[e.Case] = e.Satisfaction
		}
	}
	ok := 0
	for _, s := range latest {
		if s != "dissatisfied" {
			ok++
		}
	}
	rate := float64(ok) / float64(len(latest))
	t.Logf("satisfaction %.4f over %d rated cases", rate, len(latest))
	if rate < 0.96 || rate > 0.98 {
		t.Errorf("district satisfaction %.4f, want 0.96–0.98", rate)
	}
	if truth.Satisfaction != rate || truth.Rated != len(latest) {
		t.Errorf("truth says %.4f over %d, events say %.4f over %d", truth.Satisfaction, truth.Rated, rate, len(latest))
	}
}

// scores collects the scores each rater gave each target.
func scores(evs []*evaluation.Event) map[[2]string][]int {
	m := map[[2]string][]int{}
	for _, e := range evs {
		if (e.Type == evaluation.CallEvaluated || e.Type == evaluation.ResponseEvaluated) && e.Score != nil {
			k := [2]string{e.Unit, e.Target}
			m[k] = append(m[k], *e.Score)
		}
	}
	return m
}

type mean struct{ sum, n int }

func (m *mean) add(xs ...int) {
	for _, x := range xs {
		m.sum += x
		m.n++
	}
}

func (m mean) value() float64 { return float64(m.sum) / float64(m.n) }

func TestPlantedRaters(t *testing.T) {
	evs, truth := sample(t)
	given := map[string]*mean{}
	for k, xs := range scores(evs) {
		if given[k[0]] == nil {
			given[k[0]] = &mean{}
		}
		given[k[0]].add(xs...)
	}
	var others mean
	for rater, m := range given {
		if !slices.Contains(truth.LenientRaters, rater) && !slices.Contains(truth.HarshRaters, rater) {
			others.sum += m.sum
			others.n += m.n
		}
	}
	t.Logf("unbiased raters: mean %.2f over %d scores", others.value(), others.n)
	tests := []struct {
		name   string
		raters []string
		ok     func(float64) bool
	}{
		{"lenient", truth.LenientRaters, func(m float64) bool { return m >= 4.8 && m > others.value()+0.8 }},
		{"harsh", truth.HarshRaters, func(m float64) bool { return m > 2.7 && m < 3.3 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.raters) == 0 {
				t.Fatal("none planted")
			}
			for _, r := range tt.raters {
				m := given[r]
				if m == nil || m.n < 50 {
					t.Fatalf("%s gave too few scores: %v", r, m)
				}
				t.Logf("%s: mean %.2f over %d scores", r, m.value(), m.n)
				if !tt.ok(m.value()) {
					t.Errorf("%s: mean given %.2f, others %.2f", r, m.value(), others.value())
				}
			}
		})
	}
}

func TestReciprocalPairs(t *testing.T) {
	evs, truth := sample(t)
	if n := len(truth.ReciprocalPairs); n < 2 || n > 3 {
		t.Fatalf("got %d reciprocal pairs, want 2–3", n)
	}
	sc := scores(evs)
	for _, p := range truth.ReciprocalPairs {
		t.Run(p[0]+"/"+p[1], func(t *testing.T) {
			var mutual mean
			mutual.add(sc[[2]string{p[0], p[1]}]...)
			mutual.add(sc[[2]string{p[1], p[0]}]...)
			if mutual.n < 30 {
				t.Fatalf("only %d mutual scores", mutual.n)
			}
			for i, party := range p {
				var toOthers mean
				for k, xs := range sc {
					if k[0] == party && k[1] != p[1-i] {
						toOthers.add(xs...)
					}
				}
				t.Logf("%s: mutual %.2f over %d, toward others %.2f over %d", party, mutual.value(), mutual.n, toOthers.value(), toOthers.n)
				if mutual.value() < toOthers.value()+1 {
					t.Errorf("%s: mutual mean %.2f is not a point above its mean toward others %.2f", party, mutual.value(), toOthers.value())
				}
			}
		})
	}
}

func TestPlantedTimeliness(t *testing.T) {
	evs, truth := sample(t)
	cls := map[string]string{}
	for _, c := range District(Config{Seed: 1}).Categories {
		cls[c.Code] = c.Class
	}
	caseClass := map[string]string{}
	dispatched := map[[2]string]time.Time{}
	type tally struct{ due, late int }
	byUnit := map[string]*tally{}
	for _, e := range evs {
		switch e.Type {
		case evaluation.Opened:
			caseClass[e.Case] = cls[e.Category]
		case evaluation.Dispatched:
			dispatched[[2]string{e.Case, e.Unit}] = e.At
		case evaluation.Responded:
			d, ok := dispatched[[2]string{e.Case, e.Unit}]
			if !ok {
				t.Fatalf("%s: %s responds without a dispatch", e.ID, e.Unit)
			}
			if byUnit[e.Unit] == nil {
				byUnit[e.Unit] = &tally{}
			}
			byUnit[e.Unit].due++
			if e.At.Sub(d) > slaFor(caseClass[e.Case]).respond {
				byUnit[e.Unit].late++
			}
		}
	}
	var others tally
	for u, c := range byUnit {
		if !slices.Contains(truth.SlowUnits, u) {
			others.due += c.due
			others.late += c.late
		}
	}
	base := float64(others.late) / float64(others.due)
	for _, u := range truth.SlowUnits {
		c := byUnit[u]
		if c == nil || c.due < 20 {
			t.Fatalf("slow unit %s has too few cases: %v", u, c)
		}
		rate := float64(c.late) / float64(c.due)
		t.Logf("%s: %.2f of %d responses late; others %.2f", u, rate, c.due, base)
		if rate < base+0.2 {
			t.Errorf("slow unit %s late %.2f, others %.2f", u, rate, base)
		}
	}
}

func TestAddWorkingDays(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, zone)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name, from string
		n          int
		want       string
	}{
		{"weekday", "2026-06-17 16:45", 1, "2026-06-18 16:45"},
		{"over weekend", "2026-06-19 10:00", 1, "2026-06-22 10:00"},
		{"three days", "2026-06-18 09:00", 3, "2026-06-23 09:00"},
		{"from saturday", "2026-06-20 23:00", 1, "2026-06-23 08:30"},
		{"late evening", "2026-06-17 22:00", 3, "2026-06-22 22:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := addWorkingDays(at(tt.from), tt.n); !got.Equal(at(tt.want)) {
				t.Errorf("addWorkingDays(%s, %d) = %v, want %s", tt.from, tt.n, got, tt.want)
			}
		})
	}
}

func TestOpeningRhythm(t *testing.T) {
	evs, _ := sample(t)
	var office, night, weekday, weekend int
	for _, e := range evs {
		if e.Type != evaluation.Opened {
			continue
		}
		if inOffice(e.At) {
			office++
		}
		if h := e.At.Hour(); h < 6 {
			night++
		}
		if isWorkday(e.At) {
			weekday++
		} else {
			weekend++
		}
	}
	t.Logf("office hours %d, 00–06 %d, weekday %d, weekend %d", office, night, weekday, weekend)
	if night == 0 || office < 4*night {
		t.Errorf("office-hour openings %d, night %d: want many more in office hours, some at night", office, night)
	}
	if perWeekday, perWeekend := float64(weekday)/5, float64(weekend)/2; perWeekday < 1.2*perWeekend {
		t.Errorf("openings per weekday %.0f, per weekend day %.0f: want more on weekdays", perWeekday, perWeekend)
	}
}

func TestGenerateMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 200,000 cases")
	}
	const limit = 100 << 20
	runtime.GC() // drop what earlier tests left
	var ms runtime.MemStats
	var peak uint64
	n := 0
	truth, err := Generate(Config{Cases: 200000, Seed: 9}, func(*evaluation.Event) error {
		if n++; n%10000 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d events; peak HeapInuse %.1f MB", truth.Events, float64(peak)/(1<<20))
	if peak > limit {
		t.Errorf("peak HeapInuse %d bytes, want under %d", peak, limit)
	}
}

func BenchmarkGenerate(b *testing.B) {
	events := 0
	for b.Loop() {
		truth, err := Generate(Config{Cases: 10000, Seed: 1}, func(*evaluation.Event) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
		events += truth.Events
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}
