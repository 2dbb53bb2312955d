/**
 * Turns an {@link io.aebridge.spec.AutoencoderSpec} into TensorFlow ops (dense, convolutional, pooling, upsampling,
 * transposed convolution), the reconstruction loss and the penalties, and names the graph endpoints that the
 * exporter, the loader and the server share ({@link io.aebridge.graph.Endpoints}).
 */
package io.aebridge.graph;
