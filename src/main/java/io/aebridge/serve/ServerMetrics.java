package io.aebridge.serve;

import io.aebridge.serve.repository.ModelRepository;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server's Micrometer registry, scraped in Prometheus text at {@code /metrics}: requests and latency histograms
 * per model, endpoint and status; batch sizes and queue depth per model; models loaded and failed loads; JVM
 * memory, GC and threads; and the process's resident memory, which includes TensorFlow's native allocations.
 * Model labels are only names the repository knows, so clients cannot grow the label set. Thread-safe.
 */
public final class ServerMetrics implements AutoCloseable {
  /** Content type of the Prometheus text format. */
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  private static final Duration[] LATENCY_BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(2),
      Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
      Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
      Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30)};
  private static final double[] BATCH_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();

  ServerMetrics() {
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    Gauge.builder("aebridge.process.resident.memory", ServerMetrics::residentBytes).baseUnit("bytes")
        .description("Resident set size of the server process (heap, native TensorFlow memory and the rest)")
        .register(registry);
  }

  /** Gauges and counters that read the repository. */
  void bind(ModelRepository repository) {
    Gauge.builder("aebridge.models.loaded", repository, ModelRepository::availableVersions)
        .description("Model versions being served").register(registry);
    Gauge.builder("aebridge.models.failed", repository, ModelRepository::failedVersions)
        .description("Model versions whose last load failed").register(registry);
    FunctionCounter.builder("aebridge.model.load.failures", repository, ModelRepository::loadFailures)
        .description("Loads that failed since start").register(registry);
    FunctionCounter.builder("aebridge.model.loads", repository, ModelRepository::loads)
        .description("Loads that succeeded since start").register(registry);
  }

  /** Records one HTTP request. */
  void request(String model, String endpoint, int status, long nanos) {
    request("http", model, endpoint, Integer.toString(status), nanos);
  }

  /**
   * Records one request of any protocol: {@code http} (status = the HTTP status) or {@code grpc} (endpoint = the
   * full method name, status = the gRPC code name).
   */
  void request(String protocol, String model, String endpoint, String status, long nanos) {
    Timer.builder("aebridge.requests")
        .description("Requests by protocol, model, endpoint and status")
        .tags("protocol", protocol, "model", model, "endpoint", endpoint, "status", status)
        .serviceLevelObjectives(LATENCY_BUCKETS)
        .register(registry)
        .record(Duration.ofNanos(nanos));
  }

  /** Records the samples of one merged session run. */
  public void batchSize(String model, int rows) {
    DistributionSummary.builder("aebridge.batch.size")
        .description("Samples per session run of the dynamic batcher")
        .tags("model", model)
        .serviceLevelObjectives(BATCH_BUCKETS)
        .register(registry)
        .record(rows);
  }

  /** Exposes {@code depth} as the batch queue depth of {@code model}. */
  public void queueDepth(String model, AtomicInteger depth) {
    Gauge.builder("aebridge.batch.queue.depth", depth, AtomicInteger::get)
        .description("Requests waiting in batch queues").tags("model", model).register(registry);
  }

  String scrape() {
    return registry.scrape();
  }

  private static double residentBytes() {
    try {
      List<String> lines = Files.readAllLines(Path.of("/proc/self/status"));
      for (String line : lines) {
        if (line.startsWith("VmRSS:")) {
          String[] parts = line.substring(6).trim().split("\\s+");
          return Double.parseDouble(parts[0]) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux: unknown.
    }
    return Double.NaN;
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
