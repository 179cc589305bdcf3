#!/usr/bin/env bash
# Cost of observability (issue 14): the same load against several builds and settings of Swerve,
# each pinned to CPU 1 with wrk on CPU 0, interleaved round by round (the order rotates each
# round, so the machine's drift falls on every variant alike). For each run: req/s and the
# server's CPU time per request (from /proc). Prints medians and the ratios to `off`.
#
#   scripts/bench_observability_cost.sh [--rounds 8] [--duration 5] [--model real-estate|churn]
#       [--baseline PATH] [--otlp PATH] [--variants "base off access access-all otlp"]
#       [--server-args "--inline-max-us 0"]
#
# --server-args go to every variant: on a loaded machine slow inline runs suspend inline runs at
# random, and the mix of inline and queued requests then differs between variants more than the
# effect measured; `--inline-max-us 0` (every request through the workers) or a large value
# (every request inline) fixes the path.
# Variants (each a separate server process):
#   base        --baseline PATH: another build (e.g. main before this work), metrics on
#   off         this build, metrics on, no tracer, no access log: what a default server pays
#   access      --access-log (defaults: every line sampled, at most 1000 lines/s), stdout to a file
#   access-all  --access-log --access-log-max-per-second 0: a line for every request, to a file
#   otlp        --otlp PATH (a `--traits OTLP` build) with --tracing otlp, every request sampled,
#               exported to a local OTLP/HTTP receiver (scripts/otlp_receiver.py, discarding)
set -euo pipefail
cd "$(dirname "$0")/.."
usage() { sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; }
ROUNDS=8; DURATION=5; MODEL=real-estate; BASELINE=""; OTLP=""; VARIANTS=""; SERVER_ARGS=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --model) MODEL=$2; shift 2 ;;
    --baseline) BASELINE=$2; shift 2 ;;
    --otlp) OTLP=$2; shift 2 ;;
    --variants) VARIANTS=$2; shift 2 ;;
    --server-args) SERVER_ARGS=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
if [ -z "$VARIANTS" ]; then
  VARIANTS="off access access-all"
  [ -n "$BASELINE" ] && VARIANTS="base $VARIANTS"
  [ -n "$OTLP" ] && VARIANTS="$VARIANTS otlp"
fi
swift build -c release --product swerve >/dev/null
BIN=.build/release/swerve
WORK=$(mktemp -d /tmp/swerve-observability-cost.XXXXXX)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

LUA="$WORK/request.lua"
if [ "$MODEL" = churn ]; then
  printf 'wrk.method="POST"\nwrk.body="AK,55,415,312-6133,yes,no,0,129.1,157,222.12,228.5,83,19.42,208.8,111,9.4,12.7,6,3.43,4\\n"\nwrk.headers["Content-Type"]="text/csv"\n' > "$LUA"
else
  printf 'wrk.method="POST"\nwrk.body="{\\"distance\\": 150}"\nwrk.headers["Content-Type"]="application/json"\n' > "$LUA"
fi

declare -A PID PORT
port=18200
start() {  # NAME BINARY ARGS... (stdout to $WORK/NAME.out)
  local name=$1 binary=$2; shift 2
  port=$((port + 1))
  # shellcheck disable=SC2086
  taskset -c 1 "$binary" serve --model-dir "model-artifacts/$MODEL" --host 127.0.0.1 --port "$port" $SERVER_ARGS "$@" >> "$WORK/$name.out" 2>&1 &
  PID[$name]=$!; PORT[$name]=$port; PIDS+=($!)
}
for variant in $VARIANTS; do
  case "$variant" in
    base) start base "$BASELINE" ;;
    off) start off "$BIN" ;;
    access) start access "$BIN" --access-log ;;
    access-all) start access-all "$BIN" --access-log --access-log-max-per-second 0 ;;
    otlp)
      python=${SWERVE_TEST_PYTHON:-python3}
      taskset -c 0 "$python" scripts/otlp_receiver.py /dev/null > "$WORK/receiver.port" 2>"$WORK/receiver.err" &
      PIDS+=($!)
      for _ in $(seq 100); do grep -q listening "$WORK/receiver.port" && break; sleep 0.1; done
      receiver=$(awk '{print $2}' "$WORK/receiver.port")
      OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$receiver" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf \
        OTEL_SERVICE_NAME=swerve-bench start otlp "$OTLP" --tracing otlp ;;
    *) echo "unknown variant $variant" >&2; exit 2 ;;
  esac
done
for variant in $VARIANTS; do
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:${PORT[$variant]}/ping" && break; sleep 0.1; done
done
HZ=$(getconf CLK_TCK)
run() {  # VARIANT -> "req/s cpu_us_per_request"
  local pid=${PID[$1]} t0 t1 out reqs
  : > "$WORK/$1.out"  # the access log's file starts empty each run
  t0=$(awk '{print $14+$15}' "/proc/$pid/stat")
  out=$(taskset -c 0 wrk -t1 -c64 -d"${DURATION}s" -s "$LUA" "http://127.0.0.1:${PORT[$1]}/invocations")
  t1=$(awk '{print $14+$15}' "/proc/$pid/stat")
  reqs=$(echo "$out" | awk '/requests in/ {print $1}')
  echo "$(echo "$out" | awk '/Requests\/sec/ {print $2}') $(echo "($t1-$t0)*1000000/$HZ/$reqs" | bc -l)"
}
for variant in $VARIANTS; do run "$variant" >/dev/null; done  # warm-up
RESULTS="$WORK/results.txt"
read -r -a LIST <<< "$VARIANTS"
for round in $(seq "$ROUNDS"); do
  count=${#LIST[@]}
  for index in $(seq 0 $((count - 1))); do
    variant=${LIST[$(( (index + round) % count ))]}
    echo "$round $variant $(run "$variant")" | tee -a "$RESULTS"
  done
done
python3 - "$RESULTS" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
rounds = {}
for round_, variant, rps, cpu in rows:
    rounds.setdefault(round_, {})[variant] = (float(rps), float(cpu))
variants = list(dict.fromkeys(variant for _, variant, _, _ in rows))
print(f"{'variant':12s} {'median req/s':>13s} {'CPU us/req':>11s} {'req/s vs off':>13s} {'CPU vs off':>11s}")
for variant in variants:
    rps = statistics.median(r[variant][0] for r in rounds.values())
    cpu = statistics.median(r[variant][1] for r in rounds.values())
    ratio_rps = statistics.median(r[variant][0] / r["off"][0] for r in rounds.values()) if "off" in variants else float("nan")
    ratio_cpu = statistics.median(r[variant][1] / r["off"][1] for r in rounds.values()) if "off" in variants else float("nan")
    print(f"{variant:12s} {rps:13,.0f} {cpu:11.2f} {ratio_rps:13.3f} {ratio_cpu:11.3f}")
print("(ratios are medians of the per-round ratios)")
PY
