#!/usr/bin/env python3
"""The soak's own clients (scripts/soak.sh), beside the two `swerve load` streams.

  soak_clients.py run --port P --pid PID --seconds S --out DIR [--batch FILE]
      For S seconds: scrapes /metrics every second, sends malformed bodies, opens connections
      that disconnect mid-body, runs clients that read their answers slowly, and samples the
      server's RSS every 10 s (printed as it goes). Writes DIR/clients.json.
  soak_clients.py minute --out DIR --minute NN
      Prints one line for minute NN from its `swerve load --json` files.
  soak_clients.py report --out DIR
      Reads DIR/clients.json and the per-minute `swerve load --json` files DIR/minute-NN-*.json,
      prints the report and exits 0 only when the soak passes.

Standard library only (asyncio, raw HTTP/1.1), so CI needs nothing beyond python3.
"""
import argparse
import asyncio
import glob
import json
import os
import random
import socket
import sys
import time

# Malformed requests and the status each must get: (kind, content type, body, expected status).
MALFORMED = [
    ("csv-invalid-utf8", "text/csv", b"KS,128,415,382-4657,no,yes,25,26\xff5.1,110,45.07,197.4,99,16.78,244.7,91,11.01,10.0,3,2.7,1\n", 400),
    ("csv-bad-number", "text/csv", b"KS,abc,415,382-4657,no,yes,25,265.1,110,45.07,197.4,99,16.78,244.7,91,11.01,10.0,3,2.7,1\n", 400),
    ("csv-wrong-width", "text/csv", b"KS,128,415\n", 400),
    ("csv-unterminated-quote", "text/csv", b'"KS,128\n', 400),
    ("empty-body", "text/csv", b"", 400),
    ("whitespace-body", "text/csv", b" \r\n\n\t", 400),
    ("json-malformed", "application/json", b'[{"state": "KS", "acc_length": 1', 400),
    ("json-wrong-type", "application/json", b'{"acc_length": "many"}', 400),
    ("json-deep", "application/json", b"[" * 5000 + b"]" * 5000, 400),
    ("unsupported-type", "image/png", b"\x89PNG", 415),
]


def request(method, path, body=b"", content_type=None, accept=None, close=False):
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    if content_type:
        lines.append(f"Content-Type: {content_type}")
    if accept:
        lines.append(f"Accept: {accept}")
    if method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def read_response(reader, chunk=None, pause=0.0):
    """Reads one Content-Length-framed answer; with `chunk`, reads the body `chunk` bytes at a time."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    body = bytearray()
    while len(body) < length:
        part = await reader.read(min(chunk or length, length - len(body)))
        if not part:
            raise ConnectionError("closed mid-answer")
        body += part
        if pause:
            await asyncio.sleep(pause)
    return status, bytes(body)


class Tally:
    """Outcomes by client kind and result: {"metrics": {"200": 600}, "malformed/csv-bad-number": {"400": 30}}."""

    def __init__(self):
        self.counts = {}

    def add(self, kind, outcome):
        per_kind = self.counts.setdefault(kind, {})
        per_kind[outcome] = per_kind.get(outcome, 0) + 1


async def metrics_scraper(port, until, tally):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    while time.monotonic() < until:
        started = time.monotonic()
        try:
            writer.write(request("GET", "/metrics"))
            status, body = await asyncio.wait_for(read_response(reader), 10)
            ok = status == 200 and b"swerve_requests_total" in body
            tally.add("metrics", str(status) if ok or status != 200 else "200 without swerve_requests_total")
        except Exception as error:  # a broken scrape is reported, and the scraper reconnects
            tally.add("metrics", f"error: {type(error).__name__}")
            writer.close()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - started)))
    writer.close()


async def malformed_sender(port, until, rate, tally):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    while time.monotonic() < until:
        kind, content_type, body, expected = random.choice(MALFORMED)
        try:
            writer.write(request("POST", "/invocations", body, content_type=content_type))
            status, _ = await asyncio.wait_for(read_response(reader), 10)
            # 503 is the deliberate answer of a full queue, whatever the body.
            tally.add(f"malformed/{kind}", str(status) if status in (expected, 503) else f"{status} (expected {expected})")
        except Exception as error:
            tally.add(f"malformed/{kind}", f"error: {type(error).__name__}")
            writer.close()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        await asyncio.sleep(1.0 / rate)
    writer.close()


async def mid_body_disconnects(port, until, rate, batch, tally):
    """Announces a whole batch, sends half of it, and hangs up."""
    while time.monotonic() < until:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            whole = request("POST", "/invocations", batch, content_type="text/csv")
            writer.write(whole[: len(whole) - len(batch) // 2])
            await writer.drain()
            await asyncio.sleep(0.05)
            writer.transport.abort()
            tally.add("disconnect-mid-body", "sent half and hung up")
        except Exception as error:
            tally.add("disconnect-mid-body", f"error: {type(error).__name__}")
        await asyncio.sleep(1.0 / rate)


async def slow_reader(port, until, batch, tally):
    """Asks for a large answer (a 1,000-row batch as JSON) and reads it 2 KB every 50 ms."""
    while time.monotonic() < until:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        try:
            await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
            reader, writer = await asyncio.open_connection(sock=sock, limit=4096)
            writer.write(request("POST", "/invocations", batch, content_type="text/csv", accept="application/json", close=True))
            started = time.monotonic()
            status, body = await asyncio.wait_for(read_response(reader, chunk=2048, pause=0.05), 120)
            outcome = str(status) if status == 200 and body.startswith(b"[") else f"{status} bad answer"
            tally.add("slow-reader", outcome)
            tally.add("slow-reader seconds", f"{int(time.monotonic() - started)}s")
            writer.close()
        except Exception as error:
            tally.add("slow-reader", f"error: {type(error).__name__}")
            sock.close()


async def rss_sampler(pid, until, samples):
    """The server's RSS every 10 s, with the machine's load average (the soak shares the machine)."""
    start = time.monotonic()
    while True:
        elapsed = time.monotonic() - start
        with open(f"/proc/{pid}/status") as status:
            rss_kb = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
        load = os.getloadavg()[0]
        samples.append({"seconds": round(elapsed), "rss_mb": round(rss_kb / 1024, 1), "load": round(load, 2)})
        print(f"soak: t={elapsed:5.0f}s  RSS {rss_kb / 1024:7.1f} MB  load average {load:5.2f}", flush=True)
        if time.monotonic() + 10 > until + 1:
            return
        await asyncio.sleep(10 - (time.monotonic() - start) % 10)


async def run(args):
    batch = open(args.batch, "rb").read()
    until = time.monotonic() + args.seconds
    tally, samples = Tally(), []
    tasks = [
        rss_sampler(args.pid, until, samples),
        metrics_scraper(args.port, until, tally),
        malformed_sender(args.port, until, args.malformed_rate, tally),
        mid_body_disconnects(args.port, until, args.disconnect_rate, batch, tally),
    ] + [slow_reader(args.port, until, batch, tally) for _ in range(args.slow_readers)]
    await asyncio.gather(*tasks)
    with open(os.path.join(args.out, "clients.json"), "w") as out:
        json.dump({"rss": samples, "clients": tally.counts}, out, indent=1)


def report(args):
    clients = json.load(open(os.path.join(args.out, "clients.json")))
    minutes = {}
    for path in sorted(glob.glob(os.path.join(args.out, "minute-*-*.json"))):
        minute, stream = os.path.basename(path)[len("minute-"):-len(".json")].split("-", 1)
        minutes.setdefault(int(minute), {})[stream] = json.load(open(path))
    problems = []

    def machine_load(minute):
        loads = [sample.get("load", 0) for sample in clients["rss"] if (minute - 1) * 60 <= sample["seconds"] < minute * 60]
        return sum(loads) / len(loads) if loads else float("nan")

    print("soak: latency and failures per minute (swerve load, open loop), with the machine's load average")
    print("  minute  load   stream    requests  req/s     p50 ms   p99 ms   failures")
    for minute in sorted(minutes):
        for stream, result in sorted(minutes[minute].items()):
            latency = result["latencyMs"]
            failures = result.get("failuresByKind", {})
            print(f"  {minute:6d}  {machine_load(minute):5.1f}  {stream:8s}  {result['requests']:8d}  {result['requestsPerSecond']:8.1f}  "
                  f"{latency['p50']:7.2f}  {latency['p99']:7.2f}   {json.dumps(failures) if failures else '-'}")
            for kind, count in failures.items():
                if kind != "503":
                    problems.append(f"minute {minute} {stream}: {count} x {kind}")

    print("soak: the other clients, by kind and outcome")
    for kind, outcomes in sorted(clients["clients"].items()):
        print(f"  {kind:34s} {json.dumps(outcomes)}")
        for outcome, count in outcomes.items():
            bad = outcome.startswith("error") or "expected" in outcome or "bad answer" in outcome or "without" in outcome
            if outcome[:1] == "5" and not outcome.startswith("503"):
                bad = True
            if bad and kind != "slow-reader seconds":
                problems.append(f"{kind}: {count} x {outcome}")
    for kind in ["metrics", "slow-reader", "disconnect-mid-body"]:
        if kind not in clients["clients"]:
            problems.append(f"no {kind} client completed a request")

    rss = clients["rss"]
    after_first = [sample for sample in rss if sample["seconds"] >= 60]
    if after_first:
        reference = after_first[0]["rss_mb"]
        low, high = min(s["rss_mb"] for s in after_first), max(s["rss_mb"] for s in after_first)
        print(f"soak: RSS after the first minute: {reference} MB at 60 s, then {low} to {high} MB "
              f"({(low / reference - 1) * 100:+.1f}% to {(high / reference - 1) * 100:+.1f}%)")
        if low < reference * 0.9 or high > reference * 1.1:
            problems.append(f"RSS left ±10% of {reference} MB: {low} to {high} MB")
    else:
        problems.append("the run was shorter than a minute: no RSS after the first minute")

    if len(minutes) >= 2:
        first, last = minutes[min(minutes)], minutes[max(minutes)]
        for stream in ["rows"]:
            p99_first, p99_last = first[stream]["latencyMs"]["p99"], last[stream]["latencyMs"]["p99"]
            print(f"soak: {stream} p99 first minute {p99_first:.2f} ms, last minute {p99_last:.2f} ms ({p99_last / p99_first:.2f}x)")
            if p99_last > 1.5 * p99_first:
                problems.append(f"{stream} p99 grew {p99_last / p99_first:.2f}x from the first minute to the last (limit 1.5x)")
    else:
        problems.append("fewer than two minutes of load: no p99 comparison")

    if problems:
        print("soak: FAILED")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print("soak: passed (RSS within ±10% after the first minute, no 5xx but 503, last-minute p99 within 1.5x of the first)")
    return 0


def minute(args):
    rows, batches = (json.load(open(os.path.join(args.out, f"minute-{args.minute}-{stream}.json"))) for stream in ("rows", "batches"))
    print(f"soak: minute {args.minute}: rows {rows['requestsPerSecond']:.0f}/s p99 {rows['latencyMs']['p99']:.2f} ms "
          f"failures {rows.get('failuresByKind') or 0}; batches {batches['requests']} p99 {batches['latencyMs']['p99']:.1f} ms "
          f"failures {batches.get('failuresByKind') or 0}", flush=True)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run")
    run_parser.add_argument("--port", type=int, required=True)
    run_parser.add_argument("--pid", type=int, required=True)
    run_parser.add_argument("--seconds", type=float, required=True)
    run_parser.add_argument("--out", required=True)
    run_parser.add_argument("--batch", required=True, help="a CSV body of 1,000 rows")
    run_parser.add_argument("--malformed-rate", type=float, default=20)
    run_parser.add_argument("--disconnect-rate", type=float, default=5)
    run_parser.add_argument("--slow-readers", type=int, default=4)
    minute_parser = commands.add_parser("minute")
    minute_parser.add_argument("--out", required=True)
    minute_parser.add_argument("--minute", required=True)
    report_parser = commands.add_parser("report")
    report_parser.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.command == "run":
        asyncio.run(run(args))
        return 0
    return minute(args) if args.command == "minute" else report(args)


if __name__ == "__main__":
    sys.exit(main())
