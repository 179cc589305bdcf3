#!/usr/bin/env python3
"""Writes small XGBoost models and xgboost's own outputs for them as Swift test fixtures.

For every objective Swerve serves (binary:logistic, binary:logitraw, reg:squarederror,
reg:logistic, multi:softprob, multi:softmax) it trains a small seeded model on synthetic data
with missing values, and some with categorical features (numpy codes with feature_types "c",
and a pandas category column, which fills the model's `cats` container). Two models are
rewritten to the pre-3.1 scalar `base_score` form and reloaded into xgboost, so their expected
outputs are what xgboost itself computes for the old form.

Test rows include values exactly on split thresholds, doubles just below and above a threshold
that round to it in float32 (like 0.30000001 against 0.3f: xgboost goes right, a float64
comparison would go left), NaN, and for categorical features negative, fractional, huge and
unseen codes.

Output, in Tests/ModelRuntimesTests/Fixtures/xgboost/:
  NAME.json  the model, as Booster.save_model wrote it (or edited as described above)
  NAME.csv   header f0..f{n-1}, margin_0.., output_0..; inputs as shortest float64 text
             (empty = NaN); expected margins and outputs as float32 bit patterns 0x%08x
  refused-dart.json, refused-gblinear.json   tiny models the loader must refuse

Tests read only these files; Python is needed only to regenerate them:
  python3 -m venv /tmp/venv && /tmp/venv/bin/pip install -r scripts/requirements.txt
  /tmp/venv/bin/python scripts/make_xgboost_fixtures.py
"""
import json
import os
import sys

import numpy as np
import pandas as pd
import xgboost as xgb

SEED = 20260
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "ModelRuntimesTests", "Fixtures", "xgboost")


def numeric_data(rng, rows, features, missing=0.08):
    x = rng.normal(size=(rows, features)) * rng.uniform(0.5, 100, size=features)
    x = np.round(x, rng.integers(0, 3))  # repeated values give thresholds that rows sit on
    mask = rng.random(x.shape) < missing
    x[mask] = np.nan
    return x


def thresholds(booster):
    """Numerical split thresholds per feature, as float32."""
    found = {}
    model = json.loads(booster.save_raw("json"))
    for tree in model["learner"]["gradient_booster"]["model"]["trees"]:
        for n, left in enumerate(tree["left_children"]):
            if left != -1 and tree["split_type"][n] == 0:
                found.setdefault(tree["split_indices"][n], set()).add(np.float32(tree["split_conditions"][n]))
    return {k: sorted(v) for k, v in found.items()}


def edge_rows(rng, x, booster, categorical=(), rows=120):
    """Rows copied from x with features moved onto and around split thresholds."""
    cuts = thresholds(booster)
    out = x[rng.integers(0, len(x), size=rows)].copy()
    for r in range(rows):
        for f in range(x.shape[1]):
            if f in categorical:
                choice = rng.integers(0, 8)
                if choice == 0:
                    out[r, f] = -1.0
                elif choice == 1:
                    out[r, f] = out[r, f] + 0.7 if not np.isnan(out[r, f]) else 2.7
                elif choice == 2:
                    out[r, f] = float(2 ** 24 + 5)
                elif choice == 3:
                    out[r, f] = 40.0  # beyond every category set
                continue
            if f not in cuts or rng.random() < 0.3:
                continue
            t = float(rng.choice(cuts[f]))
            kind = rng.integers(0, 5)
            if kind == 0:
                out[r, f] = t  # exactly on the threshold: goes right
            elif kind == 1:
                out[r, f] = np.nextafter(t, -np.inf)  # below in float64, equal in float32
            elif kind == 2:
                out[r, f] = np.nextafter(t, np.inf)
            elif kind == 3:
                out[r, f] = float(np.nextafter(np.float32(t), np.float32(-np.inf)))  # the float just below
            else:
                below = float(np.nextafter(np.float32(t), np.float32(-np.inf)))
                out[r, f] = (below + t) / 2 + (t - below) * 0.01  # rounds up to t in float32
        if rng.random() < 0.1:
            out[r, rng.integers(0, x.shape[1])] = np.nan
    return out


def dmatrix(x, feature_types=None, feature_names=None):
    return xgb.DMatrix(x, missing=np.nan, feature_types=feature_types, feature_names=feature_names,
                       enable_categorical=feature_types is not None)


def write_fixture(name, booster, x, feature_types=None, scalar_base_score=False):
    path = os.path.join(OUT, name + ".json")
    booster.save_model(path)
    if scalar_base_score:
        model = json.load(open(path))
        params = model["learner"]["learner_model_param"]
        values = params["base_score"].strip("[]").split(",")
        params["base_score"] = values[0]  # the pre-3.1 form: one scalar, repeated per class
        with open(path, "w") as f:
            json.dump(model, f, separators=(",", ":"))
        booster = xgb.Booster()
        booster.load_model(path)
    booster.set_param({"nthread": 1})
    dm = dmatrix(x, feature_types, booster.feature_names)
    margins = np.asarray(booster.predict(dm, output_margin=True), dtype=np.float32).reshape(len(x), -1)
    outputs = np.asarray(booster.predict(dm), dtype=np.float32).reshape(len(x), -1)
    header = [f"f{i}" for i in range(x.shape[1])]
    header += [f"margin_{k}" for k in range(margins.shape[1])] + [f"output_{k}" for k in range(outputs.shape[1])]
    with open(os.path.join(OUT, name + ".csv"), "w") as f:
        f.write(",".join(header) + "\n")
        for r in range(len(x)):
            cells = ["" if np.isnan(v) else repr(float(v)) for v in x[r]]
            cells += [f"0x{int(v.view(np.uint32)):08x}" for v in margins[r]]
            cells += [f"0x{int(v.view(np.uint32)):08x}" for v in outputs[r]]
            f.write(",".join(cells) + "\n")
    print(f"{name}: {booster.num_boosted_rounds()} rounds, {len(x)} rows", file=sys.stderr)


def train(params, x, y, rounds, feature_types=None):
    base = {"seed": SEED, "nthread": 1, "tree_method": "hist", "max_depth": 4, "eta": 0.3}
    base.update(params)
    dm = xgb.DMatrix(x, label=y, missing=np.nan, feature_types=feature_types, enable_categorical=feature_types is not None)
    return xgb.train(base, dm, num_boost_round=rounds)


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(SEED)

    # binary:logistic, numeric with missing values, bracketed base_score.
    x = numeric_data(rng, 600, 6)
    y = ((np.nan_to_num(x[:, 0]) + 0.5 * np.nan_to_num(x[:, 1]) + rng.normal(size=600) * 20) > 0).astype(float)
    b = train({"objective": "binary:logistic"}, x, y, 25)
    write_fixture("binary-logistic", b, edge_rows(rng, x, b))

    # binary:logitraw with categorical features (numpy codes, feature_types "c", partition splits).
    x = numeric_data(rng, 600, 5)
    x[:, 3] = rng.integers(0, 12, size=600)
    x[:, 4] = rng.integers(0, 5, size=600)
    x[rng.random(600) < 0.05, 3] = np.nan
    types = ["q", "q", "q", "c", "c"]
    y = (np.isin(x[:, 3], [1, 4, 7, 9]) ^ (x[:, 4] == 2) ^ (np.nan_to_num(x[:, 0]) > 0)).astype(float)
    b = train({"objective": "binary:logitraw", "max_cat_to_onehot": 1}, x, y, 20, types)
    write_fixture("binary-logitraw-categorical", b, edge_rows(rng, x, b, categorical=(3, 4)), types)

    # reg:squarederror with values around 250 (Float accumulation matters), old scalar base_score.
    x = numeric_data(rng, 600, 5)
    y = 250 + np.nan_to_num(x[:, 0]) * 0.7 - np.nan_to_num(x[:, 2]) * 0.3 + rng.normal(size=600) * 5
    b = train({"objective": "reg:squarederror", "max_depth": 5}, x, y, 40)
    write_fixture("reg-squarederror-scalar-base", b, edge_rows(rng, x, b), scalar_base_score=True)

    # reg:logistic with targets in [0, 1].
    x = numeric_data(rng, 600, 4)
    y = 1 / (1 + np.exp(-np.nan_to_num(x[:, 1]) / 30))
    b = train({"objective": "reg:logistic"}, x, y, 20)
    write_fixture("reg-logistic", b, edge_rows(rng, x, b))

    # multi:softprob, 4 classes, a pandas category column (fills the model's `cats` container).
    x = numeric_data(rng, 800, 4)
    colors = np.array(["red", "green", "blue", "amber", "teal"])
    color = rng.integers(0, 5, size=800)
    y = (color + (np.nan_to_num(x[:, 0]) > 0) * 2) % 4
    frame = pd.DataFrame(x, columns=["a", "b", "c", "d"])
    frame["color"] = pd.Categorical(colors[color], categories=sorted(colors))
    codes = frame["color"].cat.codes.to_numpy().astype(float)
    dm = xgb.DMatrix(frame, label=y, enable_categorical=True)
    b = xgb.train({"objective": "multi:softprob", "num_class": 4, "seed": SEED, "nthread": 1, "tree_method": "hist",
                   "max_depth": 3, "eta": 0.3, "max_cat_to_onehot": 8}, dm, num_boost_round=12)
    rows = edge_rows(rng, np.column_stack([x, codes]), b, categorical=(4,))
    write_fixture("multi-softprob-categorical", b, rows, feature_types=["q", "q", "q", "q", "c"])

    # multi:softmax, 3 classes, old scalar base_score (repeated for every class).
    x = numeric_data(rng, 600, 5)
    y = np.digitize(np.nan_to_num(x[:, 0]) + np.nan_to_num(x[:, 3]), [-20, 20])
    b = train({"objective": "multi:softmax", "num_class": 3}, x, y, 10)
    write_fixture("multi-softmax-scalar-base", b, edge_rows(rng, x, b), scalar_base_score=True)

    # Boosters the loader must refuse.
    x = numeric_data(rng, 100, 3)
    y = (np.nan_to_num(x[:, 0]) > 0).astype(float)
    train({"objective": "binary:logistic", "booster": "dart", "max_depth": 2}, x, y, 2).save_model(os.path.join(OUT, "refused-dart.json"))
    train({"objective": "binary:logistic", "booster": "gblinear"}, x, y, 2).save_model(os.path.join(OUT, "refused-gblinear.json"))


if __name__ == "__main__":
    main()
