package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"frontline/ingest"
	"frontline/rbac"
	"frontline/store"
)

func runRegistry(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 || args[0] != "load" {
		return usageErrorf("registry: want `registry load FILE`")
	}
	fs, dsn := a.flags("registry load")
	asJSON := fs.Bool("json", false, "print the result as JSON on stdout")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErrorf("registry load: name one FILE (.yaml, .yml or .csv)")
	}
	name := fs.Arg(0)
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()

	db, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := a.authorize(ctx, db, rbac.Write, rbac.Resource{Object: "registry"}); err != nil {
		return err
	}
	codes, err := db.Codes(ctx)
	if err != nil {
		return err
	}
	cadres, err := db.CadreIDs(ctx)
	if err != nil {
		return err
	}
	known := func(code string) bool {
		if id, ok := strings.CutPrefix(code, "cadre:"); ok {
			return cadres[id]
		}
		return codes.Units[code]
	}
	reg, err := ingest.ParseRegistry(f, ingest.RegistryFormat(name), known)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	res, err := db.LoadRegistry(ctx, reg, store.OriginRegistry)
	if err != nil {
		return err
	}
	if err := a.audit(ctx, db, "registry.load", name, res); err != nil {
		return err
	}
	if res.Units.Changed > 0 {
		// Names and kinds show in kept scores; no event marks them.
		if err := db.MarkScoresStale(ctx); err != nil {
			return err
		}
	}
	if res.Categories.Changed > 0 {
		// A category's class or default urgency decides its deadlines.
		if _, err := db.Rebuild(ctx); err != nil {
			return fmt.Errorf("recompute deadlines: %w", err)
		}
	}
	pseudo, err := a.pseudonymizer(ctx, db)
	if err != nil {
		return err
	}
	released, err := (&ingest.Ingester{Store: db, Pseudo: pseudo}).Release(ctx)
	if err != nil {
		return fmt.Errorf("release quarantine: %w", err)
	}
	if err := a.refreshScores(ctx, db); err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(a.stdout).Encode(struct {
			store.RegistryResult
			Released int `json:"released"`
		}{res, released})
	}
	for _, row := range []struct {
		en, zh string
		c      store.RegistryCounts
	}{
		{"units", "单位", res.Units}, {"categories", "类别", res.Categories},
		{"cadres", "干部", res.Cadres}, {"tenures", "任职", res.Tenures},
	} {
		fmt.Fprintf(a.stderr, a.t("%s: %d added, %d changed, %d unchanged\n", "%s：新增 %d，变更 %d，未变 %d\n"),
			a.t(row.en, row.zh), row.c.Added, row.c.Changed, row.c.Unchanged)
	}
	if released > 0 {
		fmt.Fprintf(a.stderr, a.t("released %d quarantined events whose codes are now known\n",
			"已放行 %d 条隔离事件（其代码现已登记）\n"), released)
	}
	return nil
}
