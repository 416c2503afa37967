package store

import (
	"context"
	"time"

	"github.com/goccy/go-json"
	"github.com/uptrace/bun"

	"frontline/evaluation"
	"frontline/scoring"
)

// Monthly scores are kept computed, so that a dashboard reads a unit's
// month in one indexed lookup. Every ingest transaction bumps the version
// of the months whose cases it touched; RefreshScores recomputes the
// months whose computed version is behind.

type scorePeriodRow struct {
	bun.BaseModel   `bun:"table:score_periods,alias:sp"`
	Period          string    `bun:"period,pk"`
	Version         int64     `bun:"version"`
	ComputedVersion int64     `bun:"computed_version"`
	AsOf            time.Time `bun:"asof,nullzero"`
	ComputedAt      time.Time `bun:"computed_at,nullzero"`
	Policy          string    `bun:"policy,nullzero"`
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
	Stale      bool // events arrived since they were computed
}

// RefreshScores recomputes, as of asof, the monthly scores of every month
// whose cases changed since they were last computed, and returns the
// months refreshed.
func (db *DB) RefreshScores(ctx context.Context, asof time.Time) ([]string, error) {
	if err := db.ensureCounts(ctx); err != nil {
		return nil, err
	}
	var stale []scorePeriodRow
	if err := db.bun.NewSelect().Model(&stale).Where("sp.version > sp.computed_version").Order("sp.period").Scan(ctx); err != nil {
		return nil, db.wrap("read score periods", err)
	}
	var done []string
	for _, sp := range stale {
		if err := db.refreshMonth(ctx, sp, asof); err != nil {
			return done, err
		}
		done = append(done, sp.Period)
	}
	return done, nil
}

func (db *DB) refreshMonth(ctx context.Context, sp scorePeriodRow, asof time.Time) error {
	rules, err := db.Rules(ctx)
	if err != nil {
		return err
	}
	loc := rules.Policies.At(asof).Location
	period, err := evaluation.ParsePeriod(sp.Period, loc)
	if err != nil {
		return db.wrap("refresh scores", err)
	}
	policy := rules.Policies.At(period.From)
	report, err := db.Scores(ctx, period.From, period.To, ScoreOptions{AsOf: asof, Scoring: policy.Scoring})
	if err != nil {
		return err
	}
	rows := make([]scoreRow, 0, len(report.Units))
	for _, u := range report.Units {
		body, err := json.Marshal(storeScore(u))
		if err != nil {
			return err
		}
		rows = append(rows, scoreRow{Period: sp.Period, Unit: u.Unit, Body: string(body)})
	}
	err = db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewDelete().Model((*scoreRow)(nil)).Where("period = ?", sp.Period).Exec(ctx); err != nil {
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
			Set("computed_version = ?", sp.Version).Set("asof = ?", asof.UTC()).
			Set("computed_at = ?", db.now().UTC()).Set("policy = ?", policy.Effective.String()).
			Where("period = ?", sp.Period).Exec(ctx)
		return err
	})
	return db.wrap("refresh scores", err)
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
	if err := db.reads.NewSelect().Model(&sp).Where("sp.period = ?", month).Scan(ctx); err != nil {
		return nil, nil, db.wrap("read cached scores", err)
	}
	if sp.ComputedVersion < 0 {
		return nil, nil, evaluation.Errorf(evaluation.KindNotFound, "read cached scores", "scores of %s have not been computed", month)
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
		Stale: sp.Version > sp.ComputedVersion}, out, nil
}
