#!/usr/bin/env python3
"""Replicas behind HAProxy under load: the drills of issue 12 (run through deploy/drills/run.sh).

Starts N AE Bridge replicas (processes, `aebridge serve` from target/aebridge.jar) on one shared models folder
(the replicas only read it), HAProxy in front (deploy/drills/haproxy.cfg.in), and a 64-connection :predict load
(loadgen.py) through it for each drill:
  throughput  1, 2, 3 replicas in turn (others in maintenance), and one replica without the balancer
  rollout     a new model version copied into the folder (atomic rename) mid-load
  restart     rolling restart: SIGTERM → drain → start → ready, one replica at a time
  kill        kill -9 of one replica; time until HAProxy marks it DOWN; in-flight requests on it at the kill
  broken      an extra replica started with a broken models folder and put in the balancer's rotation
Writes deploy/drills/results/drills-<date>.json (+ .log): per drill the client's request and failure counts,
p50/p99 overall and during the event, per-second series, event times. Exit 1 if a drill missed its goal.
"""
import argparse
import csv
import datetime
import io
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
MODEL = "dense"
V1_SOURCE = "py-demo-tf-keras"    # version 1 of "dense"
V2_SOURCE = "py-demo-tf-module"   # version 2: same 784 → 784 autoencoder interface, another export path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_status(port, path, timeout=1.0):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except (OSError, urllib.error.URLError):
        return None, b""


class Log:
    def __init__(self, path):
        self.f = open(path, "a")
        self.t0 = time.time()

    def __call__(self, msg):
        line = f"[{time.time() - self.t0:8.2f}s] {msg}"
        print(line, flush=True)
        self.f.write(line + "\n")
        self.f.flush()


class Replica:
    def __init__(self, name, models, work, heap, log):
        self.name, self.models, self.work, self.heap, self.log = name, models, work, heap, log
        self.port = free_port()
        self.proc = None

    def start(self):
        # No gRPC port: the drills go through HAProxy over HTTP, and `serve` would otherwise open 8500 in every
        # replica (the first takes it, the others fail to start).
        env = dict(os.environ, AEBRIDGE_POLL_INTERVAL="1s", TF_CPP_MIN_LOG_LEVEL="2")
        out = open(self.work / f"{self.name}.log", "a")
        self.proc = subprocess.Popen(
            ["java", f"-Xms{self.heap}", f"-Xmx{self.heap}", "-XX:-UsePerfData",
             "-jar", str(ROOT / "target" / "aebridge.jar"), "serve", "--host", "127.0.0.1",
             "--port", str(self.port), "--grpc-port", "0", "--models", str(self.models)],
            stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        self.started = time.time()
        self.log(f"{self.name}: started pid {self.proc.pid} on port {self.port} with {self.models}")

    def ready(self):
        return (http_status(self.port, "/v2/health/ready")[0] == 200
                and http_status(self.port, f"/v2/models/{MODEL}/ready")[0] == 200)

    def wait_ready(self, timeout=240):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {self.name}.log")
            if self.ready():
                self.log(f"{self.name}: ready after {time.time() - self.started:.1f} s")
                return time.time() - self.started
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready within {timeout} s")

    def signal(self, sig):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, sig)

    def wait_exit(self, timeout=60):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.log(f"{self.name}: did not exit within {timeout} s after SIGTERM; SIGKILL")
            self.signal(signal.SIGKILL)
            return self.proc.wait()

    def versions(self):
        status, body = http_status(self.port, f"/v1/models/{MODEL}")
        if status != 200:
            return []
        return sorted(v["version"] for v in json.loads(body)["model_version_status"] if v["state"] == "AVAILABLE")


class HAProxy:
    def __init__(self, work, replicas, log):
        self.work, self.log = work, log
        self.port = free_port()
        self.sock = work / "haproxy.sock"
        servers = "\n".join(f"  server {r.name} 127.0.0.1:{r.port}{' disabled' if r.name == 'r4' else ''}"
                            for r in replicas)
        cfg = (HERE / "haproxy.cfg.in").read_text().format(
            port=self.port, sock=self.sock, model=MODEL, servers=servers)
        self.cfg = work / "haproxy.cfg"
        self.cfg.write_text(cfg)
        subprocess.run(["haproxy", "-c", "-q", "-f", str(self.cfg)], check=True)
        self.proc = subprocess.Popen(["haproxy", "-db", "-f", str(self.cfg)],
                                     stdout=open(work / "haproxy.log", "a"), stderr=subprocess.STDOUT,
                                     start_new_session=True)
        for _ in range(100):
            if self.sock.exists():
                break
            time.sleep(0.1)
        log(f"haproxy: pid {self.proc.pid} on port {self.port}")

    def _log_lines(self):
        path = self.work / "haproxy.log"
        return path.read_text(errors="replace").splitlines() if path.exists() else []

    def abnormal_sessions_count(self):
        return len(self._log_lines())

    def abnormal_sessions(self, since):
        """The sessions HAProxy logged as abnormal since line `since` (haproxy.cfg.in: dontlog-normal): counts by
        termination state and status, and the first 20 lines as logged."""
        lines = [l for l in self._log_lines()[since:] if re.match(r"^\d+\.\d+ \S{4} ", l)]
        by_state: dict = {}
        for l in lines:
            f = l.split()
            key = f"{f[1][:2]} {f[2]}"
            by_state[key] = by_state.get(key, 0) + 1
        return {"count": len(lines), "by_termination_state_and_status": by_state, "first": lines[:20]}

    def command(self, cmd):
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(2)
            s.connect(str(self.sock))
            s.sendall(cmd.encode() + b"\n")
            chunks = []
            while True:
                b = s.recv(65536)
                if not b:
                    break
                chunks.append(b)
        return b"".join(chunks).decode()

    def servers(self):
        """svname → (status, current sessions, retries, redispatches) of the inference backend."""
        text = self.command("show stat").lstrip("# ")
        out = {}
        for row in csv.DictReader(io.StringIO(text)):
            if row["pxname"] == "be_infer" and row["svname"] not in ("BACKEND", "FRONTEND"):
                out[row["svname"]] = row
        return out

    def backend(self):
        text = self.command("show stat").lstrip("# ")
        for row in csv.DictReader(io.StringIO(text)):
            if row["pxname"] == "be_infer" and row["svname"] == "BACKEND":
                return row
        return {}

    def wait_state(self, name, prefix, timeout=120):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.servers()[name]["status"].startswith(prefix):
                return True
            time.sleep(0.05)
        return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


class Load:
    def __init__(self, args, haproxy_port, work, name, body, log, port=None, connections=None):
        self.out = work / f"load-{name}.npy"
        self.start_at = time.time() + 1.0
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "loadgen.py"), "--port", str(port or haproxy_port),
             "--path", f"/v1/models/{MODEL}:predict", "--body", str(body),
             "--connections", str(connections or args.connections), "--duration", str(args.max_duration),
             "--start-at", str(self.start_at), "--out", str(self.out)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(max(0.0, self.start_at - time.time()))
        self.log = log

    def t(self):
        return time.time() - self.start_at

    def stop_at(self, t):
        time.sleep(max(0.0, t - self.t()))
        self.proc.send_signal(signal.SIGUSR1)
        out, _ = self.proc.communicate(timeout=120)
        self.log(f"load: {out.strip()}")
        return np.load(self.out)


def summarize(records, events, window_after=2.0):
    ok = records["status"] == 200
    lat = records["latency"] * 1000
    failures = {}
    for s in np.unique(records["status"][~ok]):
        name = {-1: "connection", -2: "timeout", -3: "malformed"}.get(int(s), f"http_{int(s)}")
        failures[name] = int((records["status"] == s).sum())
    dur = float(records["t"].max()) if len(records) else 0.0
    out = {
        "requests": int(len(records)), "failed": int((~ok).sum()), "failures_by_kind": failures,
        "seconds": round(dur, 1), "throughput_rps": round(len(records) / dur, 1) if dur else 0,
        "p50_ms": round(float(np.percentile(lat, 50)), 2) if len(lat) else None,
        "p99_ms": round(float(np.percentile(lat, 99)), 2) if len(lat) else None,
        "events": events,
    }
    if events:
        start = min(e["t"] for e in events)
        end = max(e.get("t_end", e["t"]) for e in events) + window_after
        sel = (records["t"] >= start) & (records["t"] <= end)
        out["event_window_s"] = [round(start, 2), round(end, 2)]
        out["event_requests"] = int(sel.sum())
        out["event_failed"] = int((sel & ~ok).sum())
        out["event_p99_ms"] = round(float(np.percentile(lat[sel], 99)), 2) if sel.any() else None
    per_second = []
    for sec in range(int(dur) + 1):
        sel = (records["t"] >= sec) & (records["t"] < sec + 1)
        if sel.any():
            per_second.append([sec, int(sel.sum()), int((sel & ~ok).sum()),
                               round(float(np.percentile(lat[sel], 99)), 1)])
    out["per_second"] = {"columns": ["second", "requests", "failed", "p99_ms"], "rows": per_second}
    return out


def interrupted(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main():
    # SIGTERM (and SIGINT, which a background job ignores) end the run through the finally below: replicas and
    # HAProxy are stopped, never left behind.
    signal.signal(signal.SIGTERM, interrupted)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--duration", type=float, default=60, help="seconds of load per drill (default 60)")
    ap.add_argument("--throughput-seconds", type=float, default=20)
    ap.add_argument("--warmup-seconds", type=float, default=20)
    ap.add_argument("--throughput-rounds", type=int, default=1, help="repeat the 1/2/3/direct sequence")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--heap", default="256m")
    ap.add_argument("--drills", default="throughput,rollout,restart,kill,broken")
    ap.add_argument("--results", default=str(HERE / "results"))
    args = ap.parse_args()
    args.max_duration = 900  # loads end by SIGUSR1; this only bounds a run whose driver died
    drills = args.drills.split(",")

    work = pathlib.Path(tempfile.mkdtemp(prefix="aebridge-drills-"))
    results_dir = pathlib.Path(args.results)
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.timezone.utc)
    check = "throughput" if drills == ["throughput"] else "drills"
    log_path = results_dir / f"{check}-{stamp:%Y-%m-%d}.log"
    log_path.write_text("")
    log = Log(log_path)
    started, load_start, t_start = stamp.strftime("%Y-%m-%dT%H:%M:%SZ"), open("/proc/loadavg").read().strip(), time.time()
    log(f"work folder {work}; load average {load_start}; {os.cpu_count()} cores")

    models = work / "models"
    shutil.copytree(ROOT / "saved-models" / V1_SOURCE / "1", models / MODEL / "1")
    broken = work / "models-broken"
    shutil.copytree(ROOT / "saved-models" / V1_SOURCE / "1", broken / MODEL / "1")
    (broken / MODEL / "1" / "saved_model.pb").write_bytes(b"this is not a SavedModel protobuf\n" * 10)
    body = work / "body.json"
    body.write_text(json.dumps({"instances": [[0.5] * 784]}))

    replicas = [Replica(f"r{i}", models, work, args.heap, log) for i in (1, 2, 3)]
    extra = Replica("r4", broken, work, args.heap, log)
    results = {}
    passed = True
    haproxy = None

    def run(name, events_fn, min_duration=args.duration, **load_kw):
        nonlocal passed
        log(f"--- drill {name}")
        load = Load(args, haproxy.port, work, name, body, log, **load_kw)
        before = haproxy.backend()
        log_lines_before = haproxy.abnormal_sessions_count()
        events = events_fn(load) or []
        end = max([min_duration] + [e.get("t_end", e["t"]) + 5 for e in events])
        records = load.stop_at(end)
        after = haproxy.backend()
        s = summarize(records, events)
        s["balancer_retries"] = int(after.get("wretr", 0) or 0) - int(before.get("wretr", 0) or 0)
        s["balancer_redispatches"] = int(after.get("wredis", 0) or 0) - int(before.get("wredis", 0) or 0)
        s["balancer_abnormal_sessions"] = haproxy.abnormal_sessions(log_lines_before)
        results[name] = s
        log(f"{name}: {s['requests']} requests, {s['failed']} failed {s['failures_by_kind']}, "
            f"p99 {s['p99_ms']} ms (during the event {s.get('event_p99_ms')} ms), "
            f"{s['throughput_rps']} req/s, balancer retries {s['balancer_retries']}, "
            f"redispatches {s['balancer_redispatches']}")
        return s

    try:
        for r in replicas:
            r.start()
        for r in replicas:
            r.wait_ready()
        haproxy = HAProxy(work, replicas + [extra], log)
        for r in replicas:
            if not haproxy.wait_state(r.name, "UP", 30):
                raise RuntimeError(f"haproxy never marked {r.name} UP")
        log("haproxy: r1, r2, r3 UP")
        # JIT warm-up of every replica and of the balancer path; not recorded.
        run("warmup", lambda load: [], min_duration=args.warmup_seconds)
        results.pop("warmup")
        if "throughput" in drills:
            for rnd in range(1, args.throughput_rounds + 1):
                sfx = f"_r{rnd}" if args.throughput_rounds > 1 else ""
                for n in (1, 2, 3):
                    for r in replicas:
                        haproxy.command(f"set server be_infer/{r.name} state "
                                        f"{'ready' if int(r.name[1]) <= n else 'maint'}")
                    for r in replicas[:n]:
                        haproxy.wait_state(r.name, "UP", 30)
                    run(f"throughput_{n}{sfx}", lambda load: [], min_duration=args.throughput_seconds)
                run(f"throughput_direct{sfx}", lambda load: [], min_duration=args.throughput_seconds,
                    port=replicas[0].port)
            for r in replicas:
                haproxy.command(f"set server be_infer/{r.name} state ready")
            for r in replicas:
                haproxy.wait_state(r.name, "UP", 30)

        if "rollout" in drills:
            def rollout(load):
                time.sleep(max(0.0, args.duration / 3 - load.t()))
                t = load.t()
                tmp = models / MODEL / ".tmp-2"
                shutil.copytree(ROOT / "saved-models" / V2_SOURCE / "1", tmp)
                os.rename(tmp, models / MODEL / "2")
                log(f"rollout: version 2 in place at t={t:.1f} s")
                while not all(r.versions() == ["2"] for r in replicas):
                    time.sleep(0.1)
                    if load.t() > t + 120:
                        raise RuntimeError("version 2 not served by every replica within 120 s")
                t_end = load.t()
                log(f"rollout: every replica serves only version 2 at t={t_end:.1f} s")
                return [{"what": "version 2 copied in (atomic rename)", "t": round(t, 2),
                         "t_end": round(t_end, 2), "done": "every replica serves version 2 only"}]
            run("rollout", rollout)

        if "restart" in drills:
            def restart(load):
                time.sleep(max(0.0, 5 - load.t()))
                events = []
                for r in replicas:
                    t = load.t()
                    r.signal(signal.SIGTERM)
                    code = r.wait_exit()
                    t_exit = load.t()
                    r.start()
                    r.wait_ready()
                    haproxy.wait_state(r.name, "UP", 60)
                    t_up = load.t()
                    log(f"restart: {r.name} SIGTERM at t={t:.1f}, exit {code} at {t_exit:.1f}, UP again {t_up:.1f}")
                    events.append({"what": f"{r.name}: SIGTERM, drain, restart", "t": round(t, 2),
                                   "t_exit": round(t_exit, 2), "exit_code": code, "t_end": round(t_up, 2)})
                return events
            run("restart", restart)

        if "kill" in drills:
            def kill(load):
                victim = replicas[1]
                time.sleep(max(0.0, args.duration / 3 - load.t()))
                in_flight = int(haproxy.servers()[victim.name]["scur"] or 0)
                victim.signal(signal.SIGKILL)
                t = load.t()
                haproxy.wait_state(victim.name, "DOWN", 30)
                t_down = load.t()
                log(f"kill: {victim.name} kill -9 at t={t:.2f} s with {in_flight} request(s) in flight on it; "
                    f"marked DOWN by haproxy {t_down - t:.2f} s later")
                victim.proc.wait()
                time.sleep(max(0.0, 2 * args.duration / 3 - load.t()))
                t_restart = load.t()
                victim.start()
                victim.wait_ready()
                haproxy.wait_state(victim.name, "UP", 60)
                t_up = load.t()
                return [{"what": f"{victim.name}: kill -9", "t": round(t, 2), "t_end": round(t_down, 2),
                         "in_flight_at_kill": in_flight, "kill_to_down_s": round(t_down - t, 2)},
                        {"what": f"{victim.name}: started again", "t": round(t_restart, 2), "t_end": round(t_up, 2)}]
            run("kill", kill)

        if "broken" in drills:
            def broken_replica(load):
                time.sleep(max(0.0, 5 - load.t()))
                t = load.t()
                extra.start()
                haproxy.command(f"set server be_infer/{extra.name} state ready")
                # Wait until it has answered (its folder scanned, the model refused) and then some checks.
                while http_status(extra.port, "/v2/health/live")[0] != 200 and load.t() < t + 180:
                    time.sleep(0.2)
                t_live = load.t()
                time.sleep(5)
                state = haproxy.servers()[extra.name]["status"]
                ready = http_status(extra.port, "/v2/health/ready")[0]
                model = http_status(extra.port, f"/v2/models/{MODEL}/ready")[0]
                t_end = load.t()
                log(f"broken: r4 live at t={t_live:.1f}; /v2/health/ready {ready}, /v2/models/{MODEL}/ready {model}; "
                    f"haproxy state {state}")
                return [{"what": "r4 started on a broken models folder and put in rotation", "t": round(t, 2),
                         "t_live": round(t_live, 2), "t_end": round(t_end, 2), "haproxy_state": state,
                         "health_ready_status": ready, "model_ready_status": model}]
            run("broken", broken_replica)
            haproxy.command(f"set server be_infer/{extra.name} state maint")
            extra.signal(signal.SIGTERM)
            extra.wait_exit()
    finally:
        for r in replicas + [extra]:
            r.signal(signal.SIGTERM)
        for r in replicas + [extra]:
            if r.proc:
                r.wait_exit(30)
        if haproxy:
            haproxy.stop()

    goals = {}
    tp = [s["failed"] for n, s in results.items() if n.startswith("throughput_")]
    if tp:
        goals["throughput"] = sum(tp) == 0
    for name in ("rollout", "restart", "broken"):
        if name in results:
            goals[name] = results[name]["failed"] == 0
    if "kill" in results:
        ev = results["kill"]["events"][0]
        goals["kill"] = results["kill"]["failed"] <= ev["in_flight_at_kill"]
    if "broken" in results:
        goals["broken"] = goals["broken"] and not results["broken"]["events"][0]["haproxy_state"].startswith("UP")
    passed = all(goals.values()) and bool(goals or "throughput" in drills)
    figures = {}
    for name, s in results.items():
        figures[f"{name}_failed"] = s["failed"]
        figures[f"{name}_p99_ms"] = s["p99_ms"]
        figures[f"{name}_rps"] = s["throughput_rps"]
    if "kill" in results:
        figures["kill_to_down_s"] = results["kill"]["events"][0]["kill_to_down_s"]
        figures["kill_in_flight"] = results["kill"]["events"][0]["in_flight_at_kill"]
    doc = {
        "check": check, "command": "deploy/drills/run.sh " + " ".join(sys.argv[1:]), "started": started,
        "seconds": round(time.time() - t_start, 1),
        "machine": {"nproc": os.cpu_count(), "loadavg_start": load_start,
                    "loadavg_end": open("/proc/loadavg").read().strip()},
        "passed": passed, "goals_met": goals, "figures": figures,
        "summary": "; ".join(f"{n}: {s['failed']} failed of {s['requests']}" for n, s in results.items()),
        "setup": {"replicas": 3, "connections": args.connections, "heap": args.heap, "model": MODEL,
                  "request": "POST /v1/models/dense:predict, 1 sample of 784 floats",
                  "haproxy": subprocess.run(["haproxy", "-v"], capture_output=True, text=True).stdout.split("\n")[0],
                  "drill_seconds": args.duration},
        "drills": results,
    }
    out = results_dir / f"{check}-{stamp:%Y-%m-%d}.json"
    out.write_text(json.dumps(doc, indent=1) + "\n")
    log(f"wrote {out}; passed={passed} {goals}")
    shutil.rmtree(work, ignore_errors=True)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
