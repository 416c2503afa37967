#!/usr/bin/env bash
# Tampering with the record (issue 19): a small generated district on
# SQLite, its chain heads printed, then on a fresh copy each time an event
# or an audit entry is edited, deleted, inserted or reordered straight in
# the file (with sqlite3, as someone holding the disk would), and
# `frontline audit verify` run against the heads printed before. Prints
# one line per attack: what verify said, and whether it named it. Exits 1
# if any attack passed unnoticed.
#
#   scripts/tamper-test.sh            # CASES=2000
set -euo pipefail
cd "$(dirname "$0")/.."
CASES=${CASES:-2000}
OUT=bench/out/tamper
rm -rf "$OUT"
mkdir -p "$OUT"
go build -o "$OUT/frontline" ./cmd/frontline
FL="$OUT/frontline"
command -v sqlite3 >/dev/null || { echo "needs sqlite3 (apt-get install sqlite3)" >&2; exit 2; }

"$FL" gen --cases "$CASES" --seed 19 --out "$OUT/district" >/dev/null 2>&1
"$FL" key new --out "$OUT/key" >/dev/null 2>&1
export FRONTLINE_KEY_FILE="$OUT/key" FRONTLINE_LANG=en
DB="$OUT/clean.db"
"$FL" registry load --db "$DB" "$OUT/district/registry.yaml" >/dev/null 2>&1
"$FL" ingest --db "$DB" --batch 2000 "$OUT/district/events.ndjson" >/dev/null 2>&1
verdict=$("$FL" audit verify --db "$DB")
events_head=$(echo "$verdict" | sed -n 's/.*event chain head \([0-9]*:[0-9a-f]*\).*/\1/p')
audit_head=$(echo "$verdict" | sed -n 's/.*; chain head \([0-9]*:[0-9a-f]*\).*/\1/p')
echo "district: $CASES cases; $(echo "$verdict" | head -1)"
echo "heads printed: events $events_head, audit $audit_head"

missed=0
attack() {
  local name=$1 sql=$2 copy="$OUT/copy.db"
  rm -f "$copy" "$copy-wal" "$copy-shm"
  sqlite3 "$DB" ".backup '$copy'"
  sqlite3 "$copy" "$sql"
  local said code=0
  said=$("$FL" audit verify --db "$copy" --head "$audit_head" --events-head "$events_head" 2>&1) || code=$?
  if [ "$code" -eq 0 ]; then
    missed=$((missed + 1))
    printf '%-58s NOT NOTICED\n' "$name"
  else
    printf '%-58s named: %s\n' "$name" "$(echo "$said" | grep -E 'BROKEN' | paste -sd '|')"
  fi
}

body_of() { sqlite3 "$DB" "SELECT body FROM events WHERE seq = $1"; }
rated=$(sqlite3 "$DB" "SELECT seq FROM events WHERE type = 'rated' AND body LIKE '%\"satisfied\"%' ORDER BY seq LIMIT 1")
edited=$(body_of "$rated" | sed 's/"satisfied"/"dissatisfied"/')

attack "a rating edited (satisfied → dissatisfied)" \
  "UPDATE events SET body = '$edited' WHERE seq = $rated"
attack "a rating edited, its hash recomputed" \
  "UPDATE events SET body = '$edited', hash = X'$(printf '%s' "$edited" | sha256sum | cut -c1-64)' WHERE seq = $rated"
attack "a dissatisfied rating deleted" \
  "DELETE FROM events WHERE seq = (SELECT min(seq) FROM events WHERE type = 'rated' AND body LIKE '%dissatisfied%')"
attack "two events swapped" \
  "UPDATE events SET seq = -1 WHERE seq = 100; UPDATE events SET seq = 100 WHERE seq = 101; UPDATE events SET seq = 101 WHERE seq = -1"
attack "an event inserted in the middle (the rest renumbered)" \
  "UPDATE events SET seq = seq + 1000000 WHERE seq > 500; UPDATE events SET seq = seq - 999999 WHERE seq > 1000000;
   INSERT INTO events (seq, id, case_id, type, at, hash, body, chain) SELECT 501, 'X-1', case_id, 'closed', at, hash, body, chain FROM events WHERE seq = 500"
attack "the newest events deleted (the log cut short)" \
  "DELETE FROM events WHERE seq > (SELECT max(seq) - 50 FROM events)"
attack "every event deleted" "DELETE FROM events"
attack "an audit entry edited" \
  "UPDATE audit_log SET actor = 'nobody' WHERE seq = 2"
attack "an audit entry deleted" "DELETE FROM audit_log WHERE seq = 3"
attack "two audit entries swapped" \
  "UPDATE audit_log SET seq = -1 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = -1"
attack "the audit log emptied" "DELETE FROM audit_log"
attack "both logs emptied" "DELETE FROM audit_log; DELETE FROM events"

if [ "$missed" -gt 0 ]; then
  echo "$missed attacks passed unnoticed" >&2
  exit 1
fi
echo "every attack was named"
