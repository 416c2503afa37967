#!/usr/bin/env bash
# HTTP benchmark (issue 7): the served demo district on loopback, loaded by
# frontline-load (vegeta). Prints, for SQLite and (when PG_DSN answers)
# PostgreSQL:
#   - score reads, case reads, and both mixed: requests/s, p50, p99, errors;
#   - HTTP ingest in batches: events/s, and the ratio to the command line's
#     `frontline ingest` of a file of the same size into the same database,
#     measured in this run (the storage path's own speed);
#   - the server's resident memory before and after sustained load.
# Targets: reads >= 3,000/s with p99 < 20 ms; ingest >= 50,000 events/s.
#
#   scripts/bench-http.sh                 # CASES=50000 SECONDS_EACH=20 BATCH=10000
#   PG_DSN=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable scripts/bench-http.sh
set -euo pipefail
cd "$(dirname "$0")/.."

CASES=${CASES:-50000}
SECONDS_EACH=${SECONDS_EACH:-20}
BATCH=${BATCH:-10000}
INGEST_CASES=${INGEST_CASES:-40000}
OUT=bench/out/http
ADDR=127.0.0.1:18080
URL=http://$ADDR
mkdir -p "$OUT"
go build -o "$OUT/frontline" ./cmd/frontline
go build -o "$OUT/frontline-load" ./cmd/frontline-load
FL="$OUT/frontline"
LOAD="$OUT/frontline-load"

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); $(go version | cut -d' ' -f3)"
"$FL" demo --no-serve --dir "$OUT/demo" --cases "$CASES" >/dev/null 2>&1
PERIOD=$(date -d "$(date +%Y-%m-01) -1 month" +%Y-%m)
# Files to ingest: districts of earlier years, so that no case id meets the demo's.
for year in 2014 2015; do
  [ -s "$OUT/ingest-$year/events.ndjson" ] || "$FL" gen --cases "$INGEST_CASES" --seed "$year" --start "$year-11-01" --out "$OUT/ingest-$year" >/dev/null 2>&1
done
EVENTS=$(wc -l < "$OUT/ingest-2014/events.ndjson")
echo "demo district: $CASES cases; reads of $PERIOD; ingest files of $EVENTS events, posted $BATCH per request"

server=""
stop() { if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; server=""; fi; }
trap stop EXIT

# bench DSN NAME: serve DSN and load it.
bench() {
  local dsn=$1 name=$2
  local reader inspector dispatch
  reader=$("$FL" users token assessor --db "$dsn" --days 1 2>/dev/null)
  inspector=$("$FL" users token inspector --db "$dsn" --days 1 2>/dev/null)
  dispatch=$("$FL" users token dispatch --db "$dsn" --days 1 2>/dev/null)
  export FRONTLINE_METRICS_TOKEN=$("$FL" users token admin --db "$dsn" --days 1 2>/dev/null)

  # The baseline: the command line ingests a file of the same size into
  # the same database (the server is not running), in this run.
  local start end cli
  start=$(date +%s.%N)
  "$FL" ingest --db "$dsn" "$OUT/ingest-2015/events.ndjson" >/dev/null 2>&1
  end=$(date +%s.%N)
  cli=$(awk -v n="$(wc -l < "$OUT/ingest-2015/events.ndjson")" -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", n / (b - a) }')

  # The server takes the pseudonymisation key from outside the data.
  rm -f "$OUT/$name.key"
  "$FL" key move --db "$dsn" --out "$OUT/$name.key" >/dev/null 2>&1
  "$FL" serve --db "$dsn" --addr "$ADDR" --key-file "$OUT/$name.key" 2>"$OUT/serve-$name.log" &
  server=$!
  for _ in $(seq 100); do curl -sf "$URL/healthz" >/dev/null && break; sleep 0.1; done
  echo
  echo "== $name"
  "$LOAD" reads --url "$URL" --token "$reader" --period "$PERIOD" --duration "${SECONDS_EACH}s" | sed 's/^reads/score reads/'
  "$LOAD" reads --url "$URL" --case-token "$inspector" --period "$PERIOD" --duration "${SECONDS_EACH}s" | sed 's/^reads/case reads/'
  "$LOAD" reads --url "$URL" --token "$reader" --case-token "$inspector" --period "$PERIOD" --duration "${SECONDS_EACH}s" | sed 's/^reads/mixed reads/'
  local json http
  json=$("$LOAD" ingest --url "$URL" --token "$dispatch" --events "$OUT/ingest-2014/events.ndjson" --batch "$BATCH" --json)
  http=$(echo "$json" | sed -n 's/.*"events_per_second":\([0-9.]*\).*/\1/p')
  echo "$json" | awk -v cli="$cli" -v http="$http" '{
    printf "ingest over HTTP: %.0f events/s; command line into the same database: %.0f events/s; ratio %.2f; target 50,000: %.2f\n", http, cli, http / cli, http / 50000 }'
  "$LOAD" reads --url "$URL" --token "$reader" --case-token "$inspector" --period "$PERIOD" --duration "${SECONDS_EACH}s" | sed 's/^reads/sustained reads/'
  stop
}

bench "$OUT/demo/frontline.db" sqlite

if [ -n "${PG_DSN:-}" ] && pg_isready -q -d "$PG_DSN" 2>/dev/null; then
  psql -q "$PG_DSN" -c "DROP DATABASE IF EXISTS frontline_bench" -c "CREATE DATABASE frontline_bench"
  base=${PG_DSN%%\?*}
  BENCH_DSN="${base%/*}/frontline_bench"
  case $PG_DSN in *\?*) BENCH_DSN="$BENCH_DSN?${PG_DSN#*\?}" ;; esac
  "$FL" registry load --db "$BENCH_DSN" "$OUT/demo/registry.yaml" >/dev/null 2>&1
  "$FL" ingest --db "$BENCH_DSN" "$OUT/demo/events.ndjson" >/dev/null 2>&1
  for u in "assessor org_assessor" "inspector discipline_inspector" "dispatch dispatch"; do
    set -- $u
    "$FL" users add "$1" --role "$2" --db "$BENCH_DSN" >/dev/null 2>&1
  done
  bench "$BENCH_DSN" postgres
fi
