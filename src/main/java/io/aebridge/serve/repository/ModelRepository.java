package io.aebridge.serve.repository;

import io.aebridge.serve.ServerConfig;
import io.aebridge.serve.core.ErrorCode;
import io.aebridge.serve.core.ServingException;
import io.aebridge.serve.repository.VersionTable.Entry;
import io.aebridge.serve.repository.VersionTable.Slot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves every model under a TF Serving folder {@code <root>/<name>/<version>/}, following the folder as it
 * changes.
 *
 * <p>Three parts: {@link ModelFolders} reads the folder (scanning), {@link VersionTable} holds what requests see
 * (the version table), and this class decides what to load and retire, and takes management requests. All loading
 * happens on one loader thread, which also polls the folder every {@link ServerConfig#pollInterval()}; management
 * calls ({@link #load}, {@link #install}, {@link #unload}, {@link #refresh}) hand their work to it and wait for the
 * outcome, so no request thread ever loads a model. Only {@link #start()} loads on other threads: the models found
 * at start-up are loaded in parallel, {@link #STARTUP_THREADS} at most (one model per thread; versions of a model in
 * order).
 *
 * <p>Each model's {@link VersionPolicy} picks the versions to serve among those that are complete (a
 * {@code saved_model.pb}), settled (not still being copied) and not known to fail. A new version is checked
 * against the {@link OpPolicy}, loaded and warmed up before it is published; only then are versions the policy no
 * longer wants retired, and a retired version is closed when its last in-flight request releases it — so a swap
 * fails no request. A version that fails to load is reported with its error ({@link #status}) and remembered
 * ({@link FailedVersions}, bounded): it is tried again only when its files change, with back-off; the versions
 * already served stay served. Folder names the server will not serve are logged once and listed by
 * {@link #rejectedModels()}.
 *
 * <p>Thread-safe. {@link #close()} stops polling and closes every model once its requests are done.
 */
public final class ModelRepository implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelRepository.class);
  /** Finished (unloaded or failed) versions kept in a model's status. */
  static final int KEPT_FINISHED_VERSIONS = VersionTable.KEPT_FINISHED_VERSIONS;
  /** Failed versions remembered (so not reloaded) across all models. */
  static final int REMEMBERED_FAILURES = 10_000;
  /** Unservable folder names listed (and logged) at most. */
  static final int MAX_REJECTED_NAMES = 1_000;
  /** Models loaded at once at start-up. */
  static final int STARTUP_THREADS = Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), 4));

  private final ServerConfig config;
  private final Path root;
  private final VersionLoader loader;
  private final VersionTable table = new VersionTable();
  private final FailedVersions failures;
  private final Set<String> disabled = ConcurrentHashMap.newKeySet();
  private final Map<String, String> rejected = new ConcurrentSkipListMap<>();
  /** Held by whoever scans and loads: the loader thread, or the start-up thread with its workers. */
  private final Object scanLock = new Object();
  private final ScheduledExecutorService loaderThread;
  private volatile Thread loaderThreadItself;
  private final AtomicLong loadFailures = new AtomicLong();
  private final AtomicLong loads = new AtomicLong();
  private final AtomicBoolean recheckScheduled = new AtomicBoolean();
  private volatile boolean initialScanDone;
  private volatile boolean readyLatch;
  private volatile boolean closed;

  public ModelRepository(ServerConfig config, OpPolicy ops) {
    this.config = config;
    this.root = config.modelsRoot();
    this.loader = new VersionLoader(ops, config.warmup(), config.sessionThreads());
    this.failures = new FailedVersions(REMEMBERED_FAILURES, config.pollInterval());
    this.loaderThread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "aebridge-model-loader");
      t.setDaemon(true);
      loaderThreadItself = t;
      return t;
    });
  }

  /**
   * Loads what the folder holds now — models in parallel ({@link #STARTUP_THREADS}), a version whose files are
   * still changing given up to three settle times — then polls it in the background. Returns when the first scan
   * is done.
   */
  public void start() {
    synchronized (scanLock) {
      scanSettled(true);
    }
    initialScanDone = true;
    long every = config.pollInterval().toMillis();
    if (every > 0) {
      loaderThread.scheduleWithFixedDelay(this::pollQuietly, every, every, TimeUnit.MILLISECONDS);
    }
  }

  private void pollQuietly() {
    try {
      synchronized (scanLock) {
        scanAll(false);
      }
      if (table.anyUnsettled() && recheckScheduled.compareAndSet(false, true)) {
        // Look again once the settle time has passed rather than a whole poll interval later.
        loaderThread.schedule(() -> {
          recheckScheduled.set(false);
          pollQuietly();
        }, config.settleTime().toMillis() + 10, TimeUnit.MILLISECONDS);
      }
    } catch (RuntimeException e) {
      LOG.error("Polling {} failed; trying again in {}", root, config.pollInterval(), e);
    }
  }

  /** Scans, then looks again (at most three times) while versions are still settling. Holds {@code scanLock}. */
  private void scanSettled(boolean parallel) {
    scanAll(parallel);
    for (int round = 0; round < 3 && table.anyUnsettled() && !closed; round++) {
      try {
        Thread.sleep(config.settleTime().toMillis() + 10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      scanAll(parallel);
    }
  }

  /** Whether the first scan has finished loading. */
  public boolean initialScanDone() {
    return initialScanDone;
  }

  /** Re-reads the folder now and applies every change before returning (on the loader thread). */
  public void refresh() {
    onLoader(() -> {
      scanAll(false);
      return null;
    });
  }

  /**
   * Runs {@code work} on the loader thread under {@code scanLock} and waits for it; runs it directly when called on
   * the loader thread. After {@link #close} nothing runs and {@code null} is returned.
   */
  private <T> T onLoader(Callable<T> work) {
    Callable<T> locked = () -> {
      synchronized (scanLock) {
        return closed ? null : work.call();
      }
    };
    try {
      if (Thread.currentThread() == loaderThreadItself) {
        return locked.call();
      }
      Future<T> outcome = loaderThread.submit(locked);
      return outcome.get();
    } catch (RejectedExecutionException | CancellationException stopping) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ServingException(ErrorCode.UNAVAILABLE, "Interrupted while waiting for the model loader");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException("The model loader failed: " + e.getCause(), e.getCause());
    } catch (Exception e) {
      if (e instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException("The model loader failed: " + e, e);
    }
  }

  /** One pass over the models folder; {@code parallel} at start-up only. Holds {@code scanLock}. */
  private void scanAll(boolean parallel) {
    if (closed) {
      return;
    }
    ModelFolders.Listing listing;
    try {
      listing = ModelFolders.list(root, config.models());
    } catch (IOException | UncheckedIOException e) {
      LOG.warn("Cannot list the models folder {}: {}", root, e.toString());
      return;
    }
    noteRejected(listing.rejected());
    Set<String> names = new TreeSet<>(listing.models());
    names.addAll(table.knownModels());
    List<Callable<Void>> work = new ArrayList<>();
    for (String name : names) {
      boolean present = listing.models().contains(name) && !disabled.contains(name);
      work.add(() -> {
        try {
          sync(name, present);
        } catch (IOException | UncheckedIOException e) {
          LOG.warn("Cannot read model folder {}: {}", config.modelDir(name), e.toString());
        }
        return null;
      });
    }
    int threads = parallel ? Math.min(STARTUP_THREADS, work.size()) : 1;
    if (threads <= 1) {
      for (Callable<Void> w : work) {
        try {
          w.call();
        } catch (Exception e) {
          throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
      }
      return;
    }
    AtomicInteger n = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "aebridge-model-start-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    try {
      for (Future<Void> f : pool.invokeAll(work)) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  /** Logs each unservable folder name once (while it stays on disk) and keeps the list the index shows. */
  private void noteRejected(SortedMap<String, String> now) {
    rejected.keySet().retainAll(now.keySet());
    for (Map.Entry<String, String> e : now.entrySet()) {
      if (rejected.size() >= MAX_REJECTED_NAMES) {
        break;
      }
      if (rejected.putIfAbsent(e.getKey(), e.getValue()) == null) {
        LOG.warn("Model folder {} is {}", root.resolve(e.getKey()), e.getValue());
      }
    }
  }

  /** Brings one model's versions in line with its folder and policy. Called for one model by one thread at once. */
  private void sync(String name, boolean present) throws IOException {
    Entry entry = table.entryOrNew(name);
    Path dir = config.modelDir(name);
    SortedMap<Long, String> onDisk = present ? ModelFolders.versions(dir) : new TreeMap<>();
    entry.lastSeen.keySet().retainAll(onDisk.keySet());
    failures.retainOnly(name, onDisk.values());
    entry.unsettled.clear();
    List<Long> candidates = new ArrayList<>();
    long now = System.currentTimeMillis();
    for (Map.Entry<Long, String> e : onDisk.entrySet()) {
      long v = e.getKey();
      Slot slot = entry.slots.get(v);
      if (slot != null && slot.live()) {
        candidates.add(v);
        continue;
      }
      ModelFolders.Fingerprint fp = ModelFolders.fingerprint(dir.resolve(e.getValue()));
      if (fp == null || failures.skip(name, e.getValue(), fp, now)) {
        continue;
      }
      ModelFolders.Fingerprint before = entry.lastSeen.put(v, fp);
      // Without polling there is no second look: what is there is taken as complete.
      boolean settled = config.pollInterval().isZero() || now - fp.newestMillis() >= config.settleTime().toMillis()
          || fp.equals(before);
      if (settled) {
        candidates.add(v);
      } else {
        entry.unsettled.add(v);
      }
    }
    VersionPolicy policy = config.versionPolicyOf(name);
    Set<Long> failedNow = new java.util.HashSet<>();
    List<Long> wanted;
    // Load what the policy wants; a version that fails drops out and the policy chooses again.
    for (;;) {
      List<Long> usable = new ArrayList<>(candidates);
      usable.removeAll(failedNow);
      wanted = policy.select(usable);
      boolean loadedAll = true;
      for (long v : wanted) {
        Slot slot = entry.slots.get(v);
        if (slot != null && slot.live()) {
          continue;
        }
        if (!load(entry, v, onDisk.get(v))) {
          failedNow.add(v);
          loadedAll = false;
        }
      }
      if (loadedAll) {
        break;
      }
    }
    for (Slot slot : entry.slots.values()) {
      if (slot.live() && !wanted.contains(slot.version)) {
        retire(entry, slot, onDisk.containsKey(slot.version) ? "no longer wanted by version policy " + policy
            : present ? "removed from disk" : "model unloaded or removed");
      }
    }
    VersionTable.pruneFinished(entry);
    entry.scanned = true;
    if (!present && entry.slots.values().stream().noneMatch(s -> s.state != VersionStatus.State.END)
        && !disabled.contains(name)) {
      table.remove(name);
    }
  }

  private boolean load(Entry entry, long version, String folder) {
    Path dir = config.modelDir(entry.name).resolve(folder);
    Slot slot = new Slot(version, folder);
    slot.state = VersionStatus.State.LOADING;
    // Replaces a failed or finished slot of the same number; a draining one keeps its servable until released.
    entry.slots.put(version, slot);
    // Taken before loading: files that change during the load are a change, and earn another try.
    ModelFolders.Fingerprint fp = ModelFolders.fingerprint(dir);
    long start = System.nanoTime();
    try {
      Servable servable = loader.load(entry.name, version, dir, () -> slot.state = VersionStatus.State.END);
      slot.servable = servable;
      slot.state = VersionStatus.State.AVAILABLE;
      loads.incrementAndGet();
      failures.forget(entry.name, folder);
      LOG.info("Serving model {} version {}{} ({} ms, signatures {})", entry.name, version,
          folder.equals(Long.toString(version)) ? "" : " from folder " + folder,
          (System.nanoTime() - start) / 1_000_000, servable.signatures().keySet());
      return true;
    } catch (VersionLoader.Failure f) {
      fail(entry, slot, f.code, f.getMessage(), f.getCause());
      failures.failed(entry.name, folder, fp, System.currentTimeMillis());
      return false;
    }
  }

  private void fail(Entry entry, Slot slot, String code, String message, Throwable cause) {
    String clean = sanitize(message);
    slot.errorCode = code;
    slot.errorMessage = clean;
    slot.state = VersionStatus.State.END;
    loadFailures.incrementAndGet();
    LOG.error("Model {} version {} not served: {}", entry.name, slot.version, clean);
    if (cause != null) {
      LOG.debug("Model {} version {}: load failure detail", entry.name, slot.version, cause);
    }
  }

  /** Absolute server paths are replaced by the models folder as configured. */
  private String sanitize(String message) {
    if (message == null) {
      return "";
    }
    if (root == null) {
      return message;
    }
    String abs = root.toAbsolutePath().normalize().toString();
    return message.replace(abs, root.toString());
  }

  private void retire(Entry entry, Slot slot, String why) {
    Servable s = slot.servable;
    slot.state = VersionStatus.State.UNLOADING;
    LOG.info("Retiring model {} version {}: {}", entry.name, slot.version, why);
    if (s != null) {
      s.release();
    } else {
      slot.state = VersionStatus.State.END;
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Requests

  /** Which version a request asks for. */
  public sealed interface Selector permits Latest, Specific, Label {}

  /** The highest available version. */
  public record Latest() implements Selector {}

  /** One version number. */
  public record Specific(long version) implements Selector {}

  /** A configured label. */
  public record Label(String label) implements Selector {}

  /**
   * A counted reference to the version {@code selector} names.
   *
   * @throws ServingException NOT_FOUND, listing the models or versions that exist
   */
  public ModelHandle acquire(String model, Selector selector) {
    Entry entry = table.entry(model);
    if (entry == null || !entry.anyAvailable()) {
      throw ServingException.notFound("Servable not found for request: " + describe(model, selector) + "; "
          + (entry == null ? "models are " + servedModels() : "model '" + model + "' has no available version ("
              + entry.statusText() + ")"));
    }
    long wanted = -1;
    if (selector instanceof Specific s) {
      wanted = s.version();
    } else if (selector instanceof Label l) {
      Long v = config.labelsOf(model).get(l.label());
      if (v == null) {
        throw ServingException.notFound("Model '" + model + "' has no label '" + l.label() + "'; its labels are "
            + config.labelsOf(model));
      }
      wanted = v;
    }
    // A version can be retired between our look and our acquire; the next look finds its replacement.
    for (int attempt = 0; attempt < 100; attempt++) {
      Slot slot = VersionTable.pick(entry, wanted, selector instanceof Latest);
      if (slot == null) {
        break;
      }
      Servable servable = slot.servable;
      if (servable != null && servable.tryAcquire()) {
        return new ModelHandle(servable);
      }
      Thread.onSpinWait();
    }
    throw ServingException.notFound("Servable not found for request: " + describe(model, selector) + "; versions of '"
        + model + "': " + entry.statusText());
  }

  private static String describe(String model, Selector selector) {
    if (selector instanceof Specific s) {
      return "Specific(" + model + ", " + s.version() + ")";
    }
    if (selector instanceof Label l) {
      return "Label(" + model + ", " + l.label() + ")";
    }
    return "Latest(" + model + ")";
  }

  /** Names of models with at least one available version, sorted. */
  public List<String> servedModels() {
    return table.servedModels();
  }

  /** Names of every model the repository knows (served, failed or unloaded), sorted. */
  public List<String> knownModels() {
    return table.knownModels();
  }

  public boolean knows(String model) {
    return table.entry(model) != null;
  }

  /**
   * Folders under the models root that the server will not serve, each with the reason (an invalid model name
   * such as {@code hp:x}, {@code hp 3} or one with non-ASCII letters), sorted; at most {@link #MAX_REJECTED_NAMES}.
   */
  public SortedMap<String, String> rejectedModels() {
    return Collections.unmodifiableSortedMap(new TreeMap<>(rejected));
  }

  /**
   * The status of every version of {@code model}, newest first.
   *
   * @throws ServingException NOT_FOUND listing the models
   */
  public List<VersionStatus> status(String model) {
    Entry entry = table.entry(model);
    if (entry == null) {
      throw ServingException.notFound("Could not find any versions of model " + model + "; models are "
          + knownModels());
    }
    List<VersionStatus> out = new ArrayList<>();
    for (Slot s : entry.slots.descendingMap().values()) {
      out.add(s.status());
    }
    return out;
  }

  /**
   * Whether the models found at start are in: the first scan is done and every known model is ready
   * ({@link #ready(String)}). Once true it stays true until {@link #close}: a version that appears later loads while
   * the older ones keep serving, so it must not take a serving replica out of a load balancer's or a Kubernetes
   * Service's rotation — with a shared models folder every replica sees the new version at once, and a readiness
   * that dropped during its load would empty the whole rotation.
   */
  public boolean ready() {
    if (closed) {
      return false;
    }
    if (!readyLatch && initialScanDone && table.allReady()) {
      readyLatch = true;
    }
    return readyLatch;
  }

  /**
   * Whether {@code model} is ready: its first scan is done, none of its versions is still settling or loading
   * (a version that failed counts as done). {@code false} for an unknown model.
   */
  public boolean ready(String model) {
    Entry entry = table.entry(model);
    return entry != null && !closed && entry.ready();
  }

  /** Available versions across all models. */
  public int availableVersions() {
    return table.count(s -> s.state == VersionStatus.State.AVAILABLE);
  }

  /**
   * Versions whose last load failed and that are not served: every failed version still on disk (remembered
   * beyond the status list), or the failed entries of the status lists if those are more.
   */
  public int failedVersions() {
    return Math.max(failures.size(), table.count(Slot::failed));
  }

  /** Loads that failed since start. */
  public long loadFailures() {
    return loadFailures.get();
  }

  /** Loads that succeeded since start. */
  public long loads() {
    return loads.get();
  }

  /** The models root; {@code null} when the server serves only models given their own folder. */
  public Path root() {
    return root;
  }

  /** The folder of {@code model}'s versions ({@link ServerConfig#modelDir}); {@code null} when it has none. */
  public Path modelDir(String model) {
    return config.modelDir(model);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Management: each call hands its work to the loader thread and waits for the outcome.

  /**
   * Serves {@code model} again after {@link #unload} and loads what its folder holds now; failed versions of the
   * model are tried again (an operator asked).
   *
   * @return the model's status after loading
   * @throws ServingException NOT_FOUND when there is no such model folder
   */
  public List<VersionStatus> load(String model) {
    Path dir = ServerConfig.validModelName(model) ? config.modelDir(model) : null;
    if (dir == null || !Files.isDirectory(dir)) {
      throw ServingException.notFound("No model folder '" + model + "' under the models root; models are "
          + knownModels());
    }
    onLoader(() -> {
      disabled.remove(model);
      failures.forgetModel(model);
      scanSettled(false);
      return null;
    });
    return knows(model) ? status(model) : List.of();
  }

  /**
   * Stops serving {@code model} (its files stay); polling leaves it unloaded until {@link #load}.
   *
   * @throws ServingException NOT_FOUND for an unknown model
   */
  public void unload(String model) {
    if (!knows(model)) {
      throw ServingException.notFound("Model '" + model + "' is not loaded; models are " + knownModels());
    }
    onLoader(() -> {
      disabled.add(model);
      scanAll(false);
      return null;
    });
  }

  /**
   * Serves a version just renamed into place by an upload (folder {@code <model>/<version>}): it is complete, so it
   * is loaded now without waiting for a second look, and the model is served again if it had been unloaded.
   *
   * @return the model's status afterwards
   */
  public List<VersionStatus> install(String model, long version) {
    onLoader(() -> {
      ModelFolders.Fingerprint fp = ModelFolders.fingerprint(config.modelDir(model).resolve(Long.toString(version)));
      if (fp != null) {
        table.entryOrNew(model).lastSeen.put(version, fp);
      }
      return null;
    });
    return load(model);
  }

  /** Whether {@code model} was unloaded through the management API. */
  public boolean isUnloaded(String model) {
    return disabled.contains(model);
  }

  /**
   * Stops polling, retires every version and waits up to {@code timeout} for their in-flight requests; a version
   * still in use then is left open (never closed under a running request) and logged.
   */
  public void close(Duration timeout) {
    synchronized (scanLock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    loaderThread.shutdownNow();
    List<Servable> retired = new ArrayList<>();
    for (Entry e : table.entries()) {
      for (Slot s : e.slots.values()) {
        if (s.live() && s.servable != null) {
          retired.add(s.servable);
          retire(e, s, "server stopping");
        }
      }
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Servable s : retired) {
      try {
        if (!s.awaitClosed(Math.max(0, deadline - System.nanoTime()))) {
          LOG.warn("Model {} still has {} request(s) in flight after {}; leaving it open", s, s.refCount(),
              timeout);
        }
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        LOG.warn("Interrupted while model {} drained; leaving it open", s);
      }
    }
  }

  @Override
  public void close() {
    close(config.drainTimeout());
  }
}
