"""Starts MMS in SageMaker's multi-model mode, the anchor of scripts/bench_multi_model.sh.

    serve.py PORT WORKDIR

It is the peer harness's "mms" peer (../shared/peers/servers/mms/serve.py) with
SAGEMAKER_MULTI_MODEL=true: the sagemaker-inference toolkit's start_model_server() writes its
multi-model MMS config (mme-mms.properties: no model at start, one worker process per model) and
starts MMS, whose management API (POST /models, GET /models, DELETE /models/{name}) then listens on
the same port as inference, as SageMaker calls it. Models are XGBoost JSON boosters, loaded by
inference.py in this folder. Local redirections as in the peer: /opt/ml -> WORKDIR, the config
file under WORKDIR, loopback only, its pid file under WORKDIR/tmp.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
port, work = sys.argv[1], os.path.abspath(sys.argv[2])
for d in (os.path.join(work, "tmp"), os.path.join(work, "logs"), os.path.join(work, "model")):
    os.makedirs(d, exist_ok=True)

os.environ.update(SAGEMAKER_MULTI_MODEL="true", SAGEMAKER_BASE_DIR=work, SAGEMAKER_BIND_TO_PORT=port,
                  SAGEMAKER_PROGRAM="inference.py", TMPDIR=os.path.join(work, "tmp"), TEMP=os.path.join(work, "tmp"),
                  LOG_LOCATION=os.path.join(work, "logs"), METRICS_LOCATION=os.path.join(work, "logs"),
                  PYTHONPATH=os.pathsep.join([HERE] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])))
os.chdir(work)

import psutil  # noqa: E402
from sagemaker_inference import model_server  # noqa: E402  (reads SAGEMAKER_* at import)

model_server.MMS_CONFIG_FILE = os.path.join(work, "sagemaker-mms.properties")
_generate = model_server._generate_mms_config_properties
model_server._generate_mms_config_properties = \
    lambda env, hs=None: _generate(env, hs).replace("0.0.0.0", "127.0.0.1")


def _our_mms_process():
    for p in psutil.process_iter():
        try:
            if model_server.MMS_NAMESPACE in p.cmdline() and os.getsid(p.pid) == os.getsid(0):
                return p
        except (psutil.Error, OSError):
            pass
    raise Exception("mms model server was unsuccessfully started")


model_server._retrieve_mms_server_process = _our_mms_process
model_server.start_model_server(handler_service="handler_service")
