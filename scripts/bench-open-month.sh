#!/usr/bin/env bash
# Reads of a month with a deadline not yet due against a settled month
# (issue 23): a demo district whose months are all settled, then one case
# opened at the end of the last month and dispatched now, so that month
# has an open deadline. The same server and client read each month's
# scores (every unit's list and each unit's, frontline-load reads) for
# SECONDS_EACH seconds; printed: requests/s, p99 and the open month's rate
# as a share of the settled month's (target ≥ 0.8). With BEFORE=REV it
# also serves a build of that revision in the same run, for the figures
# before.
#
#   scripts/bench-open-month.sh                       # CASES=20000 SECONDS_EACH=10
#   BEFORE=HEAD~1 scripts/bench-open-month.sh
set -euo pipefail
cd "$(dirname "$0")/.."

CASES=${CASES:-20000}
SECONDS_EACH=${SECONDS_EACH:-10}
OUT=bench/out/open
ADDR=127.0.0.1:18082
URL=http://$ADDR
mkdir -p "$OUT"
go build -o "$OUT/frontline" ./cmd/frontline
go build -o "$OUT/frontline-load" ./cmd/frontline-load
builds=("now:$OUT/frontline")
if [ -n "${BEFORE:-}" ]; then
  rm -rf "$OUT/before-src" && git worktree add -f --detach "$OUT/before-src" "$BEFORE" >/dev/null 2>&1
  (cd "$OUT/before-src" && go build -o "../frontline-before" ./cmd/frontline)
  git worktree remove --force "$OUT/before-src"
  builds=("before ($BEFORE):$OUT/frontline-before" "${builds[@]}")
fi
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); $(go version | cut -d' ' -f3)"

server=""
stop() { if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; server=""; fi; }
trap stop EXIT

for build in "${builds[@]}"; do
  name=${build%%:*} FL=${build#*:}
  rm -rf "$OUT/demo" "$OUT/key"
  "$FL" demo --no-serve --cases "$CASES" --dir "$OUT/demo" >/dev/null 2>&1
  DB="$OUT/demo/frontline.db"
  last=$(sqlite3 "$DB" "SELECT substr(max(opened_at), 1, 7) FROM cases")
  settled=$(date -d "$last-01 -1 month" +%Y-%m)
  # One case opened at the end of the last month, dispatched now: its
  # response is due in ten minutes, so the month has an open deadline.
  end=$(date -d "$last-01 +1 month -5 minutes" +%Y-%m-%dT%H:%M:00+08:00)
  now=$(date +%Y-%m-%dT%H:%M:%S%:z)
  printf '%s\n%s\n' \
    "{\"id\":\"OPEN-1\",\"case\":\"OPEN-1\",\"type\":\"opened\",\"at\":\"$end\",\"category\":\"garbage\",\"street\":\"S01\"}" \
    "{\"id\":\"OPEN-2\",\"case\":\"OPEN-1\",\"type\":\"dispatched\",\"at\":\"$now\",\"unit\":\"D01\",\"by\":\"S01\"}" |
    "$FL" ingest --db "$DB" - >/dev/null 2>&1
  reader=$("$FL" users token assessor --db "$DB" --days 1 2>/dev/null)
  export FRONTLINE_METRICS_TOKEN=$("$FL" users token admin --db "$DB" --days 1 2>/dev/null)
  "$FL" key move --db "$DB" --out "$OUT/key" >/dev/null 2>&1
  "$FL" serve --db "$DB" --addr "$ADDR" --key-file "$OUT/key" 2>"$OUT/serve.log" &
  server=$!
  for _ in $(seq 100); do curl -sf "$URL/healthz" >/dev/null && break; sleep 0.1; done
  echo "== $name: $CASES cases; $settled settled, $last with one deadline not yet due"
  a=$("$OUT/frontline-load" reads --url "$URL" --token "$reader" --period "$settled" --duration "${SECONDS_EACH}s")
  b=$("$OUT/frontline-load" reads --url "$URL" --token "$reader" --period "$last" --duration "${SECONDS_EACH}s")
  echo "  $settled: $a"
  echo "  $last: $b"
  ra=$(echo "$a" | sed -n 's/.* \([0-9.]*\) requests\/s.*/\1/p') rb=$(echo "$b" | sed -n 's/.* \([0-9.]*\) requests\/s.*/\1/p')
  awk -v a="$ra" -v b="$rb" 'BEGIN { if (a > 0) printf "  the open month read at %.2f× the settled month'"'"'s rate (target ≥ 0.8)\n", b / a }'
  stop
done
