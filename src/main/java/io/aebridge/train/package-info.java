/**
 * Trains an autoencoder graph: shuffled mini-batches fed from buffers, fresh corruption per batch for denoising,
 * paired input→target data, validation, early stopping, progress and history, and a clear stop on a diverging loss
 * or Ctrl-C. The result is a {@link io.aebridge.train.TrainedModel} that owns the graph and session.
 */
package io.aebridge.train;
