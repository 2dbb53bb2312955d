/**
 * Loads any SavedModel — exported here or by Python — discovers its signatures from the model itself, runs them on
 * host arrays, and knows the TF Serving folder layout {@code <root>/<name>/<version>/}. Knows nothing of training.
 */
package io.aebridge.load;
