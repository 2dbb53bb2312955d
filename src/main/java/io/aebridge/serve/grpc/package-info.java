/**
 * The gRPC front-ends: TF Serving's {@code tensorflow.serving.PredictionService} and {@code ModelService}, and the
 * KServe V2 {@code inference.GRPCInferenceService}, plus {@code grpc.health.v1} and server reflection, on their own
 * port ({@link io.aebridge.serve.grpc.GrpcServer}). Each service only decodes its messages into the serving core's
 * {@link io.aebridge.serve.core.InferenceRequest} and encodes the response; the core checks, batches and runs.
 * Errors become gRPC statuses in one place ({@code GrpcErrors}). This package knows the core and the
 * {@link io.aebridge.serve.grpc.GrpcHost} the HTTP server hands it, nothing else of the server.
 */
package io.aebridge.serve.grpc;
