package main

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"frontline/store/storetest"
)

// asCLI makes the test binary the frontline command when the crash test
// starts it, so that it can be killed as the real command would be.
const asCLI = "FRONTLINE_TEST_AS_CLI"

func TestMain(m *testing.M) {
	if os.Getenv(asCLI) == "1" {
		main()
		os.Exit(exitOK)
	}
	os.Exit(m.Run())
}

// stateOf is what a database holds, as the commands print it: the
// year's scores, its breaches and the chains' verdicts, without the audit
// chain's head and length and the event chain's head, which differ with
// the runs it saw and the order they stored events in.
func stateOf(t *testing.T, command func(args ...string) (string, error)) string {
	t.Helper()
	var out strings.Builder
	for _, args := range [][]string{
		{"score", "--period", "2026", "--asof", "2027-01-01", "--format", "json"},
		{"breaches", "--period", "2026", "--asof", "2027-01-01", "--format", "csv"},
		{"audit", "verify"},
	} {
		s, err := command(args...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		out.WriteString(s)
	}
	return regexp.MustCompile(`"audit_head": "[^"]*"|intact: \d+ entries; chain head \S+|event chain head \S+`).ReplaceAllString(out.String(), "")
}

// TestCrashDuringIngest kills `frontline ingest` with SIGKILL at random
// points of a large ingest, again and again, on both engines; the same
// ingest run once more then leaves exactly the state of one clean run:
// every event stored once, the same scores, an intact audit chain.
// FRONTLINE_CRASH_RUNS sets the kills per engine (default 6; the script
// scripts/crash-test.sh runs more).
func TestCrashDuringIngest(t *testing.T) {
	if raceEnabled {
		t.Skip("the killed process is this test binary; under the race detector it is too slow to be killed mid-ingest usefully")
	}
	runs := 6
	if n, err := strconv.Atoi(os.Getenv("FRONTLINE_CRASH_RUNS")); err == nil && n > 0 {
		runs = n
	}
	dir := t.TempDir()
	if r := frontline(t, map[string]string{}, "", "gen", "--cases", "4000", "--seed", "9", "--out", dir); r.code != exitOK {
		t.Fatalf("gen: %s", r.stderr)
	}
	events := filepath.Join(dir, "events.ndjson")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cli := func(dsn string, args ...string) *exec.Cmd {
		cmd := exec.Command(self, args...)
		cmd.Env = append(os.Environ(), asCLI+"=1", "FRONTLINE_DB="+dsn, "FRONTLINE_LANG=en")
		return cmd
	}
	state := func(t *testing.T, dsn string) string {
		t.Helper()
		return stateOf(t, func(args ...string) (string, error) {
			b, err := cli(dsn, args...).Output()
			return string(b), err
		})
	}
	ingestAll := func(t *testing.T, dsn string) string {
		t.Helper()
		out, err := cli(dsn, "ingest", "--json", "--batch", "500", events).Output()
		if err != nil {
			t.Fatalf("ingest: %v", err)
		}
		return string(out)
	}
	storetest.ForEachDSN(t, func(t *testing.T, clean string) {
		crashed := storetest.SQLite(t)
		if strings.HasPrefix(clean, "postgres") {
			crashed = storetest.Postgres(t, os.Getenv(storetest.PostgresEnv))
		}
		for _, dsn := range []string{clean, crashed} {
			if out, err := cli(dsn, "registry", "load", filepath.Join(dir, "registry.yaml")).CombinedOutput(); err != nil {
				t.Fatalf("registry load: %v %s", err, out)
			}
		}
		start := time.Now()
		first := ingestAll(t, clean)
		took := time.Since(start)
		want := state(t, clean)

		killed := 0
		for range runs {
			cmd := cli(crashed, "ingest", "--batch", "500", events)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Anywhere in the first half of a whole ingest's time: each run
			// gets further, as duplicates go faster than new events.
			time.Sleep(took/20 + time.Duration(rand.Int64N(int64(took/2)+1)))
			if cmd.Process.Signal(syscall.SIGKILL) == nil {
				if err := cmd.Wait(); err != nil {
					killed++
				}
			} else {
				cmd.Wait()
			}
		}
		again := ingestAll(t, crashed)
		if got := state(t, crashed); got != want {
			t.Errorf("after %d kills and one more ingest, the state differs from a clean run's:\n%s\nwant:\n%s", killed, got[max(0, len(got)-400):], want[max(0, len(want)-400):])
		}
		// A third ingest: only duplicates, as after the clean run.
		if dup := ingestAll(t, crashed); !strings.Contains(dup, `"accepted":0`) {
			t.Errorf("ingest after recovery: %s (first clean ingest %s, recovery %s)", dup, first, again)
		}
		if killed == 0 {
			t.Errorf("no run was killed mid-ingest: the test tested nothing")
		}
		t.Logf("%d of %d runs killed mid-ingest; the state survived", killed, runs)
	})
}
