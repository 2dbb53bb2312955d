/**
 * Keras model files into TensorFlow Java: Keras 3 {@code .keras} archives and legacy tf.keras/Keras 2 {@code .h5}
 * files are read (config with Jackson, weights with jHDF — no native HDF5, no Python), every layer is checked
 * against what is supported before any graph exists, and the model is rebuilt as a TensorFlow graph with the
 * file's weights. Place in the pipeline: a second way in beside {@code load/} (which reads SavedModels); its
 * {@link io.aebridge.keras.KerasModel} can run in place or be written as a SavedModel through {@code export/}.
 * {@link io.aebridge.keras.KerasSpec} maps an autoencoder file onto a {@code spec/} record plus its weights, which
 * {@code cli/} hands to {@code train/} ({@code aebridge train --from}). It builds its own ops and does not depend on
 * {@code graph/} or {@code train/}; {@code serve/} may use it.
 */
package io.aebridge.keras;
