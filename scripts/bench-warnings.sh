#!/usr/bin/env bash
# Live warnings benchmark (issue 24): a tick of the board's clock over
# 100,000 open cases (target ≤ 50 ms), 200 stream clients on loopback
# hearing a crossing (p99 ≤ 1 s), and POST /events with the board's clock
# on against off, in the same run (speed unchanged within the noise).
# PostgreSQL too when FRONTLINE_TEST_POSTGRES is set (the tick only).
set -euo pipefail
cd "$(dirname "$0")/.."

CASES=${BOARD_CASES:-100000}
CLIENTS=${STREAM_CLIENTS:-200}
OUT=bench/out
mkdir -p "$OUT"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB; $CASES open cases, $CLIENTS stream clients"

BOARD_CASES=$CASES go test -run XXX -bench BenchmarkClockTick -benchtime 200x ./service | tee "$OUT/warnings-tick.txt" | grep Benchmark
STREAM_CLIENTS=$CLIENTS go test -run XXX -bench BenchmarkWarningStreamFanout -benchtime 30x ./api | tee "$OUT/warnings-stream.txt" | grep Benchmark
go test -run XXX -bench BenchmarkPostEventsBoard -benchtime 30x -count 3 ./api | tee "$OUT/warnings-ingest.txt" | grep Benchmark

echo
echo "Summary (targets from issue 24, measured in this run)"
awk '/BenchmarkClockTick/ { split($1, n, "/"); sub(/-[0-9]+$/, "", n[2]); printf "  a tick over %s deadlines, %s: %.1f ms (target ≤ 50 ms: %.2f×)\n", $7, n[2], $3 / 1e6, $3 / 1e6 / 50 }' "$OUT/warnings-tick.txt"
awk '/BenchmarkWarningStreamFanout/ { for (i = 1; i <= NF; i++) { if ($i == "p50-ms") p50 = $(i-1); if ($i == "p99-ms") p99 = $(i-1) }
  printf "  %s stream clients hear a crossing: p50 %.1f ms, p99 %.1f ms (target p99 ≤ 1000 ms: %.3f×)\n", '"$CLIENTS"', p50, p99, p99 / 1000 }' "$OUT/warnings-stream.txt"
awk '/board-on/ { on += $5; non++ } /board-off/ { off += $5; noff++ }
  END { printf "  POST /events, 1,000 events a batch: %.0f events/s with the board on, %.0f off: the board on takes %.2f× the time (target: within the noise, ±10%% here)\n", on / non, off / noff, (off / noff) / (on / non) }' "$OUT/warnings-ingest.txt"
