#!/usr/bin/env bash
# Scoring benchmark (issues 4 and 23). Builds (or reuses) a SQLite database
# of a synthetic district with EVENTS events, then times: every unit for
# every month of the year (`score --monthly`), one month, one unit's
# explanation, and the same monthly metrics as plain SQL GROUP BY queries
# on the same database; and the year scored (`score --period 2026`) as of
# a time inside the data (6 December: the month open, later events and
# cases) and after it, with peak memory, against one plain SQL query for
# one metric over the same events (issue 23's baseline: each unit's
# average hours from dispatch to resolution, joining the dispatched and
# resolved events). Prints the times and the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."

EVENTS=${EVENTS:-1800000}
OUT=bench/out
mkdir -p "$OUT"
go build -o "$OUT/frontline" ./cmd/frontline
FL="$OUT/frontline"
CASES=$(( (EVENTS + 8) / 9 ))
DIR="$OUT/district-$CASES"
DB="$OUT/score-$CASES.db"
if [ ! -s "$DIR/events.ndjson" ]; then
  "$FL" gen --cases "$CASES" --seed 1 --out "$DIR" 2>/dev/null
fi
if [ ! -s "$DB" ]; then
  "$FL" registry load --db "$DB" "$DIR/registry.yaml" 2>/dev/null
  "$FL" ingest --db "$DB" "$DIR/events.ndjson" 2>/dev/null
fi
ASOF=2027-01-15T00:00:00+08:00
secs() { local s; s=$(date +%s.%N); "$@" >/dev/null; awk -v a="$s" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }'; }

echo "district: $CASES cases, $(wc -l < "$DIR/events.ndjson") events; machine: $(nproc) cores"

# peak LABEL CMD…: runs CMD, recording its seconds, its peak resident
# memory (/usr/bin/time) and its peak private memory (RssAnon, sampled
# every 30 ms: resident memory less the database file's pages that SQLite
# maps for reading, which the kernel may drop at any time).
declare -A PS PRSS PANON
peak() {
  local label=$1; shift
  local start; start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$OUT/peak.txt" "$@" >/dev/null 2>"$OUT/last.err" &
  local pid=$! max=0 a child
  while kill -0 "$pid" 2>/dev/null; do
    child=$(pgrep -P "$pid" | head -1 || true)
    a=$(awk '/^RssAnon/ { print $2 }' "/proc/${child:-$pid}/status" 2>/dev/null || true)
    [ -n "$a" ] && [ "$a" -gt "$max" ] && max=$a
    sleep 0.03
  done
  wait "$pid" || { cat "$OUT/last.err"; exit 1; }
  PS[$label]=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
  PRSS[$label]=$(awk '{ printf "%.0f", $1 / 1024 }' "$OUT/peak.txt")
  PANON[$label]=$(awk -v k="$max" 'BEGIN { printf "%.0f", k / 1024 }')
}
peak inside "$FL" score --db "$DB" --period 2026 --asof 2026-12-06T10:00:00+08:00 --format json
peak after "$FL" score --db "$DB" --period 2026 --asof "$ASOF" --format json
B0=$(date +%s.%N)
sqlite3 "$DB" "SELECT d.unit, count(*), avg(julianday(r.at) - julianday(d.at)) * 24
FROM events AS d JOIN events AS r ON r.case_id = d.case_id AND r.unit = d.unit AND r.type = 'resolved'
WHERE d.type = 'dispatched' AND d.at >= '2025-12-31 16:00:00+00:00' AND d.at < '2026-12-31 16:00:00+00:00'
GROUP BY d.unit" >/dev/null
onequery=$(awk -v a="$B0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
year=$(secs "$FL" score --db "$DB" --period 2026 --monthly --asof "$ASOF" --format json)
month=$(secs "$FL" score --db "$DB" --period 2026-06 --asof "$ASOF" --format json)
unit=$(secs "$FL" explain --db "$DB" --unit D05 --period 2026-06 --asof "$ASOF" --json)
A="'2027-01-14 16:00:00+00:00'"
sql=$(secs sqlite3 "$DB" "
SELECT a.unit, substr(c.opened_at, 1, 7) AS month,
  sum(a.respond_due < $A AND a.respond_done IS NOT NULL AND a.respond_done <= a.respond_due), sum(a.respond_due < $A),
  sum(a.report_due < $A AND a.report_done IS NOT NULL AND a.report_done <= a.report_due), sum(a.report_due < $A),
  sum(a.dispose_due < $A AND a.dispose_done IS NOT NULL AND a.dispose_done <= a.dispose_due), sum(a.dispose_due < $A),
  sum(a.role = 'lead' AND c.satisfaction IN ('satisfied', 'basically_satisfied')), sum(a.role = 'lead' AND c.satisfaction IS NOT NULL),
  avg((a.response_score - 1) * 25.0)
FROM assignments AS a JOIN cases AS c ON c.id = a.case_id
WHERE c.opened_at >= '2025-12-31 16:00:00+00:00' AND c.opened_at < '2026-12-31 16:00:00+00:00'
GROUP BY a.unit, month;
SELECT a.by_unit, substr(c.opened_at, 1, 7) AS month, count(*),
  sum(NOT (coalesce(a.return_upheld, 0) = 1 OR coalesce(a.call_accurate, 1) = 0)), avg((a.call_score - 1) * 25.0)
FROM assignments AS a JOIN cases AS c ON c.id = a.case_id
WHERE a.by_unit IS NOT NULL AND a.by_unit <> 'platform'
  AND c.opened_at >= '2025-12-31 16:00:00+00:00' AND c.opened_at < '2026-12-31 16:00:00+00:00'
GROUP BY a.by_unit, month;
SELECT c.street, substr(c.opened_at, 1, 7) AS month,
  sum(c.satisfaction IN ('satisfied', 'basically_satisfied')), sum(c.satisfaction IS NOT NULL),
  sum(c.call_done IS NOT NULL AND c.call_done <= c.call_due), sum(c.call_due IS NOT NULL)
FROM cases AS c WHERE c.opened_at >= '2025-12-31 16:00:00+00:00' AND c.opened_at < '2026-12-31 16:00:00+00:00'
GROUP BY c.street, month;")
# A batch of 10,000 events as new cases (the last ones of the year, renamed),
# then the refresh of the kept months it touched, as of the same time.
TAG="B$(date +%s)-"
tail -n 10000 "$DIR/events.ndjson" | sed -e "s/\"id\":\"/\"id\":\"$TAG/; s/\"case\":\"/\"case\":\"$TAG/" > "$OUT/batch.ndjson"
"$FL" refresh --db "$DB" --asof "$ASOF" 2>/dev/null
batch=$(secs "$FL" ingest --db "$DB" --refresh=false "$OUT/batch.ndjson")
refresh=$(secs "$FL" refresh --db "$DB" --asof "$ASOF")
kept=$(secs "$FL" score --db "$DB" --period 2026-12 --cached --unit D05 --format json)

echo "  every unit, every month (score --monthly):   ${year} s"
echo "  every unit, one month (score --period 2026-06): ${month} s"
echo "  one unit, one month (explain):                ${unit} s"
echo "  the monthly rates as SQL GROUP BY (sqlite3):   ${sql} s"
echo "  ingest a batch of 10,000 events (new cases): ${batch} s"
echo "  then refresh the kept months it touched:      ${refresh} s (the whole process)"
echo "  one unit, one month, kept (score --cached):   ${kept} s (the whole process)"
awk -v y="$year" -v s="$sql" 'BEGIN { printf "  ratio score --monthly / SQL GROUP BY: %.2f× (targets: every unit and month of 1,000,000 cases < 5 s; refresh after a batch < 200 ms)\n", y / s }'
for l in inside after; do
  case $l in inside) what="as of 6 December (inside the data)";; after) what="as of 15 January 2027 (after it)  ";; esac
  awk -v w="$what" -v s="${PS[$l]}" -v b="$onequery" -v r="${PRSS[$l]}" -v a="${PANON[$l]}" \
    'BEGIN { printf "  the year scored %s: %5.2f s, %.2f× one SQL query for one metric over the events (%.2f s; target ≤ 1.0×); peak %d MB resident, %d MB private (target ≤ 300 MB)\n", w, s, s / b, b, r, a }'
done
