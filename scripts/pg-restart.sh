#!/usr/bin/env bash
# A real PostgreSQL restart under a running `frontline serve` (issue 11):
# the local cluster is stopped and started again with pg_ctlcluster while
# Frontline serves a demo district from it. During the outage a read and a
# post must answer 503 with Retry-After; after it, the same server must
# answer 200 again, without a restart, and store the event posted.
# TestDatabaseOutage proves the same in `make test` through a proxy; this
# script does it to the real server, so it needs root and a local cluster,
# and must not run beside tests (every client of the cluster is cut).
#
#   scripts/pg-restart.sh            # PG_DSN=postgres://… to name the server
set -euo pipefail
cd "$(dirname "$0")/.."
PG_DSN=${PG_DSN:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
OUT=bench/out/pg-restart
ADDR=127.0.0.1:${PORT:-18084}
URL=http://$ADDR
mkdir -p "$OUT"
go build -o "$OUT/frontline" ./cmd/frontline
FL="$OUT/frontline"
cluster=$(ls /etc/postgresql | head -1)
PGOPTIONS="-c client_min_messages=warning" psql "$PG_DSN" -qc "DROP DATABASE IF EXISTS frontline_restart WITH (FORCE)" -c "CREATE DATABASE frontline_restart" >/dev/null
DSN="$(echo "$PG_DSN" | sed 's#/[^/?]*\(?\|$\)#/frontline_restart\1#')"
case "$DSN" in *\?*) DSN="$DSN&connect_timeout=2" ;; *) DSN="$DSN?connect_timeout=2" ;; esac
"$FL" demo --no-serve --db "$DSN" --dir "$OUT/demo" --cases 2000 >/dev/null 2>&1
reader=$("$FL" users token assessor --db "$DSN" --days 1 2>/dev/null)
dispatch=$("$FL" users token dispatch --db "$DSN" --days 1 2>/dev/null)
PERIOD=$(date -d "$(date +%Y-%m-01) -1 month" +%Y-%m)

# The server takes the pseudonymisation key from outside the data.
rm -f "$OUT/frontline.key"
"$FL" key move --db "$DSN" --out "$OUT/frontline.key" >/dev/null 2>&1
"$FL" serve --db "$DSN" --addr "$ADDR" --key-file "$OUT/frontline.key" 2>"$OUT/serve.log" &
server=$!
restore() {
  pg_ctlcluster --skip-systemctl-redirect "$cluster" main start >/dev/null 2>&1 || true
  kill $server 2>/dev/null || true
  wait $server 2>/dev/null || true
}
trap restore EXIT
for _ in $(seq 100); do curl -sf "$URL/healthz" >/dev/null && break; sleep 0.1; done

read_scores() { curl -s -o /dev/null -w '%{http_code} %header{retry-after}' -H "Authorization: Bearer $reader" "$URL/api/v1/scores?period=$PERIOD"; }
post_event() {
  printf '{"id":"RESTART-%s","case":"RESTART-%s","type":"opened","at":"%s-15T10:00:00+08:00","category":"garbage","street":"S01"}\n' "$1" "$1" "$PERIOD" |
    curl -s -o "$OUT/post-$1.json" -w '%{http_code} %header{retry-after}' -H "Authorization: Bearer $dispatch" -H 'Content-Type: application/x-ndjson' --data-binary @- "$URL/api/v1/events"
}
fail=0
check() { # what got want
  if [ "${2%% *}" = "$3" ]; then echo "$1: $2 (want $3) ok"; else echo "$1: $2 (want $3) FAILED"; fail=1; fi
}
check "before the restart, read" "$(read_scores)" 200
check "before the restart, post" "$(post_event 1)" 200

start=$(date +%s.%N)
pg_ctlcluster --skip-systemctl-redirect "$cluster" main stop -m fast
check "PostgreSQL stopped, read" "$(read_scores)" 503
check "PostgreSQL stopped, post" "$(post_event 2)" 503
pg_ctlcluster --skip-systemctl-redirect "$cluster" main start
until pg_isready -q -h 127.0.0.1; do sleep 0.2; done
back=""
for _ in $(seq 40); do
  back=$(read_scores)
  [ "${back%% *}" = 200 ] && break
  sleep 0.25
done
end=$(date +%s.%N)
check "PostgreSQL started again, read" "$back" 200
check "PostgreSQL started again, post" "$(post_event 3)" 200
grep -q '"accepted":1' "$OUT/post-3.json" || { echo "the event posted after the restart was not accepted: $(cat "$OUT/post-3.json")"; fail=1; }
kill -0 $server 2>/dev/null && echo "the server ran throughout (pid $server), never restarted" || { echo "the server died"; fail=1; }
awk -v a="$start" -v b="$end" 'BEGIN { printf "outage and recovery: %.1f s from the stop to the first 200\n", b - a }'
exit $fail
