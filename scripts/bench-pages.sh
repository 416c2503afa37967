#!/usr/bin/env bash
# Page times (issue 21): a demo district of CASES cases served on
# loopback; each role signs in and opens each of its pages twice, the
# first time right after the server starts (cold) and again (warm).
# Prints one line per page: role, path, status, cold and warm seconds,
# and whether warm is within 0.3 s and cold within 1 s.
#
#   scripts/bench-pages.sh                # CASES=50000
#   REUSE=1 scripts/bench-pages.sh        # the demo of the last run again
set -euo pipefail
cd "$(dirname "$0")/.."

CASES=${CASES:-50000}
OUT=bench/out/pages
ADDR=127.0.0.1:18081
URL=http://$ADDR
mkdir -p "$OUT"
go build -o "$OUT/frontline" ./cmd/frontline
FL="$OUT/frontline"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); $(go version | cut -d' ' -f3)"

DB="$OUT/demo/frontline.db"
if [ -z "${REUSE:-}" ] || [ ! -f "$DB" ]; then # REUSE=1: the demo made by the last run
  rm -rf "$OUT/demo" "$OUT/key"
  "$FL" demo --no-serve --cases "$CASES" --dir "$OUT/demo" >"$OUT/demo.txt" 2>"$OUT/demo.log"
  "$FL" key move --out "$OUT/key" --db "$DB" 2>/dev/null
fi
export FRONTLINE_KEY_FILE="$OUT/key"
month=$(date -d "$(date +%Y-%m-01) -1 month" +%Y-%m)
year=${month%-*}

# A password per role, set now (the demo's are printed once).
declare -A pw
for u in assessor inspector street dept admin; do
  pw[$u]=$("$FL" users password "$u" --db "$DB" 2>/dev/null | tail -1)
done

"$FL" serve --db "$DB" --addr "$ADDR" >"$OUT/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 1 50); do curl -sf "$URL/healthz" >/dev/null && break; sleep 0.2; done
sleep "${SETTLE:-3}" # what a server does at start (the audit page's check) done, as a person would find it

for u in "${!pw[@]}"; do
  curl -s -c "$OUT/jar.$u" -H 'Content-Type: application/json' \
    -d "{\"name\":\"$u\",\"password\":\"${pw[$u]}\"}" "$URL/api/v1/login" -o /dev/null
done

pages() {
  case $1 in
    assessor) echo "/ /rankings?period=$month /matrix?period=$month /cadres?period=$month /appeals /satisfaction?period=$year /units/D01?period=$month /charts/satisfaction.svg?period=$year /charts/matrix.svg?period=$month" ;;
    inspector) echo "/breaches?period=$month /findings?period=$year /reciprocity?period=$year /audit /satisfaction?period=$year" ;;
    street) echo "/units/S01?period=$month /breaches?period=$month /appeals /findings /satisfaction?period=$year /charts/trend.svg?unit=S01&period=$month" ;;
    dept) echo "/units/D01?period=$month /breaches?period=$month /appeals /satisfaction?period=$year" ;;
    admin) echo "/users /audit" ;;
  esac
}
time_of() { curl -s -o /dev/null -w "%{http_code} %{time_total}\n" -b "$OUT/jar.$1" "$URL$2"; }

printf '%-10s %-45s %4s %7s %7s %s\n' role page code cold warm "within 1 s / 0.3 s"
for u in assessor inspector street dept admin; do
  for p in $(pages "$u"); do
    read -r code cold < <(time_of "$u" "$p")
    read -r _ warm < <(time_of "$u" "$p")
    ok=$(awk -v c="$cold" -v w="$warm" 'BEGIN { print (c <= 1 ? "yes" : "NO") " / " (w <= 0.3 ? "yes" : "NO") }')
    printf '%-10s %-45s %4s %7.3f %7.3f %s\n' "$u" "$p" "$code" "$cold" "$warm" "$ok"
  done
done
