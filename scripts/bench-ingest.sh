#!/usr/bin/env bash
# Ingest benchmark (issues 2 and 23). Generates EVENTS events with `frontline gen`,
# ingests them into SQLite and PostgreSQL (fresh, then again as all
# duplicates), and in the same run loads the same events as CSV with
# sqlite3 .import and psql \copy into tables with the same keys and
# indexes. Prints events/s, peak memory and the ratios. Ingest runs with
# --refresh=false: it measures storing events and their derived state,
# not the recomputing of kept monthly scores that a real ingest ends with
# (timed separately below).
set -euo pipefail
cd "$(dirname "$0")/.."

EVENTS=${EVENTS:-1000000}
PG_DSN=${PG_DSN:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
OUT=bench/out
mkdir -p "$OUT"

go build -o "$OUT/frontline" ./cmd/frontline
go build -o "$OUT/eventcsv" ./scripts/eventcsv
go build -o "$OUT/eventfloor" ./scripts/eventfloor
FL="$OUT/frontline"

# About 9 events a case in the synthetic district.
CASES=$(( (EVENTS + 8) / 9 ))
DIR="$OUT/district-$CASES"
if [ ! -s "$DIR/events.ndjson" ]; then
  echo "generating $CASES cases…"
  "$FL" gen --cases "$CASES" --seed 1 --out "$DIR" 2>/dev/null
fi
N=$(wc -l < "$DIR/events.ndjson")
[ -s "$DIR/events.csv" ] || "$OUT/eventcsv" < "$DIR/events.ndjson" > "$DIR/events.csv"

# busy: the machine's busy CPU time so far (every process, the database
# server's included), in clock ticks.
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
TICK=$(getconf CLK_TCK)

# measure LABEL CMD…: runs CMD and records elapsed seconds, peak RSS (KiB)
# and the CPU seconds the whole machine spent meanwhile.
declare -A SECS RSS CPU
measure() {
  local label=$1; shift
  local b0; b0=$(busy)
  /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$@" >/dev/null 2>"$OUT/last.err" || { cat "$OUT/last.err"; exit 1; }
  local s k; read -r s k < "$OUT/time.txt"; SECS[$label]=$s; RSS[$label]=$k
  CPU[$label]=$(awk -v a="$b0" -v b="$(busy)" -v t="$TICK" 'BEGIN { printf "%.1f", (b - a) / t }')
  L="$label" S="${SECS[$label]}" K="${RSS[$label]}" C="${CPU[$label]}" awk -v n="$N" \
    'BEGIN { if (ENVIRON["L"] ~ /refresh|score/) printf "  %-40s %7.2f s  %16s  %6.0f MB peak  %6.1f CPU-s\n", ENVIRON["L"], ENVIRON["S"], "", ENVIRON["K"] / 1024, ENVIRON["C"];
             else printf "  %-40s %7.2f s  %9.0f events/s  %6.0f MB peak  %6.1f CPU-s\n", ENVIRON["L"], ENVIRON["S"], n / ENVIRON["S"], ENVIRON["K"] / 1024, ENVIRON["C"] }'
}

echo "events: $N ($DIR/events.ndjson, $(du -h "$DIR/events.ndjson" | cut -f1)); machine: $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB"

# Kept scores are refreshed, and the year scored, as of just after the
# synthetic year (which runs to 31 December 2026).
ASOF=2027-01-15T00:00:00+08:00

echo "SQLite"
rm -f "$OUT"/fl.db* "$OUT"/base.db*
"$FL" registry load --db "$OUT/fl.db" "$DIR/registry.yaml" 2>/dev/null
measure "sqlite: frontline ingest" "$FL" ingest --refresh=false --db "$OUT/fl.db" "$DIR/events.ndjson"
measure "sqlite: frontline re-ingest (dups)" "$FL" ingest --refresh=false --db "$OUT/fl.db" "$DIR/events.ndjson"
measure "sqlite: re-ingest --reread (dups)" "$FL" ingest --refresh=false --reread --db "$OUT/fl.db" "$DIR/events.ndjson"
# The baseline (issue 23): the same events as CSV, imported by sqlite3 into
# a table with a text key and one index (the case), nothing derived.
sqlite3 "$OUT/base.db" <<'SQL' >/dev/null
PRAGMA journal_mode=WAL;
CREATE TABLE events (id TEXT PRIMARY KEY, case_id TEXT NOT NULL, type TEXT NOT NULL,
  at TIMESTAMP NOT NULL, unit TEXT, hash BLOB NOT NULL, body TEXT NOT NULL);
CREATE INDEX events_case_idx ON events (case_id);
SQL
measure "sqlite: refresh kept scores (12 months)" "$FL" refresh --db "$OUT/fl.db" --asof "$ASOF"
measure "sqlite: score every unit and month" "$FL" score --db "$OUT/fl.db" --period 2026 --monthly --asof "$ASOF" --format json
measure "sqlite: sqlite3 .import" sqlite3 "$OUT/base.db" -cmd "PRAGMA synchronous=NORMAL" ".import --csv $DIR/events.csv events"
# The floor under frontline's ingest: the event rows alone into a frontline
# database's events table, through the same driver, nothing derived.
rm -f "$OUT"/floor.db*
"$FL" registry load --db "$OUT/floor.db" "$DIR/registry.yaml" 2>/dev/null
measure "sqlite: event rows alone (eventfloor)" sh -c "'$OUT/eventfloor' '$OUT/floor.db' < '$DIR/events.csv'"

echo "PostgreSQL"
sep='?'; [[ $PG_DSN == *\?* ]] && sep='&'
psql "$PG_DSN" -q -c "DROP SCHEMA IF EXISTS bench_fl CASCADE; CREATE SCHEMA bench_fl; DROP SCHEMA IF EXISTS bench_floor CASCADE; CREATE SCHEMA bench_floor;
  DROP SCHEMA IF EXISTS bench_copy CASCADE; CREATE SCHEMA bench_copy;
  CREATE TABLE bench_copy.events (seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, id TEXT NOT NULL UNIQUE, case_id TEXT NOT NULL,
  type TEXT NOT NULL, at TIMESTAMPTZ NOT NULL, unit TEXT, hash BYTEA NOT NULL, body TEXT NOT NULL);
  CREATE INDEX ON bench_copy.events (case_id);" 2>/dev/null
PGFL="$PG_DSN${sep}search_path=bench_fl"
"$FL" registry load --db "$PGFL" "$DIR/registry.yaml" 2>/dev/null
measure "postgres: frontline ingest" "$FL" ingest --refresh=false --db "$PGFL" "$DIR/events.ndjson"
measure "postgres: frontline re-ingest (dups)" "$FL" ingest --refresh=false --db "$PGFL" "$DIR/events.ndjson"
measure "postgres: re-ingest --reread (dups)" "$FL" ingest --refresh=false --reread --db "$PGFL" "$DIR/events.ndjson"
measure "postgres: psql \\copy" psql "$PG_DSN" -q -c "\\copy bench_copy.events (id, case_id, type, at, unit, hash, body) FROM '$DIR/events.csv' WITH (FORMAT csv)"
"$FL" registry load --db "$PG_DSN${sep}search_path=bench_floor" "$DIR/registry.yaml" 2>/dev/null
measure "postgres: event rows alone (eventfloor)" sh -c "'$OUT/eventfloor' '$PG_DSN${sep}search_path=bench_floor' < '$DIR/events.csv'"
measure "postgres: refresh kept scores (12 months)" "$FL" refresh --db "$PGFL" --asof "$ASOF"
measure "postgres: score every unit and month" "$FL" score --db "$PGFL" --period 2026 --monthly --asof "$ASOF" --format json
psql "$PG_DSN" -q -c "DROP SCHEMA bench_fl CASCADE; DROP SCHEMA bench_floor CASCADE; DROP SCHEMA bench_copy CASCADE" 2>/dev/null

rate() { awk -v n="$N" -v s="${SECS[$1]}" 'BEGIN { printf "%.0f", n / s }'; }
ratio() { awk -v a="${SECS[$1]}" -v b="${SECS[$2]}" 'BEGIN { printf "%.2f", a / b }'; }
peak() { for l in "$@"; do echo "${RSS[$l]}"; done | sort -n | tail -1 | awk '{ printf "%.0f", $1 / 1024 }'; }
echo
echo "Summary (targets from issue 23, measured in this run)"
# best LABEL BASE: the ratio LABEL would reach with its CPU time spread
# perfectly over every core of this machine.
best() { awk -v c="${CPU[$1]}" -v n="$(nproc)" -v b="${SECS[$2]}" 'BEGIN { printf "%.2f", c / n / b }'; }
echo "  SQLite ingest:            $(rate 'sqlite: frontline ingest') events/s; $(ratio 'sqlite: frontline ingest' 'sqlite: sqlite3 .import')× the sqlite3 .import time (target ≤ 1.5×)"
echo "    the event rows alone through the same driver: $(ratio 'sqlite: event rows alone (eventfloor)' 'sqlite: sqlite3 .import')×; the whole ingest against them: $(ratio 'sqlite: frontline ingest' 'sqlite: event rows alone (eventfloor)')×"
echo "    its ${CPU[sqlite: frontline ingest]} CPU-s spread over all $(nproc) cores would take at least $(best 'sqlite: frontline ingest' 'sqlite: sqlite3 .import')× the .import time"
echo "  PostgreSQL ingest:        $(rate 'postgres: frontline ingest') events/s; $(ratio 'postgres: frontline ingest' 'postgres: psql \copy')× the psql \copy time (target ≤ 1.5×)"
echo "    the event rows alone through the same driver: $(ratio 'postgres: event rows alone (eventfloor)' 'postgres: psql \copy')×; the whole ingest against them: $(ratio 'postgres: frontline ingest' 'postgres: event rows alone (eventfloor)')×"
echo "    its ${CPU[postgres: frontline ingest]} CPU-s (client and server) spread over all $(nproc) cores would take at least $(best 'postgres: frontline ingest' 'postgres: psql \copy')× the \copy time"
echo "  re-ingest of the stored file, SQLite:     $(rate 'sqlite: frontline re-ingest (dups)') events/s (target ≥ 1000000); read again (--reread): $(rate 'sqlite: re-ingest --reread (dups)')"
echo "  re-ingest of the stored file, PostgreSQL: $(rate 'postgres: frontline re-ingest (dups)') events/s (target ≥ 1000000); read again (--reread): $(rate 'postgres: re-ingest --reread (dups)')"
echo "  peak memory of frontline: $(peak 'sqlite: frontline ingest' 'sqlite: frontline re-ingest (dups)' 'postgres: frontline ingest' 'postgres: frontline re-ingest (dups)') MB (target < 200 MB)"
