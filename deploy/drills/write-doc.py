#!/usr/bin/env python3
"""Writes the generated parts of docs/scaling.md from committed raw results: the newest
deploy/drills/results/drills-*.json (drills and throughput tables) and deploy/image/results/image-*.json (image
figures). Only the text between the `<!-- NAME:begin -->` and `<!-- NAME:end -->` markers is replaced.
`--check` exits 1 if the document is not what the results give (nothing written)."""
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "scaling.md"
TICK = {True: "✔", False: "✘"}


def newest(pattern):
    files = sorted(ROOT.glob(pattern))
    return (files[-1], json.loads(files[-1].read_text())) if files else (None, None)


def fmt(x, unit=""):
    if x is None:
        return "–"
    if isinstance(x, float):
        x = f"{x:,.1f}" if abs(x) >= 10 else f"{x:,.2f}"
    elif isinstance(x, int):
        x = f"{x:,}"
    return f"{x}{unit}"


def machine(doc):
    m = doc["machine"]
    start, end = float(m['loadavg_start'].split()[0]), float(m['loadavg_end'].split()[0])
    # Above one runnable process per core besides the run's own, the machine was shared with other jobs.
    shared = max(start, end) > int(m['nproc']) + 1
    return (f"{m['nproc']} cores{' shared with other jobs' if shared else ', otherwise quiet'}, load average "
            f"{m['loadavg_start'].split()[0]} at the start and {m['loadavg_end'].split()[0]} at the end")


def drills_section(path, doc):
    d = doc["drills"]
    rel = path.relative_to(ROOT)
    marks = ", ".join(f"{k} {TICK[v]}" for k, v in doc["goals_met"].items())
    lines = [f"Raw: [{rel}](../{rel}) (+ `.log`), run {doc['started']} by `{doc['command'].strip()}`, "
             f"{doc['seconds']:.0f} s; {machine(doc)}. Setup: {doc['setup']['replicas']} replicas (processes, "
             f"{doc['setup']['heap']} heap each), {doc['setup']['haproxy']}, {doc['setup']['connections']} "
             f"connections sending {doc['setup']['request']}. Goals met: "
             f"{'all' if doc['passed'] else 'NOT all'} ({marks}).",
             ""
             "",
             "| drill | what happened | requests | failed at the client | balancer retries / redispatches "
             "| p99 whole run | p99 during the event | goal |",
             "|---|---|---|---|---|---|---|---|"]
    goals = {"rollout": "0 failed", "restart": "0 failed", "broken": "0 failed, never UP",
             "kill": "≤ in flight on the killed replica"}
    for name in ("rollout", "restart", "kill", "broken"):
        if name not in d:
            continue
        s = d[name]
        ev = s["events"]
        if name == "rollout":
            what = (f"version 2 copied in at {ev[0]['t']:.0f} s; every replica served only version 2 "
                    f"{ev[0]['t_end'] - ev[0]['t']:.1f} s later")
        elif name == "restart":
            what = "; ".join(f"{e['what'].split(':')[0]} SIGTERM → exit {e['t_exit'] - e['t']:.1f} s → back in "
                             f"rotation {e['t_end'] - e['t']:.0f} s" for e in ev)
        elif name == "kill":
            what = (f"kill -9 of {ev[0]['what'].split(':')[0]} with {ev[0]['in_flight_at_kill']} request(s) in "
                    f"flight on it; marked DOWN {ev[0]['kill_to_down_s']:.2f} s later; started again at "
                    f"{ev[1]['t']:.0f} s, UP at {ev[1]['t_end']:.0f} s")
        else:
            what = (f"r4 on a broken folder: /v2/health/ready {ev[0]['health_ready_status']}, "
                    f"/v2/models/dense/ready {ev[0]['model_ready_status']}; balancer state "
                    f"{ev[0]['haproxy_state']}")
        kinds = ", ".join(f"{k} {v}" for k, v in s["failures_by_kind"].items())
        lines.append(f"| {name} | {what} | {fmt(s['requests'])} | **{fmt(s['failed'])}**"
                     f"{f' ({kinds})' if kinds else ''} | {s['balancer_retries']} / {s['balancer_redispatches']} "
                     f"| {fmt(s['p99_ms'], ' ms')} | {fmt(s.get('event_p99_ms'), ' ms')} | {goals[name]} "
                     f"{TICK[bool(doc['goals_met'].get(name))]} |")
    seen = [(n, d[n]["balancer_abnormal_sessions"]) for n in ("rollout", "restart", "kill", "broken")
            if n in d and "balancer_abnormal_sessions" in d[n]]
    if seen:
        lines.append("")
        lines.append("Sessions HAProxy ended abnormally (its log, `%tsc` termination state and status; SD: the "
                     "replica's connection broke while its response was being forwarded, SH: before its headers, "
                     "SC: no replica could be connected to): "
                     + "; ".join(f"{n}: " + (", ".join(f"{k} × {v}" for k, v in a["by_termination_state_and_status"]
                                                       .items()) or "none") for n, a in seen) + ".")
    return "\n".join(lines)


def throughput_section(path, doc):
    d = doc["drills"]
    rounds = sorted({k.split("_r")[1] for k in d if k.startswith("throughput_") and "_r" in k}, key=int)
    suffixes = [f"_r{r}" for r in rounds] or [""]
    if f"throughput_1{suffixes[0]}" not in d:
        return "(no throughput run in the newest results)"
    rel = path.relative_to(ROOT)
    rows = [("1", "1"), ("2", "2"), ("3", "3"), ("direct", "1, no balancer (client → replica)")]
    head = " | ".join(f"round {i + 1} req/s (p99)" for i in range(len(suffixes)))
    lines = [f"Raw: [{rel}](../{rel}), run {doc['started']}; {machine(doc)}.", "",
             f"| replicas | {head} | mean req/s | × one replica behind HAProxy |",
             "|---|" + "---|" * (len(suffixes) + 2)]
    mean = {}
    for key, _ in rows:
        vals = [d[f"throughput_{key}{sfx}"]["throughput_rps"] for sfx in suffixes if f"throughput_{key}{sfx}" in d]
        mean[key] = sum(vals) / len(vals) if vals else None
    for key, label in rows:
        cells = []
        for sfx in suffixes:
            s = d.get(f"throughput_{key}{sfx}")
            cells.append(f"{fmt(s['throughput_rps'])} ({fmt(s['p99_ms'], ' ms')})" if s else "–")
        if mean[key] is None:
            continue
        lines.append(f"| {label} | {' | '.join(cells)} | {fmt(mean[key])} | {mean[key] / mean['1']:.2f}× |")
    failed = sum(s["failed"] for k, s in d.items() if k.startswith("throughput_"))
    first = d[f"throughput_1{suffixes[0]}"]
    lines.append("")
    lines.append(f"Each cell: {doc['setup']['connections']} connections for {first['seconds']:.0f} s; the rows of a "
                 f"round run one after the other, rounds repeat the sequence so drift in the machine's load shows "
                 f"up as a difference between rounds. {failed} failed requests in all. The load client, HAProxy and "
                 "every replica share the same 2 cores, so more replicas cannot add CPU: these rows show what the "
                 "balancer and extra JVMs cost, not how the design scales.")
    return "\n".join(lines)


def image_section(path, doc):
    if doc is None:
        return "(no image test results yet: run deploy/image/test.sh)"
    f = doc["figures"]
    rel = path.relative_to(ROOT)
    text = (f"Raw: [{rel}](../{rel}), `{doc['command']}` at {doc['started']}; {machine(doc)}. "
            f"{'All checks passed' if doc['passed'] else 'A check FAILED'}: {doc['summary']}. "
            f"Cold start in the container (podman run → /v2/health/ready 200, three models): "
            f"{fmt(f.get('cold_start_s'), ' s')}; RSS after start {fmt(f.get('rss_mib_after_start'), ' MiB')}; "
            f"image {fmt(f.get('size_mb_uncompressed'), ' MB')} uncompressed, "
            f"{fmt(f.get('size_mb_compressed'), ' MB')} compressed (gzip layers, what a registry stores and a "
            f"node pulls).")
    runs = f.get("cold_starts")
    if runs:
        text += ("\n\n| start | podman run → Jetty listening | → first model served | → models ready | "
                 "→ /v2/health/ready 200 |\n|---|---|---|---|---|")
        for i, r in enumerate(runs, 1):
            ph = r["phases"]
            first = ph["models"][0]["served_s"] if ph.get("models") else None
            text += (f"\n| {i} | {fmt(ph.get('listening_s'), ' s')} | {fmt(first, ' s')} | "
                     f"{fmt(ph.get('models_ready_s'), ' s')} | {fmt(r['ready_s'], ' s')} |")
    p = f.get("startup_probe")
    if p and p.get("loads"):
        first = {l["model"]: l["load_ms"] for l in p["loads"] if l["round"] == 1}
        again = {l["model"]: l["load_ms"] for l in p["loads"] if l["round"] == 2}
        m0 = next(iter(first))
        text += (f"\n\nThe native parts alone (`StartupProbe` in a fresh container of the image): podman run → JVM "
                 f"start {fmt(p['launch_to_jvm_start_ms'], ' ms')}, JVM start → `main` "
                 f"{fmt(p['main_uptime_ms'], ' ms')}, TensorFlow's native library "
                 f"{fmt(p['tensorflow_native_load_ms'], ' ms')}, the first SavedModel ({m0.split('/')[-1]}) "
                 f"{fmt(first[m0], ' ms')} against {fmt(again[m0], ' ms')} loaded again (TensorFlow's first-session "
                 f"start-up is the difference).")
    du = f.get("du_kib")
    if du:
        mb = {k: v * 1024 / 1e6 for k, v in du.items()}
        text += ("\n\nWhere the size is (du inside the image, MB): "
                 + ", ".join(f"`{k}` {fmt(v)}" for k, v in mb.items()) + ".")
    nat = f.get("native_bytes")
    if nat:
        text += (" TensorFlow's natives as shipped (stripped): "
                 + ", ".join(f"`{k}` {fmt(v / 1e6)} MB" for k, v in nat.items() if k != "LICENSE") + ".")
    return text


def killcheck_section(path, doc):
    if doc is None or "kill" not in doc.get("drills", {}):
        return "(no separate kill check yet: `deploy/drills/run.sh --drills kill --results deploy/drills/results/kill-check-<time>`)"
    k = doc["drills"]["kill"]
    ev = k["events"][0]
    rel = path.relative_to(ROOT)
    a = k.get("balancer_abnormal_sessions", {})
    states = ", ".join(f"{key} × {v}" for key, v in a.get("by_termination_state_and_status", {}).items()) or "none"
    kinds = ", ".join(f"{key} {v}" for key, v in k["failures_by_kind"].items()) or "none"
    return (f"A kill drill run on its own with HAProxy's log on ([{rel}](../{rel}), `{doc['command'].strip()}` at "
            f"{doc['started']}; {machine(doc)}): {fmt(k['requests'])} requests, {k['failed']} failed at the client "
            f"({kinds}), {ev['in_flight_at_kill']} in flight on the killed replica, {k['balancer_retries']} balancer "
            f"retries; the sessions HAProxy logged (abnormal, or retried: `dontlog-normal` keeps both), by "
            f"termination state and status: {states} (`--` is a normal end: a request replayed on another replica "
            f"and answered there; `SD`/`SH` would be a replica's connection breaking during or before its "
            f"response).")


def render(text):
    dpath, ddoc = newest("deploy/drills/results/drills-*.json")
    tpath, tdoc = newest("deploy/drills/results/throughput-*.json")
    ipath, idoc = newest("deploy/image/results/image-*.json")
    parts = {"image": image_section(ipath, idoc)}
    kpath, kdoc = newest("deploy/drills/results/kill-check-*/drills-*.json")
    parts["killcheck"] = killcheck_section(kpath, kdoc)
    if ddoc:
        parts["drills"] = drills_section(dpath, ddoc)
    # The newest run that measured throughput: a throughput-only run, or the drills run.
    candidates = [(doc["started"], path, doc) for path, doc in ((dpath, ddoc), (tpath, tdoc))
                  if doc and any(k.startswith("throughput_") for k in doc["drills"])]
    if candidates:
        _, path, doc = max(candidates, key=lambda c: c[0])
        parts["throughput"] = throughput_section(path, doc)
    for name, body in parts.items():
        pattern = re.compile(rf"(<!-- {name}:begin -->\n).*?(\n<!-- {name}:end -->)", re.S)
        if not pattern.search(text):
            raise SystemExit(f"{DOC}: no <!-- {name}:begin --> … <!-- {name}:end --> markers")
        text = pattern.sub(lambda m: m.group(1) + body + m.group(2), text)
    return text


def main():
    text = DOC.read_text()
    new = render(text)
    if "--check" in sys.argv:
        if new != text:
            print(f"{DOC} is out of date: run deploy/drills/write-doc.py")
            return 1
        return 0
    DOC.write_text(new)
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
