#!/usr/bin/env python3
"""The Keras side of the training benchmark (bench/run.sh): trains one model with `fit()` and prints one JSON object.

The models are the ones `io.aebridge.bench.BenchModels` builds in Java, layer for layer:

    dense   784 -> Dense(32, relu) -> Dense(784, sigmoid)
    deep    784-128-64-32-64-128-784, relu, sigmoid output
    conv    Conv16-MP-Conv8-MP-Conv8-MP (same) -> 4x4x8; Conv8-UP-Conv8-UP-Conv16-UP -> 32x32, centre crop to
            28x28, Conv1 (sigmoid). (The tutorial's decoder uses a `valid` Conv16 on 16x16 instead of the crop:
            `--conv-variant tutorial` trains that one; same parameters, ~8% fewer FLOPs.)

Same data as the Java side (data/mnist: 8,000 train, 2,000 held-out), binary cross-entropy, Adam(lr 0.001,
epsilon 1e-7: Keras's defaults), Glorot-uniform kernels, zero biases, shuffled each epoch, no validation during
fit (the Java epoch times exclude validation too), held-out loss evaluated once after training. Epoch times come
from a callback (on_epoch_begin -> on_epoch_end); the steady rate is the mean over the epochs after the first.

TensorFlow's threading defaults apply (all cores for intra- and inter-op work, like the Java session); bench.py
pins both sides with TF_NUM_INTRAOP_THREADS / TF_NUM_INTEROP_THREADS when asked (--threads). Keras 3's `jit_compile="auto"` resolves to False on a CPU-only
machine (no XLA), which the output records; --jit-compile asks for XLA (bench.py adds that run wherever the Java
trainer compiles with XLA, so both sides are also compared with the same compiler).

    .venv/bin/python bench/keras_train.py --model dense --epochs 10
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULT_BATCH = {"dense": 256, "deep": 256, "conv": 128}


def build(model: str, conv_variant: str) -> keras.Model:
    L = keras.layers
    if model == "dense":
        layers = [keras.Input(shape=(784,)), L.Dense(32, activation="relu"), L.Dense(784, activation="sigmoid")]
    elif model == "deep":
        layers = [keras.Input(shape=(784,))]
        layers += [L.Dense(n, activation="relu") for n in (128, 64, 32, 64, 128)]
        layers += [L.Dense(784, activation="sigmoid")]
    elif model == "conv":
        layers = [
            keras.Input(shape=(28, 28, 1)),
            L.Conv2D(16, 3, activation="relu", padding="same"), L.MaxPooling2D(2, padding="same"),
            L.Conv2D(8, 3, activation="relu", padding="same"), L.MaxPooling2D(2, padding="same"),
            L.Conv2D(8, 3, activation="relu", padding="same"), L.MaxPooling2D(2, padding="same"),
            L.Conv2D(8, 3, activation="relu", padding="same"), L.UpSampling2D(2),
            L.Conv2D(8, 3, activation="relu", padding="same"), L.UpSampling2D(2),
        ]
        if conv_variant == "tutorial":
            layers += [L.Conv2D(16, 3, activation="relu"), L.UpSampling2D(2)]  # valid: 16x16 -> 14x14 -> 28x28
        else:
            layers += [L.Conv2D(16, 3, activation="relu", padding="same"), L.UpSampling2D(2), L.Cropping2D(2)]
        layers += [L.Conv2D(1, 3, activation="sigmoid", padding="same")]
    else:
        raise SystemExit(f"--model must be dense, deep or conv, found {model!r}")
    return keras.Sequential(layers, name=model)


def threads_note() -> str:
    intra, inter = os.environ.get("TF_NUM_INTRAOP_THREADS"), os.environ.get("TF_NUM_INTEROP_THREADS")
    if intra or inter:
        return f"intra-op {intra or 'default'}, inter-op {inter or 'default'} (TF_NUM_*_THREADS)"
    return f"TensorFlow defaults (intra-op and inter-op: all {os.cpu_count()} cores)"


class EpochTimer(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seconds: list[float] = []
        self.losses: list[float] = []
        self._t0 = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._t0)
        self.losses.append(float((logs or {}).get("loss", float("nan"))))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, choices=["dense", "deep", "conv"])
    p.add_argument("--epochs", type=int, required=True, help="epochs; the first is warm-up")
    p.add_argument("--batch", type=int, help="batch size (default: dense/deep 256, conv 128)")
    p.add_argument("--limit", type=int, help="train on the first N training digits only")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--conv-variant", choices=["matched", "tutorial"], default="matched")
    p.add_argument("--jit-compile", action="store_true",
                   help="compile the train step with XLA (Keras's jit_compile=True; its 'auto' means no XLA on CPU)")
    args = p.parse_args()

    keras.utils.set_random_seed(args.seed)

    mnist = REPO / "data" / "mnist"
    x_train = np.load(mnist / "train-images.npy").astype(np.float32)
    x_test = np.load(mnist / "test-images.npy").astype(np.float32)
    if args.limit:
        x_train = x_train[: args.limit]
    shape = (-1, 28, 28, 1) if args.model == "conv" else (-1, 784)
    x_train, x_test = x_train.reshape(shape), x_test.reshape(shape)
    batch = args.batch or DEFAULT_BATCH[args.model]

    model = build(args.model, args.conv_variant)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001, epsilon=1e-7), loss="binary_crossentropy",
                  jit_compile=True if args.jit_compile else "auto")
    timer = EpochTimer()
    t0 = time.perf_counter()
    model.fit(x_train, x_train, epochs=args.epochs, batch_size=batch, shuffle=True, verbose=0, callbacks=[timer])
    train_wall = time.perf_counter() - t0
    heldout = float(model.evaluate(x_test, x_test, batch_size=1000, verbose=0))

    n = len(x_train)
    rates = [n / s for s in timer.seconds]
    steady = timer.seconds[1:] or timer.seconds
    out = {
        "side": "keras",
        "model": args.model,
        "conv_variant": args.conv_variant if args.model == "conv" else None,
        "parameters": int(model.count_params()),
        "train_samples": n,
        "heldout_samples": len(x_test),
        "epochs": args.epochs,
        "batch": batch,
        "threads": threads_note(),
        "jit_compile": bool(model.jit_compile),
        "epoch_seconds": timer.seconds,
        "epoch_samples_per_s": rates,
        "epoch_train_loss": timer.losses,
        "steady_samples_per_s": n * len(steady) / sum(steady),
        "heldout_loss": heldout,
        "train_wall_s": train_wall,
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__,
                     "python": platform.python_version()},
    }
    json.dump(out, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
