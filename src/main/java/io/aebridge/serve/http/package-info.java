/**
 * The HTTP front-ends on Javalin/Jetty: TF Serving's REST API ({@link io.aebridge.serve.http.TfServingApi}), the
 * Open Inference Protocol V2 with its binary tensor extension ({@link io.aebridge.serve.http.InferenceProtocolApi}),
 * the autoencoder endpoints ({@link io.aebridge.serve.http.AutoencoderApi}) and the token-gated management API
 * ({@link io.aebridge.serve.http.ManagementApi}). Each decodes its JSON or binary body into the core's
 * {@link io.aebridge.serve.core.InferenceRequest} and encodes the response; bodies are read in full before a
 * request takes a thread ({@link io.aebridge.serve.http.BodyReader}), and every error becomes an HTTP status in one
 * place ({@link io.aebridge.serve.http.HttpErrors}). Routes carry their OpenAPI description
 * ({@link io.aebridge.serve.http.Routes}, {@link io.aebridge.serve.http.OpenApi}).
 */
package io.aebridge.serve.http;
