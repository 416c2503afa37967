package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/goccy/go-json"
	"github.com/uptrace/bun"

	"frontline/evaluation"
	"frontline/fault"
	"frontline/scoring"
)

// Monthly scores are kept computed, so that a dashboard reads a unit's
// month in one indexed lookup. Every ingest transaction bumps the version
// of the months whose cases it touched; the service's refresh recomputes
// the months whose computed version is behind (StaleMonths) and keeps
// them (KeepScores).

type scorePeriodRow struct {
	bun.BaseModel   `bun:"table:score_periods,alias:sp"`
	Period          string    `bun:"period,pk"`
	Version         int64     `bun:"version"`
	ComputedVersion int64     `bun:"computed_version"`
	AsOf            time.Time `bun:"asof,nullzero"`
	ComputedAt      time.Time `bun:"computed_at,nullzero"`
	Policy          string    `bun:"policy,nullzero"`
	Horizon         time.Time `bun:"horizon,nullzero"`
}

type scoreRow struct {
	bun.BaseModel `bun:"table:scores,alias:s"`
	Period        string `bun:"period,pk"`
	Unit          string `bun:"unit,pk"`
	Body          string `bun:"body"`
}

// storedScore is the stored form of a unit's score.
type storedScore struct {
	Unit        string                  `json:"unit"`
	Kind        evaluation.UnitKind     `json:"kind"`
	Name        evaluation.Name         `json:"name"`
	Cases       int                     `json:"cases"`
	Metrics     map[string]storedMetric `json:"metrics"`
	Penalties   []scoring.Penalty       `json:"penalties,omitempty"`
	Score       *float64                `json:"score"`
	Pessimistic float64                 `json:"pessimistic"`
	Eligible    bool                    `json:"eligible"`
	Rank        int                     `json:"rank,omitempty"`
}

type storedMetric struct {
	Num  float64 `json:"n"`
	Den  float64 `json:"d"`
	Rate bool    `json:"r,omitempty"`
}

func storeScore(u *scoring.UnitScore) storedScore {
	s := storedScore{Unit: u.Unit, Kind: u.Kind, Name: u.Name, Cases: u.Cases, Metrics: map[string]storedMetric{},
		Penalties: u.Penalties, Score: u.Score, Pessimistic: u.Pessimistic, Eligible: u.Eligible, Rank: u.Rank}
	for name, m := range u.Metrics {
		s.Metrics[name] = storedMetric{Num: m.Num, Den: m.Den, Rate: m.Rate}
	}
	return s
}

func (s *storedScore) unitScore() *scoring.UnitScore {
	u := &scoring.UnitScore{Unit: s.Unit, Kind: s.Kind, Name: s.Name, Cases: s.Cases, Metrics: map[string]*scoring.Metric{},
		Penalties: s.Penalties, Score: s.Score, Pessimistic: s.Pessimistic, Eligible: s.Eligible, Rank: s.Rank}
	for name, m := range s.Metrics {
		u.Metrics[name] = &scoring.Metric{Num: m.Num, Den: m.Den, Rate: m.Rate}
	}
	return u
}

// CachedPeriod says what a month's cached scores are.
type CachedPeriod struct {
	Period     string
	AsOf       time.Time
	ComputedAt time.Time
	Policy     string
	Stale      bool      // events arrived since they were computed
	Horizon    time.Time // the latest stored event's time when they were computed
}

// KeptMonth is a month of kept scores and the version its cases are at.
type KeptMonth struct {
	Period  string
	Version int64
}

// StaleMonths returns the months whose cases changed since their scores
// were last kept, oldest first. It first counts every case afresh when
// the kept counts are not valid (a database whose cases were stored
// before counts were kept).
func (db *DB) StaleMonths(ctx context.Context) ([]KeptMonth, error) {
	if err := db.ensureCounts(ctx); err != nil {
		return nil, err
	}
	var stale []scorePeriodRow
	if err := db.bun.NewSelect().Model(&stale).Where("sp.version > sp.computed_version").Order("sp.period").Scan(ctx); err != nil {
		return nil, db.wrap("read score periods", err)
	}
	out := make([]KeptMonth, len(stale))
	for i, sp := range stale {
		out[i] = KeptMonth{Period: sp.Period, Version: sp.Version}
	}
	return out, nil
}

// CountHorizon returns the time of the latest stored event, as the kept
// counts know it.
func (db *DB) CountHorizon(ctx context.Context) (time.Time, error) {
	var horizon timeCol
	if err := db.sql.QueryRowContext(ctx, "SELECT "+db.ts("horizon")+" FROM count_state").Scan(&horizon); err != nil {
		return time.Time{}, db.wrap("read count state", err)
	}
	return horizon.t, nil
}

// KeepScores keeps a month's scores, computed as of asof under the policy
// of the given effective date from its cases at version m.Version, when
// the latest stored event was at horizon. Keeps of one month, in this
// process or another, take turns, and one that finds a result at least
// as new kept meanwhile leaves it.
func (db *DB) KeepScores(ctx context.Context, m KeptMonth, asof, horizon time.Time, policy string, units []*scoring.UnitScore) error {
	rows := make([]scoreRow, 0, len(units))
	for _, u := range units {
		body, err := json.Marshal(storeScore(u))
		if err != nil {
			return err
		}
		rows = append(rows, scoreRow{Period: m.Period, Unit: u.Unit, Body: string(body)})
	}
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// The month's row is locked (SQLite's one writer already is).
		// Without the lock two refreshes on PostgreSQL could both delete
		// the old rows and both insert new ones.
		lock := "SELECT computed_version FROM score_periods WHERE period = ?"
		if db.engine == Postgres {
			lock += " FOR UPDATE"
		}
		var computed int64
		if err := tx.QueryRowContext(ctx, lock, m.Period).Scan(&computed); err != nil {
			return err
		}
		if computed >= m.Version {
			return nil
		}
		if _, err := tx.NewDelete().Model((*scoreRow)(nil)).Where("period = ?", m.Period).Exec(ctx); err != nil {
			return err
		}
		if len(rows) > 0 {
			if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
				return err
			}
		}
		// Record the version read before computing: events that arrived
		// meanwhile leave the month stale for the next refresh.
		_, err := tx.NewUpdate().Model((*scorePeriodRow)(nil)).
			Set("computed_version = ?", m.Version).Set("asof = ?", asof.UTC()).
			Set("computed_at = ?", db.now().UTC()).Set("policy = ?", policy).Set("horizon = ?", nullTime(horizon)).
			Where("period = ?", m.Period).Exec(ctx)
		return err
	})
	return db.wrap("refresh scores", err)
}

// MarkMonthStale marks one kept month stale: its next deadline has fallen
// due since it was kept, so that a refresh keeps it again as of now.
func (db *DB) MarkMonthStale(ctx context.Context, month string) error {
	_, err := db.bun.NewUpdate().Model((*scorePeriodRow)(nil)).Set("version = version + 1").
		Where("period = ?", month).Where("version = computed_version").Exec(ctx)
	return db.wrap("mark scores stale", err)
}

// MarkScoresStale marks every kept month stale: after changes that no
// event records (unit names and kinds), or to judge pending deadlines
// again as time passes.
func (db *DB) MarkScoresStale(ctx context.Context) error {
	_, err := db.bun.NewUpdate().Model((*scorePeriodRow)(nil)).Set("version = version + 1").Where("TRUE").Exec(ctx)
	return db.wrap("mark scores stale", err)
}

// CachedScores returns a month's cached scores, all units or one, and
// what they are; KindNotFound when the month was never computed.
func (db *DB) CachedScores(ctx context.Context, month, unit string) (*CachedPeriod, []*scoring.UnitScore, error) {
	var sp scorePeriodRow
	if err := db.reads.NewSelect().Model(&sp).Where("sp.period = ?", month).Scan(ctx); errors.Is(err, sql.ErrNoRows) {
		return nil, nil, fault.Sayf(fault.NotFound, "read cached scores", "%s 没有事件", "no events in %s", month)
	} else if err != nil {
		return nil, nil, db.wrap("read cached scores", err)
	}
	if sp.ComputedVersion < 0 {
		return nil, nil, fault.Sayf(fault.NotFound, "read cached scores", "%s 的得分尚未计算", "scores of %s have not been computed", month)
	}
	var rows []scoreRow
	q := db.reads.NewSelect().Model(&rows).Where("s.period = ?", month)
	if unit != "" {
		q = q.Where("s.unit = ?", unit)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, nil, db.wrap("read cached scores", err)
	}
	out := make([]*scoring.UnitScore, 0, len(rows))
	for _, r := range rows {
		var s storedScore
		if err := json.Unmarshal([]byte(r.Body), &s); err != nil {
			return nil, nil, db.wrap("read cached scores", err)
		}
		out = append(out, s.unitScore())
	}
	scoring.SortUnits(out)
	return &CachedPeriod{Period: sp.Period, AsOf: utc(sp.AsOf), ComputedAt: utc(sp.ComputedAt), Policy: sp.Policy,
		Stale: sp.Version > sp.ComputedVersion, Horizon: utc(sp.Horizon)}, out, nil
}

// KeptScores returns a month's kept scores when they are its scores as
// of asof, and ok false when they may not be: the month is not kept or
// is stale, it was kept as of a later time, or one of its cases has a
// deadline that fell due between the time it was kept and asof (a
// deadline not yet due then may be breached now). Past months, whose
// deadlines are all settled, are read from the kept rows at any later
// time; the current month until its next deadline falls due. Kept as of
// a time before some of the events then stored (refresh --asof), they
// stand for that time only. A month's decoded scores, and when its next
// deadline falls due, are held in memory until it is kept again, so a
// read costs one lookup of the month's state.
func (db *DB) KeptScores(ctx context.Context, month string, from, to, asof time.Time) (report *scoring.Report, ok bool, err error) {
	st, err := db.prepared(ctx, "SELECT version, computed_version, "+db.ts("asof")+", "+db.ts("computed_at")+", "+db.ts("horizon")+
		" FROM score_periods WHERE period = $1")
	if err != nil {
		return nil, false, db.wrap("read kept scores", err)
	}
	sp := scorePeriodRow{Period: month}
	var at, computed, horizon timeCol
	if err := st.QueryRowContext(ctx, month).Scan(&sp.Version, &sp.ComputedVersion, &at, &computed, &horizon); errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	} else if err != nil {
		return nil, false, db.wrap("read kept scores", err)
	}
	sp.AsOf, sp.ComputedAt, sp.Horizon = at.t, computed.t, horizon.t
	if sp.ComputedVersion < 0 || sp.Version > sp.ComputedVersion || sp.AsOf.After(asof) || sp.Horizon.IsZero() || sp.AsOf.Before(sp.Horizon) {
		return nil, false, nil
	}
	e, err := db.kept.get(sp, func() (keptEntry, error) {
		_, units, err := db.CachedScores(ctx, month, "")
		if err != nil {
			return keptEntry{}, err
		}
		next, err := db.nextDue(ctx, sp.AsOf, from, to)
		if err != nil {
			return keptEntry{}, err
		}
		return keptEntry{units: units, until: next}, nil
	})
	if err != nil || (!e.until.IsZero() && e.until.Before(asof)) {
		return nil, false, err
	}
	return &scoring.Report{AsOf: asof, Units: slices.Clone(e.units)}, true, nil
}

// nextDue is the earliest due time after t of any deadline of the cases
// opened in [from, to) — the street's call, a first round of respond,
// report or dispose, a later disposal round — whether met or not; zero
// when none is due after t: until then, nothing of the month can change
// but by an event. A deadline is judged at its due time itself as not
// yet missed, so the month's scores as of t hold through that instant.
func (db *DB) nextDue(ctx context.Context, t, from, to time.Time) (time.Time, error) {
	opened := "c.opened_at >= ? AND c.opened_at < ?"
	parts := []string{"SELECT MIN(c.call_due) AS due FROM cases AS c WHERE c.call_due > ? AND " + opened}
	for _, col := range []string{"respond_due", "report_due", "dispose_due"} {
		parts = append(parts, "SELECT MIN(a."+col+") FROM assignments AS a JOIN cases AS c ON c.id = a.case_id WHERE a."+col+" > ? AND "+opened)
	}
	parts = append(parts, "SELECT MIN(r.due_at) FROM redispose_deadlines AS r JOIN cases AS c ON c.id = r.case_id WHERE r.due_at > ? AND "+opened)
	var args []any
	for range parts {
		args = append(args, t.UTC(), from.UTC(), to.UTC())
	}
	var next timeCol
	err := db.reads.QueryRowContext(ctx, "SELECT "+db.ts("MIN(due)")+" FROM ("+strings.Join(parts, " UNION ALL ")+") AS d", args...).Scan(&next)
	if err != nil {
		return time.Time{}, db.wrap("read the next deadline", err)
	}
	return next.t, nil
}

// keptCache holds the decoded kept scores of the months read lately,
// each under the state it was kept in.
type keptCache struct {
	mu     sync.Mutex
	months map[string]keptEntry
}

type keptEntry struct {
	version  int64
	computed time.Time
	units    []*scoring.UnitScore // shared: read, never changed
	until    time.Time            // the month's next deadline after it was kept: the scores hold through it; zero for ever
}

// get returns the entry of sp's month as kept now, loading it when the
// month was kept again since.
func (c *keptCache) get(sp scorePeriodRow, load func() (keptEntry, error)) (keptEntry, error) {
	c.mu.Lock()
	e, ok := c.months[sp.Period]
	c.mu.Unlock()
	if ok && e.version == sp.ComputedVersion && e.computed.Equal(sp.ComputedAt) {
		return e, nil
	}
	e, err := load()
	if err != nil {
		return e, err
	}
	e.version, e.computed = sp.ComputedVersion, sp.ComputedAt
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.months == nil || len(c.months) >= 240 {
		c.months = map[string]keptEntry{}
	}
	c.months[sp.Period] = e
	return e, nil
}
