#!/usr/bin/env python3
"""Writes the README's cold-start figures (between <!-- coldstart:begin --> and <!-- coldstart:end -->) from the
newest committed raw result bench/results/coldstart-*.json (bench/bench.py's coldstart part). No figure is typed
by hand: rerun the part, commit its result, run this.

    bench/coldstart-doc.py [RESULT.json]      # default: the newest bench/results/coldstart-*.json
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

import readme_block

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
BEGIN, END = "<!-- coldstart:begin -->", "<!-- coldstart:end -->"


def f(v, digits=2, unit=""):
    return "—" if v is None else f"{v:,.{digits}f}{unit}"


def render(path: Path) -> str:
    r = json.loads(path.read_text())
    c = r["coldstart"]
    rel = path.relative_to(REPO)
    s = c["summary"]
    image = "image" in s
    rows = ["| | no CDS archive | with the CDS archive | with / without |" + (" the image (podman run; its archive) |"
                                                                            if image else ""),
            "|---|---|---|---|" + ("---|" if image else "")]

    def med(label, key):
        vals = [run["phases"].get(key) for run in c["runs"][label] if run["phases"].get(key) is not None]
        return statistics.median(vals) if vals else None

    def first_served(label):
        vals = [run["phases"]["models"][0]["served_s"] for run in c["runs"][label] if run["phases"]["models"]]
        return statistics.median(vals) if vals else None

    lines = [
        ("process start → `/v2/health/ready` 200, three models (median s)", s["no CDS"]["median_ready_s"],
         s["CDS"]["median_ready_s"], s["image"]["median_ready_s"] if image else None),
        ("CPU seconds used until ready (median; barely moved by other load)", s["no CDS"]["median_cpu_s"],
         s["CDS"]["median_cpu_s"], None),
        ("the JVM's own start → ready (median s; in the image: without the container runtime's start)",
         s["no CDS"].get("median_jvm_start_to_ready_s"), s["CDS"].get("median_jvm_start_to_ready_s"),
         s["image"].get("median_jvm_start_to_ready_s") if image else None),
        ("start → Jetty listening (JVM, class loading, HTTP side; median s)", med("no CDS", "listening_s"),
         med("CDS", "listening_s"), med("image", "listening_s") if image else None),
        ("start → first model served (+ TensorFlow's native start, first session, warm-up)",
         first_served("no CDS"), first_served("CDS"), first_served("image") if image else None),
    ]
    for name, a, b, c_img in lines:
        rows.append(f"| {name} | {f(a)} | {f(b)} | {f(b / a if a and b else None, 2, '×')} |"
                    + (f" {f(c_img)} |" if image else ""))
    p = c["probe"]
    first = {l["model"]: l["load_ms"] for l in p["loads"] if l["round"] == 1}
    again = {l["model"]: l["load_ms"] for l in p["loads"] if l["round"] == 2}
    m0 = c["models"][0]
    lb, le = c["load_before"], c.get("load_after", r.get("load_end"))
    runs = len(c["runs"]["CDS"])
    cores = r["machine"].get("cores") or 1
    # Above one runnable process per core besides the benchmark's own server and poller, the wall times mostly
    # measure waiting for a core.
    busy = max(lb[0], le[0]) > cores + 1
    out = [
        f"`{r['command']}` on {r['started'][:10]} (raw: [{rel}]({rel}), `.txt` beside it): {runs} cold starts of each "
        f"variant, taken in turns, models {', '.join(c['models'])}. " + (
            f"**Measured on a heavily shared machine**: {cores} cores, load average {lb[0]:.1f} at the start of the "
            f"part and {le[0]:.1f} at its end, so wall times are many times a quiet machine's; the CPU seconds and "
            f"the ratios are the figures to read." if busy else
            f"Measured on a quiet machine: {cores} cores, load average {lb[0]:.1f} at the start of the part and "
            f"{le[0]:.1f} at its end (the benchmark's own processes included)."),
        "",
        *rows,
        "",
        f"Where the time goes (the same run; server log timestamps, and `io.aebridge.bench.StartupProbe` in a fresh "
        f"JVM for the native parts): launch → `main` {f(p['launch_to_jvm_start_ms'] + p['main_uptime_ms'], 0)} ms, "
        f"TensorFlow's native library {f(p['tensorflow_native_load_ms'], 0)} ms, the first SavedModel ({m0}) "
        f"{f(first[m0], 0)} ms against {f(again[m0], 0)} ms when loaded again in the same JVM (the difference is "
        f"TensorFlow's first-session start-up), the other models "
        + ", ".join(f"{m} {f(first[m], 0)} ms" for m in c["models"][1:]) + ". "
        f"The archive is {f(c['cds_archive_mib'], 0)} MiB"
        + (f", built in {f(c['cds_archive_build_s'], 1)} s" if "cds_archive_build_s" in c else "") + ".",
    ]
    return "\n".join(out)


def main() -> int:
    if len(sys.argv) > 1:
        path = Path(sys.argv[1]).resolve()
    else:
        found = sorted((REPO / "bench" / "results").glob("coldstart-*.json"))
        if not found:
            print("coldstart-doc: no bench/results/coldstart-*.json", file=sys.stderr)
            return 1
        path = found[-1]
    try:
        readme_block.replace(README, BEGIN, END, render(path))
    except ValueError as e:
        print(f"coldstart-doc: {e}", file=sys.stderr)
        return 1
    print(f"coldstart-doc: README.md cold-start figures from {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
