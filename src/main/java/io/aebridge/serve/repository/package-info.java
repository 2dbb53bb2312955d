/**
 * The models being served: {@link io.aebridge.serve.repository.ModelRepository} polls a TF Serving folder and
 * hot-swaps reference-counted versions ({@code ModelFolders} scans, {@code VersionTable} is what requests see,
 * {@code VersionLoader} loads on the repository's one loader thread after the {@code OpPolicy} allow-list has
 * passed the graph, {@code FailedVersions} remembers what would not load), and {@link
 * io.aebridge.serve.repository.Inference} runs checked requests on them through per-signature batching queues.
 * {@link io.aebridge.serve.repository.CoreBackend} plugs both into the protocol-neutral
 * {@link io.aebridge.serve.core.ServingCore}. {@link io.aebridge.serve.repository.TfServingModels} turns TF
 * Serving's {@code ModelServerConfig} (a config file or a gRPC reload) into the model list. Knows no transport.
 */
package io.aebridge.serve.repository;
