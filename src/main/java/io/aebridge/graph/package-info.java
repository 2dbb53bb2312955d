/**
 * Turns an {@link io.aebridge.spec.AutoencoderSpec} into TensorFlow ops (dense, convolutional, pooling, upsampling,
 * transposed convolution), the reconstruction loss and the penalties, and names the graph ops behind the
 * signatures ({@link io.aebridge.graph.Endpoints}; the signature names are {@link io.aebridge.spec.SignatureNames}).
 */
package io.aebridge.graph;
