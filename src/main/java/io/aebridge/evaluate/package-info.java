/**
 * Evaluates exported autoencoders on held-out data: reconstruction errors against a PCA baseline of the same code
 * size (fitted with TensorFlow's eigendecomposition), code activity, the exact encoder Jacobian norm, denoising
 * errors, and PNG figures (reconstruction grids, loss curves). Reads SavedModels through {@code io.aebridge.load}.
 */
package io.aebridge.evaluate;
