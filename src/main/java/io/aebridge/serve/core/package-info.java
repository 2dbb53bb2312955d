/**
 * The protocol-neutral serving core: one {@link io.aebridge.serve.core.InferenceRequest} in, one
 * {@link io.aebridge.serve.core.InferenceResponse} out, whatever the wire format. A front-end (TF Serving REST,
 * Open Inference Protocol V2 over HTTP, gRPC, the autoencoder endpoints) only decodes its wire format into a request
 * and encodes the response; {@link io.aebridge.serve.core.ServingCore} resolves the model version and signature,
 * checks the request against the signature once, and runs it through the server's batching queue within a deadline.
 * Every refusal is a {@link io.aebridge.serve.core.ServingException} carrying one
 * {@link io.aebridge.serve.core.ErrorCode}, which each transport maps once to its own status (HTTP in
 * {@code serve.http.HttpErrors}, gRPC in the gRPC front-end).
 *
 * <p>The core knows neither Javalin nor gRPC nor training: models reach it through the
 * {@link io.aebridge.serve.core.ModelBackend} the server plugs in (the repository plus the batching queue), and
 * tensors are heap {@link io.aebridge.load.HostTensor}s, so no native handle crosses this API.
 */
package io.aebridge.serve.core;
