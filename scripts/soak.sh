#!/usr/bin/env bash
# Soak test (issue 10): churn served by a release `swerve serve`, under a mixed workload at about
# 80% of its capacity, for 10 minutes by default:
#   - single golden rows, open loop at 80% of the capacity `swerve load --find-capacity` finds
#     (10 s steps, p90 <= --p90, default 10 ms, ten times the unloaded p90; no failures), or at
#     --rate;
#   - 1,000-row CSV batches, open loop at --batch-rate (default 2/s);
#   - malformed bodies (20/s), /metrics scraped every second, clients that disconnect mid-body
#     (5/s) and clients that read their answers slowly (4 at a time), from scripts/soak_clients.py.
# The load runs in one-minute `swerve load --json` segments, so each minute has its own p99.
# It prints RSS every 10 s and, at the end, latency and failures per minute and the other
# clients' outcomes by kind. It passes (exit 0) only when RSS after the first minute stays
# within ±10% of its value at one minute, no answer is a 5xx other than a deliberate 503 (and no
# well-behaved request times out or loses its connection), and the last minute's p99 of single
# rows is within 1.5x of the first minute's.
#
#   scripts/soak.sh [--minutes N] [--rate R] [--batch-rate B] [--p90 MS] [--port P] [--out DIR] [--no-build]
set -euo pipefail
usage() { echo "usage: scripts/soak.sh [--minutes N] [--rate R] [--batch-rate B] [--p90 MS] [--port P] [--out DIR] [--no-build]" >&2; exit 2; }
cd "$(dirname "$0")/.."

MINUTES=10; RATE=""; BATCH_RATE=2; P90=10; PORT=18080; OUT=""; BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) MINUTES=$2; shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    --batch-rate) BATCH_RATE=$2; shift 2 ;;
    --p90) P90=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) usage ;;
    *) echo "unknown option $1" >&2; usage ;;
  esac
done
[[ "$MINUTES" =~ ^[0-9]+$ ]] && [ "$MINUTES" -ge 2 ] || { echo "--minutes must be 2 or more" >&2; exit 2; }

OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/swerve-soak.XXXXXX")}
mkdir -p "$OUT"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

if [ "$BUILD" = 1 ]; then swift build -c release --product swerve > "$OUT/build.log" 2>&1 || { cat "$OUT/build.log" >&2; exit 1; }; fi
BIN=.build/release/swerve

# Request bodies: the golden churn rows, one request each, and 1,000 of them as one batch.
tail -n +2 Tests/ModelRuntimesTests/Fixtures/golden/churn-requests.csv > "$OUT/rows.csv"
for _ in $(seq 10); do cat "$OUT/rows.csv"; done | awk 'NR <= 1000' > "$OUT/batch-1000.csv"

"$BIN" serve --model-dir model-artifacts/churn --port "$PORT" > "$OUT/server.log" 2>&1 &
SERVER=$!
PIDS+=("$SERVER")
for _ in $(seq 200); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/ping" && break; sleep 0.05; done
curl -sf -o /dev/null "http://127.0.0.1:$PORT/ping" || { echo "soak: the server did not start" >&2; cat "$OUT/server.log" >&2; exit 1; }
URL=http://127.0.0.1:$PORT/invocations

if [ -z "$RATE" ]; then
  echo "soak: finding capacity for single rows (p90 <= ${P90} ms, no failures)..."
  "$BIN" load "$URL" --find-capacity --p90 "${P90}ms" --max-cpu 100000 --max-failure-ratio 0 --step-duration 10s \
    --body-file "$OUT/rows.csv" --content-type text/csv --json > "$OUT/capacity.json"
  CAPACITY=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['capacity']['sustainableRate'])" "$OUT/capacity.json")
  RATE=$(python3 -c "import sys; print(max(1, round(float(sys.argv[1]) * 0.8)))" "$CAPACITY")
  echo "soak: capacity ${CAPACITY} rows/s; soaking at ${RATE} rows/s (80%) plus ${BATCH_RATE} batches/s of 1,000 rows"
else
  echo "soak: soaking at ${RATE} rows/s (given) plus ${BATCH_RATE} batches/s of 1,000 rows"
fi
echo "soak: $(date -u +%FT%TZ), ${MINUTES} minutes, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); files in $OUT"

python3 scripts/soak_clients.py run --port "$PORT" --pid "$SERVER" --seconds $((MINUTES * 60)) --out "$OUT" \
  --batch "$OUT/batch-1000.csv" &
CLIENTS=$!
PIDS+=("$CLIENTS")
for minute in $(seq -f %02g 1 "$MINUTES"); do
  "$BIN" load "$URL" --rate "$RATE" --duration 60s --body-file "$OUT/rows.csv" --content-type text/csv --json --quiet \
    > "$OUT/minute-$minute-rows.json" &
  ROWS=$!
  "$BIN" load "$URL" --rate "$BATCH_RATE" --connections 16 --duration 60s --timeout 30s --body "@$OUT/batch-1000.csv" \
    --content-type text/csv --json --quiet > "$OUT/minute-$minute-batches.json" &
  BATCHES=$!
  PIDS+=("$ROWS" "$BATCHES")
  wait "$ROWS" || true
  wait "$BATCHES" || true
  python3 scripts/soak_clients.py minute --out "$OUT" --minute "$minute"
done
wait "$CLIENTS"
kill -TERM "$SERVER"
wait "$SERVER" || true
python3 scripts/soak_clients.py report --out "$OUT"
