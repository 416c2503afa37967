package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"

	"frontline/formats"
	"frontline/ingest"
	"frontline/store/storetest"
	"frontline/view"
)

// sample is a real 311 sample with the reference figures its README
// gives: per unit, the rows and valid closes and the median hours to
// close, and the district's median.
type sample struct {
	name, file, mapping, format, zone, clock string
	rows                                     int
	problems                                 map[string]int
	units                                    map[string][3]float64 // code → rows, closed ≥ created, median hours
	overall                                  float64
}

var samples = []sample{
	{name: "nyc311-csv", file: "nyc311/311_Service_Requests.csv", mapping: "nyc311-csv.yaml", zone: "America/New_York", clock: "wall",
		rows: 1000, problems: map[string]int{formats.ProblemClosedBeforeOpened: 10, formats.ProblemClosedAtOpening: 48, formats.ProblemNotClosed: 14},
		units:   map[string][3]float64{"NYPD": {347, 347, 2.20}, "HPD": {159, 157, 290.24}, "DSNY": {135, 131, 75.72}, "DOT": {119, 109, 21.45}, "DEP": {75, 75, 9.75}},
		overall: 11.97},
	{name: "nyc311-json", file: "nyc311/fhrw-4uyv.json", mapping: "nyc311-json.yaml", zone: "America/New_York", clock: "wall",
		rows: 1000, problems: map[string]int{formats.ProblemNotClosed: 18, formats.ProblemImplausibleTime: 1},
		units:   map[string][3]float64{"HPD": {457, 457, 192.00}, "DOT": {164, 157, 23.07}, "NYPD": {142, 142, 2.54}, "DSNY": {56, 53, 25.98}, "DPR": {49, 37, 133.15}},
		overall: 120.00},
	{name: "chicago311", file: "chicago311/chicago_311_data.csv", mapping: "chicago311.yaml", zone: "America/Chicago", clock: "wall",
		rows: 5000, problems: map[string]int{formats.ProblemNotClosed: 12, formats.ProblemDuplicate: 175, formats.ProblemClosedAtOpening: 2731},
		units: map[string][3]float64{"311-city-services": {2882, 2882, 0}, "aviation": {688, 688, 0}, "streets-and-sanitation": {643, 643, 75.10},
			"cdot-department-of-transportation": {473, 469, 120.83}, "dob-buildings": {96, 96, 1243.60}},
		overall: 0},
	{name: "baltimore311", file: "baltimore311/311_sample.csv", mapping: "baltimore311.yaml", zone: "America/New_York", clock: "wall",
		rows: 10000, problems: map[string]int{formats.ProblemNotClosed: 208, formats.ProblemClosedAtOpening: 2080, formats.ProblemPlaceholderLocation: 892},
		units: map[string][3]float64{"solid-waste": {4760, 4732, 25.89}, "transportation": {1680, 1609, 21.82}, "housing": {1164, 1163, 72.72},
			"water-wastewater": {849, 804, 35.40}, "bge": {392, 391, 23.75}},
		overall: 32.40},
	// Times with offsets: the README's hours are real hours.
	{name: "chicago-open311-trails", file: "chicago-open311-trails/chicago_open311_requests_with_notes.json", format: "open311",
		zone: "America/Chicago", clock: "elapsed", rows: 50, problems: map[string]int{formats.ProblemNotClosed: 1},
		units: map[string][3]float64{"dob-conservation": {35, 35, 14285.17}, "dim-public-way-management-cdot": {10, 9, 12230.36},
			"division-of-electrical-operations-cdot": {3, 3, 7873.72}, "division-of-in-house-construction-cdot": {1, 1, 12447.22},
			"bureau-of-traffic-services-s-s": {1, 1, 7361.65}},
		overall: 13727.67},
}

// TestRealSamples ingests every real sample, on both engines: the data
// quality report counts what the sample's README says is wrong with it,
// nothing is rejected that the report does not name, the durations
// report reproduces the README's medians to the hundredth of an hour,
// and ingesting the file again only finds duplicates. Under the race
// detector only the samples of a thousand rows or fewer run; `make test`
// runs them all again without it.
func TestRealSamples(t *testing.T) {
	real311 := storetest.Real311(t)
	for _, s := range samples {
		t.Run(s.name, func(t *testing.T) {
			if raceEnabled && s.rows > 1000 {
				t.Skipf("%d rows: too slow under the race detector; `make test` runs it without", s.rows)
			}
			storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
				env := map[string]string{"FRONTLINE_DB": dsn, "FRONTLINE_LANG": "en"}
				args := []string{"ingest", "--json", "--register-units"}
				if s.mapping != "" {
					args = append(args, "--mapping", filepath.Join("..", "..", "mappings", s.mapping))
				} else {
					args = append(args, "--format", s.format)
				}
				file := filepath.Join(real311, s.file)
				r := frontline(t, env, "", append(args, file)...)
				if r.code != 0 {
					t.Fatalf("ingest: exit %d: %s", r.code, r.stderr)
				}
				var out struct {
					ingest.Summary
					Quality map[string]*formats.Quality `json:"quality"`
				}
				if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
					t.Fatalf("ingest --json: %v\n%s", err, r.stdout)
				}
				q := out.Quality[file]
				if q == nil || q.Rows != s.rows {
					t.Fatalf("quality report %+v, want %d rows", q, s.rows)
				}
				for kind, n := range s.problems {
					if p := q.Problems[kind]; p == nil || p.Count != n || len(p.Examples) == 0 {
						t.Errorf("%s: %+v, want %d with examples", kind, p, n)
					}
				}
				// A rejected event is one the report explains (a time out of range).
				if out.Rejected > 0 && q.Problems[formats.ProblemImplausibleTime] == nil {
					t.Errorf("%d events rejected, and the quality report does not say why: %s", out.Rejected, r.stderr)
				}

				r = frontline(t, env, "", "stats", "durations", "--by", "unit", "--clock", s.clock, "--tz", s.zone, "--format", "json")
				if r.code != 0 {
					t.Fatalf("stats durations: exit %d: %s", r.code, r.stderr)
				}
				var d view.Durations
				if err := json.Unmarshal([]byte(r.stdout), &d); err != nil {
					t.Fatal(err)
				}
				got := map[string]view.UnitDurations{}
				for _, u := range d.Units {
					got[u.Unit] = u
				}
				hours := func(v *float64) string {
					if v == nil {
						return "none"
					}
					return strconv.FormatFloat(*v, 'f', 2, 64)
				}
				for unit, want := range s.units {
					u := got[unit]
					if u.Cases != int(want[0]) || u.ToClose.N != int(want[1]) || hours(u.ToClose.MedianHours) != fmt.Sprintf("%.2f", want[2]) {
						t.Errorf("%s: %d cases, %d closed, median %s h; the README: %v", unit, u.Cases, u.ToClose.N, hours(u.ToClose.MedianHours), want)
					}
				}
				if d.All.Cases != s.rows || hours(d.All.ToClose.MedianHours) != fmt.Sprintf("%.2f", s.overall) {
					t.Errorf("all: %d cases, median %s h; the README: %d, %.2f", d.All.Cases, hours(d.All.ToClose.MedianHours), s.rows, s.overall)
				}

				r = frontline(t, env, "", append(args, file)...)
				var again ingest.Summary
				json.Unmarshal([]byte(r.stdout), &again)
				if r.code != 0 || again.Accepted != 0 || again.Duplicates != out.Read-out.Rejected {
					t.Errorf("ingest again: exit %d, %+v; want only duplicates (%d); stderr %s", r.code, again, out.Read-out.Rejected, r.stderr)
				}
			})
		})
	}
}
