package synth

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"frontline/evaluation"
)

// Independent random streams drawn from one seed, so that changing how one
// part is generated does not shift another.
const (
	streamDistrict = iota + 1
	streamSchedule
	streamTrail
)

// street is a street or town as the generator sees it.
type street struct {
	code        string
	spec        *streetSpec
	communities []string
}

// traits are the planted behaviours of a unit.
type traits struct {
	slow        bool   // much worse on time limits
	lenient     bool   // rates (almost) everyone 5
	harsh       bool   // rates everyone about 3
	shirking    bool   // returns cases it should keep
	misdirector bool   // a street that often calls the wrong department
	partner     string // the other side of a reciprocal pair
}

// district is the generator's model of the district: the registry plus what
// the trails need to draw from it.
type district struct {
	reg        *evaluation.Registry
	start, end time.Time
	streets    []*street
	streetCum  []float64
	categories []*category
	monthCum   [12][]float64 // cumulative category weights per month
	handlers   []string      // every unit that leads some category, sorted
	traits     map[string]*traits
	truth      Truth
}

// District returns the registry (units, categories, cadres, tenures) of the
// synthetic district for cfg's seed and start.
func District(cfg Config) *evaluation.Registry {
	return newDistrict(cfg.withDefaults()).reg
}

func newDistrict(cfg Config) *district {
	r := rand.New(rand.NewPCG(uint64(cfg.Seed), streamDistrict))
	d := &district{
		reg:    &evaluation.Registry{},
		start:  cfg.Start,
		end:    cfg.Start.AddDate(1, 0, 0),
		traits: map[string]*traits{},
	}
	d.addUnits()
	d.addCategories()
	d.addCadres(r)
	d.plant(r)
	return d
}

func streetCode(i int) string              { return fmt.Sprintf("S%02d", i+1) }
func communityCode(s string, j int) string { return fmt.Sprintf("%sC%02d", s, j+1) }
func departmentCode(i int) string          { return fmt.Sprintf("D%02d", i+1) }
func enterpriseCode(i int) string          { return fmt.Sprintf("E%02d", i+1) }

func (d *district) addUnit(code string, kind evaluation.UnitKind, parent, zh, en string) {
	d.reg.Units = append(d.reg.Units, evaluation.Unit{Code: code, Kind: kind, Parent: parent, Name: evaluation.Name{Zh: zh, En: en}})
}

func (d *district) addUnits() {
	total := 0.0
	for i := range streetSpecs {
		s := &streetSpecs[i]
		st := &street{code: streetCode(i), spec: s}
		d.addUnit(st.code, evaluation.Street, "", s.zh, s.en)
		d.streets = append(d.streets, st)
		total += s.weight
		d.streetCum = append(d.streetCum, total)
	}
	for _, st := range d.streets {
		for j, c := range st.spec.comms {
			code := communityCode(st.code, j)
			d.addUnit(code, evaluation.Community, st.code, c.zh+"社区", c.en+" Community")
			st.communities = append(st.communities, code)
		}
	}
	for i, s := range departmentSpecs {
		d.addUnit(departmentCode(i), evaluation.Department, "", s.zh, s.en)
	}
	for _, s := range oversightSpecs {
		d.addUnit(s.code, evaluation.Department, "", s.zh, s.en)
	}
	for i, s := range enterpriseSpecs {
		d.addUnit(enterpriseCode(i), evaluation.Enterprise, "", s.zh, s.en)
	}
}

func (d *district) addCategories() {
	seen := map[string]bool{}
	for _, s := range categorySpecs {
		c := newCategory(s)
		d.categories = append(d.categories, c)
		d.reg.Categories = append(d.reg.Categories, c.registry())
		for _, h := range s.handlers {
			if !seen[h.unit] {
				seen[h.unit] = true
				d.handlers = append(d.handlers, h.unit)
			}
		}
	}
	slices.Sort(d.handlers)
	for m := range 12 {
		total := 0.0
		for _, c := range d.categories {
			total += c.seasonal(time.Month(m + 1))
			d.monthCum[m] = append(d.monthCum[m], total)
		}
	}
}

// cadreNamer draws distinct Chinese names.
type cadreNamer struct {
	r    *rand.Rand
	seen map[string]bool
}

func (n *cadreNamer) next() string {
	for {
		name := []rune{surnames[n.r.IntN(len(surnames))], givenChars[n.r.IntN(len(givenChars))]}
		if n.r.IntN(10) < 7 {
			name = append(name, givenChars[n.r.IntN(len(givenChars))])
		}
		if s := string(name); !n.seen[s] {
			n.seen[s] = true
			return s
		}
	}
}

func date(t time.Time) evaluation.Date {
	y, m, dd := t.Date()
	return evaluation.Date{Time: time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)}
}

// headChangeShare is the share of led units whose head changes mid-year.
const headChangeShare = 0.15

func (d *district) addCadres(r *rand.Rand) {
	type led struct {
		code, head string
		deputies   []string
	}
	var units []led
	for i, s := range streetSpecs {
		u := led{code: streetCode(i), head: "街道党工委书记", deputies: []string{"街道办事处主任", "街道党工委副书记"}}
		if s.town {
			u.head, u.deputies = "镇党委书记", []string{"镇长", "镇党委副书记"}
		}
		units = append(units, u)
	}
	for i, s := range departmentSpecs {
		u := led{code: departmentCode(i), head: s.head}
		if i < 46 {
			u.deputies = []string{"副" + s.head}
		}
		units = append(units, u)
	}
	for _, s := range oversightSpecs {
		units = append(units, led{code: s.code, head: s.head, deputies: []string{"副" + s.head}})
	}
	for i, s := range enterpriseSpecs {
		units = append(units, led{code: enterpriseCode(i), head: s.head, deputies: []string{"副" + s.head}})
	}

	changes := map[int]bool{}
	for _, i := range r.Perm(len(units))[:int(float64(len(units))*headChangeShare+0.5)] {
		changes[i] = true
	}
	namer := &cadreNamer{r: r, seen: map[string]bool{}}
	add := func(position string) string {
		id := fmt.Sprintf("K%03d", len(d.reg.Cadres)+1)
		d.reg.Cadres = append(d.reg.Cadres, evaluation.Cadre{ID: id, Name: namer.next(), Position: position})
		return id
	}
	since := func() evaluation.Date { return date(d.start.AddDate(0, 0, -30-r.IntN(1800))) }
	for i, u := range units {
		head := add(u.head)
		t := evaluation.Tenure{Cadre: head, Unit: u.code, Role: "head", From: since()}
		if changes[i] {
			change := d.start.AddDate(0, 0, 45+r.IntN(275))
			t.To = date(change)
			d.reg.Tenures = append(d.reg.Tenures, t)
			t = evaluation.Tenure{Cadre: add(u.head), Unit: u.code, Role: "head", From: date(change.AddDate(0, 0, 1))}
		}
		d.reg.Tenures = append(d.reg.Tenures, t)
		for _, p := range u.deputies {
			d.reg.Tenures = append(d.reg.Tenures, evaluation.Tenure{Cadre: add(p), Unit: u.code, Role: "deputy", From: since()})
		}
	}
}

// plant picks the units with planted behaviours. Departments are drawn from
// those that lead the most cases, so that each planted signal rests on
// enough ratings to be found.
func (d *district) plant(r *rand.Rand) {
	share := map[string]float64{}
	for _, c := range d.categories {
		total := c.cum[len(c.cum)-1]
		for _, h := range c.handlers {
			share[h.unit] += c.weight * h.weight / total
		}
	}
	var depts []string
	for _, u := range d.handlers {
		if u[0] == 'D' {
			depts = append(depts, u)
		}
	}
	slices.SortFunc(depts, func(a, b string) int {
		return cmp.Or(cmp.Compare(share[b], share[a]), cmp.Compare(a, b))
	})
	top := slices.Clone(depts[:8])
	r.Shuffle(len(top), func(i, j int) { top[i], top[j] = top[j], top[i] })
	rest := append(slices.Clone(depts[8:20]), top[3:]...)
	r.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
	streets := make([]string, len(d.streets))
	for i, s := range d.streets {
		streets[i] = s.code
	}
	r.Shuffle(len(streets), func(i, j int) { streets[i], streets[j] = streets[j], streets[i] })

	t := &d.truth
	pairs := 2 + r.IntN(2)
	for i := range pairs {
		t.ReciprocalPairs = append(t.ReciprocalPairs, [2]string{streets[i], top[i]})
	}
	streets = streets[pairs:]
	t.LenientRaters = append(t.LenientRaters, streets[0], rest[0], rest[1])
	t.HarshRaters = append(t.HarshRaters, streets[1], rest[2])
	t.SlowUnits = append(t.SlowUnits, rest[3], rest[4], rest[5])
	t.ShirkingUnits = append(t.ShirkingUnits, rest[6], rest[7])
	t.MisdirectingStreets = append(t.MisdirectingStreets, streets[2], streets[3])
	for _, l := range [][]string{t.LenientRaters, t.HarshRaters, t.SlowUnits, t.ShirkingUnits, t.MisdirectingStreets} {
		slices.Sort(l)
	}
	slices.SortFunc(t.ReciprocalPairs, func(a, b [2]string) int { return cmp.Compare(a[0], b[0]) })

	for _, p := range t.ReciprocalPairs {
		d.trait(p[0]).partner = p[1]
		d.trait(p[1]).partner = p[0]
	}
	for _, u := range t.LenientRaters {
		d.trait(u).lenient = true
	}
	for _, u := range t.HarshRaters {
		d.trait(u).harsh = true
	}
	for _, u := range t.SlowUnits {
		d.trait(u).slow = true
	}
	for _, u := range t.ShirkingUnits {
		d.trait(u).shirking = true
	}
	for _, u := range t.MisdirectingStreets {
		d.trait(u).misdirector = true
	}
}

func (d *district) trait(code string) *traits {
	t := d.traits[code]
	if t == nil {
		t = &traits{}
		d.traits[code] = t
	}
	return t
}

var noTraits = &traits{}

// traitsOf returns the planted behaviours of a unit (none for most).
func (d *district) traitsOf(code string) *traits {
	if t := d.traits[code]; t != nil {
		return t
	}
	return noTraits
}

func (d *district) pickStreet(r *rand.Rand) *street {
	return d.streets[pickCum(r, d.streetCum)]
}

func (d *district) pickCategory(r *rand.Rand, m time.Month) *category {
	return d.categories[pickCum(r, d.monthCum[m-1])]
}

// pickWrong draws a department or enterprise that a misdirected call might
// reach instead of c's handlers.
func (d *district) pickWrong(r *rand.Rand, c *category) string {
	for {
		u := d.handlers[r.IntN(len(d.handlers))]
		if !c.handles(u) {
			return u
		}
	}
}
