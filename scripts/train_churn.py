#!/usr/bin/env python3
"""Reproduces model-artifacts/churn/ from data/churn.csv (seeded, one thread).

  python3 -m venv /tmp/venv && /tmp/venv/bin/pip install -r scripts/requirements.txt
  /tmp/venv/bin/python scripts/train_churn.py [--out DIR] [--check]

Follows model-artifacts/churn/README.md: a stratified 80/20 split with seed 42; the feature
transform (one-hot state and area code, yes/no plans, numeric rest, phone dropped); XGBoost
(binary:logistic, eta 0.1, max_depth 5, subsample 0.8, colsample_bytree 0.8, 150 rounds, hist,
seed 42, one thread); scikit-learn SimpleImputer(mean) -> StandardScaler -> LogisticRegression
and SimpleImputer(mean) -> RandomForestClassifier(25 trees, depth 6, min_samples_leaf 2, seed
42); the ensemble and pipeline documents and metrics.json.

--out writes somewhere else (default: model-artifacts/churn). --check writes to a temporary
directory and compares every file byte for byte with the committed artifacts, printing the
differences; it exits non-zero when a model file differs.
"""
import argparse
import filecmp
import json
import os
import sys
import tempfile

import numpy as np
import pandas as pd
import sklearn
import xgboost as xgb
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SEED = 42
INPUT_COLUMNS = ["state", "acc_length", "area_code", "phone", "int_plan", "vmail_plan", "vmail_msg", "day_mins",
                 "day_calls", "day_charge", "eve_mins", "eve_calls", "eve_charge", "night_mins", "night_calls",
                 "night_charge", "int_mins", "int_calls", "int_charge", "cust_service_calls"]
XGB_PARAMS = {"objective": "binary:logistic", "eta": 0.1, "max_depth": 5, "subsample": 0.8, "colsample_bytree": 0.8,
              "min_child_weight": 1.0, "tree_method": "hist", "seed": SEED, "nthread": 1,
              "eval_metric": ["logloss", "auc"]}
ROUNDS = 150
LABEL = {"type": "label", "classes": ["False.", "True."], "threshold": 0.5,
         "rule": "predicted_label = classes[1] if p_true > threshold else classes[0]"}


def transform_document(train):
    columns = []
    for name in INPUT_COLUMNS:
        if name == "state":
            cats = sorted(train["state"].unique())
            columns.append({"name": name, "encoding": "one_hot", "categories": cats,
                            "features": [f"state_{c}" for c in cats], "unknown_or_empty": "all zeros"})
        elif name == "area_code":
            cats = [str(c) for c in sorted(train["area_code"].unique())]
            columns.append({"name": name, "encoding": "one_hot", "categories": cats,
                            "features": [f"area_code_{c}" for c in cats], "unknown_or_empty": "all zeros"})
        elif name == "phone":
            columns.append({"name": name, "encoding": "drop", "reason": "customer identifier, carries no signal"})
        elif name in ("int_plan", "vmail_plan"):
            columns.append({"name": name, "encoding": "binary", "one": "yes", "zero": "no", "features": [name],
                            "unknown_or_empty": "NaN (missing)"})
        else:
            columns.append({"name": name, "encoding": "numeric", "features": [name], "empty": "NaN (missing)"})
    features = [f for c in columns for f in c.get("features", [])]
    return {
        "format": "tabular-transform/v1",
        "name": "churn-transform",
        "description": "Turns one request row (20 raw fields, in input_columns order, no label) into the feature vector shared by every churn model.",
        "input_columns": INPUT_COLUMNS,
        "label": {"name": "churn", "classes": ["False.", "True."], "positive": "True."},
        "field_rules": {
            "text": "each field is taken as text and trimmed of surrounding spaces; categories are matched exactly (case-sensitive); a JSON number for area_code is matched by its integer text, e.g. 415 -> \"415\"",
            "numeric": "empty field -> NaN; otherwise a number in decimal or exponent notation (e.g. 265.100000, 265, 1e3) parsed to the nearest float64",
        },
        "columns": columns,
        "features": features,
        "num_features": len(features),
        "missing": "NaN marks a missing value. The XGBoost model takes NaN as missing (default direction); the logistic regression and random forest first replace NaN with their 'impute' value.",
    }


def apply_transform(document, frame):
    """The transform in plain Python, as the Swift stage does it."""
    out = np.zeros((len(frame), document["num_features"]))
    position = 0
    for column in document["columns"]:
        values = frame[column["name"]].astype(str).str.strip()
        if column["encoding"] == "one_hot":
            for k, category in enumerate(column["categories"]):
                out[:, position + k] = (values == category).astype(float)
            position += len(column["categories"])
        elif column["encoding"] == "binary":
            out[:, position] = np.where(values == column["one"], 1.0, np.where(values == column["zero"], 0.0, np.nan))
            position += 1
        elif column["encoding"] == "numeric":
            out[:, position] = pd.to_numeric(frame[column["name"]], errors="coerce").to_numpy(dtype=float)
            position += 1
    return out


def write_json(path, document, indent=2):
    with open(path, "w") as f:
        if indent is None:
            f.write(json.dumps(document))
        else:
            json.dump(document, f, indent=indent)
        f.write("\n")


def train(out):
    data = pd.read_csv(os.path.join(ROOT, "data", "churn.csv"), dtype={"area_code": str, "phone": str})
    y = (data["churn"] == "True.").astype(int).to_numpy()
    train_rows, test_rows = train_test_split(data, test_size=0.2, stratify=y, random_state=SEED)
    # The committed artifacts were trained on the split's rows in their original file order.
    train_rows, test_rows = train_rows.sort_index(), test_rows.sort_index()
    y_train = (train_rows["churn"] == "True.").astype(int).to_numpy()
    y_test = (test_rows["churn"] == "True.").astype(int).to_numpy()

    transform = transform_document(train_rows)
    features = transform["features"]
    x_train, x_test = apply_transform(transform, train_rows), apply_transform(transform, test_rows)

    booster = xgb.train(XGB_PARAMS, xgb.DMatrix(x_train, label=y_train, feature_names=features), num_boost_round=ROUNDS)
    booster.save_model(os.path.join(out, "churn-xgb.json"))

    logreg = make_pipeline(SimpleImputer(strategy="mean"), StandardScaler(),
                           LogisticRegression(C=1.0, max_iter=5000, solver="lbfgs", tol=1e-08)).fit(x_train, y_train)
    imputer, scaler, linear = logreg.steps[0][1], logreg.steps[1][1], logreg.steps[2][1]
    logreg_document = {
        "format": "logistic-regression/v1", "name": "churn-logreg", "features": features,
        "impute": imputer.statistics_.tolist(), "center": scaler.mean_.tolist(), "scale": scaler.scale_.tolist(),
        "coefficients": linear.coef_[0].tolist(), "intercept": float(linear.intercept_[0]),
        "formula": "for each j: v = x[j], or impute[j] if x[j] is NaN; z[j] = (v - center[j]) / scale[j]; margin = intercept + sum_j coefficients[j] * z[j]; p_true = 1 / (1 + exp(-margin)). All in float64.",
        "output": "probability of the positive class (True.)",
        "sklearn": {"version": sklearn.__version__,
                    "pipeline": "SimpleImputer(strategy='mean') -> StandardScaler() -> LogisticRegression(C=1.0, max_iter=5000, solver='lbfgs', tol=1e-08)"},
    }
    write_json(os.path.join(out, "churn-logreg.json"), logreg_document)

    forest = make_pipeline(SimpleImputer(strategy="mean"), RandomForestClassifier(
        n_estimators=25, max_depth=6, min_samples_leaf=2, random_state=SEED)).fit(x_train, y_train)
    rf_imputer, rf = forest.steps[0][1], forest.steps[1][1]
    trees = []
    for estimator in rf.estimators_:
        tree = estimator.tree_
        leaf = tree.children_left == -1
        value = tree.value[:, 0, :]
        trees.append({
            "children_left": tree.children_left.tolist(), "children_right": tree.children_right.tolist(),
            "feature": np.where(leaf, -1, tree.feature).tolist(), "threshold": np.where(leaf, 0.0, tree.threshold).tolist(),
            "leaf_p_true": np.where(leaf, value[:, 1] / value.sum(axis=1), 0.0).tolist(),
        })
    rf_document = {
        "format": "random-forest-classifier/v1", "name": "churn-rf", "features": features,
        "impute": rf_imputer.statistics_.tolist(),
        "rules": {
            "input": "v = x[j], or impute[j] if x[j] is NaN; then v is rounded to IEEE float32 (scikit-learn casts inputs to float32 before walking trees)",
            "split": "at node n (children_left[n] != -1): go to children_left[n] if Double(Float(v[feature[n]])) <= threshold[n] (threshold is float64), else children_right[n]",
            "leaf": "node n is a leaf iff children_left[n] == -1; its value is leaf_p_true[n]",
            "aggregate": "p_true = (sum over trees, in array order, float64) / number of trees",
        },
        "output": "probability of the positive class (True.)",
        "sklearn": {"version": sklearn.__version__,
                    "estimator": "SimpleImputer(strategy='mean') -> RandomForestClassifier(bootstrap=True, criterion='gini', max_depth=6, max_features='sqrt', min_samples_leaf=2, n_estimators=25, random_state=42)"},
        "trees": trees,
    }
    write_json(os.path.join(out, "churn-rf.json"), rf_document, indent=None)
    write_json(os.path.join(out, "churn-transform.json"), transform)
    write_json(os.path.join(out, "churn-pipeline.json"), {
        "format": "pipeline/v1", "name": "churn",
        "description": "The blog's three-part deployment: feature transform -> gradient boosted trees -> label transform.",
        "stages": [
            {"type": "transform", "file": "churn-transform.json"},
            {"type": "model", "file": "churn-xgb.json", "format": "xgboost-json",
             "output": "p_true = xgboost probability (float32; widen to float64 for output)"},
            {key: value for key, value in LABEL.items()},
        ],
        "response": {"predicted_label": "string from classes", "p_true": "probability of True.",
                     "probability": "probability of predicted_label = max(p_true, 1 - p_true)"},
    })
    write_json(os.path.join(out, "churn-ensemble.json"), {
        "format": "ensemble/v1", "name": "churn-ensemble",
        "description": "Mean of three classifiers' positive-class probabilities, then the same label transform.",
        "transform": "churn-transform.json",
        "members": [
            {"name": "xgboost", "file": "churn-xgb.json", "format": "xgboost-json"},
            {"name": "logistic_regression", "file": "churn-logreg.json", "format": "logistic-regression/v1"},
            {"name": "random_forest", "file": "churn-rf.json", "format": "random-forest-classifier/v1"},
        ],
        "combine": {"method": "mean", "weights": [1, 1, 1],
                    "rule": "p_true = (p_xgboost + p_logistic_regression + p_random_forest) / 3, float64, summed in member order (the xgboost float32 output is widened exactly to float64 first)"},
        "label": LABEL,
    })

    def scores(x, y_true):
        p_xgb = booster.predict(xgb.DMatrix(x, feature_names=features)).astype(np.float64)
        p_lr, p_rf = logreg.predict_proba(x)[:, 1], forest.predict_proba(x)[:, 1]
        p_mean = (p_xgb + p_lr + p_rf) / 3
        result = {"rows": int(len(y_true)), "positives": int(y_true.sum())}
        for name, p in [("xgboost", p_xgb), ("logistic_regression", p_lr), ("random_forest", p_rf), ("ensemble_mean", p_mean)]:
            result[name] = {"accuracy": float(accuracy_score(y_true, p > 0.5)), "auc": float(roc_auc_score(y_true, p))}
        return result

    params = dict(XGB_PARAMS)
    params["num_boost_round"] = ROUNDS
    metrics = {
        "split": {"method": "sklearn.model_selection.train_test_split(test_size=0.2, stratify=y, random_state=42)",
                  "train_rows": int(len(train_rows)), "test_rows": int(len(test_rows))},
        "xgboost_params": params,
        "xgboost_base_score_stored": json.loads(booster.save_raw("json"))["learner"]["learner_model_param"]["base_score"],
        "metrics": {"train": scores(x_train, y_train), "test": scores(x_test, y_test)},
    }
    return metrics


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.path.join(ROOT, "model-artifacts", "churn"))
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    committed = os.path.join(ROOT, "model-artifacts", "churn")
    out = tempfile.mkdtemp() if args.check else args.out
    os.makedirs(out, exist_ok=True)
    metrics = train(out)
    if not args.check:
        # metrics.json also holds self-checks against the golden rows, which this script does not
        # regenerate: keep the committed ones.
        existing = os.path.join(out, "metrics.json")
        if os.path.exists(existing):
            metrics["golden_self_checks"] = json.load(open(existing)).get("golden_self_checks")
        write_json(existing, metrics)
        return
    differing = []
    for name in ["churn-xgb.json", "churn-logreg.json", "churn-rf.json", "churn-transform.json", "churn-pipeline.json", "churn-ensemble.json"]:
        same = filecmp.cmp(os.path.join(out, name), os.path.join(committed, name), shallow=False)
        print(f"{name}: {'identical' if same else 'DIFFERS'}")
        if not same:
            differing.append(name)
    committed_metrics = json.load(open(os.path.join(committed, "metrics.json")))
    committed_metrics.pop("golden_self_checks", None)
    print(f"metrics.json (without golden_self_checks): {'identical' if committed_metrics == metrics else 'DIFFERS'}")
    sys.exit(1 if differing else 0)


if __name__ == "__main__":
    main()
