/**
 * Immutable, validated descriptions of an autoencoder and its training: what the user picks (code size, layers,
 * nodes per layer, loss, penalties, corruption, optimizer). No TensorFlow or HTTP types live here, so a spec can be
 * read, checked and stored before any native code loads.
 */
package io.aebridge.spec;
