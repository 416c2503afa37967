package service

import (
	"context"
	"time"

	"frontline/rbac"
	"frontline/store"
	"frontline/view"
)

// Watch is a watch of the board's announcements, ready to run: it sends
// those logged after its starting point, then each as it is logged, until
// ctx ends or send fails; beat is called every so often (every), to keep
// proxies from closing a quiet stream.
type Watch func(ctx context.Context, every time.Duration, send func(view.WarningEvent) error, beat func() error) error

// WatchWarnings checks that the principal may watch the board and returns
// the watch of the announcements it may see (its unit's milestones and its
// street's cases), starting after the announcement after — after the last
// one logged now when after is negative, so that what is logged once
// WatchWarnings returns is never missed.
func (s *Service) WatchWarnings(ctx context.Context, p rbac.Principal, after int64) (Watch, error) {
	if err := p.AuthorizeSome(ctx, rbac.Read, "warnings"); err != nil {
		return nil, err
	}
	if after < 0 {
		var err error
		if after, err = s.DB.LastWarning(ctx); err != nil {
			return nil, err
		}
	}
	return func(ctx context.Context, every time.Duration, send func(view.WarningEvent) error, beat func() error) error {
		return s.watch(ctx, p, after, every, send, beat)
	}, nil
}

// watch runs a watch from after.
func (s *Service) watch(ctx context.Context, p rbac.Principal, after int64, every time.Duration,
	send func(view.WarningEvent) error, beat func() error) error {
	zone, _, err := s.zone(ctx)
	if err != nil {
		return err
	}
	var live <-chan []store.WarningEvent
	var stop func()
	listen := func() {
		if s.Board != nil {
			live, stop = s.Board.Listen()
		}
	}
	listen()
	defer func() {
		if stop != nil {
			stop()
		}
	}()
	deliver := func(events []store.WarningEvent) error {
		for _, e := range events {
			if e.Seq <= after {
				continue
			}
			after = e.Seq
			d := &e.Deadline
			if !p.Sees("warnings", d.Unit) && !p.Sees("warnings", d.Street) {
				continue
			}
			if err := send(warningEventView(&e, zone)); err != nil {
				return err
			}
		}
		return nil
	}
	// What the log holds after the client's last event: read before what
	// the clock passes on, which repeats nothing already sent.
	replay := func() error {
		for {
			events, err := s.DB.WarningEvents(ctx, after, 1000)
			if err != nil || len(events) == 0 {
				return err
			}
			if err := deliver(events); err != nil {
				return err
			}
		}
	}
	if err := replay(); err != nil {
		return err
	}
	poll := time.NewTicker(MaxTick) // without a clock, the log is read this often
	defer poll.Stop()
	heartbeat := time.NewTicker(every)
	defer heartbeat.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case events, ok := <-live:
			if !ok { // fell behind: read the log, listen again
				listen()
				if err := replay(); err != nil {
					return err
				}
				continue
			}
			if err := deliver(events); err != nil {
				return err
			}
		case <-poll.C:
			if live == nil {
				if err := replay(); err != nil {
					return err
				}
			}
		case <-heartbeat.C:
			if err := beat(); err != nil {
				return err
			}
		}
	}
}

// warningEventView is an announcement as the stream and webhooks send it,
// its times in zone.
func warningEventView(e *store.WarningEvent, zone *time.Location) view.WarningEvent {
	d := &e.Deadline
	return view.WarningEvent{Seq: e.Seq, ID: d.ID(), Case: d.Case, Unit: d.Unit, Street: d.Street, Category: d.Category,
		Milestone: string(d.Milestone), Round: d.Round, State: e.State, At: e.At.In(zone), Deadline: d.Due.In(zone),
		NoticedAt: e.NoticedAt.In(zone)}
}
