package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/goccy/go-yaml"

	"frontline/evaluation"
	"frontline/formats"
	"frontline/synth"
)

func runGen(ctx context.Context, a *app, args []string) error {
	fs, _ := a.flags("gen")
	cases := fs.Int("cases", 50000, "number of cases")
	seed := fs.Int64("seed", 1, "random seed; the same seed gives the same district")
	out := fs.String("out", "district", "directory to write registry.yaml, policy.yaml, events.ndjson and truth.json to")
	start := fs.String("start", "2026-01-01", "first day of the year simulated")
	if err := parse(fs, args); err != nil {
		return err
	}
	first, err := evaluation.ParseDate(*start)
	if err != nil {
		return usageErrorf("gen: --start: %v", err)
	}
	if *cases <= 0 {
		return a.usagef("gen：--cases 须为正数", "gen: --cases must be positive")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	cfg := synth.Config{Cases: *cases, Seed: *seed, Start: first.Time}

	reg, err := yaml.MarshalWithOptions(synth.District(cfg), yaml.UseSingleQuote(false))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*out, "registry.yaml"), reg, 0o644); err != nil {
		return err
	}

	// The district's policy: the default one, with the district's name.
	policy := bytes.Replace(formats.DefaultPolicyYAML, []byte("# district: {zh: 鼓楼区, en: Gulou District}"),
		[]byte("district: {zh: "+synth.DistrictName.Zh+", en: "+synth.DistrictName.En+"}"), 1)
	if err := os.WriteFile(filepath.Join(*out, "policy.yaml"), policy, 0o644); err != nil {
		return err
	}

	f, err := os.Create(filepath.Join(*out, "events.ndjson"))
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	enc := json.NewEncoder(w)
	truth, err := synth.Generate(cfg, func(e *evaluation.Event) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return enc.Encode(e)
	})
	if err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	tj, err := json.MarshalIndent(truth, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*out, "truth.json"), append(tj, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, a.t("已写入 %s：%d 个案件，%d 条事件（registry.yaml、policy.yaml、events.ndjson、truth.json）\n",
		"wrote %s: %d cases, %d events (registry.yaml, policy.yaml, events.ndjson, truth.json)\n"), *out, truth.Cases, truth.Events)
	return nil
}
