#!/usr/bin/env python3
"""Regenerates model-artifacts/real-estate/model.json from data/real-estate-valuation.csv.

Ordinary least squares of Y (house price of unit area) on ln(X3 distance to the nearest MRT
station) over all 414 rows, in float64, closed form (checked against numpy.linalg.lstsq).
Pinned requirements: scripts/requirements.txt. Run from the repository root:

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install -r scripts/requirements.txt
    /tmp/venv/bin/python scripts/train_real_estate.py            # rewrites the artifact
    /tmp/venv/bin/python scripts/train_real_estate.py --check    # exits 1 if it would change
"""
import argparse
import csv
import hashlib
import json
import math
import pathlib
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "real-estate-valuation.csv"
ARTIFACT = ROOT / "model-artifacts" / "real-estate" / "model.json"


def fit():
    with DATA.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    x = np.array([math.log(float(r["X3 distance to the nearest MRT station"])) for r in rows])
    y = np.array([float(r["Y house price of unit area"]) for r in rows])
    x_mean, y_mean = x.mean(), y.mean()
    slope = float(((x - x_mean) * (y - y_mean)).sum() / ((x - x_mean) ** 2).sum())
    intercept = float(y_mean - slope * x_mean)
    check, *_ = np.linalg.lstsq(np.column_stack([np.ones_like(x), x]), y, rcond=None)
    assert abs(check[0] - intercept) < 1e-9 and abs(check[1] - slope) < 1e-9, "lstsq disagrees"
    predicted = intercept + slope * x
    residual = ((y - predicted) ** 2).sum()
    r2 = float(1 - residual / ((y - y_mean) ** 2).sum())
    rmse = float(math.sqrt(residual / len(y)))
    return len(rows), intercept, slope, r2, rmse


def document():
    rows, intercept, slope, r2, rmse = fit()
    blog = []
    for distance, published in [(150.0, 50.3), (1000.0, 33.38)]:
        cost = intercept + slope * math.log(distance)
        blog.append({"distance": distance, "cost": cost, "cost_rounded_2dp": round(cost, 2),
                     "blog_published": published, "matches_blog_to_2dp": round(cost, 2) == published})
    return {
        "format": "linear-regression/v1",
        "name": "real-estate",
        "description": "Ordinary least squares of house price per unit area on the natural logarithm of the distance to the nearest MRT station (UCI Real estate valuation data set, 414 houses, Sindian District, New Taipei City).",
        "inputs": [{"name": "distance", "type": "number",
                    "description": "distance to the nearest MRT station, metres; must be > 0", "transform": "ln"}],
        "output": {"name": "cost", "type": "number",
                   "description": "house price of unit area, 10000 New Taiwan Dollar per Ping (1 Ping = 3.3 m^2)"},
        "formula": "cost = intercept + coefficients[0] * ln(distance)",
        "intercept": intercept,
        "coefficients": [slope],
        "training": {"rows": rows, "r2": r2, "rmse": rmse, "data_file": "data/real-estate-valuation.csv",
                     "data_sha256": hashlib.sha256(DATA.read_bytes()).hexdigest(),
                     "method": "closed-form OLS in float64 (checked against numpy.linalg.lstsq)"},
        "blog_check": blog,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed artifact instead of writing")
    args = parser.parse_args()
    text = json.dumps(document(), indent=2) + "\n"
    if args.check:
        same = ARTIFACT.read_text() == text
        print("identical" if same else "differs", ARTIFACT)
        sys.exit(0 if same else 1)
    ARTIFACT.write_text(text)
    print("wrote", ARTIFACT)


if __name__ == "__main__":
    main()
