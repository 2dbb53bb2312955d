package io.aebridge.serve.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the core measured per model version, in the terms of Triton's statistics extension: requests that
 * succeeded or failed and their time, the samples they carried, the time requests waited in the batch queue, and
 * each session run (execution) with its batch size and time. Recorded by {@link ServingCore} for every protocol and
 * by the batching queue for executions. Thread-safe; counters only grow while the server runs.
 */
public final class InferenceStatistics {

  /** A count and the nanoseconds it took in total. */
  public record Timing(long count, long ns) {}

  /** One batch size's executions. */
  public record BatchStat(long batchSize, Timing computeInfer) {}

  /**
   * A snapshot of one version's figures.
   *
   * @param lastInferenceMillis epoch milliseconds of the last request answered, 0 if none
   * @param inferenceCount samples answered (the batch sizes of successful requests added up)
   * @param executionCount session runs, merged batches counting once
   * @param success requests answered and their total time in the core
   * @param fail requests refused or failed after the model was found, and their time
   * @param queue time successful requests waited in the batch queue
   * @param computeInfer session runs and their time (input and output copies included)
   * @param batches executions per batch size, ascending
   */
  public record Snapshot(String model, long version, long lastInferenceMillis, long inferenceCount,
      long executionCount, Timing success, Timing fail, Timing queue, Timing computeInfer,
      List<BatchStat> batches) {}

  private static final class Pair {
    final LongAdder count = new LongAdder();
    final LongAdder ns = new LongAdder();

    void add(long nanos) {
      count.increment();
      ns.add(Math.max(0, nanos));
    }

    Timing read() {
      return new Timing(count.sum(), ns.sum());
    }
  }

  private static final class Figures {
    final AtomicLong last = new AtomicLong();
    final LongAdder samples = new LongAdder();
    final Pair success = new Pair();
    final Pair fail = new Pair();
    final Pair queue = new Pair();
    final Pair compute = new Pair();
    final Map<Long, Pair> byBatch = new ConcurrentSkipListMap<>();
  }

  private record Key(String model, long version) {}

  private final Map<Key, Figures> figures = new ConcurrentHashMap<>();

  private Figures of(String model, long version) {
    return figures.computeIfAbsent(new Key(model, version), k -> new Figures());
  }

  /** A request of {@code samples} samples answered after {@code nanos}. */
  public void success(String model, long version, long samples, long nanos) {
    Figures f = of(model, version);
    f.success.add(nanos);
    f.samples.add(Math.max(0, samples));
    f.last.set(System.currentTimeMillis());
  }

  /** A request that failed after {@code nanos}, once its model version was known. */
  public void fail(String model, long version, long nanos) {
    of(model, version).fail.add(nanos);
  }

  /** A request that waited {@code nanos} in the batch queue before its run started. */
  public void queued(String model, long version, long nanos) {
    of(model, version).queue.add(nanos);
  }

  /** One session run of {@code batchSize} samples that took {@code nanos}. */
  public void execution(String model, long version, long batchSize, long nanos) {
    Figures f = of(model, version);
    f.compute.add(nanos);
    f.byBatch.computeIfAbsent(batchSize, b -> new Pair()).add(nanos);
  }

  /** The figures of one version: all zero when it has served nothing yet. */
  public Snapshot snapshot(String model, long version) {
    Figures f = figures.get(new Key(model, version));
    if (f == null) {
      Timing none = new Timing(0, 0);
      return new Snapshot(model, version, 0, 0, 0, none, none, none, none, List.of());
    }
    List<BatchStat> batches = new ArrayList<>();
    f.byBatch.forEach((size, p) -> batches.add(new BatchStat(size, p.read())));
    return new Snapshot(model, version, f.last.get(), f.samples.sum(), f.compute.count.sum(), f.success.read(),
        f.fail.read(), f.queue.read(), f.compute.read(), batches);
  }
}
