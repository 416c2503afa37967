package service

import (
	"cmp"
	"container/heap"
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"frontline/evaluation"
	"frontline/store"
)

// The board's clock (DESIGN.md §9): it keeps the open deadlines in memory,
// finds the moments they turn amber or red, and announces each crossing
// once — logged in warning_events, whose ids the stream resumes from.
// Deadlines come from the state derived at ingest: the clock reads the
// cases new events touched (the event log's head says when there are
// any, whoever wrote them) and reads everything again when the rules
// change. What it announced is kept in the database, so that a restart,
// or a second server, announces nothing twice and misses nothing.

// Clock finds and announces the board's crossings.
type Clock struct {
	svc *Service

	mu      sync.Mutex
	rules   *evaluation.Rules           // the rules the entries were lit with
	entries map[string]*clockEntry      // open deadlines, by id
	queue   schedule                    // the entries by when their light may next change
	byCase  map[string][]string         // deadline ids by case
	lights  map[string]evaluation.Light // announced lights, by deadline id
	log     store.LogState              // the event log's state at the last look
	// leaving holds deadlines of touched cases that left the board since
	// the last tick, to tell met from ended.
	leaving map[string]store.BoardDeadline
	seen    int64 // the last warning event passed to listeners
	next    time.Time

	lmu       sync.Mutex
	listeners map[chan []store.WarningEvent]struct{}
	poke      chan struct{}
}

// clockEntry is an open deadline with its thresholds.
type clockEntry struct {
	d         store.BoardDeadline
	id        string
	amberAt   time.Time
	announced evaluation.Light // the light announced for it
	at        time.Time        // when to look at it next: its next threshold
	gone      bool             // read again or left: no longer kept
}

// schedule is a heap of entries by when to look at them next: a tick
// looks at those due only, not at every open deadline.
type schedule []*clockEntry

func (q schedule) Len() int           { return len(q) }
func (q schedule) Less(i, j int) bool { return q[i].at.Before(q[j].at) }
func (q schedule) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *schedule) Push(x any)        { *q = append(*q, x.(*clockEntry)) }
func (q *schedule) Pop() any {
	old := *q
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return e
}

// light returns the entry's light as of now.
func (e *clockEntry) light(now time.Time) evaluation.Light {
	return evaluation.LightAt(now, e.amberAt, e.d.Due)
}

// NewClock returns the board's clock over the service.
func NewClock(svc *Service) *Clock {
	return &Clock{svc: svc, listeners: map[chan []store.WarningEvent]struct{}{}, poke: make(chan struct{}, 1)}
}

// MaxTick is the longest the clock waits between two looks.
const MaxTick = 5 * time.Second

// Run ticks until ctx ends: at the next crossing it knows of, when poked
// (an ingest), and at most MaxTick apart. Errors are logged and retried.
func (c *Clock) Run(ctx context.Context, log *slog.Logger) {
	for {
		if _, err := c.Tick(ctx); err != nil && ctx.Err() == nil {
			log.Warn("warning board", "err", err)
		}
		wait := MaxTick
		c.mu.Lock()
		if !c.next.IsZero() {
			wait = min(wait, max(c.next.Sub(c.svc.Now()), 10*time.Millisecond))
		}
		c.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-c.poke:
			t.Stop()
		case <-t.C:
		}
	}
}

// Poke asks for a tick now (after an ingest).
func (c *Clock) Poke() {
	select {
	case c.poke <- struct{}{}:
	default:
	}
}

// Listen returns a channel that receives every warning event logged from
// now on, in order, and a function that stops it. A listener that falls
// 64 batches behind is dropped (its channel closed): it reads the log.
func (c *Clock) Listen() (<-chan []store.WarningEvent, func()) {
	ch := make(chan []store.WarningEvent, 64)
	c.lmu.Lock()
	c.listeners[ch] = struct{}{}
	c.lmu.Unlock()
	return ch, func() {
		c.lmu.Lock()
		if _, ok := c.listeners[ch]; ok {
			delete(c.listeners, ch)
			close(ch)
		}
		c.lmu.Unlock()
	}
}

func (c *Clock) tell(events []store.WarningEvent) {
	c.lmu.Lock()
	defer c.lmu.Unlock()
	for ch := range c.listeners {
		select {
		case ch <- events:
		default:
			delete(c.listeners, ch)
			close(ch)
		}
	}
}

// Lit returns the open deadlines lit (amber or red) as of now, in no
// order: the clock's, brought up to date with what was stored since its
// last look. Every page's header counts them: no copy of the whole board.
func (c *Clock) Lit(ctx context.Context, now time.Time) ([]litDeadline, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.sync(ctx); err != nil {
		return nil, err
	}
	var out []litDeadline
	for _, e := range c.entries {
		if !e.d.Start.After(now) && e.light(now) != evaluation.Clear {
			out = append(out, litDeadline{e.d, e.amberAt})
		}
	}
	return out, nil
}

// sync brings the clock's deadlines up to date: all read again when the
// rules changed or every case was derived again (a rebuild, which a new
// policy or registry starts), else the cases touched since the last look
// and those whose derived state was not yet updated then or now.
func (c *Clock) sync(ctx context.Context) error {
	rules, err := c.svc.DB.Rules(ctx)
	if err != nil {
		return err
	}
	st, err := c.svc.DB.LogState(ctx)
	if err != nil {
		return err
	}
	if c.entries == nil || rules != c.rules || st.Rebuilds != c.log.Rebuilds {
		return c.load(ctx, rules, st)
	}
	return c.refresh(ctx, st)
}

// Tick brings the clock's deadlines up to date, announces the crossings
// due by now, passes every newly logged warning event (its own and other
// servers') to the listeners, and returns those it logged itself.
func (c *Clock) Tick(ctx context.Context) ([]store.WarningEvent, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.svc.Now()
	if err := c.sync(ctx); err != nil {
		return nil, err
	}
	changes := c.changes(now)
	logged, err := c.svc.DB.Announce(ctx, changes)
	if err != nil {
		// Everything read again next tick, the crossings found again.
		c.entries = nil
		return nil, err
	}
	for _, ch := range changes {
		id := ch.Deadline.ID()
		if light := evaluation.Light(ch.State); light == evaluation.Amber || light == evaluation.Red {
			c.lights[id] = light
		} else {
			delete(c.lights, id)
		}
		if e := c.entries[id]; e != nil {
			e.announced = c.lights[id]
		}
	}
	clear(c.leaving)
	if err := c.pass(ctx); err != nil {
		return logged, err
	}
	return logged, nil
}

// pass gives the listeners the warning events logged since the last pass.
func (c *Clock) pass(ctx context.Context) error {
	for {
		events, err := c.svc.DB.WarningEvents(ctx, c.seen, 1000)
		if err != nil || len(events) == 0 {
			return err
		}
		c.seen = events[len(events)-1].Seq
		c.tell(events)
	}
}

// load reads every open deadline and the announced lights, as of the log
// state st (read before them).
func (c *Clock) load(ctx context.Context, rules *evaluation.Rules, st store.LogState) error {
	board, err := c.svc.DB.BoardDeadlines(ctx, store.BoardFilter{})
	if err != nil {
		return err
	}
	lights, err := c.svc.DB.WarningLights(ctx)
	if err != nil {
		return err
	}
	if c.entries == nil {
		// The listeners hear what is logged from now on.
		if c.seen, err = c.svc.DB.LastWarning(ctx); err != nil {
			return err
		}
	}
	c.rules, c.log, c.lights = rules, st, lights
	for _, e := range c.entries {
		e.gone = true
	}
	c.entries, c.byCase, c.leaving, c.queue = map[string]*clockEntry{}, map[string][]string{}, map[string]store.BoardDeadline{}, nil
	for _, d := range board {
		if d.Open() {
			c.add(d)
		}
	}
	// Lit deadlines no longer open: read their cases to tell met from ended.
	var gone []string
	for id := range lights {
		if c.entries[id] == nil {
			if caseID, _, _, _, ok := evaluation.ParseDeadlineID(id); ok {
				gone = append(gone, caseID)
			}
		}
	}
	return c.readCases(ctx, gone)
}

// refresh reads again the cases with events stored since the last look,
// those whose derived state was not yet updated at the last look (a run's
// waiting cases, derived since without a new event), and those waiting now.
func (c *Clock) refresh(ctx context.Context, st store.LogState) error {
	if st.Head == c.log.Head && len(st.Underived) == 0 && len(c.log.Underived) == 0 {
		return nil
	}
	cases, err := c.svc.DB.CasesSince(ctx, c.log.Head)
	if err != nil {
		return err
	}
	cases = append(append(cases, c.log.Underived...), st.Underived...)
	if err := c.readCases(ctx, cases); err != nil {
		return err
	}
	c.log = st
	return nil
}

// readCases replaces the entries of cases with what is stored now.
func (c *Clock) readCases(ctx context.Context, cases []string) error {
	if len(cases) == 0 {
		return nil
	}
	slices.Sort(cases)
	cases = slices.Compact(cases)
	rows, err := c.svc.DB.BoardDeadlines(ctx, store.BoardFilter{Cases: cases})
	if err != nil {
		return err
	}
	for _, caseID := range cases {
		for _, id := range c.byCase[caseID] {
			if e := c.entries[id]; e != nil {
				e.gone = true
				delete(c.entries, id)
			}
		}
		delete(c.byCase, caseID)
	}
	for _, d := range rows {
		if d.Open() {
			c.add(d)
		} else {
			c.leaving[d.ID()] = d
		}
	}
	// A lit deadline its case no longer has (a round appealed away, a
	// limit a new policy dropped) leaves too: ended.
	lit, err := c.svc.DB.LitDeadlines(ctx, cases)
	if err != nil {
		return err
	}
	for id, l := range lit {
		if _, ok := c.leaving[id]; !ok && c.entries[id] == nil {
			c.leaving[id] = l.Deadline
		}
	}
	return nil
}

// add keeps an open deadline.
func (c *Clock) add(d store.BoardDeadline) {
	e := &clockEntry{d: d, id: d.ID(), amberAt: d.AmberAt(warnShare(c.rules, &d))}
	e.announced = c.lights[e.id]
	c.entries[e.id] = e
	c.byCase[d.Case] = append(c.byCase[d.Case], e.id)
	heap.Push(&c.queue, e) // looked at next tick
}

// changes returns the crossings due by now, by the time they happened,
// and sets when the next one is due. It looks only at the entries whose
// next threshold has come, and at those that left the board.
func (c *Clock) changes(now time.Time) []store.WarningEvent {
	var out []store.WarningEvent
	for len(c.queue) > 0 && !c.queue[0].at.After(now) {
		e := heap.Pop(&c.queue).(*clockEntry)
		if e.gone {
			continue
		}
		if e.d.Start.After(now) {
			e.at = e.d.Start
			heap.Push(&c.queue, e)
			continue
		}
		light := e.light(now)
		switch {
		case light != e.announced && light != evaluation.Clear:
			at := e.amberAt
			if light == evaluation.Red {
				at = e.d.Due
			}
			out = append(out, store.WarningEvent{Deadline: e.d, State: string(light), At: at, NoticedAt: now})
		case light != e.announced:
			// The deadline moved later (a new policy): no longer lit.
			out = append(out, store.WarningEvent{Deadline: e.d, State: "ended", At: now, NoticedAt: now})
		}
		switch light {
		case evaluation.Clear:
			e.at = e.amberAt
		case evaluation.Amber:
			e.at = e.d.Due.Add(time.Nanosecond)
		default:
			continue // red until it leaves
		}
		heap.Push(&c.queue, e)
	}
	c.next = time.Time{}
	if len(c.queue) > 0 {
		c.next = c.queue[0].at
	}
	for id, d := range c.leaving {
		if c.lights[id] == evaluation.Clear || c.entries[id] != nil {
			continue
		}
		state, at := "ended", cmp.Or(d.Stopped, now)
		if !d.Actual.IsZero() {
			state, at = "met", d.Actual
		}
		out = append(out, store.WarningEvent{Deadline: d, State: state, At: at, NoticedAt: now})
	}
	slices.SortFunc(out, func(a, b store.WarningEvent) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return cmp.Compare(a.Deadline.ID(), b.Deadline.ID())
	})
	return out
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}
