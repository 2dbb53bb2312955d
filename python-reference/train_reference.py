#!/usr/bin/env python3
"""Trains the Keras autoencoder tutorial's models on MNIST and exports them the ways Python users do.

For each model it trains one Keras 3 autoencoder (separate `encoder` and `decoder` parts), then for each export
path writes a SavedModel in the TF Serving layout

    <out>/py-<model>-<path>/<version>/          (saved_model.pb, variables/, assets.extra/model_card.json)

checks it with a TF1-session loader (the mechanism TF Java, TF Serving and `saved_model_cli run` use) and writes
goldens computed by the *loaded* SavedModel into

    <goldens>/py-<model>-<path>/                (manifest.json, input.npy, <signature>__<output>.npy, ...)

Models (the tutorial's; see python-reference/README.md):
    demo         784 -> Dense(32, relu) -> Dense(784, sigmoid)
    deep         784-128-64-32-64-128-784, relu, sigmoid output
    sparse       demo + L1 activity regulariser (1e-4) on the code
    conv         Conv16-MP-Conv8-MP-Conv8-MP -> 4x4x8 code; Conv8-UP-Conv8-UP-Conv16(valid)-UP-Conv1(sigmoid)
    denoising    the blog's conv denoiser (Conv32-MP-Conv32-MP -> 7x7x32), trained on noisy -> clean digits
    contractive  784 -> Dense(64, sigmoid) -> Dense(784, sigmoid) + lambda * ||dh/dx||_F^2 (closed form)

Export paths:
    keras-export   keras.export.ExportArchive, as model.export() does (endpoint `serve`, alias
                   `serving_default`, input `keras_tensor_N`, output `output_0`) plus `encode`/`decode` endpoints
    tf-module      tf.saved_model.save(tf.Module) with one tf.function per signature, inputs `x`/`code`, and the
                   Keras variables' underlying tf.Variables tracked explicitly (the fix for the TF1-loader trap)
    tf-keras       legacy Keras 2: tf_keras.models.save_model(..., save_format='tf') of the same weights
    tf-save-naive  tf.saved_model.save(keras3_model, signatures=...): loads in TF2 Python but NOT in TF1-session
                   loaders ("Could not find variable ..."); written only to demonstrate the trap, never kept
    frozen         variables folded into constants (convert_variables_to_constants_v2); no variables/ at all

Versions: --version auto (default) writes the next free integer beside existing versions (TF Serving serves the
highest); --version N writes exactly N, atomically replacing an existing N. Every write goes to a `.tmp-...` folder
in the model folder first and is renamed into place only after the TF1-session check passed.

Example (fast; what python-reference/regenerate.sh runs):
    .venv/bin/python python-reference/train_reference.py --models all --epochs 2 --train-limit 2000 --version 1
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

tf.get_logger().setLevel("ERROR")  # the TF1 loader check uses deprecated tf.compat.v1 APIs on purpose

REPO = Path(__file__).resolve().parent.parent
SCHEMA_VERSION = 1
GOLDEN_BATCH = 8
TOLERANCE = 1e-5

# ---------------------------------------------------------------------------------------------------------------
# Models


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    name: str
    description: str
    image_input: bool  # True: [N,28,28,1]; False: [N,784]
    epochs: int  # the tutorial's default
    batch_size: int
    code_shape: tuple


MODELS = {
    m.name: m
    for m in [
        ModelSpec("demo", "784 -> Dense(32, relu) -> Dense(784, sigmoid); BCE, adam", False, 50, 256, (32,)),
        ModelSpec("deep", "784-128-64-32-64-128-784 relu, sigmoid output; BCE, adam", False, 100, 256, (32,)),
        ModelSpec("sparse", "demo + L1 activity regulariser on the 32-unit code; BCE, adam", False, 100, 256, (32,)),
        ModelSpec(
            "conv",
            "Conv16-MP-Conv8-MP-Conv8-MP(same) -> 4x4x8; Conv8-UP-Conv8-UP-Conv16(valid)-UP-Conv1(sigmoid)",
            True, 50, 128, (4, 4, 8),
        ),
        ModelSpec(
            "denoising",
            "conv denoiser Conv32-MP-Conv32-MP -> 7x7x32; Conv32-UP-Conv32-UP-Conv1(sigmoid); noisy -> clean",
            True, 100, 128, (7, 7, 32),
        ),
        ModelSpec(
            "contractive",
            "784 -> Dense(64, sigmoid) -> Dense(784, sigmoid) + lambda*sum_j (h_j(1-h_j))^2 sum_i W_ij^2",
            False, 50, 256, (64,),
        ),
    ]
}


def build_parts(K, spec: ModelSpec, args) -> tuple:
    """Builds (encoder, decoder) with the Keras module K (keras 3 or tf_keras); the layer order is the same for
    both libraries, so weights copy over with get_weights()/set_weights()."""
    L = K.layers
    if spec.name in ("demo", "sparse"):
        reg = K.regularizers.l1(args.sparse_l1) if spec.name == "sparse" else None
        encoder = K.Sequential([K.Input(shape=(784,)), L.Dense(32, activation="relu", activity_regularizer=reg)],
                               name="encoder")
        decoder = K.Sequential([K.Input(shape=(32,)), L.Dense(784, activation="sigmoid")], name="decoder")
    elif spec.name == "deep":
        encoder = K.Sequential([K.Input(shape=(784,)), L.Dense(128, activation="relu"),
                                L.Dense(64, activation="relu"), L.Dense(32, activation="relu")], name="encoder")
        decoder = K.Sequential([K.Input(shape=(32,)), L.Dense(64, activation="relu"),
                                L.Dense(128, activation="relu"), L.Dense(784, activation="sigmoid")], name="decoder")
    elif spec.name == "contractive":
        encoder = K.Sequential([K.Input(shape=(784,)), L.Dense(64, activation="sigmoid")], name="encoder")
        decoder = K.Sequential([K.Input(shape=(64,)), L.Dense(784, activation="sigmoid")], name="decoder")
    elif spec.name == "conv":
        encoder = K.Sequential([
            K.Input(shape=(28, 28, 1)),
            L.Conv2D(16, (3, 3), activation="relu", padding="same"), L.MaxPooling2D((2, 2), padding="same"),
            L.Conv2D(8, (3, 3), activation="relu", padding="same"), L.MaxPooling2D((2, 2), padding="same"),
            L.Conv2D(8, (3, 3), activation="relu", padding="same"), L.MaxPooling2D((2, 2), padding="same"),
        ], name="encoder")
        decoder = K.Sequential([
            K.Input(shape=(4, 4, 8)),
            L.Conv2D(8, (3, 3), activation="relu", padding="same"), L.UpSampling2D((2, 2)),
            L.Conv2D(8, (3, 3), activation="relu", padding="same"), L.UpSampling2D((2, 2)),
            L.Conv2D(16, (3, 3), activation="relu"), L.UpSampling2D((2, 2)),  # valid: 16x16 -> 14x14
            L.Conv2D(1, (3, 3), activation="sigmoid", padding="same"),
        ], name="decoder")
    elif spec.name == "denoising":
        encoder = K.Sequential([
            K.Input(shape=(28, 28, 1)),
            L.Conv2D(32, (3, 3), activation="relu", padding="same"), L.MaxPooling2D((2, 2), padding="same"),
            L.Conv2D(32, (3, 3), activation="relu", padding="same"), L.MaxPooling2D((2, 2), padding="same"),
        ], name="encoder")
        decoder = K.Sequential([
            K.Input(shape=(7, 7, 32)),
            L.Conv2D(32, (3, 3), activation="relu", padding="same"), L.UpSampling2D((2, 2)),
            L.Conv2D(32, (3, 3), activation="relu", padding="same"), L.UpSampling2D((2, 2)),
            L.Conv2D(1, (3, 3), activation="sigmoid", padding="same"),
        ], name="decoder")
    else:
        raise ValueError(f"unknown model {spec.name!r}")
    return encoder, decoder


def compose(K, encoder, decoder, name):
    """The functional autoencoder input -> decoder(encoder(input)), sharing the parts' layers."""
    inp = K.Input(shape=encoder.input_shape[1:])
    return K.Model(inp, decoder(encoder(inp)), name=name)


class ContractiveTrainer(keras.Model):
    """Custom train step for the contractive autoencoder (Rifai et al. 2011).

    loss = BCE(x, x_hat) + lambda * mean_over_batch( sum_j (h_j (1 - h_j))^2 * sum_i W_ij^2 )
    which is the closed form of ||dh/dx||_F^2 for a sigmoid code h = sigmoid(x W + b), using the live kernel W.
    """

    def __init__(self, encoder, decoder, lam, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.lam = lam
        self.bce = keras.losses.BinaryCrossentropy()
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.penalty_tracker = keras.metrics.Mean(name="contractive")

    def call(self, x, training=False):
        return self.decoder(self.encoder(x, training=training), training=training)

    @property
    def metrics(self):
        return [self.loss_tracker, self.penalty_tracker]

    def _contractive_losses(self, x, y, training):
        h = self.encoder(x, training=training)
        y_pred = self.decoder(h, training=training)
        w = self.encoder.layers[-1].kernel  # [784, 64]
        w_sq = tf.reduce_sum(tf.square(w), axis=0)  # sum_i W_ij^2, [64]
        penalty = self.lam * tf.reduce_mean(tf.reduce_sum(tf.square(h * (1.0 - h)) * w_sq, axis=1))
        return self.bce(y, y_pred) + penalty, penalty

    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            loss, penalty = self._contractive_losses(x, y, training=True)
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply(grads, self.trainable_variables)
        self.loss_tracker.update_state(loss)
        self.penalty_tracker.update_state(penalty)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x, y = data
        loss, penalty = self._contractive_losses(x, y, training=False)
        self.loss_tracker.update_state(loss)
        self.penalty_tracker.update_state(penalty)
        return {m.name: m.result() for m in self.metrics}


# ---------------------------------------------------------------------------------------------------------------
# Data


def load_mnist(limit: int | None):
    mnist = REPO / "data" / "mnist"
    names = ["train-images.npy", "train-labels.npy", "test-images.npy", "test-labels.npy"]
    if not all((mnist / n).exists() for n in names):
        print("MNIST missing: running scripts/fetch-mnist.sh", file=sys.stderr)
        subprocess.run([str(REPO / "scripts" / "fetch-mnist.sh")], check=True)
    x_train = np.load(mnist / "train-images.npy").astype(np.float32)
    x_test = np.load(mnist / "test-images.npy").astype(np.float32)
    if limit:
        x_train = x_train[:limit]
    return x_train, x_test


def shaped(x, spec: ModelSpec):
    return x.reshape((-1, 28, 28, 1) if spec.image_input else (-1, 784))


def add_noise(x, factor, rng):
    """The blog's corruption: x + factor * N(0, 1), clipped to [0, 1]."""
    return np.clip(x + factor * rng.standard_normal(x.shape).astype(np.float32), 0.0, 1.0)


# ---------------------------------------------------------------------------------------------------------------
# Training


def train(spec: ModelSpec, args, x_train, x_test):
    keras.utils.set_random_seed(args.seed)
    encoder, decoder = build_parts(keras, spec, args)
    autoencoder = compose(keras, encoder, decoder, f"{spec.name}_autoencoder")
    epochs = args.epochs or spec.epochs
    batch = args.batch_size or spec.batch_size
    xt, xv = shaped(x_train, spec), shaped(x_test, spec)
    xt_in, xv_in = xt, xv
    if spec.name == "denoising":
        rng = np.random.default_rng(args.seed)
        xt_in, xv_in = add_noise(xt, args.noise, rng), add_noise(xv, args.noise, rng)
    if spec.name == "contractive":
        trainer = ContractiveTrainer(encoder, decoder, args.contractive_lambda)
        trainer.compile(optimizer=keras.optimizers.Adam())
    else:
        trainer = autoencoder
        trainer.compile(optimizer=keras.optimizers.Adam(), loss="binary_crossentropy")
    t0 = time.perf_counter()
    hist = trainer.fit(xt_in, xt, epochs=epochs, batch_size=batch, shuffle=True, validation_data=(xv_in, xv),
                       verbose=2 if args.verbose else 0)
    seconds = time.perf_counter() - t0
    code = encoder.predict(xv_in[:1000], verbose=0)
    history = {k: [float(v) for v in vs] for k, vs in hist.history.items()}
    summary = {
        "epochs": epochs, "batch_size": batch, "seed": args.seed, "train_examples": int(len(xt)),
        "validation_examples": int(len(xv)), "optimizer": "adam (lr 0.001)", "loss": "binary_crossentropy",
        "final_loss": history["loss"][-1], "final_val_loss": history["val_loss"][-1],
        "mean_code_activation": float(np.mean(np.sum(np.abs(code.reshape(len(code), -1)), axis=1))),
        "history": history,
    }
    if spec.name == "sparse":
        summary["l1_activity"] = args.sparse_l1
    if spec.name == "denoising":
        summary["noise"] = f"x + {args.noise}*N(0,1), clipped to [0,1]"
    if spec.name == "contractive":
        summary["contractive_lambda"] = args.contractive_lambda
    # Wall time is printed, not stored: the committed cards and manifests stay byte-stable across regenerations.
    return encoder, decoder, autoencoder, summary, seconds


# ---------------------------------------------------------------------------------------------------------------
# Export paths: each writes a SavedModel into `dest` (an empty temp folder) and returns the signature names it made


def spec_for(model, name=None):
    """A tf.TensorSpec for a Keras model's single input, batch dimension free; name=None keeps Keras' own name
    (`keras_tensor_N`), as model.export() does."""
    t = model.inputs[0]
    return tf.TensorSpec((None,) + tuple(t.shape[1:]), tf.as_dtype(t.dtype), name=name or t.name)


def export_keras(parts, dest: Path):
    encoder, decoder, autoencoder = parts
    archive = keras.export.ExportArchive()
    archive.track(autoencoder)
    # What autoencoder.export(dest) does; write_out() adds the `serving_default` alias of `serve`.
    archive.add_endpoint("serve", autoencoder.__call__, input_signature=[spec_for(autoencoder)])
    archive.add_endpoint("encode", encoder.__call__, input_signature=[spec_for(encoder)])
    archive.add_endpoint("decode", decoder.__call__, input_signature=[spec_for(decoder)])
    archive.write_out(str(dest), verbose=False)


def _module_functions(encoder, decoder, autoencoder, dtype=tf.float32):
    x_spec = spec_for(autoencoder, "x")
    c_spec = spec_for(decoder, "code")

    @tf.function(input_signature=[x_spec])
    def serve(x):
        return {"reconstruction": autoencoder(x, training=False)}

    @tf.function(input_signature=[x_spec])
    def encode(x):
        return {"code": encoder(x, training=False)}

    @tf.function(input_signature=[c_spec])
    def decode(code):
        return {"reconstruction": decoder(code, training=False)}

    return serve, encode, decode


def export_tf_module(parts, dest: Path, float64=False):
    encoder, decoder, autoencoder = parts
    serve, encode, decode = _module_functions(*parts)
    module = tf.Module()
    # The fix: track the tf.Variables behind the Keras 3 variables (v.value). Without it the saved function reads a
    # variable that the TF1 restore op never assigns ("Could not find variable ... does not exist").
    module.tf_variables = [v.value for v in autoencoder.variables]
    module.serve, module.encode, module.decode = serve, encode, decode
    signatures = {"serving_default": serve, "encode": encode, "decode": decode}
    if float64:
        x64 = tf.TensorSpec((None,) + tuple(autoencoder.inputs[0].shape[1:]), tf.float64, name="x")

        @tf.function(input_signature=[x64])
        def serve_f64(x):
            y = autoencoder(tf.cast(x, tf.float32), training=False)
            return {"reconstruction": tf.cast(y, tf.float64)}

        module.serve_f64 = serve_f64
        signatures["serving_f64"] = serve_f64
    tf.saved_model.save(module, str(dest), signatures=signatures)


def export_tf_save_naive(parts, dest: Path):
    """The common recipe that falls into the trap: save the Keras 3 model object itself with tf.functions."""
    encoder, decoder, autoencoder = parts
    serve, encode, decode = _module_functions(*parts)
    tf.saved_model.save(autoencoder, str(dest), signatures={"serving_default": serve, "encode": encode,
                                                              "decode": decode})


def export_frozen(parts, dest: Path):
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    module = tf.Module()
    signatures = {}
    for name, fn in zip(("serving_default", "encode", "decode"), _module_functions(*parts)):
        concrete = fn.get_concrete_function()
        frozen = convert_variables_to_constants_v2(concrete)
        out_names = sorted(concrete.structured_outputs)
        in_spec = concrete.structured_input_signature[0][0]

        def make(frozen=frozen, out_names=out_names, in_spec=in_spec):
            @tf.function(input_signature=[in_spec])
            def f(t):
                outs = frozen(t)
                return dict(zip(out_names, outs))
            return f

        f = make()
        setattr(module, name, f)
        signatures[name] = f
    tf.saved_model.save(module, str(dest), signatures=signatures)


def export_tf_keras(parts, dest: Path, spec: ModelSpec, args):
    import tf_keras

    encoder, decoder, autoencoder = parts
    k_enc, k_dec = build_parts(tf_keras, spec, args)
    k_enc.set_weights(encoder.get_weights())
    k_dec.set_weights(decoder.get_weights())
    inp = tf_keras.Input(shape=autoencoder.input_shape[1:], name="x")
    k_ae = tf_keras.Model(inp, k_dec(k_enc(inp)), name=f"{spec.name}_autoencoder")
    # serving_default: the signature tf_keras would write on its own (input named after the Input layer, output
    # after the last layer); encode/decode added through `signatures=` as a Keras 2 user would.
    from tf_keras.src.saving.legacy import saving_utils

    x_spec = tf.TensorSpec((None,) + tuple(k_enc.input_shape[1:]), tf.float32, name="x")
    c_spec = tf.TensorSpec((None,) + tuple(k_dec.input_shape[1:]), tf.float32, name="code")
    signatures = {
        "serving_default": saving_utils.trace_model_call(k_ae),
        "encode": tf.function(lambda x: {"code": k_enc(x, training=False)}).get_concrete_function(x_spec),
        "decode": tf.function(lambda code: {"reconstruction": k_dec(code, training=False)})
        .get_concrete_function(c_spec),
    }
    tf_keras.models.save_model(k_ae, str(dest), save_format="tf", include_optimizer=False, signatures=signatures)


@dataclasses.dataclass(frozen=True)
class ExportPath:
    name: str
    description: str
    expect_tf1: bool  # expected to load in TF1-session loaders
    keep: bool  # kept in saved-models/ when it loads


PATHS = {
    p.name: p
    for p in [
        ExportPath("keras-export", "keras.export.ExportArchive (model.export() + encode/decode endpoints)", True, True),
        ExportPath("tf-module", "tf.saved_model.save(tf.Module) with tf.functions and tracked tf.Variables", True,
                   True),
        ExportPath("tf-keras", "tf_keras.models.save_model(save_format='tf') (legacy Keras 2)", True, True),
        ExportPath("tf-save-naive", "tf.saved_model.save(keras3_model, signatures=tf.functions) (the trap)", False,
                   False),
        ExportPath("frozen", "variables folded into constants (convert_variables_to_constants_v2)", True, True),
    ]
}
DEFAULT_PATHS = ["keras-export", "tf-module", "tf-keras"]


def run_export(path: str, parts, dest: Path, spec: ModelSpec, args):
    if path == "keras-export":
        export_keras(parts, dest)
    elif path == "tf-module":
        export_tf_module(parts, dest, float64=(spec.name == "demo"))
    elif path == "tf-keras":
        export_tf_keras(parts, dest, spec, args)
    elif path == "tf-save-naive":
        export_tf_save_naive(parts, dest)
    elif path == "frozen":
        export_frozen(parts, dest)
    else:
        raise ValueError(path)


# ---------------------------------------------------------------------------------------------------------------
# Checks and goldens


def signature_defs(model_dir: Path):
    """{signature: (method, {input: (dtype, shape)}, {output: (dtype, shape)})} as saved_model_cli show sees it."""
    from tensorflow.core.protobuf import saved_model_pb2

    sm = saved_model_pb2.SavedModel()
    sm.ParseFromString((model_dir / "saved_model.pb").read_bytes())
    meta = next(m for m in sm.meta_graphs if "serve" in m.meta_info_def.tags)
    out = {}
    for key, sig in meta.signature_def.items():
        if key.startswith("__"):
            continue

        def info(d):
            return {k: (tf.as_dtype(v.dtype).name, [dim.size for dim in v.tensor_shape.dim]) for k, v in d.items()}

        out[key] = (sig.method_name, info(sig.inputs), info(sig.outputs))
    return out


def tf1_session_run(model_dir: Path, feeds: dict):
    """Runs each signature the way saved_model_cli run / TF Java / TF Serving do: a TF1 graph + session loaded by
    the SavedModel loader (restore op), then feeds and fetches by tensor name. feeds: {sig: {input: array}}.
    Returns {sig: {output: array}}; raises the loader's error (e.g. FailedPreconditionError)."""
    results = {}
    graph = tf.Graph()
    with graph.as_default(), tf.compat.v1.Session(graph=graph) as sess:
        meta = tf.compat.v1.saved_model.loader.load(sess, ["serve"], str(model_dir))
        for sig_name, inputs in feeds.items():
            sig = meta.signature_def[sig_name]
            feed = {sig.inputs[k].name: v for k, v in inputs.items()}
            fetch = {k: t.name for k, t in sig.outputs.items()}
            results[sig_name] = sess.run(fetch, feed_dict=feed)
    return results


def single_input(sig_info):
    _, inputs, _ = sig_info
    if len(inputs) != 1:
        raise ValueError(f"expected one input, found {sorted(inputs)}")
    return next(iter(inputs))


def compute_goldens(model_dir: Path, x: np.ndarray):
    """Calls the LOADED SavedModel (TF2 loader) for every signature. decode is fed encode's output."""
    sigs = signature_defs(model_dir)
    loaded = tf.saved_model.load(str(model_dir))
    inputs, outputs = {}, {}
    order = sorted(sigs, key=lambda s: (s == "decode", s))  # decode last: it needs encode's output
    for name in order:
        in_name = single_input(sigs[name])
        in_dtype = sigs[name][1][in_name][0]
        if name == "decode":
            enc_out = outputs["encode"]
            feed = next(iter(enc_out.values()))
        else:
            feed = x.astype(in_dtype)
        fn = loaded.signatures[name]
        res = fn(**{in_name: tf.constant(feed)})
        inputs[name] = (in_name, feed)
        outputs[name] = {k: v.numpy() for k, v in res.items()}
    return sigs, inputs, outputs


def error_line(e: Exception) -> str:
    """The telling line of a TF error ("Could not find variable ..."), prefixed with its type."""
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    line = next((ln for ln in lines if "Could not find" in ln or "not found" in ln), lines[0] if lines else "")
    return f"{type(e).__name__}: {line}"


def max_diff(a: dict, b: dict):
    worst = 0.0
    for sig, outs in a.items():
        for k, v in outs.items():
            w = b[sig][k]
            if v.shape != w.shape:
                raise AssertionError(f"{sig}/{k}: shape {w.shape} != {v.shape}")
            worst = max(worst, float(np.max(np.abs(v.astype(np.float64) - w.astype(np.float64)))))
    return worst


def input_file(sig, feed):
    if sig == "decode":
        return "decode_input.npy"
    return "input_f64.npy" if feed.dtype == np.float64 else "input.npy"


def write_goldens(gdir: Path, rel_model_dir: str, model: str, path: str, version: int, sigs, inputs, outputs,
                  tf1_diff, card):
    import keras as k3

    try:
        import tf_keras
        tfk_version = tf_keras.__version__
    except ImportError:  # pragma: no cover
        tfk_version = None
    tmp = gdir.parent / f".tmp-{gdir.name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    files = []
    manifest_sigs = {}
    for sig in sorted(sigs):
        method, sig_in, sig_out = sigs[sig]
        in_name, feed = inputs[sig]
        fname = input_file(sig, feed)
        if not (tmp / fname).exists():
            np.save(tmp / fname, feed)
            files.append(fname)
        outs = {}
        for out_name, arr in sorted(outputs[sig].items()):
            ofile = f"{sig}__{out_name}.npy"
            np.save(tmp / ofile, arr)
            files.append(ofile)
            outs[out_name] = {"dtype": sig_out[out_name][0], "shape": sig_out[out_name][1], "file": ofile,
                              "golden_shape": list(arr.shape)}
        manifest_sigs[sig] = {
            "method_name": method,
            "inputs": {in_name: {"dtype": sig_in[in_name][0], "shape": sig_in[in_name][1], "file": fname,
                                 "golden_shape": list(feed.shape)}},
            "outputs": outs,
        }
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "model": model,
        "export_path": path,
        "export_path_description": PATHS[path].description,
        "model_dir": rel_model_dir,
        "version": version,
        "tags": ["serve"],
        "signatures": manifest_sigs,
        "files": sorted(files),
        "input_source": f"data/mnist/test-images.npy[0:{GOLDEN_BATCH}]",
        "outputs_computed_by": "tf.saved_model.load(model_dir).signatures[sig](**{input_name: x}) in Python",
        "tf1_session_loader": {"loads": True, "max_abs_diff_vs_goldens": tf1_diff,
                               "checked_with": "tf.compat.v1.saved_model.loader.load + Session.run (as saved_model_cli run)"},
        "tolerance": TOLERANCE,
        "versions": {"tensorflow": tf.__version__, "keras": k3.__version__, "tf_keras": tfk_version,
                     "numpy": np.__version__, "python": sys.version.split()[0]},
        "training": {k: v for k, v in card["training"].items() if k != "history"},
    }
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    old = gdir.parent / f".tmp-old-{gdir.name}-{os.getpid()}"
    if gdir.exists():
        gdir.rename(old)
    tmp.rename(gdir)
    shutil.rmtree(old, ignore_errors=True)


def next_version(model_root: Path) -> int:
    versions = [int(p.name) for p in model_root.iterdir() if p.is_dir() and p.name.isdigit()] if model_root.exists() \
        else []
    return max(versions, default=0) + 1


def install(tmp: Path, final: Path):
    """Renames tmp to final atomically; an existing final is moved aside first and deleted after."""
    old = final.parent / f".tmp-old-{final.name}-{os.getpid()}"
    if final.exists():
        final.rename(old)
    tmp.rename(final)
    shutil.rmtree(old, ignore_errors=True)


def write_keras_files(spec: ModelSpec, args, encoder, decoder, autoencoder, x, out: Path):
    """The trained autoencoder as the files Python users have after model.save(): <name>.keras (Keras 3) and
    <name>.h5 (tf_keras, same weights), each with goldens of serving_default, encode and decode (for the Java
    Keras importer, io.aebridge.keras)."""
    import keras_files
    import tf_keras

    def build(K):
        if K is keras:
            return autoencoder
        enc, dec = build_parts(K, spec, args)
        return compose(K, enc, dec, f"{spec.name}_autoencoder")

    code = encoder.predict(x, verbose=0)
    keras_files.write_pair(build, spec.name, out, [x], keras3_model=autoencoder,
                           sub_models=lambda m: {"encode": (m.get_layer("encoder"), "input_0.npy"),
                                                 "decode": (m.get_layer("decoder"), "code.npy")},
                           extra_inputs={"code.npy": code})


def dir_size(p: Path) -> int:
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file())


# ---------------------------------------------------------------------------------------------------------------


def parse_list(value: str, choices, default, what):
    """'all', or a comma list of names where the token 'default' stands for the default set."""
    if value == "all":
        return list(choices)
    items = []
    for v in (v.strip() for v in value.split(",")):
        for item in (default if v == "default" else [v] if v else []):
            if item not in items:
                items.append(item)
    bad = [v for v in items if v not in choices]
    if bad or not items:
        raise argparse.ArgumentTypeError(f"unknown {what} {bad or value!r}; choose from {', '.join(choices)}, "
                                         "default or all")
    return items


def main(argv=None):
    epilog = "\n".join(
        ["models:"] + [f"  {m.name:12s} {m.description} (tutorial: {m.epochs} epochs, batch {m.batch_size})"
                       for m in MODELS.values()]
        + ["", "export paths (-> <out>/py-<model>-<path>/<version>/):"]
        + [f"  {p.name:14s} {p.description}" + ("" if p.keep else "; never kept") for p in PATHS.values()]
        + ["", "examples:",
           "  quick smoke run (seconds):  train_reference.py --models demo --epochs 1 --train-limit 1000 \\",
           "                                  --out /tmp/sm --goldens /tmp/goldens",
           "  committed reference set:    python-reference/regenerate.sh",
           "  the tutorial's full runs:   train_reference.py --models all   (50-100 epochs each)",
           "", "See python-reference/README.md for which export path loads in TF Java / TF Serving."])
    ap = argparse.ArgumentParser(
        prog="train_reference.py",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Train the Keras autoencoder tutorial's models on MNIST (data/mnist/*.npy; fetched through "
                    "scripts/fetch-mnist.sh if missing),\nexport each as SavedModels the ways Python users do, check "
                    "each export in a TF1-session loader (the way\nTF Java, TF Serving and saved_model_cli run load "
                    "it) and write goldens computed by the loaded SavedModel.",
        epilog=epilog,
    )
    ap.add_argument("--models", default="all", metavar="LIST",
                    help=f"comma-separated models or 'all' (default): {','.join(MODELS)}")
    ap.add_argument("--paths", default="default", metavar="LIST",
                    help=f"comma-separated export paths; 'default' = {','.join(DEFAULT_PATHS)}; 'all' = "
                         f"{','.join(PATHS)}; tf-save-naive is written to show the TF1-loader trap and never kept")
    ap.add_argument("--epochs", type=int, default=None,
                    help="epochs for every model (default: the tutorial's, " +
                         ", ".join(f"{m.name} {m.epochs}" for m in MODELS.values()) + ")")
    ap.add_argument("--batch-size", type=int, default=None,
                    help="batch size for every model (default: 256 dense, 128 conv, as the tutorial)")
    ap.add_argument("--train-limit", type=int, default=None, metavar="N",
                    help="train on the first N of the 8000 training digits only (fast test runs)")
    ap.add_argument("--seed", type=int, default=1337, help="seed for weights, shuffling and noise (default 1337)")
    ap.add_argument("--out", default="saved-models", metavar="DIR",
                    help="where py-<model>-<path>/<version>/ go (default saved-models, relative to the repo root)")
    ap.add_argument("--goldens", default="tests/fixtures/python", metavar="DIR",
                    help="where py-<model>-<path>/ goldens go (default tests/fixtures/python); '' to skip")
    ap.add_argument("--keras-files", default="tests/fixtures/keras", metavar="DIR",
                    help="where each model is also saved as Keras files, <model>.keras (Keras 3) and <model>.h5 "
                         "(tf_keras), with goldens in <file>.goldens/ (default tests/fixtures/keras); '' to skip")
    ap.add_argument("--version", default="auto",
                    help="'auto' (default): next free integer in the model folder; or an integer, replacing it")
    ap.add_argument("--sparse-l1", type=float, default=1e-4, help="L1 activity weight for sparse (default 1e-4)")
    ap.add_argument("--noise", type=float, default=0.5, help="Gaussian noise factor for denoising (default 0.5)")
    ap.add_argument("--contractive-lambda", type=float, default=1e-4,
                    help="weight of the contractive penalty (default 1e-4)")
    ap.add_argument("--verbose", action="store_true", help="print Keras' per-epoch progress")
    args = ap.parse_args(argv)
    try:
        models = parse_list(args.models, MODELS, MODELS, "model")
        paths = parse_list(args.paths, PATHS, DEFAULT_PATHS, "export path")
    except argparse.ArgumentTypeError as e:
        ap.error(str(e))
    if args.version != "auto" and not (args.version.isdigit() and int(args.version) > 0):
        ap.error(f"--version must be 'auto' or a positive integer, found {args.version!r}")
    if args.epochs is not None and args.epochs < 1:
        ap.error(f"--epochs must be positive, found {args.epochs}")

    out = (REPO / args.out) if not Path(args.out).is_absolute() else Path(args.out)
    goldens = None
    if args.goldens:
        goldens = (REPO / args.goldens) if not Path(args.goldens).is_absolute() else Path(args.goldens)
    out.mkdir(parents=True, exist_ok=True)
    keras_files = None
    if args.keras_files:
        keras_files = (REPO / args.keras_files) if not Path(args.keras_files).is_absolute() else Path(args.keras_files)

    x_train, x_test = load_mnist(args.train_limit)
    golden_x = x_test[:GOLDEN_BATCH]
    print(f"tensorflow {tf.__version__}, keras {keras.__version__}; {len(x_train)} training digits, "
          f"{len(x_test)} test digits", flush=True)
    report = []
    failures = []
    t_all = time.perf_counter()
    for model_name in models:
        spec = MODELS[model_name]
        encoder, decoder, autoencoder, summary, train_s = train(spec, args, x_train, x_test)
        print(f"[{model_name}] trained {summary['epochs']} epochs in {train_s:.1f}s: "
              f"loss {summary['final_loss']:.4f}, val_loss {summary['final_val_loss']:.4f}", flush=True)
        x = shaped(golden_x, spec)
        if keras_files is not None:
            write_keras_files(spec, args, encoder, decoder, autoencoder, x, keras_files)
            print(f"[{model_name}] keras files  {model_name}.keras, {model_name}.h5 (+ goldens) -> {keras_files}",
                  flush=True)
        for path in paths:
            pinfo = PATHS[path]
            dir_name = f"py-{model_name}-{path}"
            model_root = out / dir_name
            model_root.mkdir(parents=True, exist_ok=True)
            version = next_version(model_root) if args.version == "auto" else int(args.version)
            tmp = model_root / f".tmp-{version}-{os.getpid()}"
            shutil.rmtree(tmp, ignore_errors=True)
            t0 = time.perf_counter()
            try:
                run_export(path, (encoder, decoder, autoencoder), tmp, spec, args)
                card = {"schema_version": SCHEMA_VERSION, "model": model_name, "description": spec.description,
                        "export_path": path, "export_path_description": pinfo.description, "version": version,
                        "training": summary, "tensorflow": tf.__version__, "keras": keras.__version__,
                        "generated_by": "python-reference/train_reference.py"}
                (tmp / "assets.extra").mkdir(exist_ok=True)
                (tmp / "assets.extra" / "model_card.json").write_text(json.dumps(card, indent=2) + "\n")
                export_s = time.perf_counter() - t0
                sigs, inputs, outputs = compute_goldens(tmp, x)
                try:
                    tf1 = tf1_session_run(tmp, {s: {i[0]: i[1]} for s, i in inputs.items()})
                    tf1_diff = max_diff(outputs, tf1)
                    tf1_error = None
                    if tf1_diff > TOLERANCE:
                        tf1_error = f"TF1 outputs differ from TF2 outputs by {tf1_diff:g}"
                except Exception as e:  # the loader's error is the result here
                    tf1_diff, tf1_error = None, error_line(e)
            except Exception:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            row = {"model_dir": dir_name, "version": version, "signatures": sorted(sigs),
                   "inputs": {s: single_input(sigs[s]) for s in sorted(sigs)}, "tf1_loads": tf1_error is None,
                   "tf1_error": tf1_error, "export_seconds": round(export_s, 2)}
            if tf1_error is None and pinfo.keep:
                final = model_root / str(version)
                install(tmp, final)
                row["size_bytes"] = dir_size(final)
                if goldens is not None:
                    rel = os.path.relpath(final, REPO) if final.is_relative_to(REPO) else str(final)
                    write_goldens(goldens / dir_name, rel, model_name, path, version, sigs, inputs, outputs,
                                  tf1_diff, card)
                status = f"TF1 loader OK (max diff {tf1_diff:.2g}) -> {final.relative_to(out.parent)}"
            else:
                shutil.rmtree(tmp, ignore_errors=True)
                if not any(p.name.isdigit() for p in model_root.iterdir()):
                    model_root.rmdir()
                status = "not kept: " + (tf1_error or "demonstration path")
                if pinfo.expect_tf1 and tf1_error is not None:
                    failures.append(f"{dir_name}: {tf1_error}")
            print(f"[{model_name}] {path:13s} signatures {','.join(sorted(sigs))}: {status}", flush=True)
            report.append(row)
    total = time.perf_counter() - t_all
    print(f"done in {total:.1f}s")
    if failures:
        print("UNEXPECTED TF1-loader failures:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
