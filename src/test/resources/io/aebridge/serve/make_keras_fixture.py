"""For reference: how keras-models/keras_conv/1 was made (Keras 3.15 on TensorFlow 2.18.1, CPU).

A small convolutional autoencoder exported with model.export(), Keras 3's SavedModel path: signatures `serve` and
`serving_default`, input `keras_tensor`, output `output_0`, the layer ops inside functions of the graph's library.
The server tests load it to check that a Python-made model passes the op allow-list and is served under its own
tensor names. Run: python make_keras_fixture.py <output folder>  (writes <output>/keras_conv/1).
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402
import numpy as np  # noqa: E402

keras.utils.set_random_seed(1)
inp = keras.Input((28, 28, 1))
x = keras.layers.Conv2D(4, 3, activation="relu", padding="same")(inp)
x = keras.layers.MaxPooling2D(2)(x)
x = keras.layers.Conv2D(2, 3, activation="relu", padding="same")(x)
x = keras.layers.UpSampling2D(2)(x)
x = keras.layers.Conv2DTranspose(4, 3, padding="same", activation="elu")(x)
x = keras.layers.BatchNormalization()(x)
out = keras.layers.Conv2D(1, 3, activation="sigmoid", padding="same")(x)
model = keras.Model(inp, out)
model.compile("adam", "binary_crossentropy")
data = np.random.default_rng(1).random((64, 28, 28, 1), dtype=np.float32)
model.fit(data, data, epochs=1, verbose=0)
model.export(os.path.join(sys.argv[1], "keras_conv", "1"))
