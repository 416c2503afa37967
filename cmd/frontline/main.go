// Command frontline is the Frontline binary: ingest, storage, scoring and
// the server, one subcommand each.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"sort"
	"strings"
	"syscall"
	"time"

	"frontline/evaluation"
	"frontline/fault"
	"frontline/view"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if path := os.Getenv("FRONTLINE_CPUPROFILE"); path != "" {
		stopProfile, err := startCPUProfile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "frontline:", err)
			os.Exit(exitFailure)
		}
		defer stopProfile()
	}
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv, time.Now)
	code := exitCode(err, os.Stderr)
	if code != exitOK {
		stop()
		os.Exit(code)
	}
}

// startCPUProfile writes a CPU profile to path until the returned
// function is called (FRONTLINE_CPUPROFILE, for measuring long runs).
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// app holds what every subcommand needs from its surroundings.
type app struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	now    func() time.Time // the clock: "now" for as-of defaults and refreshes
	lang   string           // zh or en
	// user is the command's --user flag: whose rights apply.
	user *string
	// ready, when set, is told the address `serve` listens on.
	ready func(addr string)
	// keyWarned is set once the command said that the database keeps its
	// pseudonymisation key.
	keyWarned bool
}

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, a *app, args []string) error
}

// commands is the command table, in the order `frontline help` lists it.
func commands() map[string]command {
	return map[string]command{
		"migrate":      {"create or upgrade the database schema", runMigrate},
		"registry":     {"load the registry of units, categories, cadres and tenures: registry load FILE", runRegistry},
		"ingest":       {"ingest case-trail events: ingest [--format ndjson|csv|open311] [--mapping FILE.yaml [--register-units]] [--strict] [--json] FILE…|-", runIngest},
		"backup":       {"a consistent copy of the database: backup FILE (SQLite online, PostgreSQL with pg_dump)", runBackup},
		"restore":      {"load a backup and check its audit chain: restore FILE --db TARGET [--force]", runRestore},
		"key":          {"the pseudonymisation key, outside the data: key new --out FILE | key move --out FILE", runKey},
		"stats":        {"statistics of the stored cases: stats durations --by unit [--period P] [--clock elapsed|wall] [--tz ZONE] [--format table|json|csv] | stats verdicts --period P [--asof T] [--tz ZONE] [--json]", runStats},
		"case":         {"show a case's trail and milestones: case ID [--json]", runCase},
		"quarantine":   {"list events held back for unknown codes: quarantine list [--json]", runQuarantine},
		"rebuild":      {"recompute all derived case state from the event log", runRebuild},
		"gen":          {"generate a synthetic district: gen --cases N --seed S --out DIR", runGen},
		"policy":       {"time-limit policy: policy show | policy check FILE | policy load FILE", runPolicy},
		"score":        {"scores and ranks: score --period P [--kind street|department|enterprise] [--asof T] [--format table|json|csv]", runScore},
		"explain":      {"every number behind a unit's score: explain --unit U --period P [--json]", runExplain},
		"satisfaction": {"satisfaction against the target, by month, with units at risk: satisfaction --period P", runSatisfaction},
		"matrix":       {"the street × department two-way matrix: matrix --period P [--format table|json|csv]", runMatrix},
		"reciprocity":  {"pairs that rate each other far above everyone else: reciprocity --period P [--json]", runReciprocity},
		"refresh":      {"recompute kept monthly scores: refresh [--all] [--asof T] (the months new events made stale, or every month)", runRefresh},
		"export":       {"Excel packs: export meeting|cadres|breaches|unit --period P [--unit U] --out FILE.xlsx | export verify FILE", runExport},
		"cadres":       {"cadre assessment from the units they led: cadres --period P [--role head|deputy|all] [--kind K] [--format table|json|csv] | cadres show ID --period P [--json]", runCadres},
		"appeal":       {"appeal a breach, a rating, an evaluation or a finding: appeal --case C --unit U --target T --reason R", runAppeal},
		"appeals":      {"the appeal queue: appeals [--state open|upheld|rejected|duplicate|all] [--unit U] [--format table|json|csv] | appeals decide ID --upheld|--rejected --unit ORG --note N", runAppeals},
		"findings":     {"supervision findings: findings [--period P] [--unit U] [--state S] | findings add --case C --unit DIS --target U --severity S --note N | findings withdraw ID --unit DIS --note N", runFindings},
		"warnings":     {"the live board of open milestones nearing (amber) or past (red) their deadline: warnings [--state amber|red] [--unit U] [--format table|json|csv] [--watch [--every 10s]]", runWarnings},
		"urge":         {"urge a unit on an open case (督办): urge --case C --target U [--unit DIS] [--note N]", runUrge},
		"evaluate":     {"two-way evaluation: evaluate response --case C --unit STREET --target DEPT --score 1-5 | evaluate call --case C --unit DEPT --target STREET --accurate true|false [--score 1-5]", runEvaluate},
		"rule-return":  {"rule on a return: rule-return --case C --unit BODY --target DEPT --justified|--unjustified --note N", runRuleReturn},
		"users":        {"users and credentials: users add NAME --role ROLE [--unit CODE] | users token NAME [--days N] | users revoke NAME [--token ID] | users password NAME | users disable|enable NAME | users list", runUsers},
		"audit":        {"the hash-chained audit log: audit verify [--head SEQ:HASH] | audit log [--since T] [--actor U] [--action A] [--format table|json|csv]", runAudit},
		"demo":         {"a fresh demo district with one user per role, then serve: demo [--cases N] [--dir DIR] [--addr HOST:PORT] [--no-serve]", runDemo},
		"serve":        {"serve the HTTP API: serve [--addr HOST:PORT] [--max-event-bytes N] (also $FRONTLINE_ADDR, $FRONTLINE_DB)", runServe},
		"openapi":      {"print the API's OpenAPI document", runOpenAPI},
		"breaches":     {"breached deadlines with their case trails: breaches --period P [--unit U] [--asof T] [--format table|json|csv]", runBreaches},
	}
}

// run is main without the process: tests call it with their own streams.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string, now func() time.Time) error {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv, now: now, lang: "zh"}
	if l := getenv("FRONTLINE_LANG"); strings.HasPrefix(l, "en") {
		a.lang = "en"
	}
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		a.usage(cmds)
		if len(args) == 0 {
			return a.usagef("没有给出命令", "no command given")
		}
		return nil
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		a.usage(cmds)
		return a.usagef("没有命令 %q", "unknown command %q", args[0])
	}
	return a.spoken(cmd.run(ctx, a, args[1:]))
}

// spoken gives an error the words of the user's language: an error made
// with fault.Sayf prints its Chinese to a Chinese user. Its kind, and
// what it wraps, stay as they were.
func (a *app) spoken(err error) error {
	if err == nil || a.lang == "en" {
		return err
	}
	var e *fault.Error
	if !errors.As(err, &e) {
		return err
	}
	if text := fault.Text(err, a.lang); text != fault.Text(err, "en") {
		return &saidError{err: err, text: text}
	}
	return err
}

// saidError is an error with what it says to the user.
type saidError struct {
	err  error
	text string
}

func (e *saidError) Error() string { return e.text }
func (e *saidError) Unwrap() error { return e.err }

func (a *app) usage(cmds map[string]command) {
	fmt.Fprintln(a.stderr, a.t("用法：frontline 命令 [参数]", "usage: frontline COMMAND [flags]"))
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(a.stderr, "  %-11s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(a.stderr, a.t("每个命令都接受 --db（默认取 $FRONTLINE_DB，否则为 frontline.db）；`frontline 命令 -h` 列出其参数。",
		"Every command takes --db (default $FRONTLINE_DB or frontline.db); `frontline COMMAND -h` lists its flags."))
}

// t picks the Chinese or English text for the user's language.
func (a *app) t(zh, en string) string { return view.Pick(a.lang, zh, en) }

// name picks a registry name in the user's language, falling back to
// Chinese where the registry has no English name.
func (a *app) name(n evaluation.Name) string { return view.Name(n, a.lang) }

// flags returns a flag set for a subcommand with the --db flag every
// command shares.
func (a *app) flags(name string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("frontline "+name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	def := a.getenv("FRONTLINE_DB")
	if def == "" {
		def = "frontline.db"
	}
	db := fs.String("db", def, "database: a SQLite file path, or a postgres:// URL ($FRONTLINE_DB)")
	a.user = fs.String("user", a.getenv("FRONTLINE_USER"), "act as this user: their role and domain decide what is shown and allowed ($FRONTLINE_USER; default: the local operator)")
	return fs, db
}

// explicit says whether the flag name was given on the command line.
func explicit(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// formatFlag adds the --format flag of commands that print a table, JSON or CSV.
func formatFlag(fs *flag.FlagSet) *string {
	return fs.String("format", "table", "table, json or csv")
}

// checkFormat refuses a --format other than table, json or csv.
func checkFormat(command, format string) error {
	if format != "table" && format != "json" && format != "csv" {
		// Said in the user's language on the way out (spoken): an Invalid
		// request exits as a usage error does.
		return fault.Sayf(fault.Invalid, "", "%s：--format 须为 table、json 或 csv，而不是 %q", "%s: --format must be table, json or csv, not %q", command, format)
	}
	return nil
}

// parse parses the flags of a command that takes nothing else: an
// argument that is not a flag is a usage error, never a file name or a
// value quietly left over (DESIGN.md §7), and nothing has run yet.
func parse(fs *flag.FlagSet, args []string) error {
	pos, err := parseMixed(fs, args)
	if err == nil && len(pos) > 0 {
		return fault.Sayf(fault.Invalid, "", "%s：多余的参数 %q（这个命令只接受选项）", "%s: unexpected argument %q (this command takes flags only)", fs.Name(), pos[0])
	}
	return err
}

// parseFlags parses flags up to the first argument that is not one,
// turning flag errors into usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return usageErrorf("%v", err)
	}
	return nil
}

// parseMixed parses flags placed anywhere among positional arguments
// (file names, ids), and returns the positional ones in order; after
// "--" everything is positional.
func parseMixed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

func runMigrate(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("migrate")
	if err := parse(fs, args); err != nil {
		return err
	}
	svc, err := a.openService(ctx, *dsn)
	if err != nil {
		return err
	}
	defer svc.Close()
	fmt.Fprintln(a.stderr, a.t("数据库结构已是最新", "database is up to date"))
	return nil
}

func runRebuild(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags("rebuild")
	if err := parse(fs, args); err != nil {
		return err
	}
	svc, s, err := a.open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer svc.Close()
	n, err := svc.Rebuild(ctx, s)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, a.t("已从事件日志重建 %d 个案件\n", "rebuilt %d cases from the event log\n"), n)
	return a.refreshScores(ctx, svc)
}

// Exit statuses (DESIGN.md §7).
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
	exitStrict  = 3
)

var errHelp = errors.New("help requested")

// usageError is a command asked wrongly; it may carry the error that
// found it (cause), whose words in the user's language it then has.
type usageError struct {
	msg   string
	cause error
}

func (e *usageError) Error() string { return e.msg }
func (e *usageError) Unwrap() error { return e.cause }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// strictError reports that --strict found rejected, conflicting or quarantined events.
type strictError struct{ rejected, conflicts, quarantined int }

func (e *strictError) Error() string {
	return fmt.Sprintf("strict mode: %d rejected, %d in conflict, %d quarantined", e.rejected, e.conflicts, e.quarantined)
}

func exitCode(err error, stderr io.Writer) int {
	var usage *usageError
	var strict *strictError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return exitOK
	case errors.As(err, &usage):
		fmt.Fprintln(stderr, "frontline:", err)
		return exitUsage
	case errors.As(err, &strict):
		fmt.Fprintln(stderr, "frontline:", err)
		return exitStrict
	case isInvalidRequest(err):
		fmt.Fprintln(stderr, "frontline:", err)
		return exitUsage
	default:
		fmt.Fprintln(stderr, "frontline:", err)
		return exitFailure
	}
}

// isInvalidRequest reports an error in what the command was asked: input
// that a step refused as invalid (an appeal of a deadline that was met, a
// score of 6), a usage error like a bad flag.
func isInvalidRequest(err error) bool { return fault.KindOf(err) == fault.Invalid }

// usagef is a usage error in the user's language: zh and en say the same
// thing, formatted with args.
func (a *app) usagef(zh, en string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(a.t(zh, en), args...)}
}
