package io.aebridge.serve.repository;

import io.aebridge.load.HostTensor;
import io.aebridge.load.SignatureInfo;
import io.aebridge.load.TensorSpec;
import io.aebridge.serve.ServerConfig;
import io.aebridge.serve.ServerMetrics;
import io.aebridge.serve.core.ErrorCode;
import io.aebridge.serve.core.InferenceStatistics;
import io.aebridge.serve.core.ServingException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs validated requests on a {@link ModelHandle}, merging concurrent ones into one session run (dynamic
 * batching) when the model's {@link ServerConfig.Batching} allows.
 *
 * <p>Requests come checked from {@link io.aebridge.serve.core.ServingCore}. Each signature of each loaded version has its own bounded queue: the first request waits up to
 * {@code maxDelayMicros} for company, a batch takes up to {@code maxBatchSize} samples of requests whose
 * non-batch shapes agree, runs once, and hands each request its rows. A full queue answers 503, a request past its
 * deadline 504. A merged run that fails, or whose outputs do not have one row per sample, is redone request by
 * request, so one bad request never fails its neighbours. Queued work holds its own model reference, so a version
 * swap never closes a model under a batch. Thread-safe.
 */
public final class Inference implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Inference.class);
  /** The longest typical run a non-blocking caller (a gRPC transport thread) may do itself on an idle queue. */
  static final long SHORT_RUN_NANOS = 500_000;

  private final ServerConfig config;
  private final ServerMetrics metrics;
  private final ScheduledThreadPoolExecutor executor;
  private final Map<String, AtomicInteger> queuedByModel = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  public Inference(ServerConfig config, ServerMetrics metrics) {
    this.config = config;
    this.metrics = metrics;
    AtomicInteger n = new AtomicInteger();
    this.executor = new ScheduledThreadPoolExecutor(config.batching().threads(), r -> {
      Thread t = new Thread(r, "aebridge-batch-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    executor.setRemoveOnCancelPolicy(true);
  }

  /** Requests waiting in batch queues for {@code model}. */
  int queued(String model) {
    AtomicInteger n = queuedByModel.get(model);
    return n == null ? 0 : n.get();
  }

  /**
   * Runs {@code inputs}, already checked against {@code sig} by the serving core, on signature {@code sig} of
   * {@code model}, batched when possible. Only the core calls this (through {@link CoreBackend}).
   *
   * @param deadlineNanos {@link System#nanoTime()} after which the request is answered 504
   * @return every output by key, in signature order
   */
  Map<String, HostTensor> run(ModelHandle model, SignatureInfo sig, Map<String, HostTensor> inputs,
      long deadlineNanos, InferenceStatistics stats) {
    ServerConfig.Batching batching = config.batchingOf(model.name());
    int rows = batchRows(sig, inputs);
    if (!batching.enabled() || rows < 1 || rows > batching.maxBatchSize() || closed.get()) {
      if (System.nanoTime() > deadlineNanos) {
        throw deadline(model);
      }
      long start = System.nanoTime();
      Map<String, HostTensor> out = model.run(sig.key(), inputs);
      stats.execution(model.name(), model.version(), Math.max(rows, 1), System.nanoTime() - start);
      return out;
    }
    BatchQueue queue = model.servable().batchQueue(sig.key(),
        () -> new BatchQueue(model.name(), sig.key(), batching));
    Pending p = new Pending(model.retain(), sig, inputs, rows, deadlineNanos, stats);
    try {
      queue.submit(p, true);
    } catch (RuntimeException e) {
      p.handle.close();
      throw e;
    }
    try {
      long wait = deadlineNanos - System.nanoTime();
      return p.result.get(Math.max(0, wait), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      p.cancelled.set(true);
      throw deadline(model);
    } catch (InterruptedException e) {
      p.cancelled.set(true);
      Thread.currentThread().interrupt();
      throw new ServingException(ErrorCode.UNAVAILABLE, "Interrupted while waiting for the model");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(cause);
    }
  }

  /**
   * As {@link #run}, answered through the returned future instead of by blocking the caller: a batched request
   * completes on the batch thread that ran it, an unbatched one runs on the batch executor. The calling thread (a
   * gRPC transport thread, which must not wait) runs the model only when its queue is idle and the signature's
   * recent runs took at most {@link #SHORT_RUN_NANOS}: a lone small request then costs no hand-off to a batch
   * thread and back, and a transport thread is never held longer than such a run. Past {@code deadlineNanos} the
   * future fails DEADLINE_EXCEEDED and a still-queued request is dropped from its batch.
   */
  CompletableFuture<Map<String, HostTensor>> submit(ModelHandle model, SignatureInfo sig,
      Map<String, HostTensor> inputs, long deadlineNanos, InferenceStatistics stats) {
    ServerConfig.Batching batching = config.batchingOf(model.name());
    int rows = batchRows(sig, inputs);
    long wait = deadlineNanos - System.nanoTime();
    if (wait <= 0) {
      return CompletableFuture.failedFuture(deadline(model));
    }
    if (!batching.enabled() || rows < 1 || rows > batching.maxBatchSize() || closed.get()) {
      CompletableFuture<Map<String, HostTensor>> answer = new CompletableFuture<>();
      ModelHandle handle = model.retain();
      try {
        executor.execute(() -> {
          try (handle) {
            if (System.nanoTime() > deadlineNanos) {
              answer.completeExceptionally(deadline(model));
              return;
            }
            long start = System.nanoTime();
            Map<String, HostTensor> out = handle.run(sig.key(), inputs);
            stats.execution(model.name(), model.version(), Math.max(rows, 1), System.nanoTime() - start);
            answer.complete(out);
          } catch (RuntimeException e) {
            answer.completeExceptionally(e);
          }
        });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        handle.close();
        return CompletableFuture.failedFuture(new ServingException(ErrorCode.UNAVAILABLE,
            "The server is stopping"));
      }
      return answer;
    }
    BatchQueue queue = model.servable().batchQueue(sig.key(),
        () -> new BatchQueue(model.name(), sig.key(), batching));
    Pending p = new Pending(model.retain(), sig, inputs, rows, deadlineNanos, stats);
    try {
      queue.submit(p, queue.runsAreShort());
    } catch (RuntimeException e) {
      p.handle.close();
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<Map<String, HostTensor>> answer = new CompletableFuture<>();
    p.result.orTimeout(wait, TimeUnit.NANOSECONDS).whenComplete((out, error) -> {
      if (error == null) {
        answer.complete(out);
      } else if (error instanceof TimeoutException) {
        p.cancelled.set(true);
        answer.completeExceptionally(deadline(model));
      } else {
        answer.completeExceptionally(error instanceof CompletionException && error.getCause() != null
            ? error.getCause() : error);
      }
    });
    return answer;
  }

  private ServingException deadline(ModelHandle model) {
    return new ServingException(ErrorCode.DEADLINE_EXCEEDED, "Deadline of " + config.requestTimeout()
        .toMillis() + " ms exceeded waiting for model '" + model.name() + "' (requestTimeout)");
  }

  /** Samples in the request if every input is batched along a variable dimension 0 with equal sizes, else -1. */
  static int batchRows(SignatureInfo sig, Map<String, HostTensor> inputs) {
    long rows = -1;
    for (TensorSpec spec : sig.inputs()) {
      if (!spec.batched()) {
        return -1;
      }
      long[] shape = inputs.get(spec.key()).shape();
      if (shape.length == 0 || (rows >= 0 && shape[0] != rows)) {
        return -1;
      }
      rows = shape[0];
    }
    return rows > Integer.MAX_VALUE ? -1 : (int) rows;
  }

  /** One request waiting to be batched; owns its model reference until it completes. */
  private static final class Pending {
    final ModelHandle handle;
    final SignatureInfo sig;
    final Map<String, HostTensor> inputs;
    final int rows;
    final long deadline;
    final InferenceStatistics stats;
    final long enqueuedAt = System.nanoTime();
    final CompletableFuture<Map<String, HostTensor>> result = new CompletableFuture<>();
    final AtomicBoolean cancelled = new AtomicBoolean();
    private final AtomicBoolean finished = new AtomicBoolean();

    Pending(ModelHandle handle, SignatureInfo sig, Map<String, HostTensor> inputs, int rows, long deadline,
        InferenceStatistics stats) {
      this.handle = handle;
      this.stats = stats;
      this.sig = sig;
      this.inputs = inputs;
      this.rows = rows;
      this.deadline = deadline;
    }

    /** Non-batch dimensions of every input: requests merge only when these agree. */
    boolean compatible(Pending other) {
      for (TensorSpec spec : sig.inputs()) {
        long[] a = inputs.get(spec.key()).shape();
        long[] b = other.inputs.get(spec.key()).shape();
        if (!Arrays.equals(a, 1, a.length, b, 1, b.length)) {
          return false;
        }
      }
      return true;
    }

    /** Answers the request once; later calls do nothing (the model reference is released exactly once). */
    void finish(Map<String, HostTensor> outputs, RuntimeException error) {
      if (!finished.compareAndSet(false, true)) {
        return;
      }
      try {
        if (error != null) {
          result.completeExceptionally(error);
        } else {
          result.complete(outputs);
        }
      } finally {
        handle.close();
      }
    }
  }

  /** The queue of one signature of one loaded version. */
  final class BatchQueue {
    private final String model;
    private final String signature;
    private final ServerConfig.Batching batching;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private final AtomicInteger queuedForModel;
    private int queuedRows;
    private boolean scheduled;
    /** Moving average of this signature's session runs (ns), -1 before the first. */
    private volatile long typicalRunNanos = -1;

    BatchQueue(String model, String signature, ServerConfig.Batching batching) {
      this.model = model;
      this.signature = signature;
      this.batching = batching;
      this.queuedForModel = queuedByModel.computeIfAbsent(model, k -> {
        AtomicInteger n = new AtomicInteger();
        metrics.queueDepth(k, n);
        return n;
      });
    }

    /** Whether this signature's runs are short enough for a transport thread to do one (see {@link #submit}). */
    boolean runsAreShort() {
      long t = typicalRunNanos;
      return t >= 0 && t <= SHORT_RUN_NANOS;
    }

    private void ranFor(long nanos) {
      long t = typicalRunNanos;
      typicalRunNanos = t < 0 ? nanos : (7 * t + nanos) / 8;
    }

    /**
     * Queues {@code p}. With {@code callerMayRun} (a caller that would block on the answer anyway, or one whose
     * runs are short, see {@link #runsAreShort}) and the queue idle with no delay to wait, the caller runs the batch
     * itself: a lone request then costs no hand-off to a batch thread and back (two thread wake-ups, about as much
     * as the model's own call on a small machine).
     * Requests that arrive meanwhile queue up and run next on the batch executor, as always.
     */
    void submit(Pending p, boolean callerMayRun) {
      boolean runHere = false;
      synchronized (this) {
        if (closed.get()) {
          throw new ServingException(ErrorCode.UNAVAILABLE, "The server is stopping");
        }
        if (queue.size() >= batching.maxQueuedRequests()) {
          throw new ServingException(ErrorCode.UNAVAILABLE, "Batch queue of model '" + model + "' signature '"
              + signature + "' is full (" + batching.maxQueuedRequests() + " requests; batching.maxQueuedRequests)"
              + "; retry later");
        }
        queue.add(p);
        queuedRows += p.rows;
        queuedForModel.incrementAndGet();
        if (!scheduled) {
          scheduled = true;
          long delay = queuedRows >= batching.maxBatchSize() ? 0 : batching.maxDelayMicros();
          if (callerMayRun && delay <= 0) {
            runHere = true;
          } else {
            schedule(delay);
          }
        }
      }
      if (runHere) {
        drain();
      }
    }

    private void schedule(long delayMicros) {
      try {
        if (delayMicros <= 0) {
          executor.execute(this::drain);
        } else {
          executor.schedule(this::drain, delayMicros, TimeUnit.MICROSECONDS);
        }
      } catch (java.util.concurrent.RejectedExecutionException e) {
        scheduled = false;
        failAll(new ServingException(ErrorCode.UNAVAILABLE, "The server is stopping"));
      }
    }

    /** Takes one batch, runs it, and schedules the next if requests remain. */
    private void drain() {
      List<Pending> batch = new ArrayList<>();
      List<Pending> expired = new ArrayList<>();
      synchronized (this) {
        long now = System.nanoTime();
        int rows = 0;
        Pending first = null;
        for (Iterator<Pending> it = queue.iterator(); it.hasNext(); ) {
          Pending p = it.next();
          if (p.cancelled.get() || now > p.deadline) {
            it.remove();
            take(p);
            expired.add(p);
            continue;
          }
          if (first == null) {
            first = p;
          } else if (rows + p.rows > batching.maxBatchSize() || !first.compatible(p)) {
            continue;
          }
          it.remove();
          take(p);
          batch.add(p);
          rows += p.rows;
          if (rows >= batching.maxBatchSize()) {
            break;
          }
        }
      }
      for (Pending p : expired) {
        p.finish(null, new ServingException(ErrorCode.DEADLINE_EXCEEDED, "Deadline exceeded in the batch "
            + "queue of model '" + model + "'"));
      }
      try {
        if (!batch.isEmpty()) {
          runBatch(batch);
        }
      } catch (OutOfMemoryError e) {
        // Without this the batch's requests would wait for their deadline; the merged copies are garbage now.
        ServingException refused = new ServingException(ErrorCode.UNAVAILABLE, "Not enough Java heap for a batch of "
            + batch.stream().mapToInt(p -> p.rows).sum() + " samples of model '" + model + "' (" + e.getMessage()
            + "); retry, send fewer samples per request, or give the server more heap (AEBRIDGE_HEAP)");
        batch.forEach(p -> p.finish(null, refused));
      } finally {
        synchronized (this) {
          if (queue.isEmpty()) {
            scheduled = false;
          } else {
            long waited = (System.nanoTime() - queue.peek().enqueuedAt) / 1000;
            schedule(queuedRows >= batching.maxBatchSize() ? 0 : batching.maxDelayMicros() - waited);
          }
        }
      }
    }

    private void take(Pending p) {
      queuedRows -= p.rows;
      queuedForModel.decrementAndGet();
    }

    private void failAll(RuntimeException error) {
      List<Pending> all;
      synchronized (this) {
        all = new ArrayList<>(queue);
        all.forEach(this::take);
        queue.clear();
      }
      all.forEach(p -> p.finish(null, error));
    }

    private void runBatch(List<Pending> batch) {
      int rows = batch.stream().mapToInt(p -> p.rows).sum();
      metrics.batchSize(model, rows);
      Pending first = batch.get(0);
      if (batch.size() == 1) {
        runAlone(first);
        return;
      }
      Map<String, HostTensor> merged = new LinkedHashMap<>();
      for (TensorSpec spec : first.sig.inputs()) {
        List<HostTensor> parts = new ArrayList<>(batch.size());
        batch.forEach(p -> parts.add(p.inputs.get(spec.key())));
        merged.put(spec.key(), HostTensor.concat(parts));
      }
      Map<String, HostTensor> outputs;
      long start = System.nanoTime();
      try {
        outputs = first.handle.run(signature, merged);
      } catch (RuntimeException e) {
        batch.forEach(this::runAlone);
        return;
      }
      long took = System.nanoTime() - start;
      ranFor(took);
      first.stats.execution(model, first.handle.version(), rows, took);
      batch.forEach(p -> p.stats.queued(model, p.handle.version(), start - p.enqueuedAt));
      for (HostTensor out : outputs.values()) {
        long[] s = out.shape();
        if (s.length == 0 || s[0] != rows) {
          LOG.debug("Signature '{}' of model {} returned {} for a batch of {}; running requests one by one",
              signature, model, out, rows);
          batch.forEach(this::runAlone);
          return;
        }
      }
      int offset = 0;
      for (Pending p : batch) {
        Map<String, HostTensor> mine = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : outputs.entrySet()) {
          mine.put(e.getKey(), e.getValue().rows(offset, p.rows));
        }
        offset += p.rows;
        p.finish(mine, null);
      }
    }

    private void runAlone(Pending p) {
      if (p.cancelled.get()) {
        p.finish(null, new ServingException(ErrorCode.DEADLINE_EXCEEDED, "Deadline exceeded"));
        return;
      }
      Map<String, HostTensor> out;
      long start = System.nanoTime();
      try {
        out = p.handle.run(signature, p.inputs);
      } catch (RuntimeException e) {
        p.finish(null, e);
        return;
      }
      long took = System.nanoTime() - start;
      ranFor(took);
      p.stats.execution(model, p.handle.version(), p.rows, took);
      p.stats.queued(model, p.handle.version(), start - p.enqueuedAt);
      p.finish(out, null);
    }
  }

  /** Stops batching: queued requests fail with 503, running batches finish. */
  @Override
  public void close() {
    if (closed.getAndSet(true)) {
      return;
    }
    executor.shutdown();
    try {
      if (!executor.awaitTermination(config.drainTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
