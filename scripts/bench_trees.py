#!/usr/bin/env python3
"""Tree evaluation: Swerve's Swift XGBoost evaluator against xgboost's own single-thread
`inplace_predict`, on the same model and the same rows, interleaved round by round.

  swift build -c release --product swerve-bench
  python3 scripts/bench_trees.py [--model model-artifacts/churn/churn-xgb.json]
        [--features Tests/ModelRuntimesTests/Fixtures/golden/churn-xgb-features.csv]
        [--rows 10000] [--rounds 7] [--repeats 30]

The feature rows (empty = missing) are repeated to --rows rows and held as float64 by both.
Each round runs swerve-bench (which times --repeats predictions in-process and reports the
median) and then times --repeats calls of xgboost's inplace_predict with nthread=1. It prints
each round and the medians over rounds, the rows per second and the ratio Swift / xgboost.
Needs the pinned packages of scripts/requirements.txt.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import time

import numpy as np
import xgboost as xgb

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def load_rows(path, count):
    rows = []
    with open(path) as f:
        next(f)
        for line in f:
            rows.append([float(v) if v else np.nan for v in line.rstrip("\n").split(",")])
    return np.array([rows[i % len(rows)] for i in range(count)], dtype=np.float64)


def xgboost_median_ms(booster, x, repeats, warmup=5):
    for _ in range(warmup):
        booster.inplace_predict(x)
    timings = []
    for _ in range(repeats):
        start = time.perf_counter_ns()
        booster.inplace_predict(x)
        timings.append((time.perf_counter_ns() - start) / 1e6)
    return statistics.median(timings)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=os.path.join(ROOT, "model-artifacts/churn/churn-xgb.json"))
    parser.add_argument("--features", default=os.path.join(ROOT, "Tests/ModelRuntimesTests/Fixtures/golden/churn-xgb-features.csv"))
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--bench", default=os.path.join(ROOT, ".build/release/swerve-bench"))
    args = parser.parse_args()

    booster = xgb.Booster()
    booster.load_model(args.model)
    booster.set_param({"nthread": 1})
    x = load_rows(args.features, args.rows)
    command = [args.bench, args.model, args.features, "--rows", str(args.rows), "--repeats", str(args.repeats)]

    swift, python = [], []
    for round_ in range(args.rounds):
        result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
        swift.append(result["median_ms"])
        python.append(xgboost_median_ms(booster, x, args.repeats))
        print(f"round {round_ + 1}: swift {swift[-1]:.3f} ms, xgboost {python[-1]:.3f} ms")

    s, p = statistics.median(swift), statistics.median(python)
    print(f"model {os.path.basename(args.model)}, {booster.num_boosted_rounds()} rounds, {args.rows} rows, "
          f"xgboost {xgb.__version__}, {platform.processor() or platform.machine()}, {os.cpu_count()} cpus")
    print(f"median swift   {s:.3f} ms  {args.rows / s * 1000:,.0f} rows/s")
    print(f"median xgboost {p:.3f} ms  {args.rows / p * 1000:,.0f} rows/s")
    print(f"ratio (swift rows/s / xgboost rows/s): {p / s:.2f}x")


if __name__ == "__main__":
    main()
