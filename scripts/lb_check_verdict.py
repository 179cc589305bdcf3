#!/usr/bin/env python3
"""The verdict of scripts/lb-check.sh: failures attributed to the crash and rolling-restart
windows, detection and rejoin times, and the targets.

usage: lb_check_verdict.py LOAD_JSON EVENTS_JSON

LOAD_JSON is `swerve load --json` (its per-second timeSeries counts failures when they finish).
EVENTS_JSON holds what lb-check.sh observed, as epoch seconds (null when it did not happen):
  load_start, kill_at, crash_down, crash_restart, crash_up, crash_end,
  term_at, rolling_restart, rolling_down, rolling_up, rolling_end,
and the run's settings and HAProxy counts: mode, balancer, rate, duration_s, batch_rows,
restart_backoff_s, in_flight_at_kill, haproxy.
Prints one line per target on stderr and the result as one JSON line on stdout; exits 1 when a
target is missed.
"""
import json
import sys


def failures_between(load, start, begin, end):
    """Failures in the per-second points that overlap [begin, end] (epoch seconds)."""
    total = 0
    for point in load["timeSeries"]:
        finish = start + point["elapsedSeconds"]
        if finish > begin and finish - point["intervalSeconds"] < end:
            total += point["failures"]
    return total


def seconds(later, earlier):
    return round(later - earlier, 3) if later is not None and earlier is not None else None


def verdict(load, events):
    start = events["load_start"]
    kill_at, crash_down, crash_restart, crash_up = (events[k] for k in ("kill_at", "crash_down", "crash_restart", "crash_up"))
    term_at, rolling_restart, rolling_down, rolling_up = (events[k] for k in ("term_at", "rolling_restart", "rolling_down", "rolling_up"))
    nginx = events["balancer"] == "nginx"

    # The crash window runs from the kill to a second after the last thing that followed it.
    crash_end = max(x for x in (crash_up, crash_restart, crash_down, events["crash_end"]) if x is not None) + 1
    failed_crash = failures_between(load, start, kill_at, crash_end)
    failed_rolling = failures_between(load, start, term_at, events["rolling_end"])
    detect = seconds(crash_down, kill_at)
    rejoin = seconds(crash_up, crash_restart)
    rolling_rejoin = max(0.0, seconds(rolling_up, rolling_restart)) if rolling_up and rolling_restart else None
    result = {
        "mode": events["mode"],
        "balancer": events["balancer"],
        "instances": 3,
        "rate": events["rate"],
        "duration_s": events["duration_s"],
        "batch_rows": events["batch_rows"],
        "requests": load["requests"],
        "failed": load["failures"],
        "failed_during_crash": failed_crash,
        "failed_during_rolling_restart": failed_rolling,
        "failed_outside_events": load["failures"] - failed_crash - failed_rolling,
        "failures_by_kind": load["failuresByKind"],
        "in_flight_at_kill": events["in_flight_at_kill"],
        "haproxy": events["haproxy"],
        "detect_s": detect,
        "restart_s": seconds(crash_restart, kill_at),
        "rejoin_s": rejoin,
        "restart_backoff_s": events["restart_backoff_s"],
        "crash_marked_down": None if nginx else crash_down is not None,
        "rolling_restart": {
            "drained_and_restarted_s": seconds(rolling_restart, term_at),
            "marked_down": None if nginx else rolling_down is not None,
            "rejoin_s": rolling_rejoin,
        },
        "p50_ms": load["latencyMs"]["p50"],
        "p99_ms": load["latencyMs"]["p99"],
        "max_ms": load["latencyMs"]["max"],
        "generator_cpu_percent": round(load["generatorCPUPercent"], 1),
    }

    notes = []
    checks = {
        "rolling restart without failures": failed_rolling == 0,
        "crash without failures (the balancer retries)": failed_crash == 0,
    }
    if nginx:
        notes.append("nginx (open source) has no active health checks: detect_s and rejoin_s are not measured")
    else:
        # An instance back before the balancer noticed was never out of rotation: nothing to detect
        # or rejoin, which passes only if no request failed meanwhile.
        never_out = crash_down is None and crash_restart is not None and failed_crash == 0
        if never_out:
            notes.append(f"instance 1 was restarted {crash_restart - kill_at:.3f} s after the kill, before the balancer marked it down")
        checks["detect_s <= 2"] = (detect is not None and detect <= 2) or never_out
        checks["rejoin_s <= 2"] = (rejoin is not None and rejoin <= 2) or never_out
    result["targets_met"] = all(checks.values())
    return result, checks, notes


def main(arguments):
    if len(arguments) != 2:
        print(__doc__.strip().splitlines()[3], file=sys.stderr)
        return 2
    with open(arguments[0]) as handle:
        load = json.load(handle)
    with open(arguments[1]) as handle:
        events = json.load(handle)
    result, checks, notes = verdict(load, events)
    for note in notes:
        print("note    " + note, file=sys.stderr)
    for name, ok in checks.items():
        print(("ok      " if ok else "MISSED  ") + name, file=sys.stderr)
    print(json.dumps(result))
    return 0 if result["targets_met"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
