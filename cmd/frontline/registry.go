package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"frontline/formats"
	"frontline/service"
)

func runRegistry(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 || args[0] != "load" {
		return a.usagef("registry：请用 `registry load 文件`", "registry: want `registry load FILE`")
	}
	fs, dsn := a.flags("registry load")
	asJSON := fs.Bool("json", false, "print the result as JSON on stdout")
	pos, err := parseMixed(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return a.usagef("registry load：请给出一个文件（.yaml、.yml 或 .csv）", "registry load: name one FILE (.yaml, .yml or .csv)")
	}
	name := pos[0]
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()

	svc, s, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer svc.Close()
	res, err := svc.LoadRegistry(ctx, s, f, formats.RegistryFormat(name), name)
	if err != nil {
		return err
	}
	released := res.Released
	if *asJSON {
		return json.NewEncoder(a.stdout).Encode(res)
	}
	for _, row := range []struct {
		en, zh string
		c      service.RegistryCounts
	}{
		{"units", "单位", res.Units}, {"categories", "类别", res.Categories},
		{"cadres", "干部", res.Cadres}, {"tenures", "任职", res.Tenures},
	} {
		fmt.Fprintf(a.stderr, a.t("%s：新增 %d，变更 %d，未变 %d\n", "%s: %d added, %d changed, %d unchanged\n"),
			a.t(row.zh, row.en), row.c.Added, row.c.Changed, row.c.Unchanged)
	}
	if released > 0 {
		fmt.Fprintf(a.stderr, a.t("已放行 %d 条隔离事件（其代码现已登记）\n",
			"released %d quarantined events whose codes are now known\n"), released)
	}
	return nil
}
