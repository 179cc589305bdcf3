#!/usr/bin/env python3
"""Writes N small XGBoost models for the multi-model benchmark (scripts/bench_multi_model.sh).

Each model is a binary:logistic booster of 20 trees of depth 4 over 6 features, trained on its
own seeded synthetic data (so the models differ), and saved with Booster.save_model as
OUT/mNNNN/model/model.json: a bare XGBoost directory, as SageMaker unpacks a model.tar.gz into
/opt/ml/models/{name}/model, which Swerve serves without a manifest and the MMS anchor's
inference.py loads. Also writes OUT/row.csv, one row the models score.

    python scripts/make_multi_models.py --count 1000 --out /tmp/swerve-mme-models

Needs numpy and xgboost as pinned in scripts/requirements.txt.
"""
import argparse
import os

import numpy as np
import xgboost as xgb

parser = argparse.ArgumentParser()
parser.add_argument("--count", type=int, default=1000)
parser.add_argument("--out", default="/tmp/swerve-mme-models")
parser.add_argument("--trees", type=int, default=20)
args = parser.parse_args()

os.makedirs(args.out, exist_ok=True)
for index in range(args.count):
    target = os.path.join(args.out, f"m{index:04d}", "model")
    path = os.path.join(target, "model.json")
    if os.path.exists(path):
        continue
    os.makedirs(target, exist_ok=True)
    rng = np.random.default_rng(20261129 + index)
    x = rng.normal(size=(400, 6)).astype(np.float32)
    weights = rng.normal(size=6)
    y = (x @ weights + rng.normal(scale=0.5, size=400) > 0).astype(np.float32)
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 4, "eta": 0.3, "nthread": 1, "seed": index},
                        xgb.DMatrix(x, label=y), num_boost_round=args.trees)
    booster.save_model(path)
with open(os.path.join(args.out, "row.csv"), "w") as f:
    f.write("0.5,-1.25,0.75,2.0,-0.3,1.1\n")
print(f"{args.count} models in {args.out}")
