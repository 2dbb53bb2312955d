/**
 * Writes trained autoencoders as SavedModels (tag {@code serve}; signatures {@code serving_default}, {@code encode},
 * {@code decode}) into the TF Serving layout, atomically, with a model card beside each version.
 */
package io.aebridge.export;
