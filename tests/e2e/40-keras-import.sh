#!/usr/bin/env bash
# End-to-end: `aebridge import` of a Keras 3 .keras and a tf.keras .h5 file (tests/fixtures/keras/demo.*) into a
# models folder, `aebridge inspect` on the result, the SavedModel run by Python's tf.saved_model.load against the
# file's Keras goldens, a refused file that writes nothing, and the round trip of `aebridge train --from`: a .keras
# and an .h5 dense reference model and the Keras tutorial's conv model (its 'valid' decoder convolution mapped onto
# the spec's crop) trained one epoch further in Java (1000 digits), exported, and loaded by Python's
# tf.saved_model.load, which must give the outputs Java computes from the same SavedModel (≤ 1e-5, every signature).
# Env: PY, WORK, ROOT (see /work/lanes/COMMON.md).
set -euo pipefail
cd "$ROOT"
models="$WORK/keras-models"
fail=0
check() { if "$@"; then echo "ok   $desc"; else echo "FAIL $desc"; fail=1; fi; }

desc="import demo.keras → $models/demo/1"
check bash -c "./aebridge import tests/fixtures/keras/demo.keras --models '$models' > '$WORK/import-keras.log' 2>&1 \
  && [ -f '$models/demo/1/saved_model.pb' ]"
desc="import demo.h5 → $models/demo/2"
check bash -c "./aebridge import tests/fixtures/keras/demo.h5 --name demo --models '$models' > '$WORK/import-h5.log' 2>&1 \
  && [ -f '$models/demo/2/saved_model.pb' ]"
desc="inspect shows encode/decode and the keras-import card"
check bash -c "./aebridge inspect '$models/demo' 2>/dev/null | grep -q \"signature_def\['decode'\]\" \
  && ./aebridge inspect '$models/demo' 2>/dev/null | grep -q '\"kind\" : \"keras-import\"'"
desc="tf.saved_model.load of both imports gives Keras' outputs (≤ 1e-5, every signature)"
check "$PY" - "$models" 2> "$WORK/keras-python.log" <<'PYEOF'
import os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np, tensorflow as tf
models = sys.argv[1]
for version, fmt in (("1", "keras"), ("2", "h5")):
    g = f"tests/fixtures/keras/demo.{fmt}.goldens"
    m = tf.saved_model.load(f"{models}/demo/{version}")
    x, code = np.load(f"{g}/input_0.npy"), np.load(f"{g}/code.npy")
    got = {"serving_default": m.signatures["serving_default"](x=tf.constant(x))["reconstruction"],
           "encode": m.signatures["encode"](x=tf.constant(x))["code"],
           "decode": m.signatures["decode"](code=tf.constant(code))["reconstruction"]}
    want = {"serving_default": np.load(f"{g}/output_0.npy"), "encode": np.load(f"{g}/encode__output.npy"),
            "decode": np.load(f"{g}/decode__output.npy")}
    for k in got:
        d = float(np.max(np.abs(got[k].numpy() - want[k])))
        assert d <= 1e-5, f"demo.{fmt} {k}: {d}"
PYEOF
desc="a damaged file is refused with a message and writes no version"
printf 'not a keras file' > "$WORK/broken.keras"
check bash -c "! ./aebridge import '$WORK/broken.keras' --models '$models' > '$WORK/broken.log' 2>&1 \
  && grep -q 'neither a Keras 3 .keras archive' '$WORK/broken.log' && [ ! -e '$models/broken' ]"
trained="$WORK/keras-trained"
# conv.keras adds about 20 s (train 8 s, goldens + Python check 12 s, load 3 on 2 cores).
for pair in sparse.keras deep.h5 conv.keras; do
  name="${pair%.*}"
  desc="train --from $pair: 1 epoch in Java from the file's weights, exported to $trained/$name/1"
  check bash -c "./aebridge train --from 'tests/fixtures/keras/$pair' --epochs 1 --limit 1000 --models '$trained' \
    > '$WORK/train-from-$name.log' 2>&1 && grep -q 'Starting from' '$WORK/train-from-$name.log' \
    && [ -f '$trained/$name/1/saved_model.pb' ] && grep -q '\"initialWeights\"' '$trained/$name/1/model-card.json'"
  desc="tf.saved_model.load of the model trained from $pair gives Java's outputs (≤ 1e-5, every signature)"
  check bash -c "./aebridge goldens '$trained/$name' --out '$WORK/java-$name' \
    --input 'tests/fixtures/keras/$pair.goldens/input_0.npy' > '$WORK/goldens-$name.log' 2>&1 \
    && '$PY' python-reference/check_java_export.py --model '$trained/$name/1' --goldens '$WORK/java-$name' \
    --no-show > '$WORK/roundtrip-$name.log' 2>&1"
done
exit $fail
