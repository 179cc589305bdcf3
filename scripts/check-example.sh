#!/usr/bin/env bash
# Builds the example user package (Examples/CustomModel: a k-nearest-neighbours model in a JSON
# format of its own, served by a handler registered with Swerve.main(handlers:)) and checks its
# predictions over HTTP in JSON, CSV and JSON Lines, /ping, and `predict`.
#
#   scripts/check-example.sh
set -euo pipefail
cd "$(dirname "$0")/.."
EXAMPLE=Examples/CustomModel
swift build --package-path "$EXAMPLE" --product KNNServer
BIN=$(swift build --package-path "$EXAMPLE" --product KNNServer --show-bin-path)/KNNServer
LOG=$(mktemp)
"$BIN" serve --model-dir "$EXAMPLE/model" --host 127.0.0.1 --port 0 > "$LOG" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -f "$LOG"' EXIT
PORT=""
for _ in $(seq 100); do
  PORT=$( (grep listening "$LOG" || true) | sed -n 's/.*port=\([0-9]*\).*/\1/p' | head -1)
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "$PORT" ] || { cat "$LOG"; echo "check-example: the example server did not start" >&2; exit 1; }
URL=http://127.0.0.1:$PORT
fail() { echo "check-example: $1" >&2; exit 1; }
expect() {  # NAME EXPECTED ACTUAL
  [ "$2" = "$3" ] || fail "$1: expected $(printf '%q' "$2"), got $(printf '%q' "$3")"
  echo "ok: $1"
}
expect "/ping" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$URL/ping")"
expect "JSON in, JSON out" '{"price":42.26}' \
  "$(curl -s -H 'Content-Type: application/json' -d '{"distance": 300, "age": 10, "stores": 5}' "$URL/invocations")"
expect "CSV in, CSV out" $'42.26\n40.08' \
  "$(curl -s -H 'Content-Type: text/csv' --data-binary $'300,10,5\n84.87882,32,10\n' "$URL/invocations")"
expect "JSON Lines in, JSON Lines out" $'{"price":42.26}\n{"price":40.08}' \
  "$(curl -s -H 'Content-Type: application/jsonlines' --data-binary $'{"distance": 300, "age": 10, "stores": 5}\n{"distance": 84.87882, "age": 32, "stores": 10}\n' "$URL/invocations")"
expect "CSV in, JSON out" '[{"price":42.26}]' \
  "$(curl -s -H 'Content-Type: text/csv' -H 'Accept: application/json' --data-binary '300,10,5' "$URL/invocations")"
expect "a bad row is a 400 naming it" 400 \
  "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: text/csv' --data-binary $'300,10,5\n300,abc,5\n' "$URL/invocations")"
expect "its container in /metrics" 1 \
  "$(curl -s "$URL/metrics" | grep -c '^swerve_container_cpu_seconds_total{model="house-knn",container="knn"}' || true)"
expect "swerve predict" "42.26" \
  "$(printf '300,10,5\n' | "$BIN" predict --model-dir "$EXAMPLE/model" --content-type text/csv)"
echo "check-example: the example package serves its own model"
