#!/usr/bin/env python3
"""Renders docs/keras-parity.md from the JSON that KerasReferenceParityTest writes (target/keras-parity.json).

Usage: tests/keras/write_parity_doc.py [JSON] [MD]   (defaults: target/keras-parity.json docs/keras-parity.md)
Exits non-zero when the JSON is missing, empty, or any figure is over the tolerance it records.
"""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main():
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "target/keras-parity.json"
    dst = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "docs/keras-parity.md"
    report = json.loads(src.read_text())
    rows = report["rows"]
    tol = report["tolerance"]
    if not rows:
        print(f"no rows in {src}", file=sys.stderr)
        return 1
    rows.sort(key=lambda r: (r["set"], r["model"], r["format"]))
    worst = 0.0
    lines = [
        "# Keras import parity",
        "",
        "Written by `tests/keras/write_parity_doc.py` from the JSON that `KerasReferenceParityTest` writes "
        "(`target/keras-parity.json`) during the test command; do not edit by hand.",
        "",
        f"Each reference model of `python-reference/train_reference.py`, saved by Keras 3 (`.keras`) and by tf_keras "
        f"(`.h5`), read by `io.aebridge.keras.KerasModel` and run on the goldens' inputs; the largest |Java − Keras "
        f"predict| over every output value, per signature. \"SavedModel\" is the same after `writeSavedModel` and "
        f"`LoadedModel.load`. Tolerance {tol:g}. Test run: {report['written']}.",
        "",
        "| set | model | format | Keras | layers | weights | serving_default | encode | decode | SavedModel (max) | read ms |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        d = r["maxDiff"]
        s = r["maxDiffSavedModel"]
        sm = max(s.values())
        worst = max(worst, sm, *d.values())
        lines.append(f"| {r['set']} | {r['model']} | .{r['format']} | {r['kerasVersion']} | {r['layers']} | "
                     f"{r['weights']:,} | {d.get('serving_default', float('nan')):.2e} | "
                     f"{d.get('encode', float('nan')):.2e} | {d.get('decode', float('nan')):.2e} | {sm:.2e} | "
                     f"{r['readMillis']} |")
    lines += ["", f"Largest difference in this run: {worst:.2e} (tolerance {tol:g}). Read times include the "
              "graph build and weight assignment, measured inside the test JVM on a shared machine "
              f"({report.get('nproc', '?')} cores, load average at the end {report.get('loadavg', 'unknown')}): "
              "indicative only.", ""]
    dst.write_text("\n".join(lines))
    print(f"wrote {dst} ({len(rows)} rows, worst {worst:.2e})")
    return 0 if worst <= tol else 1


if __name__ == "__main__":
    sys.exit(main())
