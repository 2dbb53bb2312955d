#!/usr/bin/env python3
"""Writes the README's training figures (between <!-- train-bench:begin --> and <!-- train-bench:end -->) from a
committed raw result of bench/bench.py's train part (bench/results/full-*.json). No figure is typed by hand: rerun
the part (`bench/run.sh full --only train`), commit its result, run this.

    bench/train-doc.py [RESULT.json]      # default: the newest bench/results/full-*.json with a full train part

Exits non-zero when the result has no complete train part (a failed run), so a script that chains it fails too.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import readme_block

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
BEGIN, END = "<!-- train-bench:begin -->", "<!-- train-bench:end -->"
GOALS = {"dense": 3.0, "conv": 2.0}  # issue 14 (issue 5 asked dense >= 1.3x, conv >= 1.0x)
NAMES = {"dense": "dense 784-32-784", "deep": "deep 784-128-64-32-64-128-784", "conv": "conv 16-8-8 upsampling"}


def f(v, digits=0, unit=""):
    return "—" if v is None else f"{v:,.{digits}f}{unit}"


def complete(r: dict) -> bool:
    runs = r.get("train", {}).get("runs", {})
    return r.get("mode") == "full" and bool(runs) and all("java" in x and "keras" in x for x in runs.values()) \
        and "train" not in r.get("errors", {})


def render(path: Path) -> str:
    r = json.loads(path.read_text())
    t = r["train"]
    rel = path.relative_to(REPO)
    rows = ["| model, batch, epochs | AE Bridge samples/s | Keras `fit()` samples/s | ratio | goal (issue 14) "
            "| held-out BCE: ours / Keras (Δ) |", "|---|---|---|---|---|---|"]
    notes = []
    lb, le = t["load_before"], t["load_after"]
    m = r["machine"]
    cores = m.get("cores") or 1
    busy = max(lb[0], le[0]) > 2 * cores
    for model, run in t["runs"].items():
        j, k = run["java"], run["keras"]
        goal = GOALS.get(model)
        met = "" if goal is None else (" (not judged: busy machine)" if busy else
                                       " ✔" if run["speedup"] >= goal else " ✘")
        rows.append(
            f"| {NAMES.get(model, model)}, {j['batch']}, {j['epochs']}{' (XLA)' if j.get('xla') else ''} "
            f"| {f(j['steady_samples_per_s'])} | {f(k['steady_samples_per_s'])} | {f(run['speedup'], 2, '×')} "
            f"| {'—' if goal is None else f'≥ {goal:g}×{met}'} "
            f"| {f(j['heldout_loss'], 4)} / {f(k['heldout_loss'], 4)} ({f(100 * run['heldout_loss_diff'], 1, '%')}) |")
        if "keras_xla" in run:
            kx = run["keras_xla"]
            notes.append(f"{model}: our trainer compiled with XLA; Keras with `jit_compile=True` (its default, "
                         f"`auto`, means no XLA on CPU) ran {f(kx['steady_samples_per_s'])} samples/s, held-out "
                         f"{f(kx['heldout_loss'], 4)}: ours / Keras-XLA {f(run['speedup_vs_keras_xla'], 2, '×')}.")
    out = [
        f"`{r['command']}` on {r['started'][:10]} (raw: [{rel}]({rel}), `.csv` and `.txt` beside it; commit "
        f"{m.get('git_commit', '?')}{' with local changes' if m.get('git_dirty') else ''}). {m.get('cores')} cores, "
        f"**load average {lb[0]:.1f} at the start of the part and {le[0]:.1f} at its end** (a shared machine: "
        f"compare the ratios, both sides ran minutes apart in the same run). Threads: {t['threads']}. Steady "
        f"samples/s = mean over the epochs after the first; held-out BCE on the 2,000 held-out digits.",
        "",
        *rows,
    ]
    if notes:
        out += ["", *notes]
    if busy:
        # Recorded, not guessed: the load average of this part. Keras's fit() (Python, tf.function, tf.data threads)
        # loses far more to a busy machine than this trainer does, so busy-machine ratios overstate the speed-up.
        out += ["", f"**Read these ratios with care**: the load average exceeded twice the {cores} cores during the "
                    f"part, and a busy machine slows Keras `fit()` far more than our trainer (compare its samples/s "
                    f"with a quiet run's), so the ratios overstate the speed-up. The held-out losses do not depend "
                    f"on load. Rerun `bench/run.sh full --only train` on a quiet machine, then this script."]
    return "\n".join(out)


def main() -> int:
    if len(sys.argv) > 1:
        path = Path(sys.argv[1]).resolve()
        if not complete(json.loads(path.read_text())):
            print(f"train-doc: {path} has no complete full-mode train part", file=sys.stderr)
            return 1
    else:
        found = [p for p in sorted((REPO / "bench" / "results").glob("full-*.json"))
                 if complete(json.loads(p.read_text()))]
        if not found:
            print("train-doc: no bench/results/full-*.json with a complete train part", file=sys.stderr)
            return 1
        path = max(found, key=lambda p: json.loads(p.read_text())["started"])
    try:
        readme_block.replace(README, BEGIN, END, render(path))
    except ValueError as e:
        print(f"train-doc: {e}", file=sys.stderr)
        return 1
    print(f"train-doc: README.md training figures from {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
