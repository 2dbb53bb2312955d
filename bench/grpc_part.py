"""bench part `grpc` (bench/run.sh quick|full --only grpc): gRPC against REST on one server, side by side.

Our server (`./aebridge serve --grpc-port N`, one dense 784-32-784 model) under single-sample load at 1, 16 and 64
concurrent streams/connections:
  grpc_predict        TF Serving Predict (float_val)                         grpc-load
  grpc_modelinfer     KServe V2 ModelInfer (fp32_contents)                   grpc-load
  rest_json           TF Serving REST :predict JSON                          wrk
  rest_v2_binary      OIP V2 with the binary tensor extension               wrk
  python_grpc         bench/py_grpc_server.py: grpcio + TF 2.18, V2 ModelInfer, one worker per core   grpc-load
and the floors, the same load on routes that run no inference: HTTP GET /v2/health/live (wrk) and
grpc.health.v1.Health/Check (grpc-load).

The gRPC load client is `BenchMain grpc-load` (io.aebridge.bench.GrpcLoad): grpc-java async calls, the request
encoded once and the answers read as bytes, as wrk does for HTTP. ghz, the usual Go tool, spent an order of
magnitude more CPU per call than wrk here (client_cpu_s in bench/results/grpc-2026-12-02.json), so on two shared
cores it measured mostly itself. Every point records the client's CPU seconds and the server's (all
processes of its session, Python workers included) over the point, so each row also reads as CPU per request.
Results go into the run's JSON under "grpc"; `grpc_part.py --readme RESULT.json` prints the README lines from such a
file.
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

import readme_block

# HTTP/2 connections per gRPC point. The Python server's worker processes share the port through SO_REUSEPORT,
# which spreads connections, not calls: over one connection a single worker would take all the load.
CONNECTIONS = 4


def child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def session_cpu(sid: int | None) -> float:
    """CPU seconds of every live process in session `sid` (a server started with start_new_session)."""
    if sid is None:
        return 0.0
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            f = stat.read_text().rsplit(")", 1)[1].split()
            if int(f[3]) == sid:
                total += int(f[11]) + int(f[12])
        except (OSError, IndexError, ValueError):
            continue
    return total / os.sysconf("SC_CLK_TCK")


def grpc_load(b, target: str, call: str, data_file: Path, concurrency: list[int], seconds: float, warm: float,
              sid: int | None) -> list[dict]:
    """One `BenchMain grpc-load` run: a warm-up at each concurrency, then one point per concurrency; the
    client reads the server session's CPU time around each point itself."""
    cmd = b.java_cmd("grpc-load", "--target", target, "--call", call, "--data", str(data_file), "--concurrency",
                     ",".join(str(c) for c in concurrency), "--seconds", str(seconds), "--warmup", str(warm),
                     "--connections", str(CONNECTIONS))
    if sid is not None:
        cmd += ["--server-session", str(sid)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=(seconds + warm + 30) * len(concurrency) + 120)
    if proc.returncode != 0 or not proc.stdout.strip().startswith("{"):
        raise RuntimeError(f"grpc-load failed ({proc.returncode}): {proc.stdout[-800:]} {proc.stderr[-1500:]}")
    return json.loads(proc.stdout)["points"]


def wrk_get(url: str, connections: int, seconds: float, sid: int | None = None) -> dict:
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", "--timeout", "10s", url]
    cpu0, s0 = child_cpu(), session_cpu(sid)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    cpu, server = child_cpu() - cpu0, session_cpu(sid) - s0
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
    done = re.search(r"(\d+) requests in", out)
    return {"concurrency": connections, "rps": float(rps.group(1)), "p50_ms": ms("50"), "p99_ms": ms("99"),
            "requests": int(done.group(1)) if done else None, "errors": int(non2xx.group(1)) if non2xx else 0,
            "client_cpu_s": cpu, "server_cpu_s": server}


def wrk_post(b, load, url: str, body: Path, ctype: str, connections: int, seconds: float, headers=None,
             sid: int | None = None) -> dict:
    cpu0, s0 = child_cpu(), session_cpu(sid)
    r = load.run(url, body, ctype, connections, seconds, headers)
    return {"concurrency": connections, "rps": r["rps"], "p50_ms": r["p50_ms"], "p99_ms": r["p99_ms"],
            "requests": r["requests"], "errors": r["errors"], "client_cpu_s": child_cpu() - cpu0,
            "server_cpu_s": session_cpu(sid) - s0}


def wait_for(call, seconds: float, what: str, proc=None) -> None:
    deadline = time.perf_counter() + seconds
    while True:
        try:
            r = call()
            if r["ok"] > 0:
                return
        except RuntimeError:
            pass
        if time.perf_counter() > deadline or (proc is not None and proc.poll() is not None):
            raise RuntimeError(f"{what} did not answer within {seconds:.0f} s")
        time.sleep(0.5)


def part_grpc(b, args, cfg: dict, results: dict, work: Path, models_dir: Path) -> None:
    b.log("\n== grpc: gRPC Predict / ModelInfer vs REST JSON / V2 binary vs a Python grpcio server; floors")
    part: dict = {"load_before": b.loadavg()}
    results["grpc"] = part
    if not (models_dir / "dense").is_dir():
        b.log("  exporting the dense model (1 epoch)...")
        b.run_json(b.java_cmd("train", "--model", "dense", "--epochs", "1", "--limit", "1000", "--export",
                              str(models_dir)), env=b.child_env())
    dense_dir = sorted((models_dir / "dense").iterdir())[-1]
    # What the model alone costs, without any transport: the part of a request no protocol can remove.
    alone = b.run_json(b.java_cmd("predict", "--model", str(dense_dir), "--batch", "64", "--seconds", "2",
                                  "--concurrency", "1"), env=b.child_env())
    part["model_alone"] = {"us_per_call_batch_1": alone["batch_1"]["median_us_per_call"],
                           "us_per_sample_batch_64": alone["batch_64"]["median_us_per_sample"]}
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
        sid = ours.proc.pid
        probe = lambda t: grpc_load(b, t, "grpc.health.v1.Health/Check", empty_json, [1], 0.2, 0, None)[0]
        wait_for(lambda: probe(target), 60, "our gRPC port")
        grpc_rows = lambda call, data: lambda: grpc_load(b, target, call, data, conns, seconds, warm, sid)

        def wrk_rows(fn):
            for c in conns:  # a warm-up at each concurrency, as grpc_load does
                fn(c, warm)
            return [fn(c, seconds) for c in conns]

        plan = [
            ("grpc_predict", grpc_rows("tensorflow.serving.PredictionService/Predict", predict_json)),
            ("grpc_modelinfer", grpc_rows("inference.GRPCInferenceService/ModelInfer", infer_json)),
            ("rest_json", lambda: wrk_rows(lambda c, s: wrk_post(
                b, load, f"{ours.base}/v1/models/dense:predict", bodies["predict"], "application/json", c, s,
                sid=sid))),
            ("rest_v2_binary", lambda: wrk_rows(lambda c, s: wrk_post(
                b, load, f"{ours.base}/v2/models/dense/infer", bodies["v2_binary"], "application/octet-stream", c, s,
                {"Inference-Header-Content-Length": bodies["v2_binary_header_length"]}, sid=sid))),
            ("http_floor", lambda: wrk_rows(lambda c, s: wrk_get(f"{ours.base}/v2/health/live", c, s, sid))),
            ("grpc_floor", grpc_rows("grpc.health.v1.Health/Check", empty_json)),
        ]
        for name, fn in plan:
            rows[name] = per_request(fn())
            log_rows(b, name, rows[name])
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
        target = f"127.0.0.1:{py_port}"
        call = "inference.GRPCInferenceService/ModelInfer"
        wait_for(lambda: grpc_load(b, target, call, infer_json, [1], 0.2, 0, None)[0], 120,
                 "the Python gRPC server (server-python-grpc.log)", proc)
        rows["python_grpc"] = per_request(grpc_load(b, target, call, infer_json, conns, seconds, warm, proc.pid))
        log_rows(b, f"python_grpc ({workers} workers)", rows["python_grpc"])
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)
    part["rows"] = rows
    part["python_workers"] = workers
    part["load_after"] = b.loadavg()
    print_readme(part, b.log)


def per_request(points: list[dict]) -> list[dict]:
    """Adds each point's client and server CPU microseconds per request (None where not measured)."""
    for p in points:
        n = p.get("requests") or 0
        for side in ("client", "server"):
            cpu = p.get(f"{side}_cpu_s")
            p[f"{side}_cpu_us_per_request"] = cpu * 1e6 / n if cpu is not None and n else None
    return points


def log_rows(b, name: str, points: list[dict]) -> None:
    b.log("  " + name + ": " + ", ".join(
        f"{r['concurrency']}: {r['rps']:.0f}/s p99 {r['p99_ms'] or 0:.1f} ms, cpu/req server "
        f"{r['server_cpu_us_per_request'] or 0:.0f} us client {r['client_cpu_us_per_request'] or 0:.0f} us"
        for r in points))


def at(rows, name, c):
    return next((r for r in rows.get(name, []) if r["concurrency"] == c), None)


def print_cpu(rows: dict, names: dict, top: int, out) -> None:
    out("")
    out(f"CPU per request at {top} streams, server and load client (the two share the cores; what bounds "
        "throughput on a busy machine):")
    out("")
    out("| single sample | server CPU us/request | client CPU us/request |")
    out("|---|---|---|")
    for key, label in names.items():
        r = at(rows, key, top)
        if r and r.get("server_cpu_us_per_request") is not None:
            out(f"| {label} | {r['server_cpu_us_per_request']:.0f} | {r['client_cpu_us_per_request'] or 0:.0f} |")


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
    if any((at(rows, k, top) or {}).get("server_cpu_us_per_request") is not None for k in names):
        print_cpu(rows, names, top, out)
    g, j, p = at(rows, "grpc_predict", top), at(rows, "rest_json", top), at(rows, "python_grpc", top)
    hf, gf = at(rows, "http_floor", 1), at(rows, "grpc_floor", 1)
    j1, g1 = at(rows, "rest_json", 1), at(rows, "grpc_predict", 1)
    lines = []
    if g and j:
        lines.append(f"gRPC Predict / REST JSON at {top} streams: {g['rps'] / j['rps']:.2f}x (goal >= 2x)")
    if g and p:
        lines.append(f"gRPC Predict / Python grpcio server at {top} streams: {g['rps'] / p['rps']:.2f}x (goal >= 5x)")
    if g and j and p and g.get("p99_ms") and j.get("p99_ms") and p.get("p99_ms"):
        lines.append(f"gRPC Predict p99 at {top} streams: {g['p99_ms']:.1f} ms, REST JSON {j['p99_ms']:.1f} ms, "
                     f"Python grpcio {p['p99_ms']:.1f} ms (goal: lower than both)")
    alone = part.get("model_alone")
    # A request that cost nothing but the floor's round trip plus the model's own call would reach
    # floor_us / (floor_us + model_us) of the floor: the most any protocol code could give on this machine.
    bound = lambda floor: (f"; at most {100 * (1e6 / floor['rps']) / (1e6 / floor['rps'] + alone['us_per_call_batch_1']):.0f}% "
                           f"here even with free decoding: the floor's {1e6 / floor['rps']:.0f} us round trip + the "
                           f"model's {alone['us_per_call_batch_1']:.0f} us" if alone else "")
    if hf and j1:
        lines.append(f"single-stream :predict JSON / HTTP floor: {100 * j1['rps'] / hf['rps']:.0f}% (goal >= 50%"
                     f"{bound(hf)})")
    if gf and g1:
        lines.append(f"single-stream gRPC Predict / gRPC floor: {100 * g1['rps'] / gf['rps']:.0f}% (goal >= 50%"
                     f"{bound(gf)})")
    if g and j and g.get("server_cpu_us_per_request") and j.get("server_cpu_us_per_request"):
        lines.append(f"server CPU per request at {top} streams, REST JSON / gRPC Predict: "
                     f"{j['server_cpu_us_per_request'] / g['server_cpu_us_per_request']:.2f}x (the throughput ratio "
                     f"a load client on its own cores would approach)")
    if alone:
        lines.append(f"the model alone (BenchMain predict, no transport, median wall time): "
                     f"{alone['us_per_call_batch_1']:.0f} us per single-sample call, "
                     f"{alone['us_per_sample_batch_64']:.1f} us per sample at batch 64")
    la, lb = part.get("load_before"), part.get("load_after")
    if la and lb:
        lines.append(f"load average (1 min) {la[0]:.1f} before, {lb[0]:.1f} after, on {os.cpu_count()} cores")
    for l in lines:
        out("")
        out(l)


BEGIN, END = "<!-- grpc-bench: written by bench/grpc_part.py --write-readme -->", "<!-- /grpc-bench -->"


def write_readme(result: Path, readme: Path) -> None:
    """Replaces the block between BEGIN and END in README.md with the lines of `result`."""
    data = json.loads(result.read_text())
    lines: list[str] = []
    started = data.get("started", "")
    lines.append(f"`{data.get('command', 'bench/run.sh')}` on {started[:10]} (raw: [{result.as_posix()}]"
                 f"({result.as_posix()}), `.csv`, `.txt`; {data.get('mode')} mode, "
                 f"{data['grpc']['rows']['grpc_predict'][0].get('seconds', 0):.0f} s per point). "
                 "Load clients: `BenchMain grpc-load` (grpc-java, gRPC) and wrk (HTTP), on the same 2 cores as the "
                 "servers.")
    lines.append("")
    print_readme(data["grpc"], lines.append)
    readme_block.replace(readme, BEGIN, END, "\n".join(lines))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--readme":
        print_readme(json.loads(Path(sys.argv[2]).read_text())["grpc"])
    elif len(sys.argv) == 4 and sys.argv[1] == "--write-readme":
        write_readme(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        print(__doc__)
