package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"frontline/evaluation"
	"frontline/formats"
	"frontline/rbac"
	"frontline/synth"
)

// demoUsers are the demo's logins: one per role, heads of the first
// street and department.
var demoUsers = []struct {
	name string
	role rbac.Role
	unit string
}{
	{"admin", rbac.Admin, ""},
	{"assessor", rbac.OrgAssessor, ""},
	{"inspector", rbac.DisciplineInspector, ""},
	{"street", rbac.StreetHead, "S01"},
	{"dept", rbac.DeptHead, "D01"},
	{"dispatch", rbac.Dispatch, ""},
}

// runDemo builds a fresh demo district — a year of case trails ending
// last month, so that every deadline has passed, and (--live) a few cases
// opened in the last hour that the live board watches — adds one user per
// role, prints their logins once, and serves.
func runDemo(ctx context.Context, a *app, args []string) error {
	fs, dbFlag := a.flags("demo")
	dir := fs.String("dir", "demo", "directory for the demo's data, and its SQLite database unless --db names another, empty one (the directory's files are replaced)")
	cases := fs.Int("cases", 50000, "number of cases")
	seed := fs.Int64("seed", 1, "random seed; the same seed gives the same district")
	serving := serveFlags(a, fs)
	noServe := fs.Bool("no-serve", false, "build the demo and print the logins, without serving")
	live := fs.Bool("live", true, "add cases opened in the last hour, still running, for the live board (/warnings)")
	if err := parse(fs, args); err != nil {
		return err
	}
	// A demo district is a throwaway: it keeps its own key, quietly.
	a.keyWarned = true
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	dsn := filepath.Join(*dir, "frontline.db")
	if explicit(fs, "db") {
		// A database of the user's own (PostgreSQL, say): never replaced,
		// so it must be empty.
		dsn = *dbFlag
		svc, err := a.openService(ctx, dsn)
		if err != nil {
			return err
		}
		empty, err := svc.Empty(ctx)
		svc.Close()
		if err != nil {
			return err
		}
		if !empty {
			return usageErrorf(a.t("demo：%s 中已有事件或用户；演示需在空数据库中生成新辖区",
				"demo: %s already holds events or users; the demo builds a fresh district in an empty database"), dsn)
		}
	} else {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Remove(dsn + suffix); err != nil && !os.IsNotExist(err) {
				return err
			}
		}
	}
	now := a.now().In(synth.Zone)
	start := time.Date(now.Year()-1, now.Month(), 1, 0, 0, 0, 0, synth.Zone)
	fmt.Fprintf(a.stderr, a.t("正在生成演示辖区：%d 个案件，%s 至 %s，位于 %s\n", "building a demo district of %d cases, %s to %s, in %s\n"),
		*cases, start.Format("2006-01-02"), start.AddDate(1, 0, -1).Format("2006-01-02"), *dir)
	steps := [][]string{
		{"gen", "--cases", strconv.Itoa(*cases), "--seed", strconv.FormatInt(*seed, 10), "--start", start.Format("2006-01-02"), "--out", *dir},
		{"registry", "load", "--db", dsn, filepath.Join(*dir, "registry.yaml")},
		{"policy", "load", "--db", dsn, filepath.Join(*dir, "policy.yaml")},
		{"ingest", "--db", dsn, filepath.Join(*dir, "events.ndjson")},
	}
	for i := 0; i < len(steps); i++ {
		step := steps[i]
		if err := commands()[step[0]].run(ctx, a, step[1:]); err != nil {
			return fmt.Errorf("demo: %s: %w", step[0], err)
		}
		if step[0] == "gen" && *live {
			file, err := writeLiveCases(filepath.Join(*dir, "registry.yaml"), filepath.Join(*dir, "live.ndjson"), a.now())
			if err != nil {
				return fmt.Errorf("demo: %w", err)
			}
			steps = append(steps, []string{"ingest", "--db", dsn, file})
		}
	}
	w, sess, err := a.open(ctx, dsn)
	if err != nil {
		return err
	}
	defer w.Close()
	t := &table{}
	t.row(strings.Split(a.t("用户|角色|单位|密码或 API 令牌（仅显示一次）", "USER|ROLE|UNIT|PASSWORD OR API TOKEN (SHOWN ONCE)"), "|")...)
	for _, u := range demoUsers {
		// The first secret: a password, or the dispatch account's token.
		cred, err := w.AddUser(ctx, sess, rbac.User{Name: u.name, Role: u.role, Unit: u.unit}, 90)
		if err != nil {
			return err
		}
		secret := cred.Token
		if u.role != rbac.Dispatch {
			// A token too, so that the API can be tried from the command line.
			tok, err := w.IssueToken(ctx, sess, u.name, 90)
			if err != nil {
				return err
			}
			secret = cred.Password + "  " + tok.Token
		}
		t.row(u.name, a.label(string(u.role)), dash(u.unit), secret)
	}
	fmt.Fprintln(a.stdout)
	t.write(a.stdout)
	// A resident's view: the district's latest case with its access code,
	// as the platform would have told the resident who reported it.
	if id, code, err := sampleTrack(filepath.Join(*dir, "events.ndjson")); err != nil {
		return err
	} else if id != "" {
		fmt.Fprintf(a.stdout, a.t("\n居民查询示例：案件编号 %s，查询码 %s（在 /track 页面输入）\n", "\nA resident's case to track: case number %s, access code %s (enter them at /track)\n"), id, code)
	}
	if *live {
		fmt.Fprintf(a.stdout, a.t("预警看板（/warnings，纪委监督员或负责人登录）：%d 个过去一小时内受理、仍在计时的案件，陆续变黄、变红\n",
			"The live board (/warnings, as the inspector or a head): %d cases opened in the last hour, still running, turning amber and red as you watch\n"), liveCases)
	}
	if *noServe {
		return nil
	}
	fmt.Fprintf(a.stdout, a.t("\n看板：http://%s/（用上面的用户名和密码登录）\nAPI 参考：http://%s/docs — 试试：curl -H 'Authorization: Bearer 令牌' 'http://%s/api/v1/scores?period=%s'\n按 Ctrl-C 停止。\n",
		"\nDashboard: http://%s/ (sign in with a user and password above)\nAPI reference: http://%s/docs — try: curl -H 'Authorization: Bearer TOKEN' 'http://%s/api/v1/scores?period=%s'\nStop with Ctrl-C.\n"),
		serving.addr, serving.addr, serving.addr, start.AddDate(1, -1, 0).Format("2006-01")) // the year's last month
	return a.serve(ctx, w, *serving)
}

// liveCases is how many running cases the demo adds for the live board.
const liveCases = 24

// writeLiveCases writes the trails of cases opened over the hour before
// now into file, for the live board to have something to watch: each
// called in by its street a minute after it was reported, a third of them
// responded to already. The oldest are past their response limit (red),
// some close to it (amber), and the rest turn amber and red while the
// demo runs. Their categories are the registry's quickest class.
func writeLiveCases(registry, file string, now time.Time) (string, error) {
	f, err := os.Open(registry)
	if err != nil {
		return "", err
	}
	reg, err := formats.ParseRegistry(f, formats.RegistryFormat(registry), nil)
	f.Close()
	if err != nil {
		return "", err
	}
	var streets, departments, quick []string
	for _, u := range reg.Units {
		switch u.Kind {
		case evaluation.Street:
			streets = append(streets, u.Code)
		case evaluation.Department:
			departments = append(departments, u.Code)
		}
	}
	for _, c := range reg.Categories {
		if c.Class == "A" {
			quick = append(quick, c.Code)
		}
	}
	if len(streets) == 0 || len(departments) == 0 || len(quick) == 0 {
		return "", fmt.Errorf("%s has no street, department or class A category for the live cases", registry)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	day := now.In(synth.Zone).Format("20060102")
	for i := range liveCases {
		opened := now.Add(-time.Hour + time.Duration(i)*150*time.Second).Truncate(time.Second)
		id := fmt.Sprintf("C%sL%02d", day, i+1)
		street, dept := streets[i%len(streets)], departments[(i*7)%len(departments)]
		trail := []evaluation.Event{
			{ID: id + "-1", Case: id, Type: evaluation.Opened, At: opened, Category: quick[i%len(quick)], Street: street, Source: "hotline"},
			{ID: id + "-2", Case: id, Type: evaluation.Dispatched, At: opened.Add(time.Minute), Unit: dept, By: street},
		}
		if i%3 == 0 {
			trail = append(trail, evaluation.Event{ID: id + "-3", Case: id, Type: evaluation.Responded, At: opened.Add(6 * time.Minute), Unit: dept})
		}
		for _, e := range trail {
			if !e.At.After(now) {
				if err := enc.Encode(e); err != nil {
					return "", err
				}
			}
		}
	}
	return file, os.WriteFile(file, b.Bytes(), 0o644)
}

// sampleTrack finds the last case opened in a trail file that carries an
// access code: its id and the code.
func sampleTrack(file string) (id, code string, err error) {
	f, err := os.Open(file)
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.Contains(line, []byte(`"access_code"`)) {
			continue
		}
		var e evaluation.Event
		if json.Unmarshal(line, &e) == nil && e.Type == evaluation.Opened && e.AccessCode != "" {
			id, code = e.Case, e.AccessCode
		}
	}
	return id, code, sc.Err()
}
