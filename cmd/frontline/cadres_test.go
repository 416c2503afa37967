package main

import (
	"encoding/json"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"frontline/store/storetest"
	"frontline/synth"
)

// TestCadresRecomputedFromUnitScores assesses the cadres of a synthetic
// district (heads who change mid-year) and recomputes every cadre's score
// in the test from the units' monthly scores (`score --monthly`) and the
// registry's tenures, on both engines.
func TestCadresRecomputedFromUnitScores(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"FRONTLINE_LANG": "en"}
	if r := frontline(t, env, "", "gen", "--cases", "1500", "--seed", "8", "--out", dir); r.code != 0 {
		t.Fatalf("gen: %s", r.stderr)
	}
	reg := synth.District(synth.Config{Cases: 1500, Seed: 8})
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		env := map[string]string{"FRONTLINE_DB": dsn, "FRONTLINE_LANG": "en"}
		frontline(t, env, "", "registry", "load", filepath.Join(dir, "registry.yaml"))
		if r := frontline(t, env, "", "ingest", filepath.Join(dir, "events.ndjson")); r.code != 0 {
			t.Fatalf("ingest: %s", r.stderr)
		}
		var monthly []struct {
			Month string `json:"month"`
			Units []struct {
				Unit  string   `json:"unit"`
				Score *float64 `json:"score"`
			} `json:"units"`
		}
		var wrap struct {
			Months json.RawMessage `json:"months"`
		}
		r := frontline(t, env, "", "score", "--period", "2026", "--monthly", "--format", "json")
		if err := json.Unmarshal([]byte(r.stdout), &wrap); err != nil {
			t.Fatalf("score --monthly: %v\n%s", err, r.stdout)
		}
		if err := json.Unmarshal(wrap.Months, &monthly); err != nil {
			t.Fatal(err)
		}
		unitScore := map[string]map[string]float64{} // month → unit → score
		for _, m := range monthly {
			unitScore[m.Month] = map[string]float64{}
			for _, u := range m.Units {
				if u.Score != nil {
					unitScore[m.Month][u.Unit] = *u.Score
				}
			}
		}
		var got struct {
			Cadres []cadreOut `json:"cadres"`
		}
		r = frontline(t, env, "", "cadres", "--period", "2026", "--format", "json")
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatalf("cadres: %v\n%s%s", err, r.stdout, r.stderr)
		}
		checked, moved := 0, 0
		for _, c := range got.Cadres {
			var sum, led float64
			tenures := 0
			for _, tn := range reg.Tenures {
				if tn.Cadre != c.Cadre || tn.Role != "head" {
					continue
				}
				tenures++
				from := time.Date(tn.From.Year(), tn.From.Month(), tn.From.Day(), 0, 0, 0, 0, shanghai)
				to := time.Date(2027, 1, 1, 0, 0, 0, 0, shanghai)
				if !tn.To.IsZero() {
					to = time.Date(tn.To.Year(), tn.To.Month(), tn.To.Day()+1, 0, 0, 0, 0, shanghai)
				}
				for m := time.Date(2026, 1, 1, 0, 0, 0, 0, shanghai); m.Year() == 2026; m = m.AddDate(0, 1, 0) {
					a, b := max(from.Unix(), m.Unix()), min(to.Unix(), m.AddDate(0, 1, 0).Unix())
					s, ok := unitScore[m.Format("2006-01")][tn.Unit]
					if b <= a || !ok {
						continue
					}
					days := float64(b-a) / 86400
					sum += s * days
					led += days
				}
			}
			if tenures > 1 || (len(c.Tenures) == 1 && c.Tenures[0].Weight < 0.99) {
				moved++
			}
			if led == 0 {
				if c.Score != nil {
					t.Errorf("%s scored %v with no scored month led", c.Cadre, *c.Score)
				}
				continue
			}
			if want := sum / led; c.Score == nil || math.Abs(*c.Score-want) > 1e-4 {
				t.Errorf("%s score = %v, recomputed from unit scores and tenures %v", c.Cadre, c.Score, want)
			}
			checked++
		}
		if checked < 50 || moved == 0 {
			t.Errorf("checked %d cadres, %d with a partial year; want many, some partial", checked, moved)
		}
		t.Logf("%d cadre scores recomputed from unit scores and tenures (%d led part of the year)", checked, moved)

		// The cadre pack shows each percentile (0–100) as the number it is,
		// not as a percentage.
		pack := filepath.Join(t.TempDir(), "cadres.xlsx")
		if r := frontline(t, env, "", "export", "cadres", "--period", "2026", "--out", pack); r.code != 0 {
			t.Fatalf("export cadres: %s", r.stderr)
		}
		book, err := excelize.OpenFile(pack)
		if err != nil {
			t.Fatal(err)
		}
		defer book.Close()
		rows, err := book.GetRows("Cadres")
		if err != nil || len(rows) < 2 || rows[0][6] != "Percentile" {
			t.Fatalf("the cadre pack's sheet: %v %v", err, rows[:min(1, len(rows))])
		}
		shown := map[string]string{}
		for _, row := range rows[1:] {
			if len(row) > 6 {
				shown[row[1]] = row[6]
			}
		}
		// The pack holds heads and deputies, ranked together.
		var all struct {
			Cadres []cadreOut `json:"cadres"`
		}
		if r := frontline(t, env, "", "cadres", "--period", "2026", "--role", "all", "--format", "json"); json.Unmarshal([]byte(r.stdout), &all) != nil {
			t.Fatalf("cadres --role all: %s%s", r.stdout, r.stderr)
		}
		percentiles := 0
		for _, c := range all.Cadres {
			if c.Percentile == nil {
				continue
			}
			percentiles++
			if want := strconv.FormatFloat(*c.Percentile, 'f', 2, 64); shown[c.Cadre] != want {
				t.Errorf("%s's percentile in the pack: %q, want %s", c.Cadre, shown[c.Cadre], want)
			}
		}
		if percentiles == 0 {
			t.Error("no cadre has a percentile: the pack's column was not checked")
		}

		// show: one cadre who led part of the year, with breaches and a trend.
		var partial string
		for _, c := range got.Cadres {
			if len(c.Tenures) == 1 && c.Tenures[0].Weight < 0.99 && c.Score != nil {
				partial = c.Cadre
				break
			}
		}
		r = frontline(t, env, "", "cadres", "show", partial, "--period", "2026", "--json")
		var show struct {
			Cadre    string      `json:"cadre"`
			Months   []cadreMo   `json:"months"`
			Breaches []breachOut `json:"breaches"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &show); err != nil || show.Cadre != partial || len(show.Months) != 12 {
			t.Fatalf("cadres show %s: %v\n%s%s", partial, err, r.stdout, r.stderr)
		}
		var scored, empty int
		for _, m := range show.Months {
			if m.Score != nil {
				scored++
			} else {
				empty++
			}
		}
		if scored == 0 || empty == 0 {
			t.Errorf("%s led part of the year, but the trend has %d scored and %d empty months", partial, scored, empty)
		}
		for _, b := range show.Breaches {
			if !strings.HasPrefix(b.ID, b.Case+"/") || b.OverdueSeconds <= 0 {
				t.Errorf("breach %+v", b)
			}
		}
		if r := frontline(t, env, "", "cadres", "show", "K999", "--period", "2026"); r.code != exitFailure || !strings.Contains(r.stderr, "K999") {
			t.Errorf("unknown cadre: exit %d %s", r.code, r.stderr)
		}
		if r := frontline(t, env, "", "cadres", "--period", "2026", "--role", "boss"); r.code != exitUsage {
			t.Errorf("--role boss: exit %d %s", r.code, r.stderr)
		}
		r = frontline(t, map[string]string{"FRONTLINE_DB": dsn}, "", "cadres", "--period", "2026")
		if !strings.Contains(r.stdout, "干部考核") {
			t.Errorf("cadres table is not in Chinese by default:\n%s", r.stdout)
		}
		lines := strings.Split(r.stdout, "\n")
		t.Logf("cadre ranking (first lines):\n%s", strings.Join(lines[:min(len(lines), 12)], "\n"))
	})
}

type cadreMo struct {
	Month string   `json:"month"`
	Score *float64 `json:"score"`
}
