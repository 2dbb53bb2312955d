"""bench part `grpc` (bench/run.sh quick|full --only grpc): gRPC against REST on one server, side by side.

Our server (`./aebridge serve --grpc-port N`, one dense 784-32-784 model) under single-sample load at 1, 16 and 64
concurrent streams/connections:
  grpc_predict        TF Serving Predict (float_val)                         ghz
  grpc_modelinfer     KServe V2 ModelInfer (fp32_contents)                   ghz
  rest_json           TF Serving REST :predict JSON                          wrk
  rest_v2_binary      OIP V2 with the binary tensor extension               wrk
  python_grpc         bench/py_grpc_server.py: grpcio + TF 2.18, V2 ModelInfer, one worker per core   ghz
and the floors, the same load on routes that run no inference: HTTP GET /v2/health/live (wrk) and
grpc.health.v1.Health/Check (ghz). The load client's own CPU seconds are recorded beside each point (it shares
the cores). Results go into the run's JSON under "grpc"; `grpc_part.py --readme RESULT.json` prints the README
lines from such a file.
"""
from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

GHZ = shutil.which("ghz") or str(Path.home() / "go" / "bin" / "ghz")


def child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def ghz(target: str, call: str, data_file: Path, concurrency: int, seconds: float, protoset: Path | None) -> dict:
    cmd = [GHZ, "--insecure", "--call", call, "-D", str(data_file), "-c", str(concurrency), "-z",
           f"{max(1, round(seconds))}s", "--connections", "1", "-O", "json", "--timeout", "10s"]
    if protoset:
        cmd += ["--protoset", str(protoset)]
    cpu0 = child_cpu()
    proc = subprocess.run(cmd + [target], capture_output=True, text=True, timeout=seconds + 120)
    cpu = child_cpu() - cpu0
    if not proc.stdout.strip().startswith("{"):
        raise RuntimeError(f"ghz failed ({proc.returncode}): {proc.stdout[-800:]} {proc.stderr[-800:]}")
    r = json.loads(proc.stdout)
    lat = {int(d["percentage"]): d["latency"] / 1e6 for d in r.get("latencyDistribution") or []}
    codes = r.get("statusCodeDistribution") or {}
    ok = codes.get("OK", 0)
    return {"concurrency": concurrency, "rps": r["rps"], "p50_ms": lat.get(50), "p99_ms": lat.get(99),
            "requests": r["count"], "ok": ok, "errors": r["count"] - ok, "client_cpu_s": cpu,
            "seconds": r["total"] / 1e9}


def wrk_get(url: str, connections: int, seconds: float) -> dict:
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", "--timeout", "10s", url]
    cpu0 = child_cpu()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    cpu = child_cpu() - cpu0
    out = proc.stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if proc.returncode != 0 or not rps:
        raise RuntimeError(f"wrk failed: {out[-800:]} {proc.stderr[-800:]}")

    def ms(pct: str):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\b", out, re.M)
        if not m:
            return None
        v = float(m.group(1))
        return v / 1000 if m.group(2) == "us" else v * 1000 if m.group(2) == "s" else v

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"concurrency": connections, "rps": float(rps.group(1)), "p50_ms": ms("50"), "p99_ms": ms("99"),
            "errors": int(non2xx.group(1)) if non2xx else 0, "client_cpu_s": cpu}


def wrk_post(b, load, url: str, body: Path, ctype: str, connections: int, seconds: float, headers=None) -> dict:
    cpu0 = child_cpu()
    r = load.run(url, body, ctype, connections, seconds, headers)
    return {"concurrency": connections, "rps": r["rps"], "p50_ms": r["p50_ms"], "p99_ms": r["p99_ms"],
            "errors": r["errors"], "client_cpu_s": child_cpu() - cpu0}


def protoset(work: Path) -> Path:
    """Our vendored protos as a descriptor set, for ghz against the Python server (which has no reflection)."""
    import glob
    m2 = Path.home() / ".m2" / "repository" / "com" / "google" / "protobuf"
    protoc = sorted(glob.glob(str(m2 / "protoc" / "*" / "protoc-*-linux-x86_64.exe")))[-1]
    os.chmod(protoc, 0o755)
    wkt = work / "wkt"
    jar = sorted(glob.glob(str(m2 / "protobuf-java" / "3.25.*" / "protobuf-java-3.25.*.jar")))[-1]
    subprocess.run(["unzip", "-q", "-o", jar, "google/protobuf/*.proto", "-d", str(wkt)], check=True)
    out = work / "protos.pb"
    root = Path(__file__).resolve().parent.parent / "src" / "main" / "proto"
    subprocess.run([protoc, "--include_imports", "-o", str(out), f"-I{root}", f"-I{wkt}",
                    "tensorflow_serving/apis/prediction_service.proto", "grpc_predict_v2.proto"], check=True)
    return out


def part_grpc(b, args, cfg: dict, results: dict, work: Path, models_dir: Path) -> None:
    b.log("\n== grpc: gRPC Predict / ModelInfer vs REST JSON / V2 binary vs a Python grpcio server; floors")
    part: dict = {"load_before": b.loadavg()}
    results["grpc"] = part
    if not Path(GHZ).exists():
        part["skipped"] = "ghz not installed (go install github.com/bojand/ghz/cmd/ghz@v0.121.0)"
        b.log("grpc: skipped: " + part["skipped"])
        return
    if not (models_dir / "dense").is_dir():
        b.log("  exporting the dense model (1 epoch)...")
        b.run_json(b.java_cmd("train", "--model", "dense", "--epochs", "1", "--limit", "1000", "--export",
                              str(models_dir)), env=b.child_env())
    dense_dir = sorted((models_dir / "dense").iterdir())[-1]
    bodies = b.bodies(work, "x", "reconstruction")
    values = [float(v) for v in bodies["digit"]]
    shape = {"dim": [{"size": 1}, {"size": 784}]}
    predict_json = work / "grpc-predict.json"
    predict_json.write_text(json.dumps({"model_spec": {"name": "dense"}, "inputs": {"x": {
        "dtype": "DT_FLOAT", "tensor_shape": shape, "float_val": values}}}))
    infer_json = work / "grpc-infer.json"
    infer_json.write_text(json.dumps({"model_name": "dense", "inputs": [{"name": "x", "datatype": "FP32",
                                      "shape": [1, 784], "contents": {"fp32_contents": values}}]}))
    empty_json = work / "grpc-empty.json"
    empty_json.write_text("{}")
    load = b.Load(1)
    seconds, warm = cfg["point_s"], cfg["warmup_s"]
    conns = cfg["connections"]
    rows: dict = {}

    grpc_port = b.free_port()
    ours = b.our_server(args, "grpc-ours", models_dir, {"AEBRIDGE_GRPC_PORT": str(grpc_port)}, work)
    ours.start()
    try:
        target = f"127.0.0.1:{grpc_port}"
        plan = [
            ("grpc_predict", lambda c, s: ghz(target, "tensorflow.serving.PredictionService/Predict", predict_json,
                                              c, s, None)),
            ("grpc_modelinfer", lambda c, s: ghz(target, "inference.GRPCInferenceService/ModelInfer", infer_json,
                                                 c, s, None)),
            ("rest_json", lambda c, s: wrk_post(b, load, f"{ours.base}/v1/models/dense:predict", bodies["predict"],
                                                "application/json", c, s)),
            ("rest_v2_binary", lambda c, s: wrk_post(
                b, load, f"{ours.base}/v2/models/dense/infer", bodies["v2_binary"], "application/octet-stream", c, s,
                {"Inference-Header-Content-Length": bodies["v2_binary_header_length"]})),
            ("http_floor", lambda c, s: wrk_get(f"{ours.base}/v2/health/live", c, s)),
            ("grpc_floor", lambda c, s: ghz(target, "grpc.health.v1.Health/Check", empty_json, c, s, None)),
        ]
        for name, fn in plan:
            fn(max(conns), warm)
            rows[name] = [fn(c, seconds) for c in conns]
            b.log("  " + name + ": " + ", ".join(f"{r['concurrency']}: {r['rps']:.0f}/s p99 {r['p99_ms'] or 0:.1f} ms"
                                                  for r in rows[name]))
    finally:
        ours.stop()

    workers = args.python_workers or os.cpu_count() or 1
    py_port = b.free_port()
    py_log = open(work / "server-python-grpc.log", "ab")
    env = b.child_env()
    proc = subprocess.Popen([str(b.PY), str(Path(__file__).parent / "py_grpc_server.py"), str(dense_dir),
                             str(py_port), str(workers)], env=env, stdout=py_log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        set_file = protoset(work)
        target = f"127.0.0.1:{py_port}"
        deadline = time.perf_counter() + 120
        while True:
            try:
                ghz(target, "inference.GRPCInferenceService/ModelInfer", infer_json, 1, 1, set_file)
                break
            except RuntimeError:
                if time.perf_counter() > deadline or proc.poll() is not None:
                    raise RuntimeError("the Python gRPC server did not come up; see server-python-grpc.log")
                time.sleep(1)
        fn = lambda c, s: ghz(target, "inference.GRPCInferenceService/ModelInfer", infer_json, c, s, set_file)
        fn(max(conns), warm)
        rows["python_grpc"] = [fn(c, seconds) for c in conns]
        b.log("  python_grpc (" + str(workers) + " workers): " + ", ".join(
            f"{r['concurrency']}: {r['rps']:.0f}/s p99 {r['p99_ms'] or 0:.1f} ms" for r in rows["python_grpc"]))
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)
    part["rows"] = rows
    part["python_workers"] = workers
    part["load_after"] = b.loadavg()
    print_readme(part, b.log)


def at(rows, name, c):
    return next((r for r in rows.get(name, []) if r["concurrency"] == c), None)


def print_readme(part: dict, out=print) -> None:
    rows = part["rows"]
    conns = [r["concurrency"] for r in rows["grpc_predict"]]
    out("| single sample, dense 784-32-784 | " + " | ".join(f"{c} stream(s): req/s, p99 ms" for c in conns) + " |")
    out("|---|" + "---|" * len(conns))
    names = {"grpc_predict": "gRPC Predict (TF Serving)", "grpc_modelinfer": "gRPC ModelInfer (KServe V2)",
             "rest_json": "REST :predict JSON", "rest_v2_binary": "REST V2 binary",
             "python_grpc": f"Python grpcio + TF 2.18 ({part.get('python_workers')} workers), ModelInfer",
             "http_floor": "HTTP floor (GET /v2/health/live)", "grpc_floor": "gRPC floor (Health/Check)"}
    for key, label in names.items():
        if key in rows:
            out(f"| {label} | " + " | ".join(f"{at(rows, key, c)['rps']:.0f}, {at(rows, key, c)['p99_ms'] or 0:.1f}"
                                           for c in conns) + " |")
    top = max(conns)
    g, j, p = at(rows, "grpc_predict", top), at(rows, "rest_json", top), at(rows, "python_grpc", top)
    hf, gf = at(rows, "http_floor", 1), at(rows, "grpc_floor", 1)
    j1, g1 = at(rows, "rest_json", 1), at(rows, "grpc_predict", 1)
    lines = []
    if g and j:
        lines.append(f"gRPC Predict / REST JSON at {top} streams: {g['rps'] / j['rps']:.2f}x (goal >= 2x)")
    if g and p:
        lines.append(f"gRPC Predict / Python grpcio server at {top} streams: {g['rps'] / p['rps']:.2f}x (goal >= 5x)")
    if hf and j1:
        lines.append(f"single-stream :predict JSON / HTTP floor: {100 * j1['rps'] / hf['rps']:.0f}% (goal >= 50%)")
    if gf and g1:
        lines.append(f"single-stream gRPC Predict / gRPC floor: {100 * g1['rps'] / gf['rps']:.0f}% (goal >= 50%)")
    la, lb = part.get("load_before"), part.get("load_after")
    if la and lb:
        lines.append(f"load average (1 min) {la[0]:.1f} before, {lb[0]:.1f} after, on {os.cpu_count()} cores")
    for l in lines:
        out("")
        out(l)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--readme":
        print_readme(json.loads(Path(sys.argv[2]).read_text())["grpc"])
    else:
        print(__doc__)
