package store

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"frontline/evaluation"
	"frontline/ingest"
)

type unitRow struct {
	bun.BaseModel `bun:"table:units"`
	Code          string    `bun:"code,pk"`
	Kind          string    `bun:"kind"`
	Parent        string    `bun:"parent,nullzero"`
	NameZh        string    `bun:"name_zh"`
	NameEn        string    `bun:"name_en"`
	Origin        string    `bun:"origin"`
	CreatedAt     time.Time `bun:"created_at"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

type categoryRow struct {
	bun.BaseModel `bun:"table:categories"`
	Code          string    `bun:"code,pk"`
	Class         string    `bun:"sla_class"`
	Urgency       string    `bun:"urgency"`
	NameZh        string    `bun:"name_zh"`
	NameEn        string    `bun:"name_en"`
	Origin        string    `bun:"origin"`
	CreatedAt     time.Time `bun:"created_at"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

type cadreRow struct {
	bun.BaseModel `bun:"table:cadres"`
	ID            string    `bun:"id,pk"`
	Name          string    `bun:"name"`
	Position      string    `bun:"position"`
	CreatedAt     time.Time `bun:"created_at"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

type tenureRow struct {
	bun.BaseModel `bun:"table:tenures"`
	Cadre         string    `bun:"cadre_id,pk"`
	Unit          string    `bun:"unit,pk"`
	From          string    `bun:"from_date,pk"`
	Role          string    `bun:"role"`
	To            string    `bun:"to_date,nullzero"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

type registryChangeRow struct {
	bun.BaseModel `bun:"table:registry_changes"`
	Seq           int64     `bun:"seq,pk,autoincrement"`
	ChangedAt     time.Time `bun:"changed_at"`
	Entity        string    `bun:"entity"`
	Key           string    `bun:"key"`
	Old           string    `bun:"old_value,nullzero"`
	New           string    `bun:"new_value"`
}

// Origins of registry records.
const (
	OriginRegistry = "registry" // loaded from a registry file or the API
	OriginData     = "data"     // added while importing data that named it
)

// RegistryCounts says how many records a load added and changed.
type RegistryCounts struct {
	Added     int `json:"added"`
	Changed   int `json:"changed"`
	Unchanged int `json:"unchanged"`
}

// RegistryResult reports a registry load per kind of record.
type RegistryResult struct {
	Units      RegistryCounts `json:"units"`
	Categories RegistryCounts `json:"categories"`
	Cadres     RegistryCounts `json:"cadres"`
	Tenures    RegistryCounts `json:"tenures"`
}

// LoadRegistry upserts every record of reg. Records missing from reg are
// kept, and every change to an existing record is kept in
// registry_changes with its old and new value, so nothing is lost.
func (db *DB) LoadRegistry(ctx context.Context, reg *evaluation.Registry, origin string) (RegistryResult, error) {
	return db.LoadRegistryStream(ctx, origin, func(put func(*evaluation.Registry) error) error { return put(reg) })
}

// LoadRegistryStream upserts the records feed hands to put, a chunk at a
// time, in one transaction: an error from feed (a record found wrong
// further on in the file) leaves nothing of the load stored.
func (db *DB) LoadRegistryStream(ctx context.Context, origin string, feed func(put func(*evaluation.Registry) error) error) (RegistryResult, error) {
	defer db.rules.expire()
	var res RegistryResult
	now := db.now().UTC()
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		units := newUpsert(tx, now, "unit", func(r unitRow) string { return r.Code },
			func(r *unitRow) { r.CreatedAt, r.UpdatedAt, r.Origin = time.Time{}, time.Time{}, "" },
			"kind", "parent", "name_zh", "name_en", "origin", "updated_at")
		categories := newUpsert(tx, now, "category", func(r categoryRow) string { return r.Code },
			func(r *categoryRow) { r.CreatedAt, r.UpdatedAt, r.Origin = time.Time{}, time.Time{}, "" },
			"sla_class", "urgency", "name_zh", "name_en", "origin", "updated_at")
		cadres := newUpsert(tx, now, "cadre", func(r cadreRow) string { return r.ID },
			func(r *cadreRow) { r.CreatedAt, r.UpdatedAt = time.Time{}, time.Time{} },
			"name", "position", "updated_at")
		tenures := newUpsert(tx, now, "tenure", func(r tenureRow) string { return r.Cadre + "/" + r.Unit + "/" + r.From },
			func(r *tenureRow) { r.UpdatedAt = time.Time{} },
			"role", "to_date", "updated_at")
		err := feed(func(reg *evaluation.Registry) error {
			for _, u := range reg.Units {
				if err := units.add(ctx, unitRow{Code: u.Code, Kind: string(u.Kind), Parent: u.Parent, NameZh: u.Name.Zh, NameEn: u.Name.En,
					Origin: origin, CreatedAt: now, UpdatedAt: now}); err != nil {
					return err
				}
			}
			for _, c := range reg.Categories {
				urgency := c.Urgency
				if urgency == "" {
					urgency = "normal"
				}
				if err := categories.add(ctx, categoryRow{Code: c.Code, Class: c.Class, Urgency: urgency, NameZh: c.Name.Zh, NameEn: c.Name.En,
					Origin: origin, CreatedAt: now, UpdatedAt: now}); err != nil {
					return err
				}
			}
			for _, c := range reg.Cadres {
				if err := cadres.add(ctx, cadreRow{ID: c.ID, Name: c.Name, Position: c.Position, CreatedAt: now, UpdatedAt: now}); err != nil {
					return err
				}
			}
			for _, t := range reg.Tenures {
				if err := tenures.add(ctx, tenureRow{Cadre: t.Cadre, Unit: t.Unit, From: t.From.String(), Role: t.Role, To: t.To.String(), UpdatedAt: now}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, f := range []func(context.Context) error{units.flush, categories.flush, cadres.flush, tenures.flush} {
			if err := f(ctx); err != nil {
				return err
			}
		}
		res = RegistryResult{Units: units.counts, Categories: categories.counts, Cadres: cadres.counts, Tenures: tenures.counts}
		return nil
	})
	return res, db.wrap("load registry", err)
}

// upsert writes rows as they are added, a chunk at a time, skipping
// unchanged ones, and records each change. strip clears the fields that
// do not count as content (timestamps, origin). The stored rows are read
// once, at the first row added.
type upsert[R any] struct {
	tx       bun.Tx
	now      time.Time
	entity   string
	key      func(R) string
	strip    func(*R)
	set      []string
	old      map[string]string // the stored rows' content, by key
	counts   RegistryCounts
	conflict string
	changed  []R
	changes  []registryChangeRow
}

func newUpsert[R any](tx bun.Tx, now time.Time, entity string, key func(R) string, strip func(*R), set ...string) *upsert[R] {
	return &upsert[R]{tx: tx, now: now, entity: entity, key: key, strip: strip, set: set}
}

// upsertChunk is how many rows one statement writes: a registry of a
// million records never becomes one statement, nor its changes one list.
const upsertChunk = 2000

func (u *upsert[R]) add(ctx context.Context, r R) error {
	if u.old == nil {
		var existing []R
		if err := u.tx.NewSelect().Model(&existing).Scan(ctx); err != nil {
			return err
		}
		u.old = make(map[string]string, len(existing))
		for _, e := range existing {
			u.strip(&e)
			b, _ := json.Marshal(e)
			u.old[u.key(e)] = string(b)
		}
		pk := u.tx.Dialect().Tables().Get(reflect.TypeFor[R]()).PKs
		names := make([]string, len(pk))
		for i, f := range pk {
			names[i] = f.Name
		}
		u.conflict = "CONFLICT (" + strings.Join(names, ", ") + ") DO UPDATE"
	}
	content := r
	u.strip(&content)
	b, _ := json.Marshal(content)
	prev, ok := u.old[u.key(r)]
	switch {
	case !ok:
		u.counts.Added++
	case prev == string(b):
		u.counts.Unchanged++
		return nil
	default:
		u.counts.Changed++
	}
	u.changed = append(u.changed, r)
	u.changes = append(u.changes, registryChangeRow{ChangedAt: u.now, Entity: u.entity, Key: u.key(r), Old: prev, New: string(b)})
	if len(u.changed) >= upsertChunk {
		return u.flush(ctx)
	}
	return nil
}

func (u *upsert[R]) flush(ctx context.Context) error {
	if len(u.changed) == 0 {
		return nil
	}
	q := u.tx.NewInsert().Model(&u.changed).On(u.conflict)
	for _, col := range u.set {
		q = q.Set(col + " = EXCLUDED." + col)
	}
	if _, err := q.Exec(ctx); err != nil {
		return err
	}
	if _, err := u.tx.NewInsert().Model(&u.changes).Exec(ctx); err != nil {
		return err
	}
	u.changed, u.changes = u.changed[:0], u.changes[:0]
	return nil
}

// Codes returns the unit and category codes the registry knows.
func (db *DB) Codes(ctx context.Context) (ingest.Codes, error) {
	codes := ingest.Codes{Units: map[string]bool{}, Categories: map[string]bool{}}
	var units, cats []string
	if err := db.bun.NewSelect().Model((*unitRow)(nil)).Column("code").Scan(ctx, &units); err != nil {
		return codes, db.wrap("read unit codes", err)
	}
	if err := db.bun.NewSelect().Model((*categoryRow)(nil)).Column("code").Scan(ctx, &cats); err != nil {
		return codes, db.wrap("read category codes", err)
	}
	for _, c := range units {
		codes.Units[c] = true
	}
	for _, c := range cats {
		codes.Categories[c] = true
	}
	return codes, nil
}

// CadreIDs returns the ids of the registered cadres.
func (db *DB) CadreIDs(ctx context.Context) (map[string]bool, error) {
	var ids []string
	if err := db.bun.NewSelect().Model((*cadreRow)(nil)).Column("id").Scan(ctx, &ids); err != nil {
		return nil, db.wrap("read cadre ids", err)
	}
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m, nil
}

// Registry returns the whole stored registry.
func (db *DB) Registry(ctx context.Context) (*evaluation.Registry, error) {
	var (
		units   []unitRow
		cats    []categoryRow
		cadres  []cadreRow
		tenures []tenureRow
	)
	for _, q := range []*bun.SelectQuery{
		db.bun.NewSelect().Model(&units).Order("code"),
		db.bun.NewSelect().Model(&cats).Order("code"),
		db.bun.NewSelect().Model(&cadres).Order("id"),
		db.bun.NewSelect().Model(&tenures).Order("cadre_id", "from_date", "unit"),
	} {
		if err := q.Scan(ctx); err != nil {
			return nil, db.wrap("read registry", err)
		}
	}
	reg := &evaluation.Registry{}
	for _, u := range units {
		reg.Units = append(reg.Units, evaluation.Unit{Code: u.Code, Kind: evaluation.UnitKind(u.Kind), Parent: u.Parent, Name: evaluation.Name{Zh: u.NameZh, En: u.NameEn}})
	}
	for _, c := range cats {
		reg.Categories = append(reg.Categories, evaluation.Category{Code: c.Code, Class: c.Class, Urgency: c.Urgency, Name: evaluation.Name{Zh: c.NameZh, En: c.NameEn}})
	}
	for _, c := range cadres {
		reg.Cadres = append(reg.Cadres, evaluation.Cadre{ID: c.ID, Name: c.Name, Position: c.Position})
	}
	for _, t := range tenures {
		from, _ := evaluation.ParseDate(t.From)
		var to evaluation.Date
		if t.To != "" {
			to, _ = evaluation.ParseDate(t.To)
		}
		reg.Tenures = append(reg.Tenures, evaluation.Tenure{Cadre: t.Cadre, Unit: t.Unit, Role: t.Role, From: from, To: to})
	}
	return reg, nil
}
