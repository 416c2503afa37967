#!/usr/bin/env bash
# Export benchmark (issue 9). Prints, with the ratio to each target:
#   - a breach workbook of BREACH_ROWS rows (default 1,000,000) written
#     streamed: time (target 20 s) and the process's peak memory (300 MB);
#   - the meeting pack of the demo district (CASES, default 50,000 cases)
#     for last month and for this year so far, through the command line
#     (target 2 s);
#   - with E2E_CASES set (245000 gives about a million breaches), the
#     breach pack end to end from a stored district: a synthetic year
#     ingested under a strict policy (every limit a few minutes, so that
#     most deadlines are missed), then `export breaches` for the year,
#     timed, with its peak memory sampled from /proc: resident in all, and
#     anonymous (heap, without the database file's mapped pages).
set -euo pipefail
cd "$(dirname "$0")/.."
CASES=${CASES:-50000}
OUT=bench/out/export
mkdir -p "$OUT"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); $(go version | cut -d' ' -f3)"

# The writer with rows made in memory, and the baseline in the same run:
# the same sheet packed as excelize does by itself (in memory, standard
# deflate).
go test -run '^$' -bench 'BreachWorkbook' -benchtime 1x ./exports | awk '
  function metric(name,   i) { for (i = 3; i < NF; i++) if ($(i + 1) == name) return $i; return 0 }
  /^BenchmarkBreachWorkbook-/ { secs = metric("ns/op") / 1e9; mb = metric("peak-MB"); rows = metric("rows"); size = metric("file-MB")
    printf "breach workbook: %d rows in %.1f s (target 20 s: %.2f), peak memory %.0f MB (target 300 MB: %.2f), %.0f MB file\n", rows, secs, secs / 20, mb, mb / 300, size }
  /^BenchmarkBreachWorkbookStdlibZip-/ { base = metric("ns/op") / 1e9; basemb = metric("peak-MB"); basesize = metric("file-MB") }
  END { if (base > 0) printf "  baseline, excelize packing in memory at the default level: %.1f s, peak %.0f MB, %.0f MB file (this run: %.2f of its time, %.2f of its memory)\n", base, basemb, basesize, secs / base, mb / basemb }'

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
ADDR=127.0.0.1:${PORT:-18081}
if curl -sf "http://$ADDR/healthz" >/dev/null 2>&1; then
  echo "something already answers on $ADDR: stop it, or set PORT" >&2
  exit 1
fi
rm -f "$OUT/demo.key"
"$FL" key move --db "$DB" --out "$OUT/demo.key" >/dev/null 2>&1
"$FL" serve --db "$DB" --addr "$ADDR" --key-file "$OUT/demo.key" 2>/dev/null &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://$ADDR/healthz" >/dev/null && break; sleep 0.1; done
TOKEN=$("$FL" users token assessor --db "$DB" --days 1 2>/dev/null)
for period in "$MONTH" "$(date +%Y)"; do
  worst=0
  for _ in 1 2 3; do
    t=$(curl -sf -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $TOKEN" "http://$ADDR/api/v1/exports/meeting.xlsx?period=$period")
    worst=$(awk -v a="$worst" -v b="$t" 'BEGIN { print (b > a) ? b : a }')
  done
  awk -v t="$worst" -v p="$period" 'BEGIN { printf "meeting pack, %s, over HTTP: %.2f s at worst of 3 (target 2 s: %.2f)\n", p, t, t / 2 }'
done

kill $server 2>/dev/null || true
wait $server 2>/dev/null || true

# The breach pack from a stored district of about a million breaches.
if [ -n "${E2E_CASES:-}" ]; then
  E2E="$OUT/e2e"
  rm -rf "$E2E" && mkdir -p "$E2E"
  cat > "$E2E/strict.yaml" <<'YAML'
effective: 2000-01-02
timezone: Asia/Shanghai
working_hours: ["08:30-12:00", "14:30-17:30"]
call_limit: 1m
appeal_limit: 10wd
classes:
  A: {respond: 1m, report: 2m, dispose: 3m}
  B: {respond: 1m, report: 2m, dispose: 3m}
  C: {respond: 1m, report: 2m, dispose: 3m}
YAML
  "$FL" gen --cases "$E2E_CASES" --start 2026-01-01 --out "$E2E/district" >/dev/null 2>&1
  "$FL" registry load --db "$E2E/frontline.db" "$E2E/district/registry.yaml" >/dev/null 2>&1
  "$FL" policy load --db "$E2E/frontline.db" "$E2E/strict.yaml" >/dev/null 2>&1
  "$FL" ingest --db "$E2E/frontline.db" "$E2E/district/events.ndjson" >/dev/null 2>&1
  rm -rf "$E2E/district"
  breaches=$("$FL" breaches --db "$E2E/frontline.db" --period 2026 --asof 2027-01-01 --format csv | tail -n +2 | wc -l)
  start=$(date +%s.%N)
  "$FL" export breaches --db "$E2E/frontline.db" --period 2026 --asof 2027-01-01 --out "$E2E/breaches.xlsx" 2>/dev/null &
  pid=$!
  anon=0 hwm=0
  while [ -r "/proc/$pid/status" ]; do
    read -r a h < <(awk '/^RssAnon/ { a = $2 } /^VmHWM/ { h = $2 } END { print a + 0, h + 0 }' "/proc/$pid/status" 2>/dev/null || echo "0 0")
    [ "$a" -gt "$anon" ] && anon=$a
    [ "$h" -gt "$hwm" ] && hwm=$h
    sleep 0.05
  done
  wait $pid
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" -v n="$breaches" -v anon="$anon" -v hwm="$hwm" -v size="$(stat -c %s "$E2E/breaches.xlsx")" \
    'BEGIN { secs = b - a; printf "breach pack from the store: %d breaches and the events of their cases in %.1f s, peak anonymous memory %.0f MB (300 MB: %.2f), peak resident %.0f MB with the mapped database, %d bytes\n", n, secs, anon / 1024, anon / 1024 / 300, hwm / 1024, size }'
fi
