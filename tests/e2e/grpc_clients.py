"""gRPC parity with outside clients: TF Serving's own Python API (tensorflow-serving-api: PredictionServiceStub,
ModelServiceStub) and Triton's client (tritonclient[grpc]) against a running AE Bridge server.

For every committed reference model (tests/fixtures/python/*/manifest.json) and every signature, and for a
Java-trained model: outputs over gRPC equal the REST :predict outputs exactly and Python's goldens to <= 1e-5, in
both TensorProto encodings (tensor_content, typed *_val) and both V2 encodings (raw_input_contents, typed contents).
Triton's model configuration and statistics (get_model_config, get_inference_statistics) equal REST's /config and
/stats. Error codes as the issue lists them. Last, a HandleReloadConfigRequest with a base_path outside the models
root, a specific version policy and labels, then Predict by label. Prints one `ok   ` / `FAIL ` line per check;
exits 1 when one failed.

Usage: grpc_clients.py HTTP_PORT GRPC_PORT TOKEN [JAVA_MODEL_NAME JAVA_MODEL_DIR]
"""
import glob
import json
import os
import sys
import urllib.request

import grpc
import numpy as np
import tensorflow as tf
import tritonclient.grpc as triton
from tensorflow.core.framework import tensor_pb2, tensor_shape_pb2, types_pb2
from tensorflow_serving.apis import (classification_pb2, get_model_metadata_pb2, get_model_status_pb2,
                                     model_management_pb2, model_service_pb2_grpc, predict_pb2,
                                     prediction_service_pb2_grpc)
from tritonclient.grpc import service_pb2

TOLERANCE = 1e-5
DTYPES = {"float32": (np.float32, types_pb2.DT_FLOAT, "FP32"), "float64": (np.float64, types_pb2.DT_DOUBLE, "FP64")}
failures = 0


def check(ok, what, detail=""):
    global failures
    if ok:
        print(f"ok   {what}")
    else:
        failures += 1
        print(f"FAIL {what} {detail}")


def typed_proto(array, dtype_enum):
    """A TensorProto with the typed field, as clients other than tf.make_tensor_proto write it."""
    p = tensor_pb2.TensorProto(dtype=dtype_enum, tensor_shape=tensor_shape_pb2.TensorShapeProto(
        dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=d) for d in array.shape]))
    if dtype_enum == types_pb2.DT_FLOAT:
        p.float_val.extend(array.ravel().tolist())
    else:
        p.double_val.extend(array.ravel().tolist())
    return p


def rest_predict(http_port, model, signature, inputs, dtype):
    body = json.dumps({"signature_name": signature, "inputs": {k: v.tolist() for k, v in inputs.items()}})
    req = urllib.request.Request(f"http://127.0.0.1:{http_port}/v1/models/{model}:predict", data=body.encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        out = json.loads(r.read())["outputs"]
    if not isinstance(out, dict):
        return None, np.asarray(out, dtype=dtype)
    return {k: np.asarray(v, dtype=dtype) for k, v in out.items()}, None


def same(a, b):
    return a.shape == b.shape and np.array_equal(a.view(np.uint8), b.view(np.uint8)) if a.dtype == b.dtype else False


def check_signature(ports, stubs, model, signature, inputs, goldens, np_dtype, tf_dtype, v2_type):
    http_port, _ = ports
    predict, client, v2_stub = stubs
    rest_map, rest_single = rest_predict(http_port, model, signature, inputs, np_dtype)
    rest = rest_map if rest_map is not None else {next(iter(goldens)): rest_single}
    label = f"{model} {signature}"
    # TF Serving's client, both TensorProto encodings.
    for encoding in ("tensor_content", "typed"):
        req = predict_pb2.PredictRequest()
        req.model_spec.name = model
        req.model_spec.signature_name = signature
        for k, v in inputs.items():
            req.inputs[k].CopyFrom(tf.make_tensor_proto(v) if encoding == "tensor_content" else typed_proto(v, tf_dtype))
        resp = predict.Predict(req, timeout=120)
        for name, golden in goldens.items():
            got = tf.make_ndarray(resp.outputs[name])
            worst = float(np.max(np.abs(got.astype(np.float64) - golden))) if got.shape == golden.shape else float("inf")
            check(worst <= TOLERANCE, f"tfserving-api {encoding} {label}/{name} vs Python", f"max diff {worst}")
            check(same(got, rest[name]), f"tfserving-api {encoding} {label}/{name} == REST")
        check(resp.model_spec.name == model and resp.model_spec.version.value >= 1,
              f"tfserving-api {encoding} {label}: model_spec answered", str(resp.model_spec))
    # Triton's client: raw_input_contents (what tritonclient sends).
    infer_inputs = []
    for k, v in inputs.items():
        i = triton.InferInput(k, list(v.shape), v2_type)
        i.set_data_from_numpy(v)
        infer_inputs.append(i)
    result = client.infer(model, infer_inputs, parameters={"signature_name": signature},
                          outputs=[triton.InferRequestedOutput(n) for n in goldens])
    for name, golden in goldens.items():
        got = result.as_numpy(name)
        worst = float(np.max(np.abs(got.astype(np.float64) - golden))) if got.shape == golden.shape else float("inf")
        check(worst <= TOLERANCE, f"tritonclient raw {label}/{name} vs Python", f"max diff {worst}")
        check(same(got, rest[name]), f"tritonclient raw {label}/{name} == REST")
    # Triton's generated stub with typed contents.
    req = service_pb2.ModelInferRequest(model_name=model)
    req.parameters["signature_name"].string_param = signature
    for k, v in inputs.items():
        t = req.inputs.add(name=k, datatype=v2_type, shape=list(v.shape))
        (t.contents.fp32_contents if v2_type == "FP32" else t.contents.fp64_contents).extend(v.ravel().tolist())
    resp = v2_stub.ModelInfer(req, timeout=120)
    for out in resp.outputs:
        values = out.contents.fp32_contents if out.datatype == "FP32" else out.contents.fp64_contents
        got = np.asarray(values, dtype=np_dtype).reshape(list(out.shape))
        check(same(got, rest[out.name]), f"triton stub typed {label}/{out.name} == REST")


def expect_code(code, what, call):
    try:
        call()
        check(False, what, "answered OK")
    except grpc.RpcError as e:
        check(e.code() == code, what, f"got {e.code()}: {e.details()}")


def main():
    http_port, grpc_port, token = sys.argv[1], sys.argv[2], sys.argv[3]
    target = f"127.0.0.1:{grpc_port}"
    opts = [("grpc.max_receive_message_length", 64 << 20), ("grpc.max_send_message_length", 64 << 20)]
    channel = grpc.insecure_channel(target, options=opts)
    predict = prediction_service_pb2_grpc.PredictionServiceStub(channel)
    models = model_service_pb2_grpc.ModelServiceStub(channel)
    client = triton.InferenceServerClient(url=target)
    from tritonclient.grpc import service_pb2_grpc
    v2_stub = service_pb2_grpc.GRPCInferenceServiceStub(channel)
    stubs = (predict, client, v2_stub)
    ports = (http_port, grpc_port)
    root = os.environ.get("ROOT", ".")
    for manifest_file in sorted(glob.glob(os.path.join(root, "tests/fixtures/python/*/manifest.json"))):
        m = json.load(open(manifest_file))
        folder = os.path.dirname(manifest_file)
        model = os.path.basename(os.path.dirname(m["model_dir"].rstrip("/")))
        for signature, s in m["signatures"].items():
            np_dtype, tf_dtype, v2_type = DTYPES[next(iter(s["inputs"].values()))["dtype"]]
            inputs = {k: np.load(os.path.join(folder, v["file"])).astype(np_dtype) for k, v in s["inputs"].items()}
            goldens = {k: np.load(os.path.join(folder, v["file"])).astype(np.float64) for k, v in s["outputs"].items()}
            check_signature(ports, stubs, model, signature, inputs, goldens, np_dtype, tf_dtype, v2_type)
    if len(sys.argv) > 5:
        name, model_dir = sys.argv[4], sys.argv[5]
        loaded = tf.saved_model.load(model_dir)
        x = np.random.default_rng(7).random((4, 784), dtype=np.float32)
        for signature in ("serving_default", "encode"):
            fn = loaded.signatures[signature]
            input_name = next(iter(fn.structured_input_signature[1]))
            want = {k: v.numpy().astype(np.float64) for k, v in fn(**{input_name: tf.constant(x)}).items()}
            check_signature(ports, stubs, name, signature, {input_name: x}, want, np.float32, types_pb2.DT_FLOAT,
                            "FP32")

    # Metadata and status through TF Serving's client; readiness through Triton's.
    req = get_model_metadata_pb2.GetModelMetadataRequest(metadata_field=["signature_def"])
    req.model_spec.name = "py-demo-tf-module"
    meta = predict.GetModelMetadata(req, timeout=30)
    defs = get_model_metadata_pb2.SignatureDefMap()
    meta.metadata["signature_def"].Unpack(defs)
    check({"serving_default", "encode", "decode"} <= set(defs.signature_def), "tfserving-api GetModelMetadata",
          str(list(defs.signature_def)))
    status = models.GetModelStatus(get_model_status_pb2.GetModelStatusRequest(
        model_spec={"name": "py-demo-tf-module"}), timeout=30)
    check(status.model_version_status[0].state == get_model_status_pb2.ModelVersionStatus.AVAILABLE,
          "tfserving-api GetModelStatus AVAILABLE")
    check(client.is_server_live() and client.is_server_ready() and client.is_model_ready("py-demo-tf-module"),
          "tritonclient live/ready/model ready")
    check(client.get_model_metadata("py-demo-tf-module").inputs[0].datatype == "FP32", "tritonclient metadata")

    # Triton's configuration and statistics extensions, as REST answers them.
    rest = lambda path: json.load(urllib.request.urlopen(f"http://127.0.0.1:{http_port}{path}", timeout=30))
    config = client.get_model_config("py-demo-tf-module", as_json=True)["config"]
    rest_config = rest("/v2/models/py-demo-tf-module/config")
    check(config["name"] == "py-demo-tf-module" and config["platform"] == rest_config["platform"]
          and int(config.get("max_batch_size", 0)) == rest_config["max_batch_size"]
          and [(t["name"], t["data_type"], [int(d) for d in t.get("dims", [])]) for t in config["input"]]
          == [(t["name"], t["data_type"], t["dims"]) for t in rest_config["input"]],
          "tritonclient get_model_config == REST /config", json.dumps(config)[:300])
    stats = client.get_inference_statistics("py-demo-tf-module", as_json=True)["model_stats"]
    rest_stats = rest("/v2/models/py-demo-tf-module/stats")["model_stats"]
    check(len(stats) == len(rest_stats) >= 1 and int(stats[0].get("inference_count", 0)) > 0
          and int(stats[0]["inference_count"]) == rest_stats[0]["inference_count"]
          and int(stats[0].get("execution_count", 0)) == rest_stats[0]["execution_count"],
          "tritonclient get_inference_statistics == REST /stats", json.dumps(stats)[:300])

    # Errors.
    bad = predict_pb2.PredictRequest()
    bad.model_spec.name = "no-such-model"
    bad.inputs["x"].CopyFrom(tf.make_tensor_proto(np.zeros((1, 784), np.float32)))
    expect_code(grpc.StatusCode.NOT_FOUND, "tfserving-api unknown model NOT_FOUND",
                lambda: predict.Predict(bad, timeout=30))
    bad.model_spec.name = "py-demo-tf-module"
    bad.inputs["x"].CopyFrom(tf.make_tensor_proto(np.zeros((1, 783), np.float32)))
    expect_code(grpc.StatusCode.INVALID_ARGUMENT, "tfserving-api wrong shape INVALID_ARGUMENT",
                lambda: predict.Predict(bad, timeout=30))
    bad.inputs["x"].CopyFrom(tf.make_tensor_proto(np.zeros((1, 784), np.int64)))
    expect_code(grpc.StatusCode.INVALID_ARGUMENT, "tfserving-api wrong dtype INVALID_ARGUMENT",
                lambda: predict.Predict(bad, timeout=30))
    expect_code(grpc.StatusCode.UNIMPLEMENTED, "tfserving-api Classify UNIMPLEMENTED",
                lambda: predict.Classify(classification_pb2.ClassificationRequest(), timeout=30))
    expect_code(grpc.StatusCode.UNAUTHENTICATED, "tfserving-api reload without token UNAUTHENTICATED",
                lambda: models.HandleReloadConfigRequest(model_management_pb2.ReloadConfigRequest(), timeout=30))
    big = predict_pb2.PredictRequest()
    big.model_spec.name = "py-demo-tf-module"
    big.inputs["x"].CopyFrom(tf.make_tensor_proto(np.zeros((12000, 784), np.float32)))  # 37.6 MB > 32 MiB limit
    expect_code(grpc.StatusCode.RESOURCE_EXHAUSTED, "tfserving-api message over the body limit RESOURCE_EXHAUSTED",
                lambda: predict.Predict(big, timeout=60))
    x = triton.InferInput("x", [1, 784], "FP32")
    x.set_data_from_numpy(np.zeros((1, 784), np.float32))
    try:
        client.infer("no-such-model", [x])
        check(False, "tritonclient unknown model NOT_FOUND", "answered OK")
    except triton.InferenceServerException as e:
        check(e.status() == "StatusCode.NOT_FOUND", "tritonclient unknown model NOT_FOUND", str(e.status()))
    try:
        client.unload_model("py-demo-frozen")
        check(False, "tritonclient unload without token UNAUTHENTICATED", "answered OK")
    except triton.InferenceServerException as e:
        check(e.status() == "StatusCode.UNAUTHENTICATED", "tritonclient unload without token UNAUTHENTICATED",
              str(e.status()))
    auth = {"authorization": f"Bearer {token}"}
    client.unload_model("py-demo-frozen", headers=auth)
    check(not client.is_model_ready("py-demo-frozen"), "tritonclient unload_model with token")
    client.load_model("py-demo-frozen", headers=auth)
    check(client.is_model_ready("py-demo-frozen"), "tritonclient load_model with token")
    reload_config(models, predict, token)  # last: it changes the served set
    sys.exit(1 if failures else 0)


def reload_config(models, predict, token):
    """HandleReloadConfigRequest with TF Serving's own ModelServiceStub: a model from a base_path outside the
    models root with a specific version policy and labels, one root model by name, the rest unloaded."""
    import shutil
    import tempfile
    root = os.environ.get("ROOT", ".")
    base = os.path.join(tempfile.mkdtemp(prefix="aebridge-reload-"), "relocated")
    for v in ("1", "2", "3"):
        shutil.copytree(os.path.join(root, "saved-models/py-demo-tf-module/1"), os.path.join(base, v))
    auth = [("authorization", f"Bearer {token}")]
    req = model_management_pb2.ReloadConfigRequest()
    kept = req.config.model_config_list.config.add(name="py-demo-tf-module", model_platform="tensorflow")
    m = req.config.model_config_list.config.add(name="relocated", base_path=base, model_platform="tensorflow")
    m.model_version_policy.specific.versions.extend([1, 2])
    m.version_labels["stable"] = 1
    m.version_labels["canary"] = 2
    try:
        resp = models.HandleReloadConfigRequest(req, metadata=auth, timeout=300)
        check(resp.status.error_code == 0, "tfserving-api reload: base_path outside the root, specific policy, labels",
              str(resp.status))
    except grpc.RpcError as e:
        check(False, "tfserving-api reload: base_path outside the root, specific policy, labels",
              f"{e.code()}: {e.details()}")
        shutil.rmtree(os.path.dirname(base), ignore_errors=True)
        return
    status_req = get_model_status_pb2.GetModelStatusRequest()
    status_req.model_spec.name = "relocated"
    versions = sorted(s.version for s in models.GetModelStatus(status_req, timeout=30).model_version_status
                      if s.state == get_model_status_pb2.ModelVersionStatus.AVAILABLE)
    check(versions == [1, 2], "tfserving-api reload: the specific policy serves versions 1 and 2", str(versions))
    for label, version in (("stable", 1), ("canary", 2)):
        p = predict_pb2.PredictRequest()
        p.model_spec.name = "relocated"
        p.model_spec.version_label = label
        p.inputs["x"].CopyFrom(tf.make_tensor_proto(np.zeros((1, 784), np.float32)))
        got = predict.Predict(p, timeout=60).model_spec.version.value
        check(got == version, f"tfserving-api reload: Predict by label {label} runs version {version}", str(got))
    gone = predict_pb2.PredictRequest()
    gone.model_spec.name = "py-demo-frozen"
    gone.inputs["x"].CopyFrom(tf.make_tensor_proto(np.zeros((1, 784), np.float32)))
    expect_code(grpc.StatusCode.NOT_FOUND, "tfserving-api reload: a model it does not list is unloaded",
                lambda: predict.Predict(gone, timeout=30))
    kept.base_path = "relative/path"
    expect_code(grpc.StatusCode.INVALID_ARGUMENT, "tfserving-api reload: a relative base_path INVALID_ARGUMENT",
                lambda: models.HandleReloadConfigRequest(req, metadata=auth, timeout=60))
    shutil.rmtree(os.path.dirname(base), ignore_errors=True)


if __name__ == "__main__":
    main()
