#!/usr/bin/env bash
# Soak (issue 11): the served demo district on loopback, with ingest and
# reads running together for ROUNDS rounds of SECONDS_EACH seconds
# (defaults 4 × 30 s). Each round posts a fresh district's events (new
# case ids) while mixed score and case reads run beside it. Prints per
# round the reads' throughput, p99 and errors, the ingest's events/s and
# errors, and the server's resident memory; then whether any request
# failed (it must not) and how memory moved from the first round to the
# last (it must not keep growing).
#
#   scripts/soak.sh                       # SQLite; PG_DSN=postgres://… for PostgreSQL
set -euo pipefail
cd "$(dirname "$0")/.."
CASES=${CASES:-20000}
ROUNDS=${ROUNDS:-4}
SECONDS_EACH=${SECONDS_EACH:-30}
INGEST_CASES=${INGEST_CASES:-20000}
OUT=bench/out/soak
ADDR=127.0.0.1:${PORT:-18083}
URL=http://$ADDR
mkdir -p "$OUT"
go build -o "$OUT/frontline" ./cmd/frontline
go build -o "$OUT/frontline-load" ./cmd/frontline-load
FL="$OUT/frontline"
LOAD="$OUT/frontline-load"
if curl -sf "$URL/healthz" >/dev/null 2>&1; then
  echo "something already answers on $ADDR: stop it, or set PORT" >&2
  exit 1
fi
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); $(go version | cut -d' ' -f3)"

DSN=${PG_DSN:-}
if [ -z "$DSN" ]; then
  rm -rf "$OUT/demo"
  "$FL" demo --no-serve --dir "$OUT/demo" --cases "$CASES" >/dev/null 2>&1
  DSN="$OUT/demo/frontline.db"
else
  "$FL" demo --no-serve --db "$DSN" --dir "$OUT/demo" --cases "$CASES" >/dev/null 2>&1
fi
PERIOD=$(date -d "$(date +%Y-%m-01) -1 month" +%Y-%m)
# One district per round, each in a year of its own before the demo's
# (case ids carry their year, and events before 2000 are refused): no case
# id meets another.
if [ "$ROUNDS" -gt 24 ]; then echo "ROUNDS must be at most 24" >&2; exit 2; fi
for round in $(seq "$ROUNDS"); do
  year=$((2000 + round))
  [ -s "$OUT/ingest-$year/events.ndjson" ] || "$FL" gen --cases "$INGEST_CASES" --seed "$year" --start "$year-11-01" --out "$OUT/ingest-$year" >/dev/null 2>&1
done
reader=$("$FL" users token assessor --db "$DSN" --days 1 2>/dev/null)
inspector=$("$FL" users token inspector --db "$DSN" --days 1 2>/dev/null)
dispatch=$("$FL" users token dispatch --db "$DSN" --days 1 2>/dev/null)
monitor=$("$FL" users token admin --db "$DSN" --days 1 2>/dev/null)
export FRONTLINE_METRICS_TOKEN=$monitor

# The server takes the pseudonymisation key from outside the data.
rm -f "$OUT/frontline.key"
"$FL" key move --db "$DSN" --out "$OUT/frontline.key" >/dev/null 2>&1
"$FL" serve --db "$DSN" --addr "$ADDR" --key-file "$OUT/frontline.key" 2>"$OUT/serve.log" &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "$URL/healthz" >/dev/null && break; sleep 0.1; done
rss() { curl -sf -H "Authorization: Bearer $monitor" "$URL/metrics" | awk '/^process_resident_memory_bytes/ { printf "%.0f", $2 / 1048576 }'; }
echo "demo district: $CASES cases on $([ -n "${PG_DSN:-}" ] && echo PostgreSQL || echo SQLite); each round ingests $(wc -l < "$OUT/ingest-2001/events.ndjson") new events beside ${SECONDS_EACH}s of mixed reads"
echo "server memory at the start: $(rss) MB"

failed=0 first="" last=""
for round in $(seq "$ROUNDS"); do
  year=$((2000 + round))
  "$LOAD" ingest --url "$URL" --token "$dispatch" --events "$OUT/ingest-$year/events.ndjson" --batch 2000 --json >"$OUT/ingest-$round.json" &
  ingest=$!
  "$LOAD" reads --url "$URL" --token "$reader" --case-token "$inspector" --period "$PERIOD" --duration "${SECONDS_EACH}s" --json >"$OUT/reads-$round.json"
  wait $ingest
  mem=$(rss)
  [ -z "$first" ] && first=$mem
  last=$mem
  errors=$(cat "$OUT/reads-$round.json" "$OUT/ingest-$round.json" | sed -n 's/.*"errors":\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
  # Every event of the round's district is new: one not accepted is an error too.
  posted=$(wc -l < "$OUT/ingest-$year/events.ndjson")
  accepted=$(sed -n 's/.*"events":\([0-9]*\).*/\1/p' "$OUT/ingest-$round.json")
  [ "${accepted:-0}" -eq "$posted" ] || { echo "round $round: $posted events posted, ${accepted:-0} accepted" >&2; errors=$((errors + posted - ${accepted:-0})); }
  failed=$((failed + errors))
  awk -v r="$round" -v mem="$mem" -v errors="$errors" '
    FNR == 1 && NR == 1 { reads = $0 } FNR == 1 && NR == 2 { ingest = $0 }
    function num(s, key,   m) { if (match(s, "\"" key "\":[0-9.]+")) { m = substr(s, RSTART, RLENGTH); sub(/.*:/, "", m); return m + 0 } return 0 }
    END { printf "round %d: reads %.0f/s, p99 %.1f ms; ingest %.0f events/s; errors %d; server memory %d MB\n",
      r, num(reads, "requests_per_second"), num(reads, "p99_ms"), num(ingest, "events_per_second"), errors, mem }' \
    "$OUT/reads-$round.json" "$OUT/ingest-$round.json"
done
echo "errors in all: $failed (must be 0)"
awk -v a="$first" -v b="$last" 'BEGIN { printf "server memory after the first round %d MB, after the last %d MB (%+.0f%%)\n", a, b, (b - a) * 100 / a }'
[ "$failed" -eq 0 ]
