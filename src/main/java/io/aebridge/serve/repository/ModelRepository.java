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
import java.util.SortedSet;
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
 * <p>The model list itself (which models, their base paths, version policies and labels) can be replaced while
 * serving: {@link #reconfigure} applies a new list at once, {@link #followModels} re-reads one every so often (TF
 * Serving's {@code --model_config_file_poll_wait_seconds}), and {@link #serveExactly} makes a list the whole served
 * set (TF Serving's gRPC reload). Models added are loaded, models removed are retired as
 * above, and a model whose base path changed has its versions loaded from the new folder before the old ones are
 * retired.
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

  /** Replaced only by {@link #reconfigure} (on the loader thread, under {@code scanLock}); read by anyone. */
  private volatile ServerConfig config;
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

  /** The configuration in force: the one given at construction, with the model list of the last {@link #reconfigure}. */
  public ServerConfig config() {
    return config;
  }

  /**
   * Serves {@code models} from now on instead of the configured model list, as TF Serving does when its model
   * config is reloaded: models added are loaded, models removed are retired (in-flight requests finish first),
   * and changed base paths, version policies and labels take effect; models under the models root, if there is
   * one, stay served. Runs on the loader thread and returns once the change is applied (new versions loaded, or
   * failed and reported in {@link #status}).
   *
   * @param models the whole new model list by name, each with its own settings
   * @throws IllegalArgumentException naming the bad value when the new list does not make a valid config; then
   *     nothing changes
   */
  public void reconfigure(Map<String, ServerConfig.ModelSettings> models) {
    ServerConfig next = config.withModels(models);
    onLoader(() -> {
      if (!next.models().equals(config.models())) {
        LOG.info("Model list changed: {} (was {})", next.models().keySet(), config.models().keySet());
        config = config.withModels(next.models());
        scanSettled(false);
      }
      return null;
    });
  }

  /**
   * Re-reads the model list from {@code source} every {@code every} (first after one period) and applies it with
   * {@link #reconfigure} when it changed, until {@link #close}. A list that cannot be read or is not valid is
   * logged with its error and the models stay as they are, as TF Serving keeps its config when a reloaded file is
   * broken; the error is logged again only when it changes.
   *
   * @param source reads the whole model list (for {@code aebridge tfserving}: parses the model config file)
   * @param every how often; positive
   * @throws IllegalArgumentException when {@code every} is not positive
   */
  public void followModels(Callable<Map<String, ServerConfig.ModelSettings>> source, Duration every) {
    if (every.isNegative() || every.isZero()) {
      throw new IllegalArgumentException("the model list's poll interval must be positive, found " + every);
    }
    String[] lastError = {null};
    loaderThread.scheduleWithFixedDelay(() -> {
      try {
        reconfigure(source.call());
        if (lastError[0] != null) {
          LOG.info("The model list reads fine again; serving {}", config.models().keySet());
        }
        lastError[0] = null;
      } catch (Exception e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        if (!message.equals(lastError[0])) {
          LOG.error("Not applying the new model list, keeping the models as they are: {}", message);
        }
        lastError[0] = message;
      }
    }, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Serves exactly {@code models} from now on: TF Serving's {@code HandleReloadConfigRequest}. Unlike
   * {@link #reconfigure}, models under the models root that are not listed are unloaded too (their files stay; they
   * stay unloaded until a later reload lists them or {@link #load} is called, and a model folder added to the root
   * later is served as usual), and listed models that were unloaded are served again. Checked first, nothing
   * changed when a check fails: every listed model's folder exists, and every label names a version its policy
   * would serve among the versions on disk (TF Serving refuses a label on a version that is not available; this
   * server allows one that the same reload loads).
   *
   * <p>Runs on the loader thread and returns once every load the change causes has finished (loaded, or failed and
   * reported in {@link #status}); a version whose files are still being written is given up to three settle times,
   * as at start-up. As in TF Serving, a model new to the server that then has no available version fails the call
   * with UNKNOWN, but the new list stays in force (the other models are served as listed).
   *
   * @param models the whole new model list by name, each with its own settings
   * @throws IllegalArgumentException naming the bad value when the list does not make a valid config
   * @throws ServingException NOT_FOUND naming a model whose folder does not exist; FAILED_PRECONDITION naming a
   *     label on a version that would not be served; UNKNOWN naming the new models that did not become available
   */
  public void serveExactly(Map<String, ServerConfig.ModelSettings> models) {
    ServerConfig next = config.withModels(models);
    onLoader(() -> {
      for (String name : next.models().keySet()) {
        checkListed(next, name);
      }
      Set<String> servedBefore = Set.copyOf(table.servedModels());
      SortedSet<String> dropped = new TreeSet<>(ModelFolders.list(root, next.models()).models());
      dropped.removeAll(next.models().keySet());
      LOG.info("Reload: serving {}{} (was {})", next.models().keySet(),
          dropped.isEmpty() ? "" : ", unloading " + dropped, servedBefore);
      config = config.withModels(next.models());
      disabled.removeAll(next.models().keySet());
      disabled.addAll(dropped);
      scanSettled(false);
      List<String> unavailable = new ArrayList<>();
      for (String name : new TreeSet<>(next.models().keySet())) {
        Entry entry = table.entry(name);
        if (!servedBefore.contains(name) && (entry == null || !entry.anyAvailable())) {
          unavailable.add("'" + name + "' (" + (entry == null || entry.slots.isEmpty()
              ? "no version folder under " + next.modelDir(name) : entry.statusText()) + ")");
        }
      }
      if (!unavailable.isEmpty()) {
        throw new ServingException(ErrorCode.UNKNOWN, unavailable.size() + " model(s) did not become available: "
            + String.join(", ", unavailable) + "; the new model list is in force");
      }
      return null;
    });
  }

  /** A listed model's folder exists and its labels name versions its policy would serve. */
  private static void checkListed(ServerConfig next, String name) {
    Path dir = next.modelDir(name);
    if (dir == null || !Files.isDirectory(dir)) {
      throw ServingException.notFound("Could not find base path " + dir + " for model '" + name + "'");
    }
    Map<String, Long> labels = next.labelsOf(name);
    if (labels.isEmpty()) {
      return;
    }
    List<Long> onDisk;
    try {
      onDisk = new ArrayList<>(ModelFolders.versions(dir).keySet());
    } catch (IOException e) {
      throw ServingException.notFound("Cannot read base path " + dir + " of model '" + name + "': " + e);
    }
    VersionPolicy policy = next.versionPolicyOf(name);
    List<Long> served = policy.select(onDisk);
    for (Map.Entry<String, Long> label : new TreeMap<>(labels).entrySet()) {
      if (!served.contains(label.getValue())) {
        throw new ServingException(ErrorCode.FAILED_PRECONDITION, "Model '" + name + "': label '" + label.getKey()
            + "' names version " + label.getValue() + ", which would not be served (versions on disk " + onDisk
            + ", version policy " + policy + " serves " + served + ")");
      }
    }
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
    if (entry.dir != null && !entry.dir.equals(dir) && dir != null) {
      // A new base path: what was seen or failed in the old folder says nothing about the new one.
      entry.lastSeen.clear();
      failures.forgetModel(name);
    }
    SortedMap<Long, String> onDisk = present ? ModelFolders.versions(dir) : new TreeMap<>();
    entry.lastSeen.keySet().retainAll(onDisk.keySet());
    failures.retainOnly(name, onDisk.values());
    entry.unsettled.clear();
    List<Long> candidates = new ArrayList<>();
    long now = System.currentTimeMillis();
    for (Map.Entry<Long, String> e : onDisk.entrySet()) {
      long v = e.getKey();
      Slot slot = entry.slots.get(v);
      if (slot != null && slot.live() && dir.equals(slot.source)) {
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
        if (slot != null && slot.live() && dir.equals(slot.source)) {
          continue;
        }
        if (!load(entry, dir, v, onDisk.get(v))) {
          failedNow.add(v);
          loadedAll = false;
        }
      }
      if (loadedAll) {
        break;
      }
    }
    for (Slot slot : entry.slots.values()) {
      boolean moved = !java.util.Objects.equals(dir, slot.source);
      if (slot.live() && (!wanted.contains(slot.version) || moved)) {
        retire(entry, slot, !present ? "model unloaded or removed"
            : moved ? "base path changed from " + slot.source + " to " + dir
            : onDisk.containsKey(slot.version) ? "no longer wanted by version policy " + policy
            : "removed from disk");
      }
    }
    VersionTable.pruneFinished(entry);
    if (dir != null) {
      entry.dir = dir;
    }
    entry.scanned = true;
    if (!present && entry.slots.values().stream().noneMatch(s -> s.state != VersionStatus.State.END)
        && !disabled.contains(name)) {
      table.remove(name);
    }
  }

  /**
   * Loads version {@code version} from {@code modelDir/folder} into the table. A version still served from another
   * folder (the base path changed) keeps serving while the new one loads and is retired once it is replaced.
   */
  private boolean load(Entry entry, Path modelDir, long version, String folder) {
    Path dir = modelDir.resolve(folder);
    Slot slot = new Slot(version, folder, modelDir);
    slot.state = VersionStatus.State.LOADING;
    Slot previous = entry.slots.get(version);
    Slot replaced = previous != null && previous.live() ? previous : null;
    if (replaced == null) {
      // Replaces a failed or finished slot of the same number; a draining one keeps its servable until released.
      entry.slots.put(version, slot);
    }
    // Taken before loading: files that change during the load are a change, and earn another try.
    ModelFolders.Fingerprint fp = ModelFolders.fingerprint(dir);
    long start = System.nanoTime();
    try {
      Servable servable = loader.load(entry.name, version, dir, () -> slot.state = VersionStatus.State.END);
      slot.servable = servable;
      slot.state = VersionStatus.State.AVAILABLE;
      swapIn(entry, slot, replaced);
      loads.incrementAndGet();
      failures.forget(entry.name, folder);
      LOG.info("Serving model {} version {}{} ({} ms, signatures {})", entry.name, version,
          folder.equals(Long.toString(version)) ? "" : " from folder " + folder,
          (System.nanoTime() - start) / 1_000_000, servable.signatures().keySet());
      return true;
    } catch (VersionLoader.Failure f) {
      fail(entry, slot, f.code, f.getMessage(), f.getCause());
      failures.failed(entry.name, folder, fp, System.currentTimeMillis());
      swapIn(entry, slot, replaced);
      return false;
    }
  }

  /** Publishes {@code slot} in place of {@code replaced} (loaded from the model's old base path), retiring it. */
  private void swapIn(Entry entry, Slot slot, Slot replaced) {
    if (replaced != null) {
      entry.slots.put(slot.version, slot);
      retire(entry, replaced, "base path changed from " + replaced.source + " to " + slot.source);
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
