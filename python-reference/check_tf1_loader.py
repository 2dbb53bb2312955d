#!/usr/bin/env python3
"""Runs every golden-backed SavedModel through `saved_model_cli run`, a TF1-session loader like TF Java and TF
Serving, and compares what it computes with the goldens (max abs diff <= 1e-5).

For each tests/fixtures/python/<name>/manifest.json (or the folders given) and each signature in it:

    saved_model_cli run --dir <model_dir> --tag_set serve --signature_def <sig> \
        --inputs '<input>=<golden input file>' --outdir <tmp> --overwrite

then <tmp>/<output>.npy is compared with <sig>__<output>.npy. A model whose variables the TF1 restore op does not
initialise fails here with "Could not find variable ... does not exist" (keras-team/keras #19274, #20095).
Prints one line per signature and a closing 'N passed, N failed' line; exit code 1 when any failed.

Example:
    .venv/bin/python python-reference/check_tf1_loader.py                      # all committed goldens
    .venv/bin/python python-reference/check_tf1_loader.py tests/fixtures/python/py-demo-keras-export
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent


def cli_path() -> str:
    cli = Path(sys.executable).parent / "saved_model_cli"
    found = str(cli) if cli.exists() else shutil.which("saved_model_cli")
    if not found:
        sys.exit("saved_model_cli not found: run with the project venv (scripts/python-env.sh)")
    return found


def run_one(cli: str, golden: Path, manifest: dict, sig: str, atol: float):
    entry = manifest["signatures"][sig]
    (in_name, in_info), = entry["inputs"].items()
    model_dir = REPO / manifest["model_dir"]
    with tempfile.TemporaryDirectory(prefix="tf1check-") as out:
        cmd = [cli, "run", "--dir", str(model_dir), "--tag_set", "serve", "--signature_def", sig,
               "--inputs", f"{in_name}={golden / in_info['file']}", "--outdir", out, "--overwrite"]
        res = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
        if res.returncode != 0:
            lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
            why = next((ln for ln in lines if "Could not find" in ln), lines[-1] if lines else "no output")
            return False, f"saved_model_cli exit {res.returncode}: {why.strip()}"
        worst = 0.0
        for out_name, info in entry["outputs"].items():
            got_file = Path(out) / f"{out_name}.npy"
            if not got_file.exists():
                return False, f"saved_model_cli wrote no {out_name}.npy"
            got, want = np.load(got_file), np.load(golden / info["file"])
            if got.shape != want.shape:
                return False, f"{out_name}: shape {got.shape} != golden {want.shape}"
            worst = max(worst, float(np.max(np.abs(got.astype(np.float64) - want.astype(np.float64)))))
        if worst > atol:
            return False, f"max|diff| {worst:.3g} > {atol:g}"
        return True, f"{len(entry['outputs'])} output(s), max|diff| {worst:.3g}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("goldens", nargs="*", type=Path,
                    help="golden folders (default: every tests/fixtures/python/*/ with a manifest.json)")
    ap.add_argument("--atol", type=float, default=1e-5)
    ap.add_argument("--jobs", type=int, default=2, help="saved_model_cli processes at once (default 2)")
    ap.add_argument("--signatures", default="", metavar="LIST",
                    help="check only these signatures (comma-separated), e.g. serving_default; default: all")
    args = ap.parse_args(argv)
    folders = args.goldens or sorted(p.parent for p in (REPO / "tests/fixtures/python").glob("*/manifest.json"))
    if not folders:
        print("no goldens found under tests/fixtures/python; run python-reference/regenerate.sh")
        return 1
    cli = cli_path()
    only = {s for s in args.signatures.split(",") if s}
    jobs = []
    for g in folders:
        manifest = json.loads((g / "manifest.json").read_text())
        for sig in sorted(manifest["signatures"]):
            if only and sig not in only:
                continue
            jobs.append((g, manifest, sig))
    passed = failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(run_one, cli, g, m, s, args.atol) for g, m, s in jobs]
        for (g, m, sig), fut in zip(jobs, futures):
            ok, msg = fut.result()
            passed += ok
            failed += not ok
            print(f"{'PASS' if ok else 'FAIL'} {m['model_dir']} {sig}: {msg}", flush=True)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
