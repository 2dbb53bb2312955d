"""Writes one reliability raw result in the shared format (see tests/reliability/README or COMMON contract):
{"check", "command", "started", "seconds", "machine": {"nproc", "loadavg_start", "loadavg_end"}, "passed",
"figures": {name: number|string}, "summary"}.

Usage: result.py OUT_JSON --check NAME --command CMD --started ISO --seconds S --loadavg-start L --passed 0|1
       --summary TEXT [--figures-json FILE] [--figure NAME=VALUE ...]
loadavg_end is read now. Numbers in --figure values are stored as numbers, anything else as a string.
"""
import argparse
import json
import os
from pathlib import Path


def value(text: str):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--check", required=True)
ap.add_argument("--command", required=True)
ap.add_argument("--started", required=True)
ap.add_argument("--seconds", type=float, required=True)
ap.add_argument("--loadavg-start", required=True)
ap.add_argument("--passed", choices=["0", "1"], required=True)
ap.add_argument("--summary", required=True)
ap.add_argument("--figures-json")
ap.add_argument("--figure", action="append", default=[])
a = ap.parse_args()
figures = {}
if a.figures_json and Path(a.figures_json).is_file():
    figures.update(json.loads(Path(a.figures_json).read_text()))
for item in a.figure:
    name, _, text = item.partition("=")
    figures[name] = value(text)
result = {
    "check": a.check,
    "command": a.command,
    "started": a.started,
    "seconds": round(a.seconds, 1),
    "machine": {"nproc": os.cpu_count(), "loadavg_start": a.loadavg_start.strip(),
                "loadavg_end": Path("/proc/loadavg").read_text().strip()},
    "passed": a.passed == "1",
    "figures": figures,
    "summary": a.summary,
}
Path(a.out).parent.mkdir(parents=True, exist_ok=True)
Path(a.out).write_text(json.dumps(result, indent=2) + "\n")
print(f"{a.out}: passed={result['passed']} {a.summary}")
