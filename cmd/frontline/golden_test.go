package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/golden from this run")

// TestGoldenRun holds what Frontline answers, from every door, for one
// fixed district: a restructuring must leave every byte of it as it was.
// A demo district with a fixed seed and clock is built; then every
// reporting command's output, every Excel pack's cells, the JSON API's
// answers, the dashboard's pages and the gauge are compared with
// testdata/golden. `go test -run TestGoldenRun -update-golden
// ./cmd/frontline` writes them anew, for a change meant to alter them;
// the diff then shows what it altered.
func TestGoldenRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a district")
	}
	dir := t.TempDir()
	env := map[string]string{"FRONTLINE_DB": filepath.Join(dir, "frontline.db"), "FRONTLINE_ADDR": "127.0.0.1:0"}
	r := frontline(t, env, "", "demo", "--no-serve", "--live=false", "--cases", "3000", "--seed", "7", "--dir", dir)
	if r.code != 0 {
		t.Fatalf("demo: exit %d: %s", r.code, r.stderr)
	}
	logins := demoLogins(t, r.stdout)
	got := map[string]string{}
	record := func(name string, r result) {
		t.Helper()
		got[name] = fmt.Sprintf("exit %d\n-- stdout --\n%s-- stderr --\n%s", r.code, r.stdout, r.stderr)
	}

	// The command line, in Chinese (the default) and some in English.
	en := map[string]string{"FRONTLINE_DB": env["FRONTLINE_DB"], "FRONTLINE_LANG": "en"}
	cli := []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"score-month.json", env, []string{"score", "--period", "2026-06", "--format", "json"}},
		{"score-month.txt", env, []string{"score", "--period", "2026-06"}},
		{"score-month-en.csv", en, []string{"score", "--period", "2026-06", "--format", "csv"}},
		{"score-year-street.json", env, []string{"score", "--period", "2026", "--kind", "street", "--format", "json"}},
		{"score-quarter-monthly.json", env, []string{"score", "--period", "2026-Q2", "--monthly", "--format", "json"}},
		{"score-cached.json", env, []string{"score", "--period", "2026-11", "--cached", "--format", "json"}},
		{"score-unit-asof.json", env, []string{"score", "--period", "2026-12", "--unit", "D01", "--asof", "2026-12-10", "--format", "json"}},
		{"explain-street.json", env, []string{"explain", "--unit", "S01", "--period", "2026-06", "--json"}},
		{"explain-department.txt", en, []string{"explain", "--unit", "D01", "--period", "2026-06"}},
		{"breaches.json", env, []string{"breaches", "--period", "2026-06", "--format", "json"}},
		{"breaches-unit.txt", env, []string{"breaches", "--period", "2026-06", "--unit", "D02"}},
		{"breaches-counts.json", env, []string{"breaches", "--period", "2026-06", "--counts", "--format", "json"}},
		{"breaches-summary.txt", en, []string{"breaches", "--period", "2026-Q2", "--summary"}},
		{"satisfaction.json", env, []string{"satisfaction", "--period", "2026", "--format", "json"}},
		{"satisfaction.txt", env, []string{"satisfaction", "--period", "2026-Q3"}},
		{"matrix.json", env, []string{"matrix", "--period", "2026-06", "--format", "json"}},
		{"matrix.txt", en, []string{"matrix", "--period", "2026-06"}},
		{"reciprocity.json", env, []string{"reciprocity", "--period", "2026", "--json"}},
		{"cadres.json", env, []string{"cadres", "--period", "2026-Q2", "--format", "json"}},
		{"cadres-all.csv", en, []string{"cadres", "--period", "2026", "--role", "all", "--format", "csv"}},
		{"cadre-show.json", env, []string{"cadres", "show", "K001", "--period", "2026-Q2", "--json"}},
		{"case.json", env, []string{"case", "C2026000042", "--json"}},
		{"case.txt", env, []string{"case", "C2026000042"}},
		{"appeals.json", env, []string{"appeals", "--state", "all", "--format", "json"}},
		{"findings.json", env, []string{"findings", "--period", "2026", "--state", "all", "--format", "json"}},
		{"findings-unit.txt", en, []string{"findings", "--period", "2026-Q1", "--unit", "D01"}},
		{"stats.json", env, []string{"stats", "durations", "--by", "unit", "--period", "2026-06", "--format", "json"}},
		{"policy.txt", env, []string{"policy", "show", "--at", "2026-06-01"}},
		{"quarantine.json", env, []string{"quarantine", "list", "--json"}},
		{"users.txt", env, []string{"users", "list"}},
		{"score-as-street-head.json", env, []string{"score", "--period", "2026-06", "--format", "json", "--user", "street"}},
		{"breaches-as-dept-head.json", env, []string{"breaches", "--period", "2026-06", "--format", "json", "--user", "dept"}},
	}
	for _, c := range cli {
		record("cli/"+c.name, frontline(t, c.env, "", c.args...))
	}

	// Every pack, read back cell by cell.
	packs := []struct {
		name string
		args []string
	}{
		{"meeting", []string{"export", "meeting", "--period", "2026-06", "--user", "assessor"}},
		{"meeting-quarter-en", []string{"export", "meeting", "--period", "2026-Q2", "--user", "assessor"}},
		{"cadres", []string{"export", "cadres", "--period", "2026-Q2", "--user", "assessor"}},
		{"breaches", []string{"export", "breaches", "--period", "2026-06", "--user", "inspector"}},
		{"unit-street", []string{"export", "unit", "--period", "2026-06", "--user", "street"}},
		{"unit-department", []string{"export", "unit", "--period", "2026-06", "--user", "dept"}},
	}
	for _, p := range packs {
		file := filepath.Join(dir, p.name+".xlsx")
		e := env
		if strings.HasSuffix(p.name, "-en") {
			e = en
		}
		r := frontline(t, e, "", append(p.args, "--out", file)...)
		record("packs/"+p.name+".export.txt", r)
		if r.code == 0 {
			got["packs/"+p.name+".cells.tsv"] = workbookCells(t, file)
		}
	}

	// The server: the JSON API, the gauge, Open311 and the pages.
	addr := serveGolden(t, env)
	get := func(name, token, path string) {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		got[name] = fetch(t, req)
	}
	for _, c := range []struct{ name, who, path string }{
		{"scores-month", "assessor", "/api/v1/scores?period=2026-06"},
		{"scores-year-street", "assessor", "/api/v1/scores?period=2026&kind=street"},
		{"unit-scores", "assessor", "/api/v1/units/S01/scores?period=2026-Q2"},
		{"unit-explain", "assessor", "/api/v1/units/D01/explain?period=2026-06"},
		{"matrix", "assessor", "/api/v1/matrix?period=2026-06"},
		{"satisfaction", "assessor", "/api/v1/satisfaction?period=2026"},
		{"cadres", "assessor", "/api/v1/cadres?period=2026-Q2"},
		{"cadre", "assessor", "/api/v1/cadres/K001?period=2026-Q2"},
		{"appeals", "assessor", "/api/v1/appeals?state=all"},
		{"breaches", "inspector", "/api/v1/breaches?period=2026-06"},
		{"case", "inspector", "/api/v1/cases/C2026000042"},
		{"findings", "inspector", "/api/v1/findings?period=2026&state=all"},
		{"street-scores", "street", "/api/v1/scores?period=2026-06"},
		{"street-breaches", "street", "/api/v1/breaches?period=2026-06"},
		{"street-other-case", "street", "/api/v1/units/D05/scores?period=2026-06"},
		{"dept-breaches", "dept", "/api/v1/breaches?period=2026-06"},
		{"open311-services", "assessor", "/open311/v2/services.json"},
		{"open311-requests", "inspector", "/open311/v2/requests.json?start_date=2026-06-01T00:00:00%2B08:00&end_date=2026-06-03T00:00:00%2B08:00"},
		{"open311-request", "inspector", "/open311/v2/requests/C2026000042.json"},
	} {
		get("api/"+c.name+".json", logins[c.who].token, c.path)
	}
	req, _ := http.NewRequest("GET", "http://"+addr+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+logins["admin"].token)
	var gauges []string
	for line := range strings.Lines(fetch(t, req)) {
		if strings.HasPrefix(line, "frontline_") && !strings.Contains(line, "_seconds") && !strings.HasPrefix(line, "frontline_http") {
			gauges = append(gauges, line)
		}
	}
	got["api/metrics.txt"] = strings.Join(gauges, "")
	for who, pages := range map[string][]string{
		"assessor":  {"/", "/units/S01?period=2026-06", "/units/D01?period=2026-06", "/rankings?period=2026-06", "/satisfaction?period=2026", "/matrix?period=2026-06", "/cadres?period=2026-Q2", "/appeals?state=all", "/reciprocity?period=2026"},
		"inspector": {"/breaches?period=2026-06", "/cases/C2026000042", "/findings?period=2026"},
		"street":    {"/", "/units/S01?period=2026-06", "/breaches?period=2026-06", "/findings?period=2026"},
		"dept":      {"/", "/breaches?period=2026-06"},
	} {
		cookie := signIn(t, addr, who, logins[who].password)
		for _, path := range pages {
			req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
			req.AddCookie(cookie)
			name := strings.NewReplacer("/", "_", "?", "_", "=", "-", "&", "_").Replace(strings.TrimPrefix(path, "/"))
			got["pages/"+who+"_"+cmpOr(name, "home")+".html.txt"] = csrfValue.ReplaceAllString(fetch(t, req), `$1CSRF"`)
		}
	}

	for name, text := range got {
		got[name] = stable(text, addr, dir)
	}
	golden := filepath.Join("testdata", "golden")
	if *updateGolden {
		if err := os.RemoveAll(golden); err != nil {
			t.Fatal(err)
		}
		for name, text := range got {
			path := filepath.Join(golden, name)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	var want []string
	filepath.WalkDir(golden, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			want = append(want, filepath.ToSlash(strings.TrimPrefix(path, golden+string(filepath.Separator))))
		}
		return nil
	})
	for _, name := range want {
		if _, ok := got[name]; !ok {
			t.Errorf("%s: in the golden run, not in this one", name)
		}
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for name := range got {
			if !yield(name) {
				return
			}
		}
	})
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(golden, name))
		if err != nil {
			t.Errorf("%s: not in the golden run (-update-golden writes it)", name)
			continue
		}
		if string(b) != got[name] {
			t.Errorf("%s differs from the golden run:\n%s", name, firstDifference(string(b), got[name]))
		}
	}
}

// stable blanks what differs from run to run however Frontline behaves:
// the server's port, the temporary directory, and what follows from the
// random secrets the demo issues (token ids, and the audit chain and
// the files whose covers carry its head).
func stable(text, addr, dir string) string {
	text = strings.NewReplacer(addr, "ADDR", dir, "DIR").Replace(text)
	text = auditHead.ReplaceAllString(text, "$1:<head>")
	text = fileHash.ReplaceAllString(text, "SHA-256 <sha256>")
	return tokenID.ReplaceAllString(text, "<token>→")
}

var (
	auditHead = regexp.MustCompile(`\b(\d+):[0-9a-f]{64}\b`)
	fileHash  = regexp.MustCompile(`SHA-256 [0-9a-f]{64}\b`)
	tokenID   = regexp.MustCompile(`\b[0-9a-f]{12}→`)
)

// csrfValue matches a page's anti-forgery token, which differs by session.
var csrfValue = regexp.MustCompile(`(name="csrf_token" value=")[^"]*"`)

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

type login struct{ password, token string }

// demoLogins reads the logins the demo prints once: a password and a
// token for each person, a token for the dispatch account.
func demoLogins(t *testing.T, out string) map[string]login {
	t.Helper()
	logins := map[string]login{}
	for _, u := range demoUsers {
		for line := range strings.Lines(out) {
			f := strings.Fields(line)
			if len(f) < 3 || f[0] != u.name {
				continue
			}
			if u.name == "dispatch" {
				logins[u.name] = login{token: f[len(f)-1]}
			} else {
				logins[u.name] = login{password: f[len(f)-2], token: f[len(f)-1]}
			}
		}
		if logins[u.name].token == "" {
			t.Fatalf("the demo printed no login for %s:\n%s", u.name, out)
		}
	}
	return logins
}

// serveGolden starts `serve` on the demo's database with the tests'
// fixed clock and returns its address.
func serveGolden(t *testing.T, env map[string]string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs, logw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, strings.NewReader(""), io.Discard, logw, testEnv(env), testNow)
		logw.Close()
	}()
	t.Cleanup(func() { cancel(); <-done })
	lines := bufio.NewScanner(logs)
	for lines.Scan() {
		var entry struct{ Msg, Addr string }
		if json.Unmarshal(lines.Bytes(), &entry) == nil && entry.Msg == "serving" {
			go io.Copy(io.Discard, logs)
			return entry.Addr
		}
	}
	t.Fatal("serve never said where it listens")
	return ""
}

// fetch answers a request as its status, content type and body.
func fetch(t *testing.T, req *http.Request) string {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d %s\n%s", res.StatusCode, res.Header.Get("Content-Type"), b)
}

// signIn opens a dashboard session and returns its cookie.
func signIn(t *testing.T, addr, name, password string) *http.Cookie {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"name": name, "password": password})
	res, err := http.Post("http://"+addr+"/api/v1/login", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for _, c := range res.Cookies() {
		if c.Value != "" {
			return c
		}
	}
	t.Fatalf("%s could not sign in: %s", name, res.Status)
	return nil
}

// workbookCells lists every sheet's cells as tab-separated rows, with
// the sheet's print and layout settings that a reader sees.
func workbookCells(t *testing.T, file string) string {
	t.Helper()
	book, err := excelize.OpenFile(file)
	if err != nil {
		t.Fatal(err)
	}
	defer book.Close()
	var b strings.Builder
	for _, sheet := range book.GetSheetList() {
		fmt.Fprintf(&b, "== %s\n", sheet)
		rows, err := book.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			b.WriteString(strings.Join(row, "\t"))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// firstDifference shows the first line where want and got part.
func firstDifference(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n  want %.300q\n  got  %.300q", i+1, wl, gl)
		}
	}
	return "(same lines, different ends)"
}
