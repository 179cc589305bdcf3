#!/usr/bin/env python3
"""The client side of scripts/bench_multi_model.sh: loads models through SageMaker's multi-model
API (POST /models {"model_name", "url"}) one at a time on one keep-alive connection, pages
through GET /models, and loops loading and unloading one model. Python standard library only.

    mme_client.py load  --base http://127.0.0.1:8090 --models DIR --count 1000 [--pids 123] [--session 123]
                        [--min-available-mb 6000]
    mme_client.py page  --base http://127.0.0.1:8090 [--limit 100]
    mme_client.py cycle --base http://127.0.0.1:8090 --url DIR --name churn --seconds 10

Each prints one JSON object on stdout. `load` reads the memory of the server's processes before
and after: the processes in --pids, their descendants, and every process of session --session (MMS
runs a process per model, under a JVM that is not the launcher's child), as the sum of their
proportional set sizes (Pss: shared pages divided among the processes sharing them, so shared
libraries count once). It stops early when the machine's available memory falls below
--min-available-mb, so that a server needing a process per model cannot exhaust this shared machine.
"""
import argparse
import http.client
import json
import os
import statistics
import sys
import time
import urllib.parse


def connection(base):
    parts = urllib.parse.urlsplit(base)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=600)


def request(conn, method, path, body=None):
    headers = {"Content-Type": "application/json"} if body is not None else {}
    started = time.perf_counter()
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    return response.status, data, time.perf_counter() - started


def server_memory_bytes(pids, session=None):
    """Sum of Pss (else RSS) of the processes in pids, their descendants and session `session`."""
    children, members = {}, set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(entry))
                if session and int(fields[3]) == session:
                    members.add(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    todo = list(pids)
    while todo:
        pid = todo.pop()
        if pid not in members:
            members.add(pid)
            todo.extend(children.get(pid, []))
    total = 0
    for pid in members:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                total += next(int(line.split()[1]) * 1024 for line in f if line.startswith("Pss:"))
        except (OSError, StopIteration, ValueError):
            try:
                with open(f"/proc/{pid}/statm") as f:
                    total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            except OSError:
                pass
    return total, len(members)


def available_mb():
    with open("/proc/meminfo") as f:
        return next(int(line.split()[1]) // 1024 for line in f if line.startswith("MemAvailable:"))


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0


def load(args):
    conn = connection(args.base)
    pids = [int(p) for p in args.pids.split(",")] if args.pids else []
    before, _ = server_memory_bytes(pids, args.session)
    times, sizes, failures, stopped = [], [], {}, None
    started = time.perf_counter()
    for index in range(args.count):
        name = f"m{index:04d}"
        body = json.dumps({"model_name": name, "url": os.path.join(args.models, name, "model")})
        status, data, seconds = request(conn, "POST", "/models", body)
        if status != 200:
            failures[str(status)] = failures.get(str(status), 0) + 1
            if len(failures) and sum(failures.values()) >= 5:
                stopped = f"5 failed loads, last {status}: {data[:200]!r}"
                break
            continue
        times.append(seconds)
        try:
            sizes.append(json.loads(data).get("memoryBytes"))
        except ValueError:
            pass
        if index % 10 == 9 and available_mb() < args.min_available_mb:
            stopped = f"stopped after {index + 1} models: the machine has under {args.min_available_mb} MB available"
            break
    total = time.perf_counter() - started
    after, processes = server_memory_bytes(pids, args.session)
    sizes = [s for s in sizes if isinstance(s, int)]
    print(json.dumps({
        "loaded": len(times), "failures": failures, "stopped": stopped, "seconds_total": round(total, 3),
        "load_ms_median": round(statistics.median(times) * 1e3, 3) if times else None,
        "load_ms_p90": round(percentile(times, 0.9) * 1e3, 3), "load_ms_p99": round(percentile(times, 0.99) * 1e3, 3),
        "load_ms_max": round(max(times) * 1e3, 3) if times else None,
        "pss_before_mb": round(before / 2**20, 1), "pss_after_mb": round(after / 2**20, 1), "processes_after": processes,
        "pss_per_model_kb": round((after - before) / max(1, len(times)) / 1024, 1),
        "measured_kb_median": round(statistics.median(sizes) / 1024, 1) if sizes else None,
    }))


def page(args):
    conn = connection(args.base)
    token, pages, names, started = "", 0, 0, time.perf_counter()
    times = []
    while True:
        query = f"/models?limit={args.limit}" + (f"&next_page_token={urllib.parse.quote(token)}" if token else "")
        status, data, seconds = request(conn, "GET", query)
        if status != 200:
            print(json.dumps({"error": status, "body": data[:200].decode(errors="replace")}))
            return
        document = json.loads(data)
        pages += 1
        names += len(document["models"])
        times.append(seconds)
        token = document.get("nextPageToken")
        if not token:
            break
    print(json.dumps({"limit": args.limit, "pages": pages, "models": names,
                      "ms_total": round((time.perf_counter() - started) * 1e3, 2),
                      "ms_per_page_median": round(statistics.median(times) * 1e3, 3)}))


def cycle(args):
    conn = connection(args.base)
    body = json.dumps({"model_name": args.name, "url": args.url})
    loads, unloads, load_times, deadline = 0, 0, [], time.perf_counter() + args.seconds
    while time.perf_counter() < deadline:
        status, data, seconds = request(conn, "POST", "/models", body)
        if status != 200:
            print(json.dumps({"error": status, "body": data[:200].decode(errors="replace")}))
            return
        loads += 1
        load_times.append(seconds)
        status, data, _ = request(conn, "DELETE", f"/models/{args.name}")
        if status != 200:
            print(json.dumps({"error": status, "body": data[:200].decode(errors="replace")}))
            return
        unloads += 1
    print(json.dumps({"loads": loads, "unloads": unloads,
                      "load_ms_median": round(statistics.median(load_times) * 1e3, 2) if load_times else None}))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("load")
    p.add_argument("--base", required=True)
    p.add_argument("--models", required=True)
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--pids", default="")
    p.add_argument("--session", type=int, default=0)
    p.add_argument("--min-available-mb", type=int, default=6000)
    p.set_defaults(run=load)
    p = sub.add_parser("page")
    p.add_argument("--base", required=True)
    p.add_argument("--limit", type=int, default=100)
    p.set_defaults(run=page)
    p = sub.add_parser("cycle")
    p.add_argument("--base", required=True)
    p.add_argument("--url", required=True)
    p.add_argument("--name", default="churn")
    p.add_argument("--seconds", type=float, default=10)
    p.set_defaults(run=cycle)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    sys.exit(main())
