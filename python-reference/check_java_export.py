#!/usr/bin/env python3
"""Checks a SavedModel (e.g. one TF Java exported) in Python against outputs written next to it as NPY files.

It loads the model with tf.saved_model.load (the TF2 Python loader), calls each signature with keyword arguments
(`loaded.signatures[sig](**{input_name: x})`) and compares every output with the expected NPY file: max abs diff
<= --atol (default 1e-5), same shape. One line per output, then one verdict line per signature; exit code 0 when
all match, 1 on any mismatch or missing file, 2 on usage errors.

Layout of an expected-outputs folder (the same as the Python goldens in tests/fixtures/python/<model>/):
    input.npy                      the batch fed to every signature that takes the model input
    decode_input.npy               the batch fed to `decode` (the code; e.g. encode's output)
    <signature>__<output>.npy      expected output <output> of signature <signature>
    manifest.json                  optional; when present its `signatures` section names the inputs, their files
                                   and the outputs (schema written by train_reference.py)
Without a manifest the signatures are those with a <signature>__<output>.npy file, each signature's single input
name is read from the SavedModel itself, and the input file is decode_input.npy for `decode`, input.npy otherwise.

Examples:
    # a Java export against the outputs Java computed for it
    check_java_export.py --model target/export/demo/1 --goldens target/export/demo-goldens
    # the same, spelled out
    check_java_export.py --model target/export/demo/1 --input in.npy --expected-dir out/ --signature serving_default
    # a Python reference model against its committed goldens
    check_java_export.py --model saved-models/py-demo-tf-module/1 --goldens tests/fixtures/python/py-demo-tf-module
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

OUTPUT_FILE = re.compile(r"^(?P<sig>.+?)__(?P<out>.+)\.npy$")


def resolve_model_dir(path: Path) -> Path:
    """Accepts a SavedModel folder or a TF Serving model folder (then its highest numbered version)."""
    if (path / "saved_model.pb").exists():
        return path
    versions = sorted((p for p in path.iterdir() if p.is_dir() and p.name.isdigit()), key=lambda p: int(p.name)) \
        if path.is_dir() else []
    if versions and (versions[-1] / "saved_model.pb").exists():
        return versions[-1]
    raise FileNotFoundError(f"no saved_model.pb in {path} nor in a numbered version folder under it")


def show_signatures(model_dir: Path, full: bool):
    """Prints the signatures as `saved_model_cli show --dir DIR --all` does (its MetaGraphDef part)."""
    cli = Path(sys.executable).parent / "saved_model_cli"
    cli = str(cli) if cli.exists() else shutil.which("saved_model_cli")
    print(f"== saved_model_cli show --dir {model_dir} --all")
    if cli:
        res = subprocess.run([cli, "show", "--dir", str(model_dir), "--all"], capture_output=True, text=True,
                             env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
        text = res.stdout
        if not full:
            text = text.split("\nConcrete Functions:")[0]
        print(text.rstrip())
        if res.returncode != 0:
            print(res.stderr.strip().splitlines()[-1] if res.stderr.strip() else "saved_model_cli failed")
        return
    # Fallback without the CLI: read the SignatureDefs from saved_model.pb.
    from tensorflow.core.protobuf import saved_model_pb2
    import tensorflow as tf

    sm = saved_model_pb2.SavedModel()
    sm.ParseFromString((model_dir / "saved_model.pb").read_bytes())
    for meta in sm.meta_graphs:
        print(f"MetaGraphDef with tag-set: '{', '.join(meta.meta_info_def.tags)}' contains the following "
              "SignatureDefs:")
        for key, sig in sorted(meta.signature_def.items()):
            print(f"\nsignature_def['{key}']:")
            for kind, d in (("inputs", sig.inputs), ("outputs", sig.outputs)):
                for k, v in sorted(d.items()):
                    shape = tuple(dim.size for dim in v.tensor_shape.dim)
                    print(f"    {kind}['{k}']: dtype {tf.as_dtype(v.dtype).name} shape {shape} name {v.name}")


def plan_from_manifest(manifest: dict, expected_dir: Path, wanted):
    plan = {}
    for sig, entry in manifest["signatures"].items():
        if wanted and sig not in wanted:
            continue
        (in_name, in_info), = entry["inputs"].items()
        outs = {o: expected_dir / info["file"] for o, info in entry["outputs"].items()}
        plan[sig] = (in_name, expected_dir / in_info["file"], outs)
    return plan


def plan_from_files(loaded, expected_dir: Path, input_file: Path | None, wanted):
    found = {}
    for f in sorted(expected_dir.glob("*__*.npy")):
        m = OUTPUT_FILE.match(f.name)
        if m:
            found.setdefault(m["sig"], {})[m["out"]] = f
    sigs = wanted or sorted(found)
    plan = {}
    for sig in sigs:
        if sig not in loaded.signatures:
            plan[sig] = (None, None, found.get(sig, {}))
            continue
        kwargs = loaded.signatures[sig].structured_input_signature[1]
        in_name = next(iter(kwargs)) if len(kwargs) == 1 else None
        if sig == "decode" and (expected_dir / "decode_input.npy").exists():
            in_file = expected_dir / "decode_input.npy"
        else:
            in_file = input_file or expected_dir / "input.npy"
        plan[sig] = (in_name, in_file, found.get(sig, {}))
    return plan


def check(loaded, plan, atol: float) -> bool:
    import tensorflow as tf

    all_ok = True
    for sig, (in_name, in_file, outs) in plan.items():
        problems = []
        if sig not in loaded.signatures:
            problems.append(f"no signature {sig!r} in the model (has {', '.join(sorted(loaded.signatures))})")
        elif in_name is None:
            problems.append("signature has not exactly one input; give a manifest.json")
        elif not in_file.exists():
            problems.append(f"missing input file {in_file}")
        elif not outs:
            problems.append(f"no expected {sig}__<output>.npy file")
        worst = 0.0
        if not problems:
            x = np.load(in_file)
            fn = loaded.signatures[sig]
            result = fn(**{in_name: tf.constant(x)})
            for out_name, f in sorted(outs.items()):
                if out_name not in result:
                    problems.append(f"{out_name}: not an output of {sig} (has {', '.join(sorted(result))})")
                    continue
                if not f.exists():
                    problems.append(f"{out_name}: missing expected file {f}")
                    continue
                got, want = result[out_name].numpy(), np.load(f)
                if got.shape != want.shape:
                    problems.append(f"{out_name}: shape {got.shape} from the model, {want.shape} in {f.name}")
                    continue
                if got.dtype != want.dtype:
                    print(f"  note {sig}/{out_name}: dtype {got.dtype} from the model, {want.dtype} in {f.name}")
                diff = float(np.max(np.abs(got.astype(np.float64) - want.astype(np.float64)))) if got.size else 0.0
                worst = max(worst, diff)
                ok = diff <= atol
                print(f"  {'ok  ' if ok else 'DIFF'} {sig}/{out_name}: max|diff| {diff:.3g} over shape "
                      f"{list(got.shape)} ({in_name}={in_file.name})")
                if not ok:
                    problems.append(f"{out_name}: max|diff| {diff:.3g} > {atol:g}")
        if problems:
            all_ok = False
            print(f"FAIL {sig}: " + "; ".join(problems))
        else:
            print(f"PASS {sig}: {len(outs)} output(s), max|diff| {worst:.3g} <= {atol:g}")
    return all_ok


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="check_java_export.py",
        description="Load a SavedModel in Python (tf.saved_model.load), run its signatures on NPY inputs and "
                    "compare with expected NPY outputs (e.g. written by the Java side). Exit 1 on mismatch.",
        epilog="Expected folder layout: input.npy, decode_input.npy (for decode), <signature>__<output>.npy, "
               "optional manifest.json (train_reference.py's schema).",
    )
    ap.add_argument("--model", required=True, type=Path,
                    help="SavedModel folder, or a model folder with numbered versions (the highest is used)")
    ap.add_argument("--goldens", type=Path, metavar="DIR",
                    help="folder with input.npy, <signature>__<output>.npy and optionally manifest.json")
    ap.add_argument("--expected-dir", type=Path, metavar="DIR", help="folder with <signature>__<output>.npy files")
    ap.add_argument("--input", type=Path, metavar="IN.npy",
                    help="input batch for the signatures (default: input.npy in the expected folder; decode reads "
                         "decode_input.npy when it exists)")
    ap.add_argument("--signature", action="append", default=[], metavar="S",
                    help="signature to check (repeatable or comma-separated; default: all with expected files)")
    ap.add_argument("--atol", type=float, default=1e-5, help="max abs difference allowed (default 1e-5)")
    ap.add_argument("--no-show", action="store_true", help="don't print the saved_model_cli show listing")
    ap.add_argument("--show-full", action="store_true",
                    help="print saved_model_cli show --all in full (with the concrete functions)")
    args = ap.parse_args(argv)
    expected = args.goldens or args.expected_dir
    if expected is None:
        ap.error("give --goldens DIR or --expected-dir DIR")
    if not expected.is_dir():
        ap.error(f"expected-outputs folder {expected} does not exist")
    if args.input is not None and not args.input.exists():
        ap.error(f"input file {args.input} does not exist")
    try:
        model_dir = resolve_model_dir(args.model)
    except FileNotFoundError as e:
        ap.error(str(e))
    wanted = [s for arg in args.signature for s in arg.split(",") if s]

    if not args.no_show:
        show_signatures(model_dir, args.show_full)
        print()

    import tensorflow as tf

    loaded = tf.saved_model.load(str(model_dir))
    print(f"== tf.saved_model.load({model_dir}): signatures {', '.join(sorted(loaded.signatures))} "
          f"(tensorflow {tf.__version__})")
    manifest_file = expected / "manifest.json"
    if manifest_file.exists() and args.input is None:
        plan = plan_from_manifest(json.loads(manifest_file.read_text()), expected, wanted)
        missing = [s for s in wanted if s not in plan]
        for s in missing:
            plan[s] = (None, None, {})
    else:
        plan = plan_from_files(loaded, expected, args.input, wanted)
    if not plan:
        print(f"FAIL: nothing to check: no <signature>__<output>.npy in {expected}")
        return 1
    ok = check(loaded, plan, args.atol)
    print(f"{'ALL MATCH' if ok else 'MISMATCH'}: {sum(1 for _ in plan)} signature(s) of {model_dir} against "
          f"{expected}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
