package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"frontline/evaluation"
)

type policyRow struct {
	bun.BaseModel `bun:"table:policies"`
	Effective     string    `bun:"effective,pk"`
	Source        string    `bun:"source"`
	LoadedAt      time.Time `bun:"loaded_at"`
}

type policyHistoryRow struct {
	bun.BaseModel `bun:"table:policy_history"`
	Seq           int64     `bun:"seq,pk,autoincrement"`
	Effective     string    `bun:"effective"`
	Source        string    `bun:"source"`
	LoadedAt      time.Time `bun:"loaded_at"`
}

// StorePolicy stores the text of a policy version taking effect on
// effective, replacing any with the same date (the old text stays in
// policy_history), and recomputes every case's deadlines under the new
// set of versions; it returns how many cases it recomputed.
func (db *DB) StorePolicy(ctx context.Context, effective evaluation.Date, source []byte) (int, error) {
	defer db.rules.expire()
	now := db.now().UTC()
	row := policyRow{Effective: effective.String(), Source: string(source), LoadedAt: now}
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(&row).On("CONFLICT (effective) DO UPDATE").
			Set("source = EXCLUDED.source").Set("loaded_at = EXCLUDED.loaded_at").Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(&policyHistoryRow{Effective: row.Effective, Source: row.Source, LoadedAt: now}).Exec(ctx)
		return err
	})
	if err != nil {
		return 0, db.wrap("load policy", err)
	}
	return db.Rebuild(ctx)
}

// PolicySources returns the stored policy texts, oldest effective date first.
func (db *DB) PolicySources(ctx context.Context) ([][]byte, error) {
	var rows []policyRow
	if err := db.bun.NewSelect().Model(&rows).Order("effective").Scan(ctx); err != nil {
		return nil, db.wrap("read policies", err)
	}
	out := make([][]byte, len(rows))
	for i, r := range rows {
		out[i] = []byte(r.Source)
	}
	return out, nil
}

// Policies returns the policy versions in force: the embedded default and
// every stored version.
func (db *DB) Policies(ctx context.Context) (evaluation.Policies, error) {
	rules, err := db.Rules(ctx)
	if err != nil {
		return nil, err
	}
	return rules.Policies, nil
}

// rulesCache keeps the compiled rules (policies with their calendars, and
// the category classes) until the tables they come from change.
type rulesCache struct {
	mu      sync.Mutex
	stamp   string
	rules   *evaluation.Rules
	checked time.Time // when the stamp was last read
}

// expire makes the next RecentPolicies read the stamp again.
func (c *rulesCache) expire() {
	c.mu.Lock()
	c.checked = time.Time{}
	c.mu.Unlock()
}

// rulesStampQuery says whether the tables the rules come from changed.
const rulesStampQuery = `SELECT (SELECT count(*) FROM policies), (SELECT CAST(max(loaded_at) AS TEXT) FROM policies),
	(SELECT count(*) FROM categories), (SELECT CAST(max(updated_at) AS TEXT) FROM categories),
	(SELECT count(*) FROM units), (SELECT CAST(max(updated_at) AS TEXT) FROM units)`

// scanStamp reads rulesStampQuery's row into one string.
func scanStamp(scan func(dest ...any) error) (string, error) {
	var pn, cn, un int
	var pmax, cmax, umax sql.NullString
	if err := scan(&pn, &pmax, &cn, &cmax, &un, &umax); err != nil {
		return "", err
	}
	return fmt.Sprint(pn, pmax.String, cn, cmax.String, un, umax.String), nil
}

// errRulesChanged aborts an ingest transaction that found, once it held
// the write lock, that the rules it was given are no longer current.
var errRulesChanged = errors.New("rules changed during ingest")

// Rules returns what deadlines depend on besides the trail. It must not be
// called inside a transaction: on SQLite that would wait for the one
// connection the transaction holds.
func (db *DB) Rules(ctx context.Context) (*evaluation.Rules, error) {
	rules, _, err := db.rulesWithStamp(ctx)
	return rules, err
}

// RecentPolicies returns the policies as checked at most maxAge ago: for
// reads that many requests a second make, where a policy loaded by
// another process may show a moment late. What derives or stores
// anything uses Policies.
func (db *DB) RecentPolicies(ctx context.Context, maxAge time.Duration) (evaluation.Policies, error) {
	db.rules.mu.Lock()
	rules, fresh := db.rules.rules, time.Since(db.rules.checked) < maxAge
	db.rules.mu.Unlock()
	if rules != nil && fresh {
		return rules.Policies, nil
	}
	return db.Policies(ctx)
}

// rulesWithStamp returns the rules and the stamp they were read at; an
// ingest transaction compares the stamp under its lock.
func (db *DB) rulesWithStamp(ctx context.Context) (*evaluation.Rules, string, error) {
	st, err := db.prepared(ctx, rulesStampQuery)
	if err != nil {
		return nil, "", db.wrap("read rules", err)
	}
	stamp, err := scanStamp(st.QueryRowContext(ctx).Scan)
	if err != nil {
		return nil, "", db.wrap("read rules", err)
	}
	db.rules.mu.Lock()
	defer db.rules.mu.Unlock()
	if db.rules.rules != nil && db.rules.stamp == stamp {
		db.rules.checked = time.Now()
		return db.rules.rules, stamp, nil
	}
	sources, err := db.PolicySources(ctx)
	if err != nil {
		return nil, "", err
	}
	policies, err := db.parsePolicies(sources)
	if err != nil {
		return nil, "", db.wrap("read rules", err)
	}
	var cats []categoryRow
	if err := db.bun.NewSelect().Model(&cats).Scan(ctx); err != nil {
		return nil, "", db.wrap("read rules", err)
	}
	var units []unitRow
	if err := db.bun.NewSelect().Model(&units).Column("code", "kind").Scan(ctx); err != nil {
		return nil, "", db.wrap("read rules", err)
	}
	rules := &evaluation.Rules{Policies: policies, Categories: map[string]evaluation.Category{}, Units: map[string]evaluation.UnitKind{}}
	for _, c := range cats {
		rules.Categories[c.Code] = evaluation.Category{Code: c.Code, Class: c.Class, Urgency: c.Urgency}
	}
	for _, u := range units {
		rules.Units[u.Code] = evaluation.UnitKind(u.Kind)
	}
	db.rules.stamp, db.rules.rules, db.rules.checked = stamp, rules, time.Now()
	return rules, stamp, nil
}
