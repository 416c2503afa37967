#!/usr/bin/env bash
# Scale (issue 11): ingest and score about EVENTS million events on this
# machine, on SQLite and (when PG_DSN answers) PostgreSQL, for
# docs/scaling.md. Prints for each engine: the ingest's events/s and peak
# memory, the time to score the whole year (from the outcome counts kept
# at ingest), to keep every month's scores, to read a month (the whole
# command, with its start), and the database's size. The events go in a
# million at a time (one ingest each, in file order), and the first and
# last million's times are compared (issue 23: the 10th million no slower
# than 1.3× the 1st).
#
#   CASES=1100000 scripts/bench-scale.sh      # ≈ 10 M events (about 9.2 per case)
#   PG_DSN=postgres://postgres@127.0.0.1:5432/test?sslmode=disable scripts/bench-scale.sh
#   ENGINES=postgres PG_DSN=... scripts/bench-scale.sh   # one engine only
set -euo pipefail
cd "$(dirname "$0")/.."
CASES=${CASES:-1100000}
ENGINES=${ENGINES:-sqlite postgres}
OUT=bench/out/scale
mkdir -p "$OUT"
go build -o "$OUT/frontline" ./cmd/frontline
FL="$OUT/frontline"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); $(go version | cut -d' ' -f3)"
if [ ! -s "$OUT/district/events.ndjson" ] || [ "$(cat "$OUT/district/cases" 2>/dev/null)" != "$CASES" ]; then
  rm -rf "$OUT/district"
  "$FL" gen --cases "$CASES" --start 2026-01-01 --out "$OUT/district" >/dev/null 2>&1
  echo "$CASES" > "$OUT/district/cases"
fi
EVENTS=$(wc -l < "$OUT/district/events.ndjson")
echo "district: $CASES cases, $EVENTS events, $(du -h "$OUT/district/events.ndjson" | cut -f1) of NDJSON"
if [ ! -s "$OUT/district/millions/00.ndjson" ]; then
  mkdir -p "$OUT/district/millions"
  split -l 1000000 -d -a 2 --additional-suffix=.ndjson "$OUT/district/events.ndjson" "$OUT/district/millions/"
fi

secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
run() { # run DSN NAME
  local dsn=$1 name=$2 start end
  "$FL" registry load --db "$dsn" "$OUT/district/registry.yaml" >/dev/null 2>&1
  local ingest=0 part t first="" last="" rss=0 r
  for part in "$OUT"/district/millions/*.ndjson; do
    start=$(date +%s.%N)
    /usr/bin/time -f "%M" -o "$OUT/ingest-$name.rss" "$FL" ingest --db "$dsn" --refresh=false "$part" >/dev/null 2>"$OUT/ingest-$name.log"
    end=$(date +%s.%N)
    t=$(secs "$start" "$end")
    r=$(cat "$OUT/ingest-$name.rss"); [ "$r" -gt "$rss" ] && rss=$r
    echo "  $name: events $(basename "$part" .ndjson)… ($(wc -l < "$part")): $t s"
    [ -z "$first" ] && first=$t
    [ "$(wc -l < "$part")" -eq 1000000 ] && last=$t
    ingest=$(awk -v a="$ingest" -v b="$t" 'BEGIN { printf "%.1f", a + b }')
  done
  echo "$rss" > "$OUT/ingest-$name.rss"
  awk -v f="$first" -v l="$last" -v name="$name" 'BEGIN { printf "%s: the last whole million %.1f s, the first %.1f s: %.2f× (target ≤ 1.3×)\n", name, l, f, l / f }'
  start=$(date +%s.%N)
  "$FL" score --db "$dsn" --period 2026 --asof 2027-01-01 --format json >/dev/null 2>&1
  end=$(date +%s.%N)
  local score; score=$(secs "$start" "$end")
  start=$(date +%s.%N)
  "$FL" refresh --db "$dsn" --all --asof 2027-01-01 >/dev/null 2>&1
  end=$(date +%s.%N)
  local refresh; refresh=$(secs "$start" "$end")
  start=$(date +%s.%N)
  "$FL" score --db "$dsn" --period 2026-06 --format json >/dev/null 2>&1
  end=$(date +%s.%N)
  local month; month=$(secs "$start" "$end")
  local size
  if [ "$name" = sqlite ]; then size=$(du -m "$dsn" | cut -f1); else
    size=$(psql "$(echo "$dsn" | sed 's/[?&]search_path=[^&]*//')" -tAc "SELECT pg_database_size(current_database()) / 1048576"); fi
  awk -v n="$EVENTS" -v name="$name" -v ingest="$ingest" -v score="$score" -v refresh="$refresh" -v month="$month" -v size="$size" \
    -v rss="$(cat "$OUT/ingest-$name.rss")" 'BEGIN {
      printf "%s: ingest %.1f s (%.0f events/s, peak %.0f MB); score the year %.1f s; keep every month %.1f s; a month, whole command %.2f s; database %d MB (%.0f bytes per event)\n",
        name, ingest, n / ingest, rss / 1024, score, refresh, month, size, size * 1048576 / n }'
}
if [[ " $ENGINES " == *" sqlite "* ]]; then
  rm -f "$OUT/frontline.db"*
  run "$OUT/frontline.db" sqlite
fi
if [[ " $ENGINES " == *" postgres "* ]] && [ -n "${PG_DSN:-}" ]; then
  psql "$PG_DSN" -qc "DROP DATABASE IF EXISTS frontline_scale WITH (FORCE)" -c "CREATE DATABASE frontline_scale" >/dev/null 2>&1
  run "$(echo "$PG_DSN" | sed 's#/[^/?]*\(?\|$\)#/frontline_scale\1#')" postgres
fi
