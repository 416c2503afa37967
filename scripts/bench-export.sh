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
