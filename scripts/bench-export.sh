#!/usr/bin/env bash
# Export benchmark (issue 9). Prints, with the ratio to each target:
#   - a breach workbook of BREACH_ROWS rows (default 1,000,000) written
#     streamed: time (target 20 s) and the process's peak memory (300 MB);
#   - the meeting pack of the demo district (CASES, default 50,000 cases)
#     for last month and for this year so far, through the command line
#     (target 2 s).
set -euo pipefail
cd "$(dirname "$0")/.."
CASES=${CASES:-50000}
OUT=bench/out/export
mkdir -p "$OUT"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); $(go version | cut -d' ' -f3)"

line=$(go test -run '^$' -bench BreachWorkbook -benchtime 1x ./exports | grep '^BenchmarkBreachWorkbook')
echo "$line" | awk '{ secs = $3 / 1e9; mb = $5; rows = $7
  printf "breach workbook: %d rows in %.1f s (target 20 s: %.2f), peak memory %.0f MB (target 300 MB: %.2f)\n", rows, secs, secs / 20, mb, mb / 300 }'

go build -o "$OUT/frontline" ./cmd/frontline
FL="$OUT/frontline"
"$FL" demo --no-serve --dir "$OUT/demo" --cases "$CASES" >/dev/null 2>&1
DB="$OUT/demo/frontline.db"
MONTH=$(date -d "$(date +%Y-%m-01) -1 month" +%Y-%m)
for period in "$MONTH" "$(date +%Y)"; do
  start=$(date +%s.%N)
  "$FL" export meeting --db "$DB" --period "$period" --out "$OUT/meeting-$period.xlsx" 2>/dev/null
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" -v p="$period" -v c="$CASES" -v size="$(stat -c %s "$OUT/meeting-$period.xlsx")" \
    'BEGIN { printf "meeting pack, %s, %d-case district: %.2f s for the whole command (target 2 s: %.2f), %d bytes\n", p, c, b - a, (b - a) / 2, size }'
done

# The same packs downloaded from a running server (the dashboard's link):
# no process start, warm caches. Three downloads each; the slowest counts.
"$FL" serve --db "$DB" --addr 127.0.0.1:18081 2>/dev/null &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf http://127.0.0.1:18081/healthz >/dev/null && break; sleep 0.1; done
TOKEN=$("$FL" users token assessor --db "$DB" --days 1 2>/dev/null)
for period in "$MONTH" "$(date +%Y)"; do
  worst=0
  for _ in 1 2 3; do
    t=$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:18081/api/v1/exports/meeting.xlsx?period=$period")
    worst=$(awk -v a="$worst" -v b="$t" 'BEGIN { print (b > a) ? b : a }')
  done
  awk -v t="$worst" -v p="$period" 'BEGIN { printf "meeting pack, %s, over HTTP: %.2f s at worst of 3 (target 2 s: %.2f)\n", p, t, t / 2 }'
done
