#!/usr/bin/env python3
"""The machine's measured matmul rate from Python, for bench/run.sh: numpy (its bundled OpenBLAS) and TensorFlow
2.18 eager, N x N float32 by N x N float32, default threads (all cores). Prints one JSON object.

    .venv/bin/python bench/matmul.py --size 2048 --seconds 3
"""

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402


def measure(fn, n, seconds):
    fn()  # allocation, kernel choice
    rates = []
    deadline = time.perf_counter() + seconds
    while len(rates) < 3 or time.perf_counter() < deadline:
        t0 = time.perf_counter()
        fn()
        rates.append(2.0 * n**3 / (time.perf_counter() - t0) / 1e9)
    rates.sort()
    return {"runs": len(rates), "gflops_best": rates[-1], "gflops_median": rates[len(rates) // 2]}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--size", type=int, default=2048)
    p.add_argument("--seconds", type=float, default=3.0)
    p.add_argument("--no-tf", action="store_true")
    args = p.parse_args()
    n = args.size
    rng = np.random.default_rng(1)
    a = rng.uniform(-1, 1, (n, n)).astype(np.float32)
    b = rng.uniform(-1, 1, (n, n)).astype(np.float32)
    out = {"size": n, "numpy": measure(lambda: a @ b, n, args.seconds), "numpy_version": np.__version__}
    cfg = np.show_config(mode="dicts") if hasattr(np, "show_config") else None
    try:
        out["numpy_blas"] = cfg["Build Dependencies"]["blas"]["name"]
    except (TypeError, KeyError):
        pass
    if not args.no_tf:
        import tensorflow as tf

        ta, tb = tf.constant(a), tf.constant(b)
        out["tensorflow"] = measure(lambda: tf.linalg.matmul(ta, tb).numpy(), n, args.seconds)
        out["tensorflow_version"] = tf.__version__
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
