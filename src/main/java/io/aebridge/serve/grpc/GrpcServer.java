package io.aebridge.serve.grpc;

import inference.GRPCInferenceServiceGrpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tensorflow.serving.PredictionServiceGrpc;

/**
 * The gRPC port: TF Serving's {@code PredictionService} and {@code ModelService}, KServe V2's
 * {@code GRPCInferenceService}, {@code grpc.health.v1.Health} and server reflection (grpcurl and
 * grpc_health_probe work without .proto files), on grpc-java with Netty.
 *
 * <p>Threads: {@code Predict}, {@code ModelInfer}, health checks and liveness/readiness run on the transport's
 * event-loop thread, which only decodes a request and hands it to the batching queue
 * ({@link io.aebridge.serve.core.ServingCore#inferAsync}); the answer is encoded and sent from the thread that ran
 * the model, so no thread waits for a batch and a call costs two thread hand-offs (transport → batch → transport)
 * instead of four. Every other call (metadata, status, management, which may wait for a model load) runs on a
 * fixed pool of {@link Settings#threads()} threads. {@link #close()} stops accepting, lets in-flight calls finish
 * up to the drain timeout, then cancels the rest. Thread-safe.
 */
public final class GrpcServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GrpcServer.class);

  /**
   * @param host the address to bind (the HTTP server's)
   * @param port the port; 0 picks a free one
   * @param maxMessageBytes the largest message a client may send (the server's body limit); more is
   *     RESOURCE_EXHAUSTED
   * @param threads how many calls other than inference and health checks run at once
   * @param drainTimeout how long {@link #close()} waits for in-flight calls
   */
  public record Settings(String host, int port, long maxMessageBytes, int threads, Duration drainTimeout) {
    public Settings {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("gRPC port must lie in [0, 65535], found " + port);
      }
      if (maxMessageBytes < 1) {
        throw new IllegalArgumentException("maxMessageBytes must be positive, found " + maxMessageBytes);
      }
      if (threads < 1) {
        throw new IllegalArgumentException("threads must be at least 1, found " + threads);
      }
    }
  }

  /** Calls that never block: they run on the transport thread (see the class comment). */
  private static final Set<String> ON_TRANSPORT = Set.of(
      PredictionServiceGrpc.getPredictMethod().getFullMethodName(),
      GRPCInferenceServiceGrpc.getModelInferMethod().getFullMethodName(),
      GRPCInferenceServiceGrpc.getServerLiveMethod().getFullMethodName(),
      GRPCInferenceServiceGrpc.getServerReadyMethod().getFullMethodName(),
      HealthGrpc.getCheckMethod().getFullMethodName());

  private final Server server;
  private final ExecutorService executor;
  private final HealthStatusManager health;
  private final Duration drainTimeout;
  private final AtomicBoolean closed = new AtomicBoolean();

  private GrpcServer(Server server, ExecutorService executor, HealthStatusManager health, Duration drainTimeout) {
    this.server = server;
    this.health = health;
    this.executor = executor;
    this.drainTimeout = drainTimeout;
  }

  /**
   * Binds the port and starts serving {@code host}'s models.
   *
   * @throws UncheckedIOException when the port cannot be bound
   */
  public static GrpcServer start(Settings settings, GrpcHost host) {
    return start(settings, host, null);
  }

  /**
   * Binds the port and starts serving {@code host}'s models, over TLS when {@code tls} is given.
   *
   * @param tls the server's TLS credentials (certificate, key, client authentication); {@code null} for plain text
   * @throws UncheckedIOException when the port cannot be bound
   */
  public static GrpcServer start(Settings settings, GrpcHost host, ServerCredentials tls) {
    AtomicInteger n = new AtomicInteger();
    ExecutorService executor = Executors.newFixedThreadPool(settings.threads(), r -> {
      Thread t = new Thread(r, "aebridge-grpc-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    // One tensor may be as large as a message; a broadcast value may not declare more than that.
    TensorCodec codec = new TensorCodec(settings.maxMessageBytes());
    CallContext context = new CallContext(host);
    HealthStatusManager health = new HealthStatusManager();
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress(settings.host(), settings.port()),
            tls == null ? InsecureServerCredentials.create() : tls)
        .directExecutor()
        .callExecutor(new ServerCallExecutorSupplier() {
          @Override
          public <Q, R> Executor getExecutor(ServerCall<Q, R> call, Metadata metadata) {
            return ON_TRANSPORT.contains(call.getMethodDescriptor().getFullMethodName()) ? null : executor;
          }
        })
        .maxInboundMessageSize((int) Math.min(Integer.MAX_VALUE, settings.maxMessageBytes()))
        .maxInboundMetadataSize(64 * 1024)
        .addService(ServerInterceptors.intercept(
            StrictParsing.wrap(new PredictionServiceImpl(host, codec).bindService()), context))
        .addService(ServerInterceptors.intercept(StrictParsing.wrap(new ModelServiceImpl(host).bindService()),
            context))
        .addService(ServerInterceptors.intercept(
            StrictParsing.wrap(new InferenceServiceImpl(host, codec).bindService()), context))
        .addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance())
        .addService(legacyReflection())
        .build();
    try {
      server.start();
    } catch (IOException e) {
      executor.shutdownNow();
      throw new UncheckedIOException("Could not bind the gRPC port " + settings.host() + ":" + settings.port()
          + " (in use? set grpcPort, --grpc-port or AEBRIDGE_GRPC_PORT; 0 turns gRPC off)", e);
    }
    GrpcServer self = new GrpcServer(server, executor, health, settings.drainTimeout());
    self.health(ServingStatus.NOT_SERVING);
    LOG.info("gRPC listening on {}:{}{} (PredictionService, ModelService, GRPCInferenceService, health, reflection)",
        settings.host(), self.port(), tls == null ? "" : " over TLS");
    return self;
  }

  /**
   * Health reports SERVING from now on (before this, NOT_SERVING: the port is bound while the first scan of the
   * models folder still runs, as REST's readiness answers 503 until then).
   */
  public void markServing() {
    health(ServingStatus.SERVING);
  }

  private void health(ServingStatus status) {
    health.setStatus("", status);
    for (String service : new String[] {"tensorflow.serving.PredictionService", "tensorflow.serving.ModelService",
        "inference.GRPCInferenceService"}) {
      health.setStatus(service, status);
    }
  }

  /** Reflection's v1alpha service: grpcurl before 1.9, ghz and other tools built on it only speak that one. */
  @SuppressWarnings("deprecation")
  private static io.grpc.BindableService legacyReflection() {
    return io.grpc.protobuf.services.ProtoReflectionService.newInstance();
  }

  /** The bound port. */
  public int port() {
    return server.getPort();
  }

  /** Stops gracefully (see the class comment). Idempotent. */
  @Override
  public void close() {
    if (closed.getAndSet(true)) {
      return;
    }
    health.enterTerminalState();
    server.shutdown();
    try {
      if (!server.awaitTermination(drainTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("gRPC calls still running after {}; cancelling them", drainTimeout);
        server.shutdownNow();
        server.awaitTermination(1, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      executor.shutdownNow();
    }
  }
}
