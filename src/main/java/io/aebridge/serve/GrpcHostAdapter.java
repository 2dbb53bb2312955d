package io.aebridge.serve;

import io.aebridge.serve.core.ServingCore;
import io.aebridge.serve.core.ServingException;
import io.aebridge.serve.grpc.GrpcHost;
import io.aebridge.serve.repository.ModelRepository;
import io.aebridge.serve.repository.TfServingModels;
import io.aebridge.serve.repository.VersionPolicy;
import io.aebridge.serve.repository.VersionStatus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import tensorflow.serving.ModelServerConfigOuterClass.ModelServerConfig;

/** Hands this server's repository, token and metrics to the gRPC front-ends ({@code serve.grpc}). Thread-safe. */
final class GrpcHostAdapter implements GrpcHost {
  private final Services services;
  private final byte[] tokenDigest;

  GrpcHostAdapter(Services services) {
    this.services = services;
    String token = services.config().managementToken();
    this.tokenDigest = token == null ? null : sha256(token);
  }

  @Override
  public ServingCore core() {
    return services.core();
  }

  @Override
  public boolean ready() {
    return services.repository().ready();
  }

  @Override
  public List<VersionState> status(String model) {
    return states(services.repository().status(model));
  }

  @Override
  public boolean managementEnabled() {
    return tokenDigest != null;
  }

  @Override
  public boolean authorized(String token) {
    // Digests have one length, so the comparison takes the same time whatever was sent.
    return tokenDigest != null && token != null && MessageDigest.isEqual(tokenDigest, sha256(token));
  }

  @Override
  public List<VersionState> load(String model) {
    return states(services.repository().load(model));
  }

  @Override
  public void unload(String model) {
    // Unloading an unloaded model is done already; an unknown one is NOT_FOUND (from the repository).
    if (!services.repository().isUnloaded(model)) {
      services.repository().unload(model);
    }
  }

  @Override
  public ModelSettings settings(String model) {
    VersionPolicy policy = services.config().versionPolicyOf(model);
    ServerConfig.Batching batching = services.config().batchingOf(model);
    return new ModelSettings(policy.kind().name(), policy.latestCount(), List.copyOf(policy.specific()),
        batching.enabled(), batching.maxBatchSize(), batching.maxDelayMicros());
  }

  @Override
  public void reloadConfig(ModelServerConfig config) {
    ModelRepository repository = services.repository();
    try {
      repository.serveExactly(TfServingModels.forReload(config, repository.config()));
    } catch (IllegalArgumentException e) {
      throw ServingException.invalid(e.getMessage());
    }
  }

  @Override
  public void recordCall(String model, String method, String code, long nanos) {
    services.metrics().request("grpc", model, method, code, nanos);
  }

  private static List<VersionState> states(List<VersionStatus> statuses) {
    return statuses.stream().map(s -> new VersionState(s.version(), s.state().name(), s.errorCode(),
        s.errorMessage())).toList();
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from this JVM", e);
    }
  }
}
