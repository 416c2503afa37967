package main

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"frontline/store/storetest"
)

// TestSameNumbersEverywhere reads one month of a generated district
// through every door — the command line, the JSON API, the dashboard, the
// gauge and the meeting pack — and checks they agree: each unit's score,
// rank and metrics, and the breaches by milestone. The month is the
// current one, with deadlines still open, where the kept, counted and
// recounted scores part ways first.
func TestSameNumbersEverywhere(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a district")
	}
	dir := t.TempDir()
	if r := frontline(t, nil, "", "gen", "--cases", "4000", "--seed", "11", "--start", "2026-02-01", "--out", dir); r.code != 0 {
		t.Fatalf("gen: %s", r.stderr)
	}
	const month = "2027-01" // testNow's month
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		env := map[string]string{"FRONTLINE_DB": dsn, "FRONTLINE_LANG": "en", "FRONTLINE_ADDR": "127.0.0.1:0"}
		for _, step := range [][]string{
			{"registry", "load", filepath.Join(dir, "registry.yaml")},
			{"ingest", filepath.Join(dir, "events.ndjson")},
		} {
			if r := frontline(t, env, "", step...); r.code != 0 {
				t.Fatalf("%s: %s", step[0], r.stderr)
			}
		}
		password := strings.TrimSpace(frontline(t, env, "", "users", "add", "olga", "--role", "org_assessor").stdout)
		token := strings.TrimSpace(frontline(t, env, "", "users", "token", "olga").stdout)
		frontline(t, env, "", "users", "add", "dina", "--role", "discipline_inspector")
		inspector := http.Header{"Authorization": {"Bearer " + strings.TrimSpace(frontline(t, env, "", "users", "token", "dina").stdout)}}
		frontline(t, env, "", "users", "add", "ada", "--role", "admin")
		monitor := http.Header{"Authorization": {"Bearer " + strings.TrimSpace(frontline(t, env, "", "users", "token", "ada").stdout)}}

		// The command line.
		var cli scoresJSON
		r := frontline(t, env, "", "score", "--period", month, "--format", "json")
		if err := json.Unmarshal([]byte(r.stdout), &cli); err != nil || len(cli.Units) == 0 {
			t.Fatalf("score --format json: %v\n%s%s", err, r.stdout, r.stderr)
		}
		var counts struct {
			Units []struct {
				Milestone map[string]int `json:"milestones"`
			} `json:"units"`
		}
		if err := json.Unmarshal([]byte(frontline(t, env, "", "breaches", "--period", month, "--counts", "--format", "json").stdout), &counts); err != nil {
			t.Fatal(err)
		}
		cliBreaches := map[string]int{}
		for _, u := range counts.Units {
			for m, n := range u.Milestone {
				cliBreaches[m] += n
			}
		}
		if len(cliBreaches) == 0 {
			t.Fatalf("no breaches in %s: nothing to compare", month)
		}

		// The meeting pack.
		pack := filepath.Join(t.TempDir(), "meeting.xlsx")
		if r := frontline(t, env, "", "export", "meeting", "--period", month, "--out", pack); r.code != 0 {
			t.Fatalf("export meeting: %s", r.stderr)
		}
		packRanks, packBreaches := meetingPackFigures(t, pack)

		// The server: the API, the gauge, the pages.
		addr := serveGolden(t, env)
		get := func(path string, header http.Header) string {
			t.Helper()
			req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
			req.Header = header
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body := readAll(t, res)
			if res.StatusCode != 200 {
				t.Fatalf("GET %s: %d %s", path, res.StatusCode, body)
			}
			return body
		}
		bearer := http.Header{"Authorization": {"Bearer " + token}}
		var api scoresJSON
		if err := json.Unmarshal([]byte(get("/api/v1/scores?period="+month+"&per_page=1000&lang=en", bearer)), &api); err != nil {
			t.Fatal(err)
		}
		var listed struct {
			Breaches []struct{ Milestone string } `json:"breaches"`
		}
		if err := json.Unmarshal([]byte(get("/api/v1/breaches?period="+month, inspector)), &listed); err != nil {
			t.Fatal(err)
		}
		apiBreaches := map[string]int{}
		for _, b := range listed.Breaches {
			apiBreaches[b.Milestone]++
		}
		gauge := map[string]int{}
		for _, m := range gaugeLine.FindAllStringSubmatch(get("/metrics", monitor), -1) {
			n, _ := strconv.Atoi(m[2])
			gauge[m[1]] = n
		}

		// Scores: the command line against the API, the meeting pack and each ranked unit's page.
		if len(api.Units) != len(cli.Units) {
			t.Errorf("units: command line %d, API %d", len(cli.Units), len(api.Units))
		}
		byUnit := map[string]unitJSON{}
		for _, u := range api.Units {
			byUnit[u.Unit] = u
		}
		session := signIn(t, addr, "olga", password)
		pages, ranked := 0, 0
		for _, u := range cli.Units {
			a, ok := byUnit[u.Unit]
			if !ok {
				t.Errorf("%s: in the command line's scores, not the API's", u.Unit)
				continue
			}
			if !sameFloat(u.Score, a.Score) || !sameInt(u.Rank, a.Rank) || len(u.Metrics) != len(a.Metrics) {
				t.Errorf("%s: command line score %v rank %v, API %v %v", u.Unit, deref(u.Score), derefInt(u.Rank), deref(a.Score), derefInt(a.Rank))
			}
			for name, v := range u.Metrics {
				if !sameFloat(v, a.Metrics[name]) {
					t.Errorf("%s %s: command line %v, API %v", u.Unit, name, deref(v), deref(a.Metrics[name]))
				}
			}
			if u.Score == nil || u.Kind == "enterprise" {
				continue
			}
			rank := 0
			if u.Rank != nil {
				rank = *u.Rank
				ranked++
			}
			if p, ok := packRanks[u.Unit]; !ok || p.rank != rank || math.Abs(p.score-*u.Score) > 1e-6 {
				t.Errorf("%s: command line rank %d score %.6f, meeting pack %+v", u.Unit, rank, *u.Score, p)
			}
			if pages < 4 { // a street's and a department's page or two
				pages++
				req, _ := http.NewRequest("GET", "http://"+addr+"/units/"+u.Unit+"?period="+month+"&lang=en", nil)
				req.AddCookie(session)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				page := readAll(t, res)
				res.Body.Close()
				if want := fmt.Sprintf(`id="score">%.2f<`, *u.Score); !strings.Contains(page, want) {
					t.Errorf("%s's page lacks %s", u.Unit, want)
				}
			}
		}

		// Breaches by milestone: the command line, the API, the gauge, the meeting pack.
		for _, m := range []string{"call", "respond", "report", "dispose"} {
			if apiBreaches[m] != cliBreaches[m] || gauge[m] != cliBreaches[m] || packBreaches[m] != cliBreaches[m] {
				t.Errorf("%s breaches: command line %d, API %d, gauge %d, meeting pack %d", m, cliBreaches[m], apiBreaches[m], gauge[m], packBreaches[m])
			}
		}
		if ranked == 0 {
			t.Errorf("no unit ranked in %s: ranks were not compared", month)
		}
		t.Logf("%d units (%d ranked) and %v breaches agree", len(cli.Units), ranked, cliBreaches)
	})
}

type unitJSON struct {
	Unit    string              `json:"unit"`
	Kind    string              `json:"kind"`
	Score   *float64            `json:"score"`
	Rank    *int                `json:"rank"`
	Metrics map[string]*float64 `json:"metrics"`
}

type scoresJSON struct {
	Units []unitJSON `json:"units"`
}

var gaugeLine = regexp.MustCompile(`(?m)^frontline_breaches\{milestone="(\w+)"\} (\d+)$`)

type packRank struct {
	rank  int
	score float64
}

// meetingPackFigures reads the meeting pack's rankings (unit → rank and
// score) and its breaches by milestone, by the English column heads.
func meetingPackFigures(t *testing.T, file string) (map[string]packRank, map[string]int) {
	t.Helper()
	book, err := excelize.OpenFile(file)
	if err != nil {
		t.Fatal(err)
	}
	defer book.Close()
	ranks, breaches := map[string]packRank{}, map[string]int{}
	for _, sheet := range book.GetSheetList() {
		rows, err := book.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		for i, row := range rows {
			if len(row) >= 4 && i > 0 && (sheet == "Streets" || sheet == "Departments") {
				rank, _ := strconv.Atoi(row[0]) // 0: not ranked
				if score, err := strconv.ParseFloat(row[3], 64); err == nil {
					ranks[row[1]] = packRank{rank, score}
				}
			}
			if len(row) == 2 && strings.HasPrefix(row[0], "Breaches: ") {
				n, _ := strconv.Atoi(row[1])
				breaches[strings.TrimPrefix(row[0], "Breaches: ")] = n
			}
		}
	}
	if len(ranks) == 0 || len(breaches) == 0 {
		t.Fatalf("the meeting pack has no rankings or breach counts: sheets %v", book.GetSheetList())
	}
	return ranks, breaches
}

func sameFloat(a, b *float64) bool {
	return (a == nil) == (b == nil) && (a == nil || math.Abs(*a-*b) < 1e-9)
}

func sameInt(a, b *int) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func deref(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

func derefInt(v *int) any {
	if v == nil {
		return nil
	}
	return *v
}

func readAll(t *testing.T, res *http.Response) string {
	t.Helper()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}
