/**
 * The model server: a {@link io.aebridge.serve.ModelRepository} that polls a TF Serving folder and hot-swaps
 * reference-counted versions, and a Javalin app ({@link io.aebridge.serve.ModelServer}) speaking TF Serving REST,
 * the Open Inference Protocol V2 (with the binary tensor extension) and autoencoder endpoints, with dynamic
 * batching, Prometheus metrics, a token-gated management API and a web page. The front-ends only decode and encode
 * their wire formats; requests run through the protocol-neutral {@link io.aebridge.serve.core.ServingCore}, which
 * {@code CoreBackend} connects to the repository and the batcher. Knows nothing of training: it reads models only
 * through {@code io.aebridge.load}.
 */
package io.aebridge.serve;
