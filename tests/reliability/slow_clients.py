"""Slow clients against a real server process: do stalled or trickling request bodies starve anyone?

Run by tests/reliability/slow-clients.sh (which raises `ulimit -n` and builds the jar). Phases, one server:
  baseline  no slow clients; probes only
  half      N connections each send the headers (Content-Length: 5000) and `{"instances":`, then nothing
  dribble   N connections each send the headers, then one body byte per second
After 5 s of unrecorded warm-up probes, in each phase a prober sends, one after the other over fresh connections, GET /v2/health/live and a
single-sample :predict, and records every latency; once a second the server's thread count (/proc) and Java heap
in use (its /metrics, garbage included; the heap is a fixed 512 MiB) are sampled. The server runs with bodyTimeout
and idleTimeout at 60 s so the N connections stay open through a phase; any it closes are reopened. Writes the raw result in the shared format (tests/reliability/results/<check>-<date>.json) and
exits 1 when a goal is missed: a failed or timed-out probe, p99 >= 50 ms, a 5xx to anyone, fewer than 95% of N
connections held, or the thread count growing with N.
"""
import argparse
import asyncio
import datetime
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request

GOAL_P99_MS = 50.0
JETTY_POOL = 250
PREDICT_BODY = json.dumps({"instances": [[0.0] * 784]}).encode()


def head(path, length, extra=b""):
    return (b"POST " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(length).encode() + b"\r\n\r\n" + extra)


# ---- holders: one process holding N slow connections ---------------------------------------------------------

async def holder(kind, port, path, stop_at, stats):
    while time.monotonic() < stop_at:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 16)
        except OSError:
            stats["connect_errors"] += 1
            await asyncio.sleep(0.2)
            continue
        stats["open"] += 1
        try:
            writer.write(head(path, 5000, b'{"instances":' if kind == "half" else b"{"))
            await writer.drain()
            answer = asyncio.ensure_future(reader.read(4096))
            while time.monotonic() < stop_at and not answer.done():
                if kind == "dribble":
                    writer.write(b" ")
                    await writer.drain()
                await asyncio.wait({answer}, timeout=1.0 if kind == "dribble" else 0.5)
            if answer.done():
                data = answer.result() if not answer.exception() else b""
                status = data[9:12].decode("latin-1") if data.startswith(b"HTTP/1.1 ") else "closed"
                stats["answers"][status] = stats["answers"].get(status, 0) + 1
            else:
                answer.cancel()
        except (OSError, ConnectionError):
            stats["answers"]["reset"] = stats["answers"].get("reset", 0) + 1
        finally:
            stats["open"] -= 1
            writer.close()


async def hold_main(kind, port, path, n, seconds, status_file):
    stats = {"open": 0, "connect_errors": 0, "answers": {}}
    stop_at = time.monotonic() + seconds
    tasks = []
    for i in range(n):
        tasks.append(asyncio.ensure_future(holder(kind, port, path, stop_at, stats)))
        if i % 100 == 99:
            await asyncio.sleep(0.05)
    while time.monotonic() < stop_at:
        with open(status_file + ".tmp", "w") as f:
            json.dump(stats, f)
        os.replace(status_file + ".tmp", status_file)
        await asyncio.sleep(0.5)
    await asyncio.gather(*tasks, return_exceptions=True)
    with open(status_file, "w") as f:
        json.dump(stats, f)


# ---- probes and samples ----------------------------------------------------------------------------------------

def exchange(port, request, timeout=5.0):
    """Sends one request over a fresh connection; returns (status, milliseconds)."""
    start = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    ms = (time.perf_counter() - start) * 1000
    return (int(data[9:12]) if data.startswith(b"HTTP/1.1 ") else 0), ms


def probe(port, path, seconds):
    health = b"GET /v2/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    predict = (b"POST " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
               b"Content-Type: application/json\r\nContent-Length: " + str(len(PREDICT_BODY)).encode()
               + b"\r\n\r\n" + PREDICT_BODY)
    out = {"health": [], "predict": [], "failed": 0, "failures": []}
    stop_at = time.monotonic() + seconds
    while time.monotonic() < stop_at:
        for name, req in (("health", health), ("predict", predict)):
            try:
                status, ms = exchange(port, req)
            except OSError as e:
                status, ms = 0, 5000.0
                out["failures"].append(name + ": " + repr(e))
            if status != 200:
                out["failed"] += 1
                out["failures"].append("%s: status %d" % (name, status))
            out[name].append(ms)
        time.sleep(0.01)
    return out


def sample(pid, port, stop, samples):
    heap = re.compile(r'^jvm_memory_used_bytes\{[^}]*area="heap"[^}]*\}\s+(\S+)', re.M)
    while not stop.is_set():
        try:
            with open("/proc/%d/status" % pid) as f:
                threads = int(re.search(r"^Threads:\s+(\d+)", f.read(), re.M).group(1))
            with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as r:
                used = sum(float(v) for v in heap.findall(r.read().decode()))
            samples.append((threads, used))
        except (OSError, AttributeError, ValueError):
            pass
        stop.wait(1.0)


def pct(values, q):
    v = sorted(values)
    if not v:
        return float("nan")
    return v[min(len(v) - 1, int(round(q / 100.0 * (len(v) - 1))))]


def phase(name, args, port, pid, path, log):
    status_file = os.path.join(args.work, "holders-%s.json" % name)
    holders = None
    if name != "baseline":
        holders = subprocess.Popen([sys.executable, __file__, "hold", "--kind", name, "--port", str(port),
                                    "--path", path, "--n", str(args.connections),
                                    "--seconds", str(args.ramp + args.seconds + 2), "--status", status_file])
        time.sleep(args.ramp)
    samples, stop = [], threading.Event()
    sampler = threading.Thread(target=sample, args=(pid, port, stop, samples), daemon=True)
    sampler.start()
    opened = []
    result = {}
    t = threading.Thread(target=lambda: result.update(probe(port, path, args.seconds)))
    t.start()
    while t.is_alive():
        t.join(1.0)
        if holders is not None and os.path.exists(status_file):
            try:
                with open(status_file) as f:
                    opened.append(json.load(f)["open"])
            except (OSError, ValueError, KeyError):
                pass
    stop.set()
    sampler.join()
    held = {}
    if holders is not None:
        holders.wait()
        with open(status_file) as f:
            held = json.load(f)
    fig = {
        "health_p50_ms": round(pct(result["health"], 50), 2), "health_p99_ms": round(pct(result["health"], 99), 2),
        "predict_p50_ms": round(pct(result["predict"], 50), 2),
        "predict_p99_ms": round(pct(result["predict"], 99), 2),
        "probes": len(result["health"]) + len(result["predict"]), "probes_failed": result["failed"],
        "threads_max": max((s[0] for s in samples), default=0),
        "heap_used_max_mib": round(max((s[1] for s in samples), default=0) / 2**20, 1),
        "connections_held_min": min(opened) if opened else 0,
        "answers_to_slow_clients": held.get("answers", {}),
        "connect_errors": held.get("connect_errors", 0),
    }
    log.write("phase %s: %s\n" % (name, json.dumps(fig)))
    for f in result["failures"][:20]:
        log.write("  probe failure: %s\n" % f)
    log.flush()
    return fig


def run_main(args):
    started = datetime.datetime.now(datetime.timezone.utc)
    with open("/proc/loadavg") as f:
        load_start = f.read().strip()
    models = os.path.join(args.work, "models")
    os.makedirs(models, exist_ok=True)
    link = os.path.join(models, args.model)
    if not os.path.exists(link):
        os.symlink(os.path.join(args.root, "saved-models", args.source), link)
    log = open(args.log, "w")
    server_log = open(os.path.join(args.work, "server.log"), "w")
    # Long enough that all N connections stay open through a phase; with the defaults (bodyTimeout 20 s,
    # idleTimeout 30 s) the server cuts them with a 408 and the holders reopen them.
    config = os.path.join(args.work, "server.json")
    with open(config, "w") as f:
        json.dump({"bodyTimeout": "%ds" % args.body_timeout, "idleTimeout": "%ds" % args.body_timeout}, f)
    server = subprocess.Popen([os.path.join(args.root, "aebridge"), "serve", "--config", config, "--models", models,
                               "--port", "0"],
                              stdout=server_log, stderr=subprocess.STDOUT, cwd=args.root)
    port = None
    deadline = time.monotonic() + 120
    while port is None and time.monotonic() < deadline and server.poll() is None:
        time.sleep(0.5)
        with open(os.path.join(args.work, "server.log")) as f:
            m = re.search(r"Model server listening on http://[^:]+:(\d+)", f.read())
        if m:
            port = int(m.group(1))
    path = "/v1/models/%s:predict" % args.model
    figures, summary, passed = {}, "", False
    try:
        if port is None:
            raise RuntimeError("the server did not start (see server.log)")
        while time.monotonic() < deadline:
            try:
                if exchange(port, b"GET /v2/health/ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        probe(port, path, 5)   # warm-up (JIT, first inference), not recorded
        log.write("server pid %d port %d; %d connections per phase, %d s of probes after %d s of ramp-up\n"
                  % (server.pid, port, args.connections, args.seconds, args.ramp))
        results = {p: phase(p, args, port, server.pid, path, log) for p in ("baseline", "half", "dribble")}
        problems = []
        for p, fig in results.items():
            for k, v in fig.items():
                figures["%s_%s" % (p, k)] = json.dumps(v, sort_keys=True) if isinstance(v, dict) else v
            if fig["probes_failed"]:
                problems.append("%s: %d probes failed" % (p, fig["probes_failed"]))
            for k in ("health_p99_ms", "predict_p99_ms"):
                if not fig[k] < GOAL_P99_MS:
                    problems.append("%s: %s %.1f ms >= %.0f ms" % (p, k, fig[k], GOAL_P99_MS))
            if any(s.startswith("5") for s in fig["answers_to_slow_clients"]):
                problems.append("%s: a slow client got a 5xx %s" % (p, fig["answers_to_slow_clients"]))
            if p != "baseline":
                if fig["connections_held_min"] < 0.95 * args.connections:
                    problems.append("%s: only %d of %d connections held" % (p, fig["connections_held_min"],
                                                                             args.connections))
                # Bounded means independent of N: at most Jetty's request pool (250 threads) above the baseline.
                if fig["threads_max"] > results["baseline"]["threads_max"] + JETTY_POOL:
                    problems.append("%s: %d threads vs %d at baseline" % (p, fig["threads_max"],
                                                                          results["baseline"]["threads_max"]))
                for k in ("health_p99_ms", "predict_p99_ms"):
                    figures["%s_%s_vs_baseline" % (p, k)] = round(fig[k] / results["baseline"][k], 2)
        passed = not problems
        summary = ("%d connections holding half-sent bodies, then %d sending one byte/s (bodyTimeout %d s): health p99 "
                   "%.1f / %.1f ms, "
                   "predict p99 %.1f / %.1f ms (baseline %.1f / %.1f), threads %d / %d (baseline %d), heap max "
                   "%.0f / %.0f MiB; %s" % (
                       args.connections, args.connections, args.body_timeout, results["half"]["health_p99_ms"],
                       results["dribble"]["health_p99_ms"], results["half"]["predict_p99_ms"],
                       results["dribble"]["predict_p99_ms"], results["baseline"]["health_p99_ms"],
                       results["baseline"]["predict_p99_ms"], results["half"]["threads_max"],
                       results["dribble"]["threads_max"], results["baseline"]["threads_max"],
                       results["half"]["heap_used_max_mib"], results["dribble"]["heap_used_max_mib"],
                       "all goals met" if passed else "; ".join(problems)))
    except Exception as e:  # the run failed: say so in the result
        summary = "run failed: %r" % (e,)
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
        server_log.close()
        with open(os.path.join(args.work, "server.log")) as f:
            log.write("---- server log ----\n" + f.read())
        log.close()
    with open("/proc/loadavg") as f:
        load_end = f.read().strip()
    result = {"check": "slow-clients", "command": "tests/reliability/slow-clients.sh",
              "started": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
              "seconds": round((datetime.datetime.now(datetime.timezone.utc) - started).total_seconds(), 1),
              "machine": {"nproc": os.cpu_count(), "loadavg_start": load_start, "loadavg_end": load_end},
              "passed": passed, "figures": figures, "summary": summary}
    with open(args.out, "w") as f:
        json.dump(result, f, indent=2, sort_keys=False)
        f.write("\n")
    print(summary)
    return 0 if passed else 1


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    h = sub.add_parser("hold")
    h.add_argument("--kind", choices=["half", "dribble"], required=True)
    h.add_argument("--port", type=int, required=True)
    h.add_argument("--path", required=True)
    h.add_argument("--n", type=int, required=True)
    h.add_argument("--seconds", type=float, required=True)
    h.add_argument("--status", required=True)
    r = sub.add_parser("run")
    r.add_argument("--root", required=True)
    r.add_argument("--work", required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--log", required=True)
    r.add_argument("--connections", type=int, default=2000)
    r.add_argument("--seconds", type=int, default=20)
    r.add_argument("--ramp", type=int, default=10)
    r.add_argument("--body-timeout", type=int, default=60)
    r.add_argument("--source", default="py-demo-tf-module")
    r.add_argument("--model", default="demo")
    a = p.parse_args()
    if a.cmd == "hold":
        asyncio.run(hold_main(a.kind, a.port, a.path, a.n, a.seconds, a.status))
        return 0
    return run_main(a)


if __name__ == "__main__":
    sys.exit(main())
