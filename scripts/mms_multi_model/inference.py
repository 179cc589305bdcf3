"""The user script of the multi-model anchor: one XGBoost JSON booster per model directory
(model.json, as scripts/make_multi_models.py writes them), CSV rows in, one probability per line
out, as Swerve serves a bare XGBoost directory. MMS runs one worker process per model, so the
module-level state is that one model's."""
import io

import numpy as np
import xgboost as xgb
from sagemaker_inference import errors


def model_fn(model_dir):
    booster = xgb.Booster(params={"nthread": 1})
    booster.load_model(f"{model_dir}/model.json")
    return booster


def input_fn(input_data, content_type):
    if content_type != "text/csv":
        raise errors.UnsupportedFormatError(content_type)
    text = input_data.decode() if isinstance(input_data, (bytes, bytearray)) else input_data
    try:
        return np.loadtxt(io.StringIO(text), delimiter=",", ndmin=2, dtype=np.float32)
    except ValueError as e:
        raise errors.GenericInferenceToolkitError(400, str(e))


def predict_fn(data, model):
    return model.inplace_predict(data)


def output_fn(prediction, accept):
    return "".join(f"{float(value)!r}\n" for value in prediction), "text/csv"
