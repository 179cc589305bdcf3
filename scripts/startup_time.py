#!/usr/bin/env python3
"""Time from exec of `swerve serve` to the first 200 on /ping, over several launches.

    python3 scripts/startup_time.py [--binary .build/release/swerve] [--model model-artifacts/real-estate] [--runs 10]

Polls /ping every 0.5 ms from the moment the process is started; prints each run and the median.
Standard library only.
"""
import argparse
import http.client
import os
import signal
import socket
import statistics
import subprocess
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def one_run(binary, model, cpu):
    port = free_port()
    command = [binary, "serve", "--model-dir", model, "--port", str(port)]
    if cpu is not None:
        command = ["taskset", "-c", str(cpu)] + command
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - started < 10:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                connection.request("GET", "/ping")
                if connection.getresponse().status == 200:
                    return (time.perf_counter() - started) * 1000
            except OSError:
                time.sleep(0.0005)
        raise RuntimeError("no 200 from /ping within 10 s")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=".build/release/swerve")
    parser.add_argument("--model", default="model-artifacts/real-estate")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--cpu", type=int, default=1, help="pin the server to this CPU (-1: no pinning)")
    args = parser.parse_args()
    cpu = None if args.cpu < 0 else args.cpu
    times = [one_run(os.path.abspath(args.binary), args.model, cpu) for _ in range(args.runs)]
    print("exec to first /ping 200, ms:", " ".join(f"{t:.1f}" for t in times))
    print(f"median {statistics.median(times):.1f} ms, max {max(times):.1f} ms over {len(times)} runs")


if __name__ == "__main__":
    main()
