/**
 * Benchmark entry points for {@code bench/run.sh}: the Java side of the training comparison with Keras and the
 * matmul reference of the machine. Each prints one JSON object on stdout; nothing here is used by the library.
 */
package io.aebridge.bench;
