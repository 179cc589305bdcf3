#!/usr/bin/env bash
# Cost of measuring (issue 4): Swerve with metrics on vs off, both pinned to CPU 1, wrk on CPU 0,
# run back to back in ABBA order (on, off, off, on, ...) so that the machine's drift falls on both
# alike. For each run: req/s and the server's CPU time per request (from /proc). Prints medians and
# the on/off ratios.
#
# With --direct it then runs the RequestPath package benchmark (Benchmarks/) for the same model:
# the server's per-request work above the socket, in process, metrics on and off, whose fast-mode
# floor (p0) resolves what this VM's ±25% between runs cannot; it prints on − off per request and
# as a share of the median CPU per request measured above with metrics off.
#
#   scripts/bench_metrics_cost.sh [--pairs 10] [--duration 5] [--model real-estate|churn] [--direct]
set -euo pipefail
cd "$(dirname "$0")/.."
PAIRS=10; DURATION=5; MODEL=real-estate; DIRECT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --pairs) PAIRS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --model) MODEL=$2; shift 2 ;;
    --direct) DIRECT=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
swift build -c release --product swerve >/dev/null
LUA=$(mktemp --suffix .lua)
if [ "$MODEL" = churn ]; then
  printf 'wrk.method="POST"\nwrk.body="AK,55,415,312-6133,yes,no,0,129.1,157,222.12,228.5,83,19.42,208.8,111,9.4,12.7,6,3.43,4\\n"\nwrk.headers["Content-Type"]="text/csv"\n' > "$LUA"
else
  printf 'wrk.method="POST"\nwrk.body="{\\"distance\\": 150}"\nwrk.headers["Content-Type"]="application/json"\n' > "$LUA"
fi
taskset -c 1 .build/release/swerve serve --model-dir "model-artifacts/$MODEL" --port 18090 >/dev/null 2>&1 & ON=$!
taskset -c 1 .build/release/swerve serve --model-dir "model-artifacts/$MODEL" --port 18091 --no-metrics >/dev/null 2>&1 & OFF=$!
trap 'kill $ON $OFF 2>/dev/null; rm -f "$LUA"' EXIT
for port in 18090 18091; do for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/ping" && break; sleep 0.1; done; done
HZ=$(getconf CLK_TCK)
run() {  # PID PORT -> "req/s cpu_us_per_request"
  local t0 t1 out reqs
  t0=$(awk '{print $14+$15}' /proc/$1/stat)
  out=$(taskset -c 0 wrk -t1 -c64 -d${DURATION}s -s "$LUA" "http://127.0.0.1:$2/invocations")
  t1=$(awk '{print $14+$15}' /proc/$1/stat)
  reqs=$(echo "$out" | awk '/requests in/ {print $1}')
  echo "$(echo "$out" | awk '/Requests\/sec/ {print $2}') $(echo "($t1-$t0)*1000000/$HZ/$reqs" | bc -l)"
}
for pid_port in "$ON 18090" "$OFF 18091"; do run $pid_port >/dev/null; done   # warm-up
: > /tmp/metrics-cost.txt
for pair in $(seq "$PAIRS"); do
  if [ $((pair % 2)) -eq 1 ]; then order="on off"; else order="off on"; fi
  for which in $order; do
    if [ "$which" = on ]; then r=$(run $ON 18090); else r=$(run $OFF 18091); fi
    echo "$pair $which $r" | tee -a /tmp/metrics-cost.txt
  done
done
python3 - <<'PY'
import statistics
rows = [l.split() for l in open("/tmp/metrics-cost.txt")]
pairs = {}
for pair, which, rps, cpu in rows: pairs.setdefault(pair, {})[which] = (float(rps), float(cpu))
rps_ratio = [p["on"][0] / p["off"][0] for p in pairs.values()]
cpu_ratio = [p["on"][1] / p["off"][1] for p in pairs.values()]
med = lambda w, i: statistics.median(p[w][i] for p in pairs.values())
print(f"median req/s: on {med('on',0):,.0f}  off {med('off',0):,.0f}")
print(f"median CPU per request: on {med('on',1):.2f} us  off {med('off',1):.2f} us")
print(f"median of per-pair ratios on/off: req/s {statistics.median(rps_ratio):.3f}  CPU per request {statistics.median(cpu_ratio):.3f}")
PY
[ -n "$DIRECT" ] || exit 0
kill $ON $OFF 2>/dev/null || true
echo
echo "RequestPath (package-benchmark), $MODEL, p0 of each benchmark:"
swift package --package-path Benchmarks --disable-sandbox benchmark --target RequestPath --filter "$MODEL, .*" \
  --no-progress --format markdown > /tmp/metrics-cost-direct.md 2> /tmp/metrics-cost-direct.log \
  || { cat /tmp/metrics-cost-direct.log >&2; exit 1; }
python3 - <<'PY'
import re, statistics
rows = [l.split() for l in open("/tmp/metrics-cost.txt")]
cpu_off = statistics.median(float(cpu) for _, which, _, cpu in rows if which == "off")
floors = {}
for section in open("/tmp/metrics-cost-direct.md").read().split("### ")[1:]:
    name = section.split("\n")[0].strip()
    wall = re.search(r"Time \(wall clock\) \(ns\) \*\s*\|\s*(\d+)", section)
    cadence, which = re.match(r".*, (\d+ requests? a tick): metrics (on|off)", name).groups()
    floors.setdefault(cadence, {})[which] = int(wall.group(1))
for cadence, f in floors.items():
    extra = (f["on"] - f["off"]) / 1000
    print(f"  {cadence}: off {f['off']} ns, on {f['on']} ns: metrics {extra:+.2f} us a request, "
          f"{100 * extra / cpu_off:.1f}% of the {cpu_off:.1f} us of CPU a request costs with metrics off")
PY
