/**
 * The model server, assembled: {@link io.aebridge.serve.ModelServer} reads a {@link io.aebridge.serve.ServerConfig},
 * builds the models ({@code serve.repository}), the protocol-neutral core ({@code serve.core}) on top of them, and
 * starts the front-ends: HTTP on Javalin ({@code serve.http}: TF Serving REST, the Open Inference Protocol V2,
 * the autoencoder endpoints, management, the web page) and gRPC ({@code serve.grpc}). This package holds only the wiring and what every part shares: the configuration, the
 * Prometheus metrics and {@code Services}. Knows nothing of training: it reads models only through
 * {@code io.aebridge.load}.
 */
package io.aebridge.serve;
