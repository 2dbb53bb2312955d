"""Writes Keras model files (Keras 3 `.keras` and legacy tf.keras `.h5`) with goldens, for the Java Keras importer.

Two uses:
  * train_reference.py calls write_pair() for every reference model (committed under tests/fixtures/keras/);
  * the Java tests run `keras_files.py --zoo DIR`, which builds small models that exist only in tests (two named
    inputs, nested encoder/decoder, BatchNormalization with non-trivial moving statistics, every supported layer
    and activation) plus files the importer must refuse, each with the message fragment the test expects, and
    files the importer serves but `train --from` must refuse (KerasSpecTest).

Layout written for a model NAME (one per format FMT in keras, h5):
    DIR/NAME.FMT                      the Keras file, as model.save() writes it
    DIR/NAME.FMT.goldens/manifest.json  {"inputs": [...], "outputs": [...], "signatures": {...}}
    DIR/NAME.FMT.goldens/*.npy        inputs and outputs: Keras predict() of the loaded file, float32

Weights are random (seeded) unless the caller trained them: parity does not need training, and random moving
statistics are what makes BatchNormalization's inference form visible.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import zipfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import keras  # noqa: E402
import tf_keras  # noqa: E402

GOLDEN_BATCH = 5


def _goldens(model, gdir: Path, inputs: list, signatures: dict, lib: str):
    """Runs predict on the model and writes inputs/outputs as .npy plus a manifest."""
    if gdir.exists():
        shutil.rmtree(gdir)
    gdir.mkdir(parents=True)
    outs = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
    if not isinstance(outs, (list, tuple)):
        outs = [outs]
    manifest = {"library": lib, "keras_version": (keras.__version__ if lib == "keras" else tf_keras.__version__),
                "inputs": [], "outputs": [], "signatures": {}}
    for i, x in enumerate(inputs):
        f = f"input_{i}.npy"
        np.save(gdir / f, x.astype(np.float32))
        manifest["inputs"].append({"name": model.input_names[i] if hasattr(model, "input_names")
                                   else model.inputs[i].name, "file": f, "shape": list(x.shape)})
    for i, y in enumerate(outs):
        f = f"output_{i}.npy"
        np.save(gdir / f, np.asarray(y, dtype=np.float32))
        manifest["outputs"].append({"file": f, "shape": list(np.shape(y))})
    for key, (sub, in_file) in signatures.items():
        x = np.load(gdir / in_file) if (gdir / in_file).exists() else None
        if x is None:
            raise ValueError(f"signature {key}: no input file {in_file}")
        y = sub.predict(x, verbose=0)
        f = f"{key}__output.npy"
        np.save(gdir / f, np.asarray(y, dtype=np.float32))
        manifest["signatures"][key] = {"input": in_file, "output": f}
    (gdir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def write_pair(build, name: str, out: Path, inputs: list, keras3_model=None, seed=7, sub_models=None,
               extra_inputs=None):
    """Writes NAME.keras (Keras 3) and NAME.h5 (tf_keras) of the architecture `build(K)`, sharing one set of weights.

    build(K) -> model, built with module K (keras or tf_keras); keras3_model, when given, supplies the weights
    (a trained model); else weights are drawn from a seeded normal. sub_models(model) -> {signature: (sub-model,
    input file)} adds per-signature goldens (encode/decode); extra_inputs: {file: array} written beside them.
    """
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    k3 = keras3_model if keras3_model is not None else build(keras)
    if keras3_model is None:
        k3.set_weights([_random_like(w, rng) for w in k3.get_weights()])
    k2 = build(tf_keras)
    k2.set_weights(k3.get_weights())
    for model, lib, ext in ((k3, "keras", "keras"), (k2, "tf_keras", "h5")):
        path = out / f"{name}.{ext}"
        if lib == "keras":
            model.save(path)
            loaded = keras.saving.load_model(path, compile=False)
        else:
            model.save(path, save_format="h5", include_optimizer=False)
            loaded = tf_keras.models.load_model(path, compile=False)
        gdir = out / f"{name}.{ext}.goldens"
        if gdir.exists():
            shutil.rmtree(gdir)
        gdir.mkdir(parents=True)
        for f, arr in (extra_inputs or {}).items():
            np.save(gdir / f, arr.astype(np.float32))
        sigs = sub_models(loaded) if sub_models else {}
        _goldens_into(loaded, gdir, inputs, sigs, lib)


def _goldens_into(model, gdir, inputs, sigs, lib):
    keep = {f.name: np.load(f) for f in gdir.glob("*.npy")}
    _goldens(model, gdir, inputs, {}, lib)
    for f, arr in keep.items():
        np.save(gdir / f, arr)
    manifest = json.loads((gdir / "manifest.json").read_text())
    for key, (sub, in_file) in sigs.items():
        y = sub.predict(np.load(gdir / in_file), verbose=0)
        np.save(gdir / f"{key}__output.npy", np.asarray(y, dtype=np.float32))
        manifest["signatures"][key] = {"input": in_file, "output": f"{key}__output.npy"}
    (gdir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def _random_like(w, rng):
    w = np.asarray(w)
    if w.ndim == 1:  # biases, BN statistics: keep variances positive
        return (rng.uniform(0.5, 1.5, w.shape)).astype(np.float32)
    fan_in = int(np.prod(w.shape[:-1])) or 1
    return (rng.normal(0, 1.0 / np.sqrt(fan_in), w.shape)).astype(np.float32)


# ---------------------------------------------------------------------------------------------------------------
# Models that exist only in tests


def two_inputs(K):
    L = K.layers
    a = K.Input(shape=(8,), name="left")
    b = K.Input(shape=(4,), name="right")
    ha = L.Dense(6, activation="elu", name="dense_left")(a)
    hb = L.Dense(6, activation="selu", name="dense_right")(b)
    shared = L.Dense(6, activation="tanh", name="shared")  # used twice: a shared layer
    s = L.Add(name="add")([shared(ha), shared(hb)])
    c = L.Concatenate(name="concat")([s, a])
    out1 = L.Dense(3, activation="softmax", name="probabilities")(c)
    out2 = L.Dense(2, activation="softplus", name="positive")(c)
    return K.Model([a, b], [out1, out2], name="two_inputs")


def nested(K):
    L = K.layers
    ei = K.Input(shape=(16,))
    e = L.Dense(8, activation="gelu")(ei)
    e = L.Dense(4, activation="tanh", name="code")(e)
    encoder = K.Model(ei, e, name="encoder")
    decoder = K.Sequential([K.Input(shape=(4,)), L.Dense(8, activation="relu"), L.Dense(16, activation="sigmoid")],
                           name="decoder")
    x = K.Input(shape=(16,))
    return K.Model(x, decoder(encoder(x)), name="nested_autoencoder")


def batchnorm(K):
    L = K.layers
    return K.Sequential([
        K.Input(shape=(6, 6, 2)),
        L.Conv2D(4, 3, padding="same", use_bias=False),
        L.BatchNormalization(epsilon=1e-3),
        L.Activation("relu"),
        L.Flatten(),
        L.Dense(5),
        L.BatchNormalization(center=False, epsilon=0.01),
    ], name="batchnorm")


def every_layer(K):
    L = K.layers
    leaky = L.LeakyReLU(negative_slope=0.2) if K is keras else L.LeakyReLU(alpha=0.2)
    x = K.Input(shape=(12, 12, 3), name="image")
    h = L.ZeroPadding2D(((1, 0), (2, 1)))(x)                           # 13x15
    h = L.Conv2D(6, 3, strides=1, padding="valid", activation="elu")(h)  # 11x13
    h = L.Cropping2D(((1, 0), (0, 1)))(h)                              # 10x12
    h = L.MaxPooling2D(2)(h)                                           # 5x6
    h = L.AveragePooling2D(2, strides=1, padding="same")(h)           # 5x6
    h = L.UpSampling2D(2, interpolation="bilinear")(h)                 # 10x12
    h = L.Conv2D(4, (3, 2), strides=2, padding="same", activation="selu")(h)  # 5x6
    h = L.UpSampling2D((2, 1), interpolation="nearest")(h)             # 10x6
    h = L.Conv2DTranspose(5, 3, strides=2, padding="same", activation="softplus")(h)  # 20x12
    h = L.Conv2DTranspose(3, (2, 3), strides=1, padding="valid")(h)  # 21x14, linear
    h = L.GaussianNoise(0.3)(h)
    h = L.Dropout(0.5)(h)
    h = leaky(h)
    h = L.AveragePooling2D(3, strides=3, padding="valid")(h)          # 7x4
    h = L.Activation("gelu")(h)
    f = L.Flatten()(h)
    d = L.Dense(12, activation="linear")(f)
    d = L.ActivityRegularization(l1=0.01)(d)
    r = L.Reshape((3, 4))(d)
    r = L.Activation("softmax")(r)
    r = L.Reshape((12,))(r)
    t = L.Dense(12, activation="sigmoid")(f)
    u = L.Dense(12, activation="relu")(f)
    v = L.Activation("tanh")(L.Add()([r, t, u]))
    out = L.Concatenate()([v, L.Dense(4, activation="elu")(v)])
    return K.Model(x, out, name="every_layer")


def _keras3_only(out: Path):
    """Files the importer must refuse, with the message fragment the Java test asserts (refusals.json)."""
    L = keras.layers
    refusals = {}

    m = keras.Sequential([keras.Input(shape=(4,)), L.Dense(3), L.Lambda(lambda t: t * 2.0, name="times_two")])
    m.save(out / "lambda.keras")
    refusals["lambda.keras"] = "times_two"

    @keras.saving.register_keras_serializable(package="test")
    class Scale(L.Layer):
        def call(self, t):
            return t * 3.0

    m = keras.Sequential([keras.Input(shape=(4,)), L.Dense(3), Scale(name="my_scale")])
    m.save(out / "custom.keras")
    refusals["custom.keras"] = "my_scale"

    m = keras.Sequential([keras.Input(shape=(4,)), L.Dense(3, activation="hard_sigmoid", name="hard")])
    m.save(out / "activation.keras")
    refusals["activation.keras"] = "hard_sigmoid"

    m = keras.Sequential([keras.Input(shape=(3, 8, 8)), L.Conv2D(2, 3, data_format="channels_first", name="cf")])
    m.save(out / "channels_first.keras")
    refusals["channels_first.keras"] = "channels_first"

    m = keras.Sequential([keras.Input(shape=(4,)), L.Dense(3, dtype="mixed_float16", name="mixed")])
    m.save(out / "mixed.keras")
    refusals["mixed.keras"] = "mixed_float16"

    # Config says 5 units, weights hold 3: shape mismatch.
    m = keras.Sequential([keras.Input(shape=(4,)), L.Dense(3, name="narrow")])
    m.save(out / "mismatch.keras")
    _rewrite_config(out / "mismatch.keras", lambda c: c.replace('"units": 3', '"units": 5'))
    refusals["mismatch.keras"] = "narrow"

    # Weights of the second Dense deleted from model.weights.h5.
    m = keras.Sequential([keras.Input(shape=(4,)), L.Dense(3, name="first"), L.Dense(2, name="second")])
    m.save(out / "missing.keras")
    _drop_weights_keras(out / "missing.keras", 1)
    refusals["missing.keras"] = "second"

    m = tf_keras.Sequential([tf_keras.Input(shape=(4,)), tf_keras.layers.Dense(3, name="first"),
                             tf_keras.layers.Dense(2, name="second")])
    m.save(out / "missing.h5", save_format="h5")
    import h5py
    with h5py.File(out / "missing.h5", "r+") as f:
        del f["model_weights/second/second"]
    refusals["missing.h5"] = "second"

    m = tf_keras.Sequential([tf_keras.Input(shape=(4,)), tf_keras.layers.Lambda(lambda t: t + 1, name="plus_one")])
    m.save(out / "lambda.h5", save_format="h5")
    refusals["lambda.h5"] = "plus_one"

    (out / "refusals.json").write_text(json.dumps(refusals, indent=2) + "\n")


def tutorial_conv(K, size=28, valid_stages=(2,)):
    """The Keras tutorial's conv autoencoder on a size×size input, decoder stages in valid_stages 'valid'-padded
    (the tutorial's own is size 28, stage 2: 16×16 → 14×14 → 28×28)."""
    L = K.layers
    layers = [K.Input(shape=(size, size, 1))]
    for f in (16, 8, 8):
        layers += [L.Conv2D(f, 3, activation="relu", padding="same"), L.MaxPooling2D(2, padding="same")]
    for stage, f in enumerate((8, 8, 16)):
        layers += [L.Conv2D(f, 3, activation="relu", padding="valid" if stage in valid_stages else "same",
                            name=f"decoder_conv{stage}"), L.UpSampling2D(2)]
    layers.append(L.Conv2D(1, 3, activation="sigmoid", padding="same"))
    return K.Sequential(layers, name="tutorial_conv")


def _spec_refusals(out: Path):
    """Files `aebridge import` serves but `train --from` must refuse (the spec cannot express them exactly);
    KerasSpecTest asserts the messages."""
    tutorial_conv(keras, valid_stages=(1,)).save(out / "conv_valid_early.keras")
    tutorial_conv(keras, size=32).save(out / "conv_valid_offsize.keras")


def _rewrite_config(path: Path, edit):
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "config.json":
                data = edit(data.decode()).encode()
            zout.writestr(item, data)
    tmp.replace(path)


def _drop_weights_keras(path: Path, layer_index: int):
    import h5py
    import io
    with zipfile.ZipFile(path) as zin:
        weights = io.BytesIO(zin.read("model.weights.h5"))
    with h5py.File(weights, "r+") as f:
        keys = sorted(f["layers"].keys())
        del f["layers"][keys[layer_index]]["vars"]
        f["layers"][keys[layer_index]].create_group("vars")
    data = weights.getvalue()
    _rewrite_zip_member(path, "model.weights.h5", data)


def _rewrite_zip_member(path: Path, member: str, data: bytes):
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w") as zout:
        for item in zin.infolist():
            zout.writestr(item, data if item.filename == member else zin.read(item.filename))
    tmp.replace(path)


def zoo(out: Path):
    rng = np.random.default_rng(11)
    out.mkdir(parents=True, exist_ok=True)
    write_pair(two_inputs, "two_inputs", out,
               [rng.normal(size=(GOLDEN_BATCH, 8)).astype(np.float32),
                rng.normal(size=(GOLDEN_BATCH, 4)).astype(np.float32)])
    code = rng.normal(size=(GOLDEN_BATCH, 4)).astype(np.float32)
    write_pair(nested, "nested", out, [rng.uniform(size=(GOLDEN_BATCH, 16)).astype(np.float32)],
               sub_models=lambda m: {"encode": (m.get_layer("encoder"), "input_0.npy"),
                                     "decode": (m.get_layer("decoder"), "code.npy")},
               extra_inputs={"code.npy": code})
    write_pair(batchnorm, "batchnorm", out, [rng.normal(size=(GOLDEN_BATCH, 6, 6, 2)).astype(np.float32)])
    write_pair(every_layer, "every_layer", out, [rng.uniform(size=(GOLDEN_BATCH, 12, 12, 3)).astype(np.float32)])
    _keras3_only(out)
    _spec_refusals(out)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--zoo", required=True, metavar="DIR", help="write the test-only models and refusals into DIR")
    args = ap.parse_args()
    zoo(Path(args.zoo))
    print(f"wrote {len(list(Path(args.zoo).glob('*.keras'))) + len(list(Path(args.zoo).glob('*.h5')))} files "
          f"into {args.zoo}")
    sys.exit(0)
