#!/usr/bin/env bash
# The scenario's OLTP stress test on a real PostgreSQL: 100 pgbench clients insert random customers
# into churn_inserts, whose BEFORE INSERT trigger scores each one through Swerve. Reports inserts/s,
# insert latency p50/p90/p99, failed inserts, Swerve's ModelLatency, OverheadLatency and per-container
# CPU from /metrics, the CPU used by PostgreSQL and by Swerve, and a diagnosis computed from them.
# Then a single-session probe splits one insert's cost into its stages.
#
# Everything runs on this machine: a throwaway cluster in a temporary directory on a loopback port
# (never a system cluster) and the release build of Swerve on the churn model; both are stopped
# and removed on exit.
set -euo pipefail

usage() {
  cat <<EOF
usage: scripts/postgres-stress.sh [--duration SECONDS] [--warmup SECONDS] [--runs N] [--clients N] [--threads N]
                                 [--keep-logs DIR] [--baseline]
  --duration   seconds measured per run (default 60)
  --warmup     seconds per run before the measured window: clients connect, PL/Python loads (default 5)
  --runs       runs, each reported, then their medians (default 1)
  --clients    pgbench clients (default 100, the scenario's)
  --threads    pgbench threads (default 2)
  --keep-logs  copy PostgreSQL's, Swerve's and pgbench's logs here
  --baseline   then one more run with the trigger disabled: PostgreSQL's own cost per insert
EOF
}

DURATION=60
WARMUP=5
RUNS=1
CLIENTS=100
THREADS=2
KEEP=""
BASELINE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --clients) CLIENTS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --keep-logs) KEEP=$2; shift 2 ;;
    --baseline) BASELINE=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done

REPO=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/postgres-common.sh
source "$REPO/scripts/postgres-common.sh"

cleanup() {
  if [ -n "$KEEP" ] && [ -n "$PG_WORK" ] && [ -d "$PG_WORK" ]; then
    mkdir -p "$KEEP" && cp "$PG_WORK"/*.log "$PG_WORK"/*.json "$PG_WORK"/pgbench.out "$KEEP"/ 2>/dev/null || true
  fi
  pg_cleanup
}
trap cleanup EXIT

pg_install
command -v python3 >/dev/null || { echo "python3 is needed for the report" >&2; exit 1; }
# Durability as shipped (synchronous_commit on, fsync on); room for the clients; errors logged.
pg_start "max_connections=$((CLIENTS + 20))" "shared_buffers=256MB" "log_min_error_statement=error"
swerve_start "$REPO/model-artifacts/churn"
pg_psql -v swerve_url="http://127.0.0.1:$SWERVE_PORT" -f "$REPO/integrations/postgres/churn.sql"

POSTMASTER=$(head -1 "$PG_WORK/data/postmaster.pid")
# pgbench's own log files go to a directory the invoking user can write.
cp "$REPO/integrations/postgres/random-insert.pgbench" "$PG_WORK/"
echo "conditions: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the runs;" \
     "PostgreSQL $("$PG_BINDIR/postgres" --version | awk '{print $3}') (synchronous_commit on), Swerve release build," \
     "pgbench -c $CLIENTS -j $THREADS"
for run in $(seq 1 "$RUNS"); do
  echo
  echo "== run $run of $RUNS: pgbench -c $CLIENTS -j $THREADS -T $((WARMUP + DURATION + 2)) -n -f random-insert.pgbench," \
       "measured from second $WARMUP for $DURATION s"
  (cd "$PG_WORK" && python3 "$REPO/scripts/postgres_stress_run.py" --postmaster "$POSTMASTER" --swerve "$SWERVE_PID" \
    --metrics "http://127.0.0.1:$SWERVE_PORT/metrics" --log-dir "$PG_WORK" --json "$PG_WORK/run$run.json" \
    --warmup "$WARMUP" --duration "$DURATION" \
    --psql "psql -X -q -h 127.0.0.1 -p $PG_PORT -U swerve -d postgres" \
    -- pgbench -h 127.0.0.1 -p "$PG_PORT" -U swerve -n -c "$CLIENTS" -j "$THREADS" -f random-insert.pgbench postgres)
done

if [ "$RUNS" -gt 1 ]; then
  echo
  echo "== medians of $RUNS runs"
  python3 - "$PG_WORK"/run*.json <<'EOF'
import json, statistics, sys
runs = [json.load(open(path)) for path in sys.argv[1:]]
def median(get):
    return statistics.median(get(run) for run in runs)
print("inserts/s %.0f; insert latency p50 %.1f ms, p90 %.1f ms, p99 %.1f ms; failed %d; "
      "Swerve ModelLatency mean %.3f ms, p99 %.3f ms; OverheadLatency mean %.2f ms; "
      "CPU per insert: PostgreSQL %.0f us, Swerve %.0f us, pgbench %.0f us; other processes %.0f%% of the machine"
      % (median(lambda r: r["inserts_per_s"]), median(lambda r: r["latency_ms"]["p50"]), median(lambda r: r["latency_ms"]["p90"]),
         median(lambda r: r["latency_ms"]["p99"]),
         sum(r["failed"]["aborted_clients"] + r["failed"]["server_errors"] + r["failed"]["unscored_rows"] for r in runs),
         median(lambda r: r["swerve"]["model_latency_ms"]["mean"]), median(lambda r: r["swerve"]["model_latency_ms"]["p99"]),
         median(lambda r: r["swerve"]["overhead_latency_ms"]["mean"]),
         median(lambda r: r["cpu_s"]["postgres"] / r["inserted"] * 1e6), median(lambda r: r["cpu_s"]["swerve"] / r["inserted"] * 1e6),
         median(lambda r: r["cpu_s"]["pgbench"] / r["inserted"] * 1e6),
         median(lambda r: r["cpu_s"]["other"] / (r["wall_s"] * r["cores"]) * 100)))
EOF
fi

if [ "$BASELINE" = 1 ]; then
  echo
  echo "== baseline: the same load with the trigger disabled (no Swerve call)"
  pg_psql -c "ALTER TABLE churn_inserts DISABLE TRIGGER churn_inserts_predict"
  (cd "$PG_WORK" && python3 "$REPO/scripts/postgres_stress_run.py" --postmaster "$POSTMASTER" --swerve "$SWERVE_PID" \
    --metrics "http://127.0.0.1:$SWERVE_PORT/metrics" --log-dir "$PG_WORK" --baseline \
    --warmup "$WARMUP" --duration "$DURATION" \
    --psql "psql -X -q -h 127.0.0.1 -p $PG_PORT -U swerve -d postgres" \
    -- pgbench -h 127.0.0.1 -p "$PG_PORT" -U swerve -n -c "$CLIENTS" -j "$THREADS" -f random-insert.pgbench postgres)
  pg_psql -c "ALTER TABLE churn_inserts ENABLE TRIGGER churn_inserts_predict"
fi

echo
echo "== where one insert's time goes (one session, 2,000 calls each, CPU and wall time per call)"
pg_psql -f - <<'EOF'
CREATE TEMP TABLE probe_plain (LIKE churn_inserts INCLUDING DEFAULTS);
CREATE TEMP TABLE probe_result (stage text, cpu_us numeric, wall_us numeric, ord serial);
DO $$
import time
values = ["AK", "55", "415", "312-6133", "yes", "no", "0", "129.1", "157", "222.12", "228.5", "83", "19.42",
          "208.8", "111", "9.4", "12.7", "6", "3.43", "4"]
types = ["text", "int", "int", "text", "text", "text", "int", "float8", "int", "float8", "float8", "int", "float8",
         "float8", "int", "float8", "float8", "int", "float8", "int"]
columns = ("state, acc_length, area_code, phone, int_plan, vmail_plan, vmail_msg, day_mins, day_calls, day_charge, "
           "eve_mins, eve_calls, eve_charge, night_mins, night_calls, night_charge, int_mins, int_calls, int_charge, "
           "cust_service_calls")
params = ", ".join("$%d" % (i + 1) for i in range(20))
typed = [int(v) if t == "int" else float(v) if t == "float8" else v for v, t in zip(values, types)]
stages = [
    ("a statement with 20 parameters (the probe's own cost)", "SELECT ARRAY[%s]" % params, ["text"] * 20, values),
    ("PL/Python call with 20 text arguments, no HTTP (aws_sagemaker.csv_row)",
     "SELECT aws_sagemaker.csv_row(%s)" % params, ["text"] * 20, values),
    ("aws_sagemaker.invoke_endpoint: PL/Python + HTTP round trip to Swerve",
     "SELECT aws_sagemaker.invoke_endpoint('churn', NULL, %s)" % params, ["text"] * 20, values),
    ("predict_churn(...): the SQL wrapper around it", "SELECT predict_churn(%s)" % params, types, typed),
    ("INSERT without the trigger", "INSERT INTO probe_plain (%s) VALUES (%s)" % (columns, params), types, typed),
    ("INSERT into churn_inserts (trigger, predict_churn, HTTP)",
     "INSERT INTO churn_inserts (%s) VALUES (%s)" % (columns, params), types, typed),
]
for name, sql, argtypes, args in stages:
    plan = plpy.prepare(sql, argtypes)
    for _ in range(200):
        plpy.execute(plan, args)
    calls = 2000
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(calls):
        plpy.execute(plan, args)
    cpu, wall = (time.process_time() - cpu) / calls * 1e6, (time.perf_counter() - wall) / calls * 1e6
    plpy.execute(plpy.prepare("INSERT INTO probe_result (stage, cpu_us, wall_us) VALUES ($1, $2, $3)",
                              ["text", "numeric", "numeric"]), [name, round(cpu, 1), round(wall, 1)])
plpy.execute("DELETE FROM churn_inserts WHERE inserted_at = now()")
$$ LANGUAGE plpython3u;
\pset footer off
SELECT stage, cpu_us AS "backend CPU us", wall_us AS "wall us" FROM probe_result ORDER BY ord;
EOF
