package synth

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"frontline/evaluation"
)

// Rates of the simulated behaviours. Most are shares of cases; the on-time
// shares are per milestone.
const (
	platformShare    = 0.15  // dispatched by the platform rather than a street
	callLateShare    = 0.08  // street calls after the 30-minute call limit (by day)
	callLateNight    = 0.20  // the same at night
	misdirectShare   = 0.025 // street calls to a wrong department
	misdirectPlanted = 0.10  // the same for a planted misdirecting street
	misdirectByBrain = 0.015 // platform dispatches to a wrong department
	rulingShare      = 0.5   // misdirected calls whose return gets an explicit ruling
	shirkShare       = 0.006 // returns of a case the department should keep
	shirkPlanted     = 0.08  // the same for a planted shirking department
	assistShare      = 0.12
	doubleAssist     = 0.25 // assisted cases with a second assisting unit
	onTime           = 0.94 // milestones met by an ordinary unit
	onTimeSlow       = 0.55 // milestones met by a planted slow unit
	stuckShare       = 0.001
	ratedShare       = 0.70
	revisitShare     = 0.30
	callEvalShare    = 0.95
	respEvalCalled   = 0.95
	respEvalPlatform = 0.80
	appealShare      = 0.12 // dissatisfied ratings of on-time work appealed by the lead
)

// Return reasons and notes, in Chinese as the platform writes them.
var (
	misdirectNotes = []string{"非本单位职责", "不属于本单位管辖范围", "应由其他部门处置"}
	shirkNotes     = []string{"权属不清", "需其他部门配合", "非本单位职责"}
	reopenNotes    = []string{"群众反映问题仍未解决", "回访发现问题反弹", "处置不彻底"}
	lateNotes      = []string{"处置超时，予以提醒", "多次超时未办结", "响应迟缓，群众反映强烈"}
	shirkFindings  = []string{"无正当理由退单，推诿扯皮", "退单理由不成立"}
	stuckFindings  = []string{"案件长期未办结", "久拖不决"}
	appealReasons  = []string{"群众诉求超出政策范围，评价不客观", "已按时办结，不满意系诉求不合理"}
)

// caseTrail is one case being simulated: what has been decided about it so
// far and the events drawn for it, not yet in order.
type caseTrail struct {
	g      *generator
	d      *district
	r      *rand.Rand
	id     string
	events []*evaluation.Event

	open       time.Time
	cat        *category
	st         *street
	by         string    // the street's code, or the platform
	lead       string    // the unit that finally leads the case
	dispatchAt time.Time // when the lead was dispatched
	bounced    bool      // first sent to a wrong unit, which returned it
	shirked    bool      // the lead returned it and the return was ruled unjustified
	ruledAt    time.Time // when the shirked return was ruled
	respOnTime bool
	resOnTime  bool
	resolved   time.Time
	end        time.Time // when the case was (last) closed
	rating     *evaluation.Event
	appeal     *evaluation.Event
	decision   *evaluation.Event
}

func (c *caseTrail) add(typ evaluation.EventType, at time.Time, unit string) *evaluation.Event {
	e := &evaluation.Event{Case: c.id, Type: typ, At: at, Unit: unit}
	c.events = append(c.events, e)
	return e
}

func (c *caseTrail) called() bool { return c.by != evaluation.PlatformDispatcher }

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

func ptr[T any](v T) *T { return &v }

// later returns t plus d, at least one second later, in whole seconds.
func later(t time.Time, d time.Duration) time.Time {
	return t.Add(max(d, time.Second)).Truncate(time.Second)
}

// between draws a duration uniformly from [lo, hi).
func between(r *rand.Rand, lo, hi time.Duration) time.Duration {
	return lo + time.Duration(r.Int64N(int64(hi-lo)))
}

// expo draws an exponential duration with the given mean.
func expo(r *rand.Rand, mean time.Duration) time.Duration {
	return time.Duration(r.ExpFloat64() * float64(mean))
}

// milestone draws when a milestone due by deadline is met, not before
// notBefore: with probability p on time (skewed towards early), otherwise
// late by an exponential delay with mean lateMean.
func milestone(r *rand.Rand, notBefore, deadline time.Time, p float64, lateMean time.Duration) time.Time {
	if chance(r, p) && deadline.After(notBefore) {
		span := deadline.Sub(notBefore)
		f := 0.1 + 0.9*math.Pow(r.Float64(), 1.4)
		return later(notBefore, time.Duration(f*float64(span)))
	}
	return later(deadline, time.Second+expo(r, lateMean))
}

func (g *generator) onTimeShare(unit string) float64 {
	if g.d.traitsOf(unit).slow {
		return onTimeSlow
	}
	return onTime
}

// caseOutcome is what the trail of one case contributes to the truth.
type caseOutcome struct {
	rated, satisfied, open bool
}

// simulate draws the whole trail of case num (from 1) opened at open. The
// events come back in the order they are to be emitted, with their ids,
// and without those falling after the simulated year.
func (g *generator) simulate(num int, open time.Time) ([]*evaluation.Event, caseOutcome) {
	c := &caseTrail{g: g, d: g.d, r: g.r, id: caseID(g.d.start.Year(), num), open: open}
	c.opened()
	c.call()
	if c.handle() {
		c.feedback()
		c.evaluate()
		c.appealRating()
	}
	return g.finish(c)
}

// call dispatches the case: the street calls a department in (or the
// platform dispatches it), sometimes first to a wrong one that returns it,
// and sometimes to the right one that returns it without cause.
func (c *caseTrail) call() {
	d, r, sl := c.d, c.r, c.cat.sla
	c.by = c.st.code
	misdirectP := misdirectShare
	if d.traitsOf(c.st.code).misdirector {
		misdirectP = misdirectPlanted
	}
	callLate := callLateShare
	if h := c.open.Hour(); h >= 22 || h < 7 {
		callLate = callLateNight
	}
	callAt := later(c.open, between(r, 90*time.Second, 28*time.Minute))
	if chance(r, callLate) {
		callAt = later(c.open, 30*time.Minute+time.Second+expo(r, 40*time.Minute))
	}
	if chance(r, platformShare) {
		c.by = evaluation.PlatformDispatcher
		misdirectP = misdirectByBrain
		callAt = later(c.open, between(r, 30*time.Second, 8*time.Minute))
	}
	c.lead = c.cat.pickHandler(r)
	c.dispatchAt = callAt

	if chance(r, misdirectP) {
		c.bounced = true
		wrong := d.pickWrong(r, c.cat)
		c.dispatch(callAt, wrong, "lead")
		ret := milestone(r, callAt, callAt.Add(sl.respond), c.g.onTimeShare(wrong), sl.respond)
		e := c.add(evaluation.Returned, ret, wrong)
		e.Reason = pick(r, []string{"misdirected", "misdirected", "not_jurisdiction"})
		e.Note = pick(r, misdirectNotes)
		if c.called() && chance(r, callEvalShare) {
			e := c.add(evaluation.CallEvaluated, officeAfter(r, later(ret, between(r, time.Minute, 30*time.Minute))), wrong)
			e.Target, e.Accurate, e.Score = c.st.code, ptr(false), ptr(d.score(r, wrong, c.st.code, workBad))
		}
		next := ret
		if chance(r, rulingShare) {
			next = later(ret, between(r, 10*time.Minute, 4*time.Hour))
			e := c.add(evaluation.ReturnRuled, next, OrgDepartment)
			e.Target, e.Upheld = wrong, ptr(true)
		}
		c.dispatchAt = later(next, between(r, 3*time.Minute, 40*time.Minute))
		c.dispatch(c.dispatchAt, c.lead, "lead")
		return
	}

	c.dispatch(callAt, c.lead, "lead")
	shirkP := shirkShare
	if d.traitsOf(c.lead).shirking {
		shirkP = shirkPlanted
	}
	if chance(r, shirkP) {
		c.shirked = true
		ret := later(callAt, between(r, sl.respond/5, sl.respond))
		e := c.add(evaluation.Returned, ret, c.lead)
		e.Reason = pick(r, []string{"not_jurisdiction", "other"})
		e.Note = pick(r, shirkNotes)
		c.ruledAt = later(ret, between(r, 20*time.Minute, 3*time.Hour))
		e = c.add(evaluation.ReturnRuled, c.ruledAt, OrgDepartment)
		e.Target, e.Upheld = c.lead, ptr(false)
		if chance(r, 0.4) {
			c.finding(later(c.ruledAt, between(r, 24*time.Hour, 10*24*time.Hour)), c.lead, pick(r, []string{"notice", "warning"}), pick(r, shirkFindings))
		}
	}
}

// handle draws the lead's milestones and any assisting units', and closes
// the case. It reports false for a case that is never resolved.
func (c *caseTrail) handle() bool {
	d, r, sl, lead := c.d, c.r, c.cat.sla, c.lead
	// An unjustified return was the lead's response; it works on only once
	// the return has been ruled.
	p := c.g.onTimeShare(lead)
	last := c.dispatchAt
	c.respOnTime = true
	if c.shirked {
		last = c.ruledAt
	} else {
		due := c.dispatchAt.Add(sl.respond)
		resp := milestone(r, c.dispatchAt, due, p, sl.respond)
		c.add(evaluation.Responded, resp, lead)
		c.respOnTime = !resp.After(due)
		last = resp
	}
	if sl.report > 0 {
		rep := milestone(r, last, c.dispatchAt.Add(sl.report), p, sl.report)
		c.add(evaluation.Reported, rep, lead)
		last = rep
	}
	if chance(r, assistShare) {
		c.assist()
	}
	if chance(r, stuckShare) {
		c.finding(later(c.dispatchAt, between(r, 20*24*time.Hour, 40*24*time.Hour)), lead, "serious", pick(r, stuckFindings))
		return false
	}

	deadline := sl.disposeBy(c.dispatchAt)
	lateMean := 30 * time.Hour
	switch c.cat.class {
	case "A":
		lateMean = 3 * time.Hour
	case "B":
		lateMean = 10 * time.Hour
	}
	if c.shirked {
		p = 0.7
	}
	draw := func() time.Time { return milestone(r, last, deadline, p, lateMean) }
	if c.cat.class == "A" {
		c.resolved = draw()
	} else {
		c.resolved = daytime(draw)
	}
	c.add(evaluation.Resolved, c.resolved, lead)
	c.resOnTime = !c.resolved.After(deadline)
	c.end = later(c.resolved, 5*time.Minute+expo(r, time.Hour))
	c.add(evaluation.Closed, c.end, "")

	if overdue := c.resolved.Sub(deadline); overdue > 0 {
		at := later(c.resolved, between(r, 24*time.Hour, 14*24*time.Hour))
		switch {
		case d.traitsOf(lead).slow && overdue > 12*time.Hour && chance(r, 0.25):
			sev := "notice"
			if overdue > 3*24*time.Hour {
				sev = pick(r, []string{"warning", "warning", "serious"})
			}
			c.finding(at, lead, sev, pick(r, lateNotes))
		case chance(r, 0.01):
			c.finding(at, lead, "notice", pick(r, lateNotes))
		}
	}
	return true
}

// feedback draws the resident's rating and the grid's return visit; either
// may show that the problem is not really solved, and then the case is
// reopened, resolved again and perhaps rated again.
func (c *caseTrail) feedback() {
	r := c.r
	var reopenAt time.Time
	if chance(r, ratedShare) {
		c.rating = c.add(evaluation.Rated, awakeAfter(r, later(c.end, 10*time.Minute+expo(r, 8*time.Hour))), "")
		c.rating.Satisfaction = satisfaction(r, c.resOnTime, c.respOnTime, c.bounced || c.shirked)
		solved := c.rating.Satisfaction != "dissatisfied" || chance(r, 0.3)
		if chance(r, 0.9) {
			c.rating.Solved = ptr(solved)
		}
		if !solved && chance(r, 0.8) {
			reopenAt = awakeAfter(r, later(c.rating.At, between(r, 10*time.Minute, 24*time.Hour)))
		}
	}
	if chance(r, revisitShare) {
		inPlaceP := 0.96
		if !c.resOnTime {
			inPlaceP = 0.9
		}
		e := c.add(evaluation.Revisited, officeAfter(r, later(c.end, between(r, time.Hour, 72*time.Hour))), c.st.code)
		e.Actor = gridHandle(r, c.st)
		e.InPlace = ptr(chance(r, inPlaceP))
		if !*e.InPlace && reopenAt.IsZero() && chance(r, 0.7) {
			reopenAt = awakeAfter(r, later(e.At, between(r, 10*time.Minute, 12*time.Hour)))
		}
	}
	if reopenAt.IsZero() {
		return
	}
	e := c.add(evaluation.Reopened, reopenAt, "")
	e.Reason = pick(r, reopenNotes)
	again := daytime(func() time.Time { return later(reopenAt, between(r, time.Hour, 36*time.Hour)) })
	c.add(evaluation.Resolved, again, c.lead)
	c.end = later(again, 5*time.Minute+expo(r, time.Hour))
	c.add(evaluation.Closed, c.end, "")
	if c.rating == nil || !chance(r, 0.85) {
		return
	}
	c.rating = c.add(evaluation.Rated, awakeAfter(r, later(c.end, 10*time.Minute+expo(r, 8*time.Hour))), "")
	switch u := r.Float64(); {
	case u < 0.2:
		c.rating.Satisfaction = "dissatisfied"
	case u < 0.55:
		c.rating.Satisfaction = "basically_satisfied"
	default:
		c.rating.Satisfaction = "satisfied"
	}
	c.rating.Solved = ptr(c.rating.Satisfaction != "dissatisfied")
}

// evaluate draws the two-way evaluations of the lead: the department rates
// the street's call, the street rates the department's response.
func (c *caseTrail) evaluate() {
	d, r := c.d, c.r
	if c.called() && chance(r, callEvalShare) {
		w := workGood
		if c.dispatchAt.Sub(c.open) > 30*time.Minute {
			w = workLate
		}
		e := c.add(evaluation.CallEvaluated, officeAfter(r, later(c.resolved, between(r, 10*time.Minute, 24*time.Hour))), c.lead)
		e.Target, e.Accurate = c.st.code, ptr(chance(r, 0.995))
		e.Score = ptr(d.score(r, c.lead, c.st.code, w))
	}
	share := respEvalPlatform
	if c.called() {
		share = respEvalCalled
	}
	if chance(r, share) {
		w := workGood
		if !c.respOnTime || !c.resOnTime || c.shirked {
			w = workLate
		}
		e := c.add(evaluation.ResponseEvaluated, officeAfter(r, later(c.end, between(r, 30*time.Minute, 48*time.Hour))), c.st.code)
		e.Target, e.Score = c.lead, ptr(d.score(r, c.st.code, c.lead, w))
	}
}

// appealRating has the lead appeal some dissatisfied ratings of work done
// on time; the organization department decides. The appeal's target, the
// rating's event id, is filled in by finish.
func (c *caseTrail) appealRating() {
	r := c.r
	if c.rating == nil || c.rating.Satisfaction != "dissatisfied" || !c.resOnTime || !chance(r, appealShare) {
		return
	}
	c.appeal = c.add(evaluation.Appealed, officeAfter(r, later(c.rating.At, between(r, time.Hour, 72*time.Hour))), c.lead)
	c.appeal.Reason = pick(r, appealReasons)
	c.decision = c.add(evaluation.AppealDecided, officeAfter(r, later(c.appeal.At, between(r, 24*time.Hour, 7*24*time.Hour))), OrgDepartment)
	c.decision.Upheld = ptr(chance(r, 0.4))
}

// opened draws what the case is about and where, and adds its opening.
func (c *caseTrail) opened() {
	r := c.r
	c.cat = c.d.pickCategory(r, c.open.Month())
	c.st = c.d.pickStreet(r)
	cat, st := c.cat, c.st
	ci := r.IntN(len(st.communities))
	e := c.add(evaluation.Opened, c.open, "")
	e.Category, e.Street, e.Community = cat.code, st.code, st.communities[ci]
	e.Source = pickSource(r, cat)
	e.Urgency = cat.urgency
	switch u := r.Float64(); {
	case u < 0.01:
		e.Urgency = "critical"
	case u < 0.08 && e.Urgency == "normal":
		e.Urgency = "urgent"
	}
	switch e.Source {
	case "resident", "hotline", "other":
		e.Reporter = "R" + pad(r.IntN(1_000_000), 6)
		e.AccessCode = pad(r.IntN(1_000_000), 6)
	case "grid", "patrol":
		e.Actor = gridHandle(r, st)
	}
	e.Lat = ptr(round6(st.spec.lat + r.NormFloat64()*0.004))
	e.Lon = ptr(round6(st.spec.lon + r.NormFloat64()*0.004))
	e.Address = st.spec.zh + st.spec.comms[ci].zh + "社区" + pick(r, st.spec.roads) + strconv.Itoa(1+r.IntN(300)) + "号"
	e.Title = pick(r, cat.titles)
}

func (c *caseTrail) dispatch(at time.Time, unit, role string) {
	e := c.add(evaluation.Dispatched, at, unit)
	e.By, e.Role = c.by, role
}

// finding adds a supervision finding by the discipline commission, made in
// office hours from about at.
func (c *caseTrail) finding(at time.Time, target, severity, note string) {
	e := c.add(evaluation.Supervised, officeAfter(c.r, at), DisciplineCommission)
	e.Target, e.Severity, e.Note = target, severity, note
}

// assistPool holds the units asked to assist when a category has too few
// other handlers.
var assistPool = []string{"D01", "D15", "D07", "D77"}

// assist dispatches one or two assisting units, which respond and may be
// rated, but are judged on nothing else.
func (c *caseTrail) assist() {
	r, g, cat, st, lead := c.r, c.g, c.cat, c.st, c.lead
	var others []string
	for _, h := range cat.handlers {
		if h.unit != lead {
			others = append(others, h.unit)
		}
	}
	for _, u := range assistPool {
		if len(others) >= 2 {
			break
		}
		if u != lead && !slices.Contains(others, u) {
			others = append(others, u)
		}
	}
	r.Shuffle(len(others), func(i, j int) { others[i], others[j] = others[j], others[i] })
	n := 1
	if chance(r, doubleAssist) {
		n = 2
	}
	for _, unit := range others[:n] {
		at := later(c.dispatchAt, between(r, 0, 5*time.Minute))
		c.dispatch(at, unit, "assist")
		due := at.Add(cat.sla.respond)
		resp := milestone(r, at, due, g.onTimeShare(unit), cat.sla.respond)
		c.add(evaluation.Responded, resp, unit)
		if chance(r, 0.6) {
			w := workGood
			if resp.After(due) {
				w = workLate
			}
			e := c.add(evaluation.ResponseEvaluated, officeAfter(r, later(resp, between(r, time.Hour, 48*time.Hour))), st.code)
			e.Target, e.Score = unit, ptr(g.d.score(r, st.code, unit, w))
		}
		if c.called() && chance(r, 0.6) {
			e := c.add(evaluation.CallEvaluated, officeAfter(r, later(resp, between(r, 10*time.Minute, 24*time.Hour))), unit)
			e.Target, e.Accurate = st.code, ptr(chance(r, 0.98))
			e.Score = ptr(g.d.score(r, unit, st.code, workGood))
		}
	}
}

// finish orders the trail, gives its events their ids, points an appeal at
// the rating it contests, drops what falls after the simulated year and
// reports the case's outcome.
func (g *generator) finish(c *caseTrail) ([]*evaluation.Event, caseOutcome) {
	slices.SortStableFunc(c.events, func(a, b *evaluation.Event) int { return a.At.Compare(b.At) })
	for i, e := range c.events {
		e.ID = eventID(c.id, i+1)
	}
	if c.appeal != nil {
		c.appeal.Target, c.decision.Target = c.rating.ID, c.appeal.ID
	}
	n := len(c.events)
	for n > 0 && !c.events[n-1].At.Before(g.d.end) {
		n--
	}
	evs := c.events[:n]
	out := caseOutcome{open: true}
	for _, e := range evs {
		switch e.Type {
		case evaluation.Rated:
			out.rated = true
			out.satisfied = e.Satisfaction != "dissatisfied"
		case evaluation.Closed:
			out.open = false
		case evaluation.Reopened:
			out.open = true
		}
	}
	return evs, out
}

// satisfaction draws a resident's first rating: timely work rarely
// disappoints, late or bounced work more often does.
func satisfaction(r *rand.Rand, resOnTime, respOnTime, bounced bool) string {
	pDis, pBasic := 0.03, 0.10
	if !resOnTime {
		pDis, pBasic = 0.12, 0.30
	}
	if !respOnTime {
		pDis += 0.01
	}
	if bounced {
		pDis += 0.02
	}
	switch u := r.Float64(); {
	case u < pDis:
		return "dissatisfied"
	case u < pDis+pBasic:
		return "basically_satisfied"
	}
	return "satisfied"
}

// sourceShares are the cumulative shares of resident, grid, hotline,
// patrol, sensor and other reports.
var sourceShares = []float64{0.40, 0.65, 0.85, 0.93, 0.97, 1}

func pickSource(r *rand.Rand, cat *category) string {
	s := evaluation.Sources[pickCum(r, sourceShares)]
	if s == "sensor" && !cat.sensor {
		s = "grid"
	}
	return s
}

func gridHandle(r *rand.Rand, st *street) string {
	return "G" + st.code + pad(1+r.IntN(40), 2)
}

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

// pad writes n in decimal with at least width digits.
func pad(n, width int) string {
	s := strconv.Itoa(n)
	for len(s) < width {
		s = "0" + s
	}
	return s
}

// caseID names case num of the year, like C2026000001.
func caseID(year, num int) string { return "C" + strconv.Itoa(year) + pad(num, 6) }

// eventID names event seq (from 1) of a case, like E2026000001-01.
func eventID(caseID string, seq int) string { return "E" + caseID[1:] + "-" + pad(seq, 2) }
