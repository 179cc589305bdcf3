#!/usr/bin/env bash
# A real Prometheus (Debian's `prometheus` package) against two Swerve instances on loopback, with
# the rules of deploy/prometheus: load on both, then a fault on one (a saturation burst of
# 1,000-row churn batches against an instance that may queue only 1 ms of work, so it answers
# 503), and the matching alerts shown going pending, then firing, through Prometheus's HTTP API,
# while the healthy instance stays quiet. Prints the alerts and the figures behind them.
#
# The rules are the committed ones, with every `for:` shortened to FOR (default 10s) and the
# evaluation interval to 1 s in a temporary copy, so the run takes about a minute.
#
#   scripts/prometheus-check.sh [--binary PATH] [--for 10s] [--graph docs/prometheus-run.svg] [--keep]
#
# --graph writes an SVG of the run (request rate, 5xx ratio, rejections, p90 per instance) from
# Prometheus's query_range API. --keep leaves the temporary directory (Prometheus data, logs).
set -euo pipefail
cd "$(dirname "$0")/.."
usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; }

BINARY=""; FOR=10s; GRAPH=""; KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) BINARY=$2; shift 2 ;;
    --for) FOR=$2; shift 2 ;;
    --graph) GRAPH=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
command -v prometheus >/dev/null || { echo "needs prometheus (apt-get install prometheus)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "needs python3" >&2; exit 1; }
if [ -z "$BINARY" ]; then
  swift build -c release --product swerve >/dev/null
  BINARY=.build/release/swerve
fi

WORK=$(mktemp -d /tmp/swerve-prometheus-check.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$KEEP" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
HEALTHY_PORT=$(free_port); FAULTY_PORT=$(free_port); PROM_PORT=$(free_port)
PROM="http://127.0.0.1:$PROM_PORT"

# Bodies: one churn row, and a 1,000-row batch (the 20 raw columns of data/churn.csv).
sed -n '2p' data/churn.csv | cut -d, -f1-20 > "$WORK/row.csv"
sed -n '2,1001p' data/churn.csv | cut -d, -f1-20 > "$WORK/batch.csv"

# The healthy instance, and the one that will be saturated: one worker, no inline runs, and at
# most 1 ms of expected queueing before 503.
"$BINARY" serve --model-dir model-artifacts/churn --host 127.0.0.1 --port "$HEALTHY_PORT" > "$WORK/healthy.log" 2>&1 &
PIDS+=($!)
"$BINARY" serve --model-dir model-artifacts/churn --host 127.0.0.1 --port "$FAULTY_PORT" \
  --workers 1 --inline-max-us 0 --max-queue-wait 0.001 > "$WORK/faulty.log" 2>&1 &
PIDS+=($!)
for port in "$HEALTHY_PORT" "$FAULTY_PORT"; do
  for _ in $(seq 200); do curl -sf -o /dev/null "http://127.0.0.1:$port/ping" && break; sleep 0.05; done
done

# The committed rules, with short `for:` and 1 s evaluation, and a scrape of both instances.
mkdir -p "$WORK/rules"
sed -e 's/^\(    interval:\) .*/\1 1s/' deploy/prometheus/recording-rules.yml > "$WORK/rules/recording-rules.yml"
sed -e "s/^\(        for:\) .*/\1 $FOR/" deploy/prometheus/alert-rules.yml > "$WORK/rules/alert-rules.yml"
cat > "$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - rules/recording-rules.yml
  - rules/alert-rules.yml
scrape_configs:
  - job_name: swerve
    static_configs:
      - targets: ["127.0.0.1:$HEALTHY_PORT", "127.0.0.1:$FAULTY_PORT"]
EOF
promtool check config "$WORK/prometheus.yml" >/dev/null
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/data" \
  --web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn > "$WORK/prometheus.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 200); do curl -sf -o /dev/null "$PROM/-/ready" && break; sleep 0.1; done
curl -sf -o /dev/null "$PROM/-/ready" || { echo "prometheus did not start:"; cat "$WORK/prometheus.log"; exit 1; }
echo "prometheus $PROM scraping healthy 127.0.0.1:$HEALTHY_PORT and faulty 127.0.0.1:$FAULTY_PORT (alerts with for: $FOR)"

# Steady load on both for the whole run (single rows, paced), then the burst on the faulty one.
STARTED=$(date +%s)
"$BINARY" load "http://127.0.0.1:$HEALTHY_PORT/invocations" --users 4 --pacing 10ms --duration 120s \
  --body-file "$WORK/row.csv" --content-type text/csv --quiet > "$WORK/load-healthy.txt" 2>&1 &
PIDS+=($!)
"$BINARY" load "http://127.0.0.1:$FAULTY_PORT/invocations" --users 2 --pacing 10ms --duration 120s \
  --body-file "$WORK/row.csv" --content-type text/csv --quiet > "$WORK/load-faulty-rows.txt" 2>&1 &
PIDS+=($!)
sleep 30
echo "fault: 16 users sending 1,000-row batches back to back to the faulty instance"
FAULT_AT=$(date +%s)
"$BINARY" load "http://127.0.0.1:$FAULTY_PORT/invocations" --users 16 --duration 90s \
  --body @"$WORK/batch.csv" --content-type text/csv --quiet > "$WORK/load-burst.txt" 2>&1 &
PIDS+=($!)

# Watch the alerts through the API until both fault alerts fire on the faulty instance.
WANTED="SwerveRejectionsRising Swerve5xxRatioHigh"
python3 - "$PROM" "127.0.0.1:$FAULTY_PORT" "127.0.0.1:$HEALTHY_PORT" "$FAULT_AT" "$WANTED" <<'PY'
import json, sys, time, urllib.request
prom, faulty, healthy, fault_at, wanted = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5].split()
def get(path):
    with urllib.request.urlopen(prom + path, timeout=5) as response:
        return json.load(response)["data"]
seen = {}  # (alert, state) -> seconds after the fault
deadline = time.time() + 80
while time.time() < deadline:
    for alert in get("/api/v1/alerts")["alerts"]:
        name, state, instance = alert["labels"]["alertname"], alert["state"], alert["labels"].get("instance")
        if instance == healthy:
            sys.exit(f"FAIL: {name} is {state} on the healthy instance {healthy}")
        if instance == faulty and (name, state) not in seen:
            seen[(name, state)] = time.time() - fault_at
            print(f"  +{seen[(name, state)]:5.1f}s  {name:24s} {state:8s} {alert['annotations'].get('summary', '')}", flush=True)
    if all((name, "firing") in seen for name in wanted):
        break
    time.sleep(0.5)
missing = [f"{name} {state}" for name in wanted for state in ("pending", "firing") if (name, state) not in seen]
if missing:
    sys.exit("FAIL: never saw " + ", ".join(missing))
print("\nfiring alerts (GET /api/v1/alerts):")
for alert in get("/api/v1/alerts")["alerts"]:
    if alert["state"] == "firing":
        print("  " + json.dumps({"labels": alert["labels"], "annotations": alert["annotations"], "activeAt": alert["activeAt"],
                                 "value": alert["value"]}, sort_keys=True))
print("\nfigures (GET /api/v1/query):")
for expr in ["instance:swerve_invocations:rate1m", "instance:swerve_invocations_5xx:ratio_rate1m",
             "instance:swerve_rejected_requests:rate1m", "instance:http_server_request_duration_seconds:p90_1m",
             "instance:swerve_cpu_cores_used:ratio_rate1m", "swerve_healthy"]:
    for sample in get("/api/v1/query?query=" + urllib.request.quote(expr))["result"]:
        role = "faulty " if sample["metric"].get("instance") == faulty else "healthy"
        print(f"  {expr:55s} {role} {float(sample['value'][1]):12.6g}")
print("\nPASS: the fault's alerts went pending, then firing, on the faulty instance only")
PY

if [ -n "$GRAPH" ]; then
  sleep 20  # more points after the alerts fired
  python3 scripts/prometheus_graph.py "$PROM" "$STARTED" "$(date +%s)" "$FAULT_AT" "127.0.0.1:$HEALTHY_PORT" "127.0.0.1:$FAULTY_PORT" "$GRAPH"
  echo "graph: $GRAPH"
fi

echo
echo "the burst against the faulty instance (swerve load, stopped early with SIGINT):"
BURST=${PIDS[-1]}
kill -INT "$BURST" 2>/dev/null || true
wait "$BURST" 2>/dev/null || true
sed 's/^/  /' "$WORK/load-burst.txt" | head -20
