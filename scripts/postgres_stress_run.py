#!/usr/bin/env python3
"""One run of the database stress test, measured: called by scripts/postgres-stress.sh.

Starts pgbench (the caller gives its arguments after `--`), lets the clients connect and warm up,
then snapshots CPU (/proc) and Swerve's /metrics at the start and end of the measured window,
takes the inserts and their latencies in that window from pgbench's per-transaction log, and
prints the run's figures and a diagnosis computed from them. `--json FILE` also writes them.

usage: postgres_stress_run.py --postmaster PID --swerve PID --metrics URL --log-dir DIR
                              --psql 'psql ...' [--warmup S] [--duration S] [--json FILE]
                              -- pgbench ARGS (without -T: the run lasts warm-up + duration)
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys
import time
import urllib.request

TICK = os.sysconf("SC_CLK_TCK")
CONTAINERS = ["input_fn", "transform", "xgboost", "logistic_regression", "random_forest", "label", "output_fn"]


def proc_stat(pid):
    """(ppid, own CPU seconds, reaped children's CPU seconds) of a process, or None."""
    try:
        with open("/proc/%d/stat" % pid) as handle:
            text = handle.read()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    # fields[0] is field 3 (state): ppid is field 4, utime..cstime fields 14..17
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK, (int(fields[13]) + int(fields[14])) / TICK


def postgres_cpu(postmaster):
    """CPU seconds of the postmaster, its live children, and its children that have exited."""
    own = proc_stat(postmaster)
    total = own[1] + own[2]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = proc_stat(int(entry))
            if stat and stat[0] == postmaster:
                total += stat[1] + stat[2]
    return total


def machine_cpu():
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return (total - idle) / TICK, total / TICK


def scrape(url):
    samples = {}
    with urllib.request.urlopen(url, timeout=10) as response:
        for line in response.read().decode().splitlines():
            if not line or line.startswith("#"):
                continue
            series, _, value = line.rpartition(" ")
            samples[series] = float(value)
    return samples


def snapshot(args, pgbench_pid):
    pgbench = proc_stat(pgbench_pid)
    return {
        "pgbench": pgbench[1] + pgbench[2] if pgbench else 0.0,
        "time": time.monotonic(),
        "epoch": time.time(),
        "postgres": postgres_cpu(args.postmaster),
        "swerve": sum(proc_stat(args.swerve)[1:]),
        "machine": machine_cpu(),
        "metrics": scrape(args.metrics),
    }


def delta(before, after, series):
    return after["metrics"].get(series, 0.0) - before["metrics"].get(series, 0.0)


def histogram(before, after, name):
    """count, mean and (p50, p90, p99) of a Prometheus histogram's change; a percentile is
    interpolated linearly inside its bucket and comes with the bucket's upper bound."""
    buckets = []
    for series in after["metrics"]:
        match = re.fullmatch(r'%s_bucket\{le="([^"]+)"\}' % name, series)
        if match:
            bound = float("inf") if match.group(1) == "+Inf" else float(match.group(1))
            buckets.append((bound, delta(before, after, series)))
    buckets.sort()
    count = delta(before, after, name + "_count")
    total = delta(before, after, name + "_sum")
    quantiles = []
    for q in (0.5, 0.9, 0.99):
        rank = q * count
        lower, below = 0.0, 0.0
        for bound, cumulative in buckets:
            if cumulative >= rank and cumulative > below:
                upper = bound if bound != float("inf") else lower
                value = lower + (upper - lower) * (rank - below) / (cumulative - below)
                quantiles.append((value, bound))
                break
            lower, below = bound, cumulative
        else:
            quantiles.append((float("nan"), float("nan")))
    return count, (total / count if count else float("nan")), quantiles


def percentile(sorted_values, q):
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, int(round(q * len(sorted_values) + 0.5)) - 1))
    return sorted_values[index]


def psql_value(psql, sql):
    return subprocess.run(psql + ["-At", "-c", sql], check=True, capture_output=True, text=True).stdout.strip()


def wait_for_backends(psql, baseline, timeout=30):
    """Waits until the benchmark's backends have exited (and been reaped by the postmaster)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if int(psql_value(psql, "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")) <= baseline:
            time.sleep(0.2)
            return
        time.sleep(0.2)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postmaster", type=int, required=True)
    parser.add_argument("--swerve", type=int, required=True)
    parser.add_argument("--metrics", required=True)
    parser.add_argument("--log-dir", required=True)
    parser.add_argument("--psql", required=True, help="the psql command line, split on spaces")
    parser.add_argument("--json")
    parser.add_argument("--baseline", action="store_true",
                        help="the trigger is disabled: report PostgreSQL's own cost only")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds before the measured window")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds measured")
    parser.add_argument("pgbench", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    pgbench = args.pgbench[1:] if args.pgbench[:1] == ["--"] else args.pgbench
    psql = args.psql.split()

    prefix = os.path.join(args.log_dir, "pgbench_log")
    for old in glob.glob(prefix + "*"):
        os.remove(old)
    rows_before = int(psql_value(psql, "SELECT count(*) FROM churn_inserts"))
    errors_before = count_errors(args.log_dir)
    # One pgbench run: connections open and PL/Python loads during the warm-up; the measured
    # window is the steady state that follows, as in the scenario's long-connected clients.
    command = pgbench + ["-T", str(int(args.warmup + args.duration + 2.999)), "--log", "--log-prefix=" + prefix]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    time.sleep(args.warmup)
    before = snapshot(args, process.pid)
    time.sleep(args.duration)
    after = snapshot(args, process.pid)
    output = process.communicate()[0]
    wait_for_backends(psql, 1)
    rows_after = int(psql_value(psql, "SELECT count(*) FROM churn_inserts"))
    unscored = int(psql_value(psql, "SELECT count(*) FROM churn_inserts WHERE prediction IS NULL"))
    with open(os.path.join(args.log_dir, "pgbench.out"), "w") as handle:
        handle.write(output)

    latencies = []
    logged = 0
    failed_in_log = 0
    for path in glob.glob(prefix + "*"):
        with open(path) as handle:
            for line in handle:
                fields = line.split()
                if len(fields) < 6:
                    continue
                if not fields[2].isdigit():
                    failed_in_log += 1
                    continue
                logged += 1
                finished = int(fields[4]) + int(fields[5]) / 1e6
                if before["epoch"] <= finished < after["epoch"]:
                    latencies.append(int(fields[2]) / 1000.0)
    latencies.sort()
    duration = after["epoch"] - before["epoch"]
    inserted = len(latencies)
    aborted = len(re.findall(r"client \d+ script \d+ aborted", output))
    failed_match = re.search(r"number of failed transactions: (\d+)", output)
    server_errors = count_errors(args.log_dir) - errors_before
    if rows_after - rows_before != logged:
        print("warning: pgbench logged %d inserts but the table gained %d rows" % (logged, rows_after - rows_before), file=sys.stderr)

    wall = after["time"] - before["time"]
    cpu = {
        "postgres": after["postgres"] - before["postgres"],
        "swerve": after["swerve"] - before["swerve"],
        "pgbench": after["pgbench"] - before["pgbench"],
    }
    busy = after["machine"][0] - before["machine"][0]
    capacity = after["machine"][1] - before["machine"][1]
    cpu["other"] = max(0.0, busy - sum(cpu.values()))
    cpu["idle"] = max(0.0, capacity - busy)

    requests = delta(before, after, 'swerve_requests_total{route="/invocations",status="2xx"}')
    errors4 = delta(before, after, 'swerve_requests_total{route="/invocations",status="4xx"}')
    errors5 = delta(before, after, 'swerve_requests_total{route="/invocations",status="5xx"}')
    model = histogram(before, after, "swerve_model_latency_seconds")
    overhead = histogram(before, after, "swerve_overhead_latency_seconds")
    queue = histogram(before, after, "swerve_queue_wait_seconds")
    containers = {name: delta(before, after, 'swerve_container_cpu_seconds_total{model="churn",container="%s"}' % name)
                  for name in CONTAINERS}
    worker_overhead = delta(before, after, "swerve_worker_overhead_cpu_seconds_total")
    event_loop = delta(before, after, 'swerve_thread_cpu_seconds_total{role="event_loop"}')
    workers = delta(before, after, 'swerve_thread_cpu_seconds_total{role="worker"}')

    figures = {
        "duration_s": duration, "inserted": inserted, "inserts_per_s": inserted / duration,
        "pgbench_total": logged, "table_rows_added": rows_after - rows_before,
        "latency_ms": {"p50": percentile(latencies, 0.5), "p90": percentile(latencies, 0.9), "p99": percentile(latencies, 0.99),
                       "mean": sum(latencies) / len(latencies) if latencies else float("nan")},
        "failed": {"aborted_clients": aborted, "pgbench_failed": int(failed_match.group(1)) if failed_match else 0,
                   "failed_in_log": failed_in_log, "server_errors": server_errors, "unscored_rows": unscored},
        "swerve": {"requests": requests, "4xx": errors4, "5xx": errors5,
                   "model_latency_ms": {"mean": model[1] * 1e3, "p50": model[2][0][0] * 1e3, "p90": model[2][1][0] * 1e3,
                                        "p99": model[2][2][0] * 1e3, "p99_bucket": model[2][2][1] * 1e3},
                   "overhead_latency_ms": {"mean": overhead[1] * 1e3, "p50": overhead[2][0][0] * 1e3,
                                           "p99": overhead[2][2][0] * 1e3, "p99_bucket": overhead[2][2][1] * 1e3},
                   "queue_wait_ms": {"mean": queue[1] * 1e3, "p99": queue[2][2][0] * 1e3},
                   "container_cpu_s": containers, "worker_overhead_cpu_s": worker_overhead,
                   "event_loop_cpu_s": event_loop, "worker_cpu_s": workers},
        "cpu_s": cpu, "wall_s": wall, "cores": capacity / wall if wall else float("nan"),
        "pgbench_exit": process.returncode,
    }
    if process.returncode != 0 and not aborted or not inserted:
        sys.exit("pgbench failed (exit %d) or inserted nothing in the window:\n%s" % (process.returncode, output))
    if args.baseline:
        print("without the trigger: %.0f inserts/s; insert latency p50 %.1f ms, p99 %.1f ms; CPU per insert: PostgreSQL %.0f us, "
              "pgbench %.0f us; other processes %.0f%% of the machine"
              % (figures["inserts_per_s"], figures["latency_ms"]["p50"], figures["latency_ms"]["p99"],
                 cpu["postgres"] / inserted * 1e6, cpu["pgbench"] / inserted * 1e6, cpu["other"] / (wall * figures["cores"]) * 100))
    else:
        print(report(figures))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(figures, handle, indent=1)


def count_errors(log_dir):
    path = os.path.join(log_dir, "postgres.log")
    try:
        with open(path, errors="replace") as handle:
            return sum(1 for line in handle if "ERROR:" in line)
    except OSError:
        return 0


def report(f):
    s = f["swerve"]
    cpu = f["cpu_s"]
    n = max(f["inserted"], 1)
    lines = [
        "inserts: %d in the measured %.1f s = %.0f/s (whole run: %d logged by pgbench, %d rows added); "
        "failed: %d aborted clients, %d server errors, %d unscored rows"
        % (f["inserted"], f["duration_s"], f["inserts_per_s"], f["pgbench_total"], f["table_rows_added"],
           f["failed"]["aborted_clients"], f["failed"]["server_errors"], f["failed"]["unscored_rows"]),
        "insert latency (pgbench, per transaction): p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, mean %.1f ms"
        % (f["latency_ms"]["p50"], f["latency_ms"]["p90"], f["latency_ms"]["p99"], f["latency_ms"]["mean"]),
        "Swerve: %d requests (%d 4xx, %d 5xx); ModelLatency mean %.3f ms, p50 %.3f, p90 %.3f, p99 %.3f ms (bucket <= %g ms); "
        "OverheadLatency mean %.2f ms, p99 %.1f ms (bucket <= %g ms), of which waiting for a worker mean %.2f ms"
        % (s["requests"], s["4xx"], s["5xx"], s["model_latency_ms"]["mean"], s["model_latency_ms"]["p50"],
           s["model_latency_ms"]["p90"], s["model_latency_ms"]["p99"], s["model_latency_ms"]["p99_bucket"],
           s["overhead_latency_ms"]["mean"], s["overhead_latency_ms"]["p99"], s["overhead_latency_ms"]["p99_bucket"],
           s["queue_wait_ms"]["mean"]),
        "Swerve CPU by container (s): " + ", ".join("%s %.2f" % (k, v) for k, v in sorted(s["container_cpu_s"].items(), key=lambda kv: -kv[1]))
        + "; worker overhead %.2f; event loops (HTTP) %.2f" % (s["worker_overhead_cpu_s"], s["event_loop_cpu_s"]),
        "CPU over %.0f s on %.1f cores (%.0f CPU-s): PostgreSQL %.1f s (%.0f us/insert), Swerve %.1f s (%.0f us/insert), "
        "pgbench %.1f s (%.0f us/insert), other processes %.1f s, idle %.1f s"
        % (f["wall_s"], f["cores"], f["wall_s"] * f["cores"], cpu["postgres"], cpu["postgres"] / n * 1e6, cpu["swerve"],
           cpu["swerve"] / n * 1e6, cpu["pgbench"], cpu["pgbench"] / n * 1e6, cpu["other"], cpu["idle"]),
        "diagnosis: " + diagnosis(f),
    ]
    return "\n".join(lines)


def diagnosis(f):
    """One paragraph, every claim computed from the figures."""
    cpu = f["cpu_s"]
    s = f["swerve"]
    n = max(f["inserted"], 1)
    capacity = f["wall_s"] * f["cores"]
    busy_share = 1 - cpu["idle"] / capacity if capacity else 0
    users = sorted([("PostgreSQL", cpu["postgres"]), ("Swerve", cpu["swerve"]), ("pgbench", cpu["pgbench"]),
                    ("other processes on the machine", cpu["other"])], key=lambda kv: -kv[1])
    top, top_seconds = users[0]
    parts = []
    if busy_share >= 0.9:
        parts.append("The machine's %.1f cores were %.0f%% busy, so the run was CPU-bound: throughput is what the "
                     "CPU left after every member's share allows." % (f["cores"], busy_share * 100))
    else:
        parts.append("The machine's %.1f cores were only %.0f%% busy, so the limit is waiting (locks, commits "
                     "or round trips), not CPU." % (f["cores"], busy_share * 100))
    parts.append("%s used the most CPU: %.0f%% of all (%s)." % (
        top, top_seconds / capacity * 100,
        ", ".join("%s %.0f%%" % (name, seconds / capacity * 100) for name, seconds in users[1:])))
    pg_per = cpu["postgres"] / n * 1e6
    sw_per = cpu["swerve"] / n * 1e6
    parts.append("Per insert PostgreSQL burnt %.0f us of CPU (the insert, its commit, the trigger and the PL/Python "
                 "HTTP client) against Swerve's %.0f us (HTTP and model), so the database side costs %.1fx Swerve's."
                 % (pg_per, sw_per, pg_per / sw_per if sw_per else float("inf")))
    model_cpu = sum(s["container_cpu_s"].values())
    if model_cpu > 0:
        member, member_seconds = max(s["container_cpu_s"].items(), key=lambda kv: kv[1])
        model_ms = s["model_latency_ms"]["mean"]
        overhead_ms = s["overhead_latency_ms"]["mean"]
        queue_ms = s["queue_wait_ms"]["mean"]
        parts.append("Inside Swerve the model's stages took %.0f%% of its CPU (%s the largest at %.0f%% of the stages) "
                     "and the event loops (HTTP parsing and writing) %.0f%%; ModelLatency averaged %.3f ms (p99 %.3f ms) "
                     "and OverheadLatency %.2f ms, %.0f%% of which was waiting for a worker thread."
                     % (model_cpu / cpu["swerve"] * 100 if cpu["swerve"] else 0, member,
                        member_seconds / model_cpu * 100, s["event_loop_cpu_s"] / cpu["swerve"] * 100 if cpu["swerve"] else 0,
                        model_ms, s["model_latency_ms"]["p99"], overhead_ms, queue_ms / overhead_ms * 100 if overhead_ms else 0))
        if overhead_ms > 5 * model_ms:
            parts.append("A request spends %.0fx longer waiting (for a thread to get a core on the busy machine) than "
                         "in the model, so Swerve's latency here is CPU contention, not model work." % (overhead_ms / model_ms))
    if cpu["postgres"] > cpu["swerve"]:
        parts.append("The database is the limit: halving Swerve's cost would free %.0f us of CPU per insert, while "
                     "PostgreSQL alone, with all %.1f cores to itself, would cap the run near %.0f inserts/s."
                     % (sw_per / 2, f["cores"], f["cores"] / (cpu["postgres"] / n) if cpu["postgres"] else float("inf")))
    else:
        parts.append("Swerve is the limit: it costs more CPU per insert than the database.")
    return " ".join(parts)


if __name__ == "__main__":
    main()
