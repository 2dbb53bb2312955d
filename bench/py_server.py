"""The Python model server a user would otherwise write: one SavedModel behind TF Serving's REST `:predict` route.

Two front ends over the same model code, both launched by bench/bench.py with one worker process per core:

    FastAPI + uvicorn (uvloop, httptools):
        BENCH_MODEL_DIR=saved-models/dense/1 .venv/bin/python -m uvicorn --app-dir bench --factory \
            py_server:create_fastapi_app --host 127.0.0.1 --port 8501 --workers 2 --loop uvloop --http httptools
    Flask + gunicorn (gthread workers, so keep-alive works):
        BENCH_MODEL_DIR=saved-models/dense/1 .venv/bin/python -m gunicorn --chdir bench -w 2 -k gthread \
            --threads 4 -b 127.0.0.1:8501 'py_server:create_flask_app()'

Route: POST /v1/models/<name>:predict with {"instances": [[...]]} -> {"predictions": [[...]]}; GET /healthz.
The model is loaded with tf.saved_model.load (TF 2.18) and its `serving_default` signature called once per
request; the input and output keys are read from the signature. The handler is deliberately lean (raw body,
json.loads, numpy, json.dumps; no pydantic model for the 784 floats), i.e. the fast end of what users write.
"""

import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


class Model:
    def __init__(self, directory: str):
        self.loaded = tf.saved_model.load(directory)
        self.fn = self.loaded.signatures["serving_default"]
        self.input_key = next(iter(self.fn.structured_input_signature[1]))
        self.output_key = next(iter(self.fn.structured_outputs))
        # Warm-up: the first call traces and allocates.
        shape = [1 if d is None else d for d in self.fn.structured_input_signature[1][self.input_key].shape]
        self.fn(**{self.input_key: tf.zeros(shape, tf.float32)})

    def predict(self, body: bytes) -> bytes:
        request = json.loads(body)
        x = np.asarray(request["instances"], dtype=np.float32)
        y = self.fn(**{self.input_key: tf.constant(x)})[self.output_key].numpy()
        return json.dumps({"predictions": y.tolist()}).encode()


def _model() -> Model:
    return Model(os.environ["BENCH_MODEL_DIR"])


def create_fastapi_app():
    from fastapi import FastAPI, Request, Response

    model = _model()
    app = FastAPI()

    @app.get("/healthz")
    async def healthz():
        return {"ok": True}

    @app.post("/v1/models/{name}:predict")
    async def predict(name: str, request: Request):
        try:
            return Response(model.predict(await request.body()), media_type="application/json")
        except (ValueError, KeyError, tf.errors.InvalidArgumentError) as e:
            return Response(json.dumps({"error": str(e)}), status_code=400, media_type="application/json")

    return app


def create_flask_app():
    from flask import Flask, Response, request

    model = _model()
    app = Flask(__name__)

    @app.get("/healthz")
    def healthz():
        return {"ok": True}

    @app.post("/v1/models/<name>:predict")
    def predict(name):
        try:
            return Response(model.predict(request.get_data()), mimetype="application/json")
        except (ValueError, KeyError, tf.errors.InvalidArgumentError) as e:
            return Response(json.dumps({"error": str(e)}), status=400, mimetype="application/json")

    return app
