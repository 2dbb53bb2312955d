package io.aebridge.bench;

import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import inference.GRPCInferenceServiceGrpc;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tensorflow.serving.ModelServiceGrpc;
import tensorflow.serving.PredictionServiceGrpc;

/**
 * A light closed-loop gRPC load client for {@code bench/grpc_part.py}: N concurrent unary calls over a few HTTP/2
 * connections, each issuing its next call as soon as its answer arrives, for a fixed time. The request is encoded
 * once (from protobuf JSON, as ghz takes it) and sent as the same bytes every time, and answers are read as bytes
 * without decoding: what wrk does for HTTP, so neither client's encoding work lands on the cores the server shares.
 * Callbacks run on the channel's event loop ({@code directExecutor}), no thread hand-off per call.
 *
 * <p>Prints one JSON object: one point per concurrency with req/s, p50/p99, counts and the client's own CPU seconds
 * during the measured window (from the JVM's process CPU time), so the client's cost per request sits beside each
 * figure. Works against any server of the known services (ours, the Python grpcio one).
 */
@Command(name = "grpc-load", description = "Closed-loop gRPC load: req/s and latency at each concurrency.")
final class GrpcLoad implements Callable<Integer> {
  @Spec
  CommandSpec command;

  @Option(names = "--target", required = true, description = "host:port")
  String target;

  @Option(names = "--call", required = true,
      description = "Full method name, e.g. tensorflow.serving.PredictionService/Predict")
  String call;

  @Option(names = "--data", required = true, description = "The request as protobuf JSON (file).")
  Path data;

  @Option(names = "--concurrency", split = ",", defaultValue = "1,16,64",
      description = "Calls in flight, one point each. Default: ${DEFAULT-VALUE}.")
  int[] concurrency;

  @Option(names = "--seconds", defaultValue = "2", description = "Per point. Default: ${DEFAULT-VALUE}.")
  double seconds;

  @Option(names = "--warmup", defaultValue = "2",
      description = "Seconds at each concurrency first (in the order given), not measured. Default: ${DEFAULT-VALUE}.")
  double warmup;

  @Option(names = "--connections", defaultValue = "1",
      description = "HTTP/2 connections the calls are spread over. Default: ${DEFAULT-VALUE}.")
  int connections;

  @Option(names = "--timeout", defaultValue = "10", description = "Per-call deadline, seconds.")
  double timeout;

  @Option(names = "--server-session", paramLabel = "SID",
      description = "Also report the CPU seconds of every process of this Linux session (the server) per point.")
  Integer serverSession;

  private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  @Override
  public Integer call() throws Exception {
    MethodDescriptor<?, ?> known = knownMethod(call);
    Message prototype = (Message) ((MethodDescriptor.PrototypeMarshaller<?>) known.getRequestMarshaller())
        .getMessagePrototype();
    Message.Builder builder = prototype.newBuilderForType();
    JsonFormat.parser().merge(Files.readString(data), builder);
    byte[] body = builder.build().toByteArray();
    MethodDescriptor<byte[], byte[]> method = MethodDescriptor.newBuilder(BYTES, BYTES)
        .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName(call).build();
    List<ManagedChannel> channels = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      channels.add(NettyChannelBuilder.forTarget(target).usePlaintext().directExecutor()
          .maxInboundMessageSize(64 << 20).build());
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("target", target);
    out.put("call", call);
    out.put("request_bytes", body.length);
    out.put("connections", connections);
    List<Map<String, Object>> points = new ArrayList<>();
    try {
      // Each concurrency warms up on its own: the server's single-request path (a batch of one) is not the
      // path 64 streams take (merged batches), and a warm-up at 64 alone left the 1-stream point half-compiled.
      if (warmup > 0) {
        for (int c : concurrency) {
          run(channels, method, body, c, warmup);
        }
      }
      for (int c : concurrency) {
        points.add(run(channels, method, body, c, seconds));
      }
    } finally {
      for (ManagedChannel ch : channels) {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
    out.put("points", points);
    command.commandLine().getOut().println(BenchMain.JSON.writeValueAsString(out));
    command.commandLine().getOut().flush();
    return 0;
  }

  /** The generated descriptor of {@code fullName} among the services a benchmark calls. */
  private static MethodDescriptor<?, ?> knownMethod(String fullName) {
    for (ServiceDescriptor s : List.of(PredictionServiceGrpc.getServiceDescriptor(),
        ModelServiceGrpc.getServiceDescriptor(), GRPCInferenceServiceGrpc.getServiceDescriptor(),
        HealthGrpc.getServiceDescriptor())) {
      for (MethodDescriptor<?, ?> m : s.getMethods()) {
        if (m.getFullMethodName().equals(fullName)) {
          return m;
        }
      }
    }
    throw new IllegalArgumentException("Unknown method '" + fullName + "'; give service/method of "
        + "PredictionService, ModelService, GRPCInferenceService or grpc.health.v1.Health");
  }

  /** One stream: issues a call, and on its answer records the latency and issues the next until the end. */
  private final class Stream implements StreamObserver<byte[]> {
    private final ManagedChannel channel;
    private final MethodDescriptor<byte[], byte[]> method;
    private final byte[] body;
    private final long end;
    private final CountDownLatch done;
    private long[] latencies = new long[1024];
    private int count;
    private long ok;
    private long errors;
    private String lastError;
    private long started;

    Stream(ManagedChannel channel, MethodDescriptor<byte[], byte[]> method, byte[] body, long end,
        CountDownLatch done) {
      this.channel = channel;
      this.method = method;
      this.body = body;
      this.end = end;
      this.done = done;
    }

    void next() {
      started = System.nanoTime();
      ClientCalls.asyncUnaryCall(channel.newCall(method, CallOptions.DEFAULT.withDeadlineAfter(
          (long) (timeout * 1e9), TimeUnit.NANOSECONDS)), body, this);
    }

    @Override
    public void onNext(byte[] value) {}

    @Override
    public void onError(Throwable t) {
      errors++;
      lastError = Status.fromThrowable(t).toString();
      finish();
    }

    @Override
    public void onCompleted() {
      ok++;
      finish();
    }

    private void finish() {
      long now = System.nanoTime();
      if (count == latencies.length) {
        latencies = Arrays.copyOf(latencies, count * 2);
      }
      latencies[count++] = now - started;
      if (now < end) {
        next();
      } else {
        done.countDown();
      }
    }
  }

  private Map<String, Object> run(List<ManagedChannel> channels, MethodDescriptor<byte[], byte[]> method,
      byte[] body, int streams, double secs) throws InterruptedException {
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    CountDownLatch done = new CountDownLatch(streams);
    long t0 = System.nanoTime();
    long end = t0 + (long) (secs * 1e9);
    long cpu0 = os.getProcessCpuTime();
    double server0 = sessionCpu();
    List<Stream> all = new ArrayList<>();
    for (int i = 0; i < streams; i++) {
      all.add(new Stream(channels.get(i % channels.size()), method, body, end, done));
    }
    all.forEach(Stream::next);
    if (!done.await((long) (secs + timeout + 30), TimeUnit.SECONDS)) {
      throw new IllegalStateException("calls still open " + (timeout + 30) + " s after the end of the point");
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
    double server = sessionCpu() - server0;
    long ok = 0;
    long errors = 0;
    String lastError = null;
    int n = 0;
    for (Stream s : all) {
      ok += s.ok;
      errors += s.errors;
      n += s.count;
      lastError = s.lastError != null ? s.lastError : lastError;
    }
    long[] lat = new long[n];
    int i = 0;
    for (Stream s : all) {
      System.arraycopy(s.latencies, 0, lat, i, s.count);
      i += s.count;
    }
    Arrays.sort(lat);
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("concurrency", streams);
    p.put("seconds", wall);
    p.put("requests", ok + errors);
    p.put("ok", ok);
    p.put("errors", errors);
    p.put("rps", ok / wall);
    p.put("p50_ms", percentile(lat, 0.50));
    p.put("p99_ms", percentile(lat, 0.99));
    p.put("client_cpu_s", cpu);
    p.put("client_cpu_us_per_request", n == 0 ? null : cpu * 1e6 / n);
    if (serverSession != null) {
      p.put("server_cpu_s", server);
      p.put("server_cpu_us_per_request", n == 0 ? null : server * 1e6 / n);
    }
    if (lastError != null) {
      p.put("last_error", lastError);
    }
    return p;
  }

  /** CPU seconds (user + system) of the live processes of {@link #serverSession}, from /proc; 0 without one. */
  private double sessionCpu() {
    if (serverSession == null) {
      return 0;
    }
    long ticks = 0;
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path dir : procs) {
        String stat;
        try {
          stat = Files.readString(dir.resolve("stat"));
        } catch (IOException gone) {
          continue;
        }
        // Fields after the command name, which may hold spaces: state ppid pgrp session … utime(14) stime(15).
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        if (Integer.parseInt(f[3]) == serverSession) {
          ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read /proc for --server-session", e);
    }
    return ticks / (double) CLOCK_TICKS;
  }

  /** USER_HZ: /proc's time unit; 100 on every Linux this runs on (the kernel ABI fixes it for x86 and arm64). */
  private static final int CLOCK_TICKS = 100;

  private static Double percentile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return null;
    }
    int k = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
    return sorted[Math.max(0, k)] / 1e6;
  }
}
