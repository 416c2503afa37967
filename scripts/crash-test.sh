#!/usr/bin/env bash
# Crash safety (issue 11): kill `frontline ingest` with SIGKILL at random
# points of a large ingest, RUNS times per engine (default 40), then
# ingest once more and compare with a clean run: the same scores and
# breaches, every event once, an intact audit chain. PostgreSQL too when
# PG_DSN (or FRONTLINE_TEST_POSTGRES) answers. Prints the runs survived.
set -euo pipefail
cd "$(dirname "$0")/.."
export FRONTLINE_CRASH_RUNS=${RUNS:-40}
export FRONTLINE_TEST_POSTGRES=${FRONTLINE_TEST_POSTGRES:-${PG_DSN:-}}
if [ -z "$FRONTLINE_TEST_POSTGRES" ] && pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  export FRONTLINE_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
fi
echo "machine: $(nproc) cores; $FRONTLINE_CRASH_RUNS kills per engine"
go test -count=1 -timeout 60m -run '^TestCrashDuringIngest$' -v ./cmd/frontline |
  awk '/--- (PASS|FAIL|SKIP): TestCrashDuringIngest\// { engine = $3; sub(/.*\//, "", engine); order[++m] = engine; result[m] = $2; sub(/:$/, "", result[m]) }
       /runs killed mid-ingest/ { line = $0; sub(/^[ \t]*crash_test.go:[0-9]+: /, "", line); said[++n] = line }
       END { for (i = 1; i <= m; i++) printf "%s: %s (%s)\n", order[i], said[i], result[i] }'
