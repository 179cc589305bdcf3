#!/usr/bin/env bash
# /ping while every worker is busy (issue 8): the churn model saturated by 10,000-row batches from
# more users than there are workers, and at the same time an open-loop /ping probe at 50 per second
# on connections of its own, as a load balancer's health checks arrive. Prints the probe's
# latency percentiles (target: p99 under 50 ms) and the batches' throughput, then the same probe
# against the idle server for reference.
#
#   scripts/bench_ping_under_load.sh [--duration 20s] [--users 16] [--binary PATH]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=20s; USERS=16; BIN=""
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=$2; shift 2 ;;
    --users) USERS=$2; shift 2 ;;
    --binary) BIN=$2; shift 2 ;;
    *) echo "usage: $0 [--duration 20s] [--users N] [--binary PATH]" >&2; exit 2 ;;
  esac
done
if [ -z "$BIN" ]; then swift build -c release --product swerve >/dev/null; BIN=.build/release/swerve; fi
BODY=$(mktemp --suffix .csv)
python3 - "$BODY" <<'PY'
import sys
rows = open("Tests/ModelRuntimesTests/Fixtures/golden/churn-requests.csv").read().splitlines()
rows = [r for r in rows if r and not r.startswith("state")]
open(sys.argv[1], "w").write("\n".join(rows[i % len(rows)] for i in range(10000)) + "\n")
PY
PORT=18490
"$BIN" serve --model-dir model-artifacts/churn --port $PORT > /tmp/swerve-ping-bench.log 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -f "$BODY"' EXIT
for _ in $(seq 200); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/ping" && break; sleep 0.05; done
probe() {  # label
  "$BIN" load "http://127.0.0.1:$PORT/ping" --rate 50 --connections 8 --duration "$DURATION" --json --quiet > /tmp/swerve-ping-probe.json
  python3 - "$1" <<'PY'
import json, sys
r = json.load(open("/tmp/swerve-ping-probe.json"))
lat = r["latencyMs"]
print(f"{sys.argv[1]}: /ping p50 {lat['p50']:.2f} ms, p90 {lat['p90']:.2f} ms, p99 {lat['p99']:.2f} ms, max {lat['max']:.2f} ms; {r['requests']} requests, {r['failures']} failed")
PY
}
probe "idle server"
"$BIN" load "http://127.0.0.1:$PORT/invocations" --users "$USERS" --duration "$DURATION" --body "@$BODY" --content-type text/csv --json --quiet > /tmp/swerve-ping-batches.json &
LOAD=$!
sleep 2
probe "workers saturated by $USERS users sending 10,000-row batches"
wait $LOAD
python3 - <<'PY'
import json
r = json.load(open("/tmp/swerve-ping-batches.json"))
print(f"batches: {r['requests']} requests, {r['requestsPerSecond']:.1f} req/s, {r['failures']} failed ({r['failuresByKind']})")
PY
echo "rejections (503) during the run: $(curl -s "http://127.0.0.1:$PORT/metrics" | awk '/^swerve_rejected_requests_total/ {print $2}')"
