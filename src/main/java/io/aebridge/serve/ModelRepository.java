package io.aebridge.serve;

import io.aebridge.load.HostTensor;
import io.aebridge.load.LoadedModel;
import io.aebridge.load.ModelLayout;
import io.aebridge.load.ModelLoadException;
import io.aebridge.load.SignatureInfo;
import io.aebridge.load.TensorSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves every model under a TF Serving folder {@code <root>/<name>/<version>/}, following the folder as it
 * changes.
 *
 * <p>A poll thread re-reads the folder every {@link ServerConfig#pollInterval()}; loading happens there, never on
 * request threads. Each model's {@link VersionPolicy} picks the versions to serve among those that are complete
 * (a {@code saved_model.pb}), settled (not still being copied) and not known to fail. A new version is checked
 * against the {@link OpPolicy}, loaded and warmed up before it is published; only then are versions the policy no
 * longer wants retired, and a retired version is closed when its last in-flight request releases it — so a swap
 * fails no request. A version that fails to load is reported with its error ({@link #status}) and tried again only
 * when its files change; the versions already served stay served.
 *
 * <p>Thread-safe. {@link #close()} stops polling and closes every model once its requests are done.
 */
public final class ModelRepository implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelRepository.class);
  /** Finished (unloaded or failed) versions kept in a model's status. */
  static final int KEPT_FINISHED_VERSIONS = 8;
  private static final int MAX_FILES_PER_VERSION = 100_000;

  private final ServerConfig config;
  private final OpPolicy ops;
  private final Path root;
  private final Map<String, Entry> models = new ConcurrentHashMap<>();
  private final Set<String> disabled = ConcurrentHashMap.newKeySet();
  private final Object scanLock = new Object();
  private final ScheduledExecutorService poller;
  private final AtomicLong loadFailures = new AtomicLong();
  private final AtomicLong loads = new AtomicLong();
  private final AtomicBoolean recheckScheduled = new AtomicBoolean();
  private volatile boolean initialScanDone;
  private volatile boolean closed;

  /** One model: its versions by number. */
  private static final class Entry {
    final String name;
    final NavigableMap<Long, Slot> slots = new ConcurrentSkipListMap<>();
    /** Fingerprints seen at the previous scan of versions not yet loaded, to tell when a copy has settled. */
    final Map<Long, Fingerprint> lastSeen = new ConcurrentHashMap<>();
    /** Versions the last scan found but did not trust yet (files changed within the settle time). */
    final Set<Long> unsettled = ConcurrentHashMap.newKeySet();

    Entry(String name) {
      this.name = name;
    }
  }

  /** One version's state. Fields are written by the poll thread (and the closing thread), read by anyone. */
  private static final class Slot {
    final long version;
    volatile VersionStatus.State state = VersionStatus.State.START;
    volatile String errorCode = "OK";
    volatile String errorMessage = "";
    volatile Servable servable;
    volatile Fingerprint fingerprint;

    Slot(long version) {
      this.version = version;
    }

    VersionStatus status() {
      return new VersionStatus(version, state, errorCode, errorMessage);
    }

    boolean failed() {
      return state == VersionStatus.State.END && !"OK".equals(errorCode);
    }

    boolean live() {
      return state == VersionStatus.State.AVAILABLE || state == VersionStatus.State.LOADING;
    }
  }

  /** What a version folder looks like on disk: enough to notice a copy in progress or replaced files. */
  record Fingerprint(long files, long bytes, long newestMillis) {}

  public ModelRepository(ServerConfig config, OpPolicy ops) {
    this.config = config;
    this.ops = ops;
    this.root = config.modelsRoot();
    this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "aebridge-model-poller");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Loads what the folder holds now (on the calling thread; a version whose files are still changing is given
   * up to three settle times), then polls it in the background.
   */
  public void start() {
    refreshSettled();
    initialScanDone = true;
    long every = config.pollInterval().toMillis();
    if (every > 0) {
      poller.scheduleWithFixedDelay(this::pollQuietly, every, every, TimeUnit.MILLISECONDS);
    }
  }

  private void pollQuietly() {
    try {
      refresh();
      if (anyUnsettled() && recheckScheduled.compareAndSet(false, true)) {
        // Look again once the settle time has passed rather than a whole poll interval later.
        poller.schedule(() -> {
          recheckScheduled.set(false);
          pollQuietly();
        }, config.settleTime().toMillis() + 10, TimeUnit.MILLISECONDS);
      }
    } catch (RuntimeException e) {
      LOG.error("Polling {} failed; trying again in {}", root, config.pollInterval(), e);
    }
  }

  /** Refreshes, then looks again (at most three times) while versions are still settling. */
  private void refreshSettled() {
    refresh();
    for (int round = 0; round < 3 && anyUnsettled() && !closed; round++) {
      try {
        Thread.sleep(config.settleTime().toMillis() + 10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      refresh();
    }
  }

  private boolean anyUnsettled() {
    for (Entry e : models.values()) {
      if (!e.unsettled.isEmpty()) {
        return true;
      }
    }
    return false;
  }

  /** Whether the first scan has finished loading. */
  public boolean initialScanDone() {
    return initialScanDone;
  }

  /** Re-reads the folder now and applies every change before returning (serialised with the poll thread). */
  public void refresh() {
    synchronized (scanLock) {
      if (closed) {
        return;
      }
      Set<String> onDisk = new TreeSet<>();
      try {
        onDisk.addAll(modelFolders());
      } catch (IOException e) {
        LOG.warn("Cannot list the models folder {}: {}", root, e.toString());
        return;
      }
      Set<String> names = new TreeSet<>(onDisk);
      names.addAll(models.keySet());
      for (String name : names) {
        try {
          sync(name, onDisk.contains(name) && !disabled.contains(name));
        } catch (IOException | UncheckedIOException e) {
          LOG.warn("Cannot read model folder {}: {}", config.modelDir(name), e.toString());
        }
      }
    }
  }

  private List<String> modelFolders() throws IOException {
    List<String> names = new ArrayList<>();
    // Models given their own folder (TF Serving's model config list) are served from there, wherever it is.
    config.models().forEach((name, settings) -> {
      if (settings.basePath() != null && Files.isDirectory(settings.basePath())) {
        names.add(name);
      }
    });
    if (root == null || !Files.isDirectory(root)) {
      return names;
    }
    try (Stream<Path> children = Files.list(root)) {
      for (Path child : (Iterable<Path>) children::iterator) {
        String name = child.getFileName().toString();
        if (ServerConfig.validModelName(name) && Files.isDirectory(child) && !names.contains(name)) {
          names.add(name);
        }
      }
    }
    return names;
  }

  private void sync(String name, boolean present) throws IOException {
    Entry entry = models.computeIfAbsent(name, Entry::new);
    Path dir = config.modelDir(name);
    List<Long> onDisk = present ? ModelLayout.versions(dir) : List.of();
    entry.lastSeen.keySet().retainAll(onDisk);
    entry.unsettled.clear();
    List<Long> candidates = new ArrayList<>();
    long now = System.currentTimeMillis();
    for (long v : onDisk) {
      Slot slot = entry.slots.get(v);
      if (slot != null && slot.live()) {
        candidates.add(v);
        continue;
      }
      Fingerprint fp = fingerprint(dir.resolve(Long.toString(v)));
      if (fp == null) {
        continue;
      }
      if (slot != null && slot.failed() && fp.equals(slot.fingerprint)) {
        continue;
      }
      Fingerprint before = entry.lastSeen.put(v, fp);
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
    Set<Long> failedNow = new HashSet<>();
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
        if (!load(entry, v, dir.resolve(Long.toString(v)))) {
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
        retire(entry, slot, onDisk.contains(slot.version) ? "no longer wanted by version policy " + policy
            : present ? "removed from disk" : "model unloaded or removed");
      }
    }
    pruneFinished(entry);
    if (!present && entry.slots.values().stream().noneMatch(s -> s.state != VersionStatus.State.END)
        && !disabled.contains(name)) {
      models.remove(name);
    }
  }

  private boolean load(Entry entry, long version, Path dir) {
    Slot slot = new Slot(version);
    slot.fingerprint = fingerprint(dir);
    slot.state = VersionStatus.State.LOADING;
    // Replaces a failed or finished slot of the same number; a draining one keeps its servable until released.
    entry.slots.put(version, slot);
    long start = System.nanoTime();
    LoadedModel model = null;
    try {
      ops.check(dir);
      model = LoadedModel.load(dir, config.sessionThreads().intraOp(), config.sessionThreads().interOp());
      Servable servable = new Servable(entry.name, version, model, () -> slot.state = VersionStatus.State.END);
      if (config.warmup()) {
        warmUp(servable);
      }
      slot.servable = servable;
      slot.state = VersionStatus.State.AVAILABLE;
      loads.incrementAndGet();
      LOG.info("Serving model {} version {} ({} ms, signatures {})", entry.name, version,
          (System.nanoTime() - start) / 1_000_000, servable.signatures().keySet());
      return true;
    } catch (OpPolicy.RefusedException e) {
      fail(entry, slot, "FAILED_PRECONDITION", e.getMessage(), null);
    } catch (ModelLoadException e) {
      String message = e.getMessage().startsWith(dir + ": ") ? e.getMessage().substring(dir.toString().length() + 2)
          : e.getMessage();
      fail(entry, slot, "UNKNOWN", message, null);
    } catch (IOException | UncheckedIOException e) {
      fail(entry, slot, "UNKNOWN", "cannot read the version folder: " + e.getMessage(), null);
    } catch (RuntimeException e) {
      fail(entry, slot, "UNKNOWN", "the model does not run: " + e.getMessage(), e);
    }
    if (model != null && slot.servable == null) {
      model.close();
    }
    return false;
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
    String abs = root.toAbsolutePath().normalize().toString();
    return message.replace(abs, root.toString());
  }

  /** Runs each signature once on zeros (batch of one) so the first request does not pay for graph setup. */
  private static void warmUp(Servable servable) {
    for (SignatureInfo sig : servable.signatures().values()) {
      Map<String, HostTensor> inputs = new LinkedHashMap<>();
      for (TensorSpec in : sig.inputs()) {
        long[] shape = in.shape();
        if (shape == null || !HostTensor.supports(in.dtype())) {
          inputs = null;
          break;
        }
        long[] dims = shape.clone();
        for (int i = 0; i < dims.length; i++) {
          if (dims[i] < 0) {
            if (i > 0) {
              inputs = null;
              break;
            }
            dims[i] = 1;
          }
        }
        if (inputs == null) {
          break;
        }
        inputs.put(in.key(), HostTensor.ofDoubles(dims, new double[(int) count(dims)]).castTo(in.dtype()));
      }
      if (inputs != null && !inputs.isEmpty() && sig.outputs().stream().allMatch(o -> HostTensor.supports(o.dtype()))) {
        try {
          servable.model().run(sig.key(), inputs);
        } catch (RuntimeException e) {
          throw new IllegalStateException("warm-up run of signature '" + sig.key() + "' failed: " + e.getMessage(),
              e);
        }
      }
    }
  }

  private static long count(long[] dims) {
    long n = 1;
    for (long d : dims) {
      n *= d;
    }
    return n;
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

  private void pruneFinished(Entry entry) {
    List<Long> finished = new ArrayList<>();
    for (Slot s : entry.slots.values()) {
      if (s.state == VersionStatus.State.END) {
        finished.add(s.version);
      }
    }
    for (int i = 0; i < finished.size() - KEPT_FINISHED_VERSIONS; i++) {
      entry.slots.remove(finished.get(i));
    }
  }

  /** Files, bytes and newest modification time under {@code dir}, or {@code null} if it cannot be read now. */
  private static Fingerprint fingerprint(Path dir) {
    long[] acc = new long[3];
    try (Stream<Path> walk = Files.walk(dir, 8)) {
      walk.limit(MAX_FILES_PER_VERSION).forEach(p -> {
        try {
          BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
          acc[0]++;
          acc[1] += a.isRegularFile() ? a.size() : 0;
          acc[2] = Math.max(acc[2], a.lastModifiedTime().toMillis());
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException | UncheckedIOException e) {
      return null;
    }
    return new Fingerprint(acc[0], acc[1], acc[2]);
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
   * @throws ApiException NOT_FOUND, listing the models or versions that exist
   */
  public ModelHandle acquire(String model, Selector selector) {
    Entry entry = model == null ? null : models.get(model);
    if (entry == null || entry.slots.values().stream().noneMatch(s -> s.state == VersionStatus.State.AVAILABLE)) {
      throw ApiException.notFound("Servable not found for request: " + describe(model, selector) + "; "
          + (entry == null ? "models are " + servedModels() : "model '" + model + "' has no available version ("
              + statusText(entry) + ")"));
    }
    long wanted = -1;
    if (selector instanceof Specific s) {
      wanted = s.version();
    } else if (selector instanceof Label l) {
      Long v = config.labelsOf(model).get(l.label());
      if (v == null) {
        throw ApiException.notFound("Model '" + model + "' has no label '" + l.label() + "'; its labels are "
            + config.labelsOf(model));
      }
      wanted = v;
    }
    // A version can be retired between our look and our acquire; the next look finds its replacement.
    for (int attempt = 0; attempt < 100; attempt++) {
      Slot slot = null;
      if (wanted < 0) {
        for (Slot s : entry.slots.descendingMap().values()) {
          if (s.state == VersionStatus.State.AVAILABLE) {
            slot = s;
            break;
          }
        }
      } else {
        Slot s = entry.slots.get(wanted);
        if (s != null && (s.state == VersionStatus.State.AVAILABLE || s.state == VersionStatus.State.UNLOADING)) {
          slot = s;
        }
      }
      if (slot == null) {
        break;
      }
      Servable servable = slot.servable;
      if (servable != null && servable.tryAcquire()) {
        return new ModelHandle(servable);
      }
      Thread.onSpinWait();
    }
    throw ApiException.notFound("Servable not found for request: " + describe(model, selector) + "; versions of '"
        + model + "': " + statusText(entry));
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

  private static String statusText(Entry entry) {
    List<String> parts = new ArrayList<>();
    for (Slot s : entry.slots.values()) {
      parts.add(s.version + " " + s.state + (s.failed() ? " (" + s.errorMessage + ")" : ""));
    }
    return parts.isEmpty() ? "none" : String.join(", ", parts);
  }

  /** Names of models with at least one available version, sorted. */
  public List<String> servedModels() {
    List<String> out = new ArrayList<>();
    for (Entry e : models.values()) {
      if (e.slots.values().stream().anyMatch(s -> s.state == VersionStatus.State.AVAILABLE)) {
        out.add(e.name);
      }
    }
    Collections.sort(out);
    return out;
  }

  /** Names of every model the repository knows (served, failed or unloaded), sorted. */
  public List<String> knownModels() {
    List<String> out = new ArrayList<>(models.keySet());
    Collections.sort(out);
    return out;
  }

  public boolean knows(String model) {
    return model != null && models.containsKey(model);
  }

  /**
   * The status of every version of {@code model}, newest first.
   *
   * @throws ApiException NOT_FOUND listing the models
   */
  public List<VersionStatus> status(String model) {
    Entry entry = model == null ? null : models.get(model);
    if (entry == null) {
      throw ApiException.notFound("Could not find any versions of model " + model + "; models are "
          + knownModels());
    }
    List<VersionStatus> out = new ArrayList<>();
    for (Slot s : entry.slots.descendingMap().values()) {
      out.add(s.status());
    }
    return out;
  }

  /** Whether the first scan is done and no known version is still loading or settling. */
  public boolean ready() {
    if (!initialScanDone || closed || anyUnsettled()) {
      return false;
    }
    for (Entry e : models.values()) {
      for (Slot s : e.slots.values()) {
        if (s.state == VersionStatus.State.LOADING || s.state == VersionStatus.State.START) {
          return false;
        }
      }
    }
    return true;
  }

  /** Available versions across all models. */
  public int availableVersions() {
    int n = 0;
    for (Entry e : models.values()) {
      for (Slot s : e.slots.values()) {
        n += s.state == VersionStatus.State.AVAILABLE ? 1 : 0;
      }
    }
    return n;
  }

  /** Versions whose last load failed and that are not served. */
  public int failedVersions() {
    int n = 0;
    for (Entry e : models.values()) {
      for (Slot s : e.slots.values()) {
        n += s.failed() ? 1 : 0;
      }
    }
    return n;
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
  // Management

  /**
   * Serves {@code model} again after {@link #unload} and loads what its folder holds now.
   *
   * @return the model's status after loading
   * @throws ApiException NOT_FOUND when there is no such model folder
   */
  public List<VersionStatus> load(String model) {
    Path dir = ServerConfig.validModelName(model) ? config.modelDir(model) : null;
    if (dir == null || !Files.isDirectory(dir)) {
      throw ApiException.notFound("No model folder '" + model + "' under the models root; models are "
          + knownModels());
    }
    disabled.remove(model);
    refreshSettled();
    return models.containsKey(model) ? status(model) : List.of();
  }

  /**
   * Stops serving {@code model} (its files stay); polling leaves it unloaded until {@link #load}.
   *
   * @throws ApiException NOT_FOUND for an unknown model
   */
  public void unload(String model) {
    if (!knows(model)) {
      throw ApiException.notFound("Model '" + model + "' is not loaded; models are " + knownModels());
    }
    disabled.add(model);
    refresh();
  }

  /**
   * Serves a version just renamed into place by an upload: it is complete, so it is loaded now without waiting for
   * a second look, and the model is served again if it had been unloaded.
   *
   * @return the model's status afterwards
   */
  public List<VersionStatus> install(String model, long version) {
    synchronized (scanLock) {
      Fingerprint fp = fingerprint(config.modelDir(model).resolve(Long.toString(version)));
      if (fp != null) {
        models.computeIfAbsent(model, Entry::new).lastSeen.put(version, fp);
      }
    }
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
    poller.shutdownNow();
    List<Servable> retired = new ArrayList<>();
    for (Entry e : models.values()) {
      for (Slot s : e.slots.values()) {
        if (s.live() && s.servable != null) {
          retired.add(s.servable);
          retire(e, s, "server stopping");
        }
      }
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Servable s : retired) {
      while (s.refCount() > 0 && System.nanoTime() < deadline) {
        try {
          Thread.sleep(5);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      if (s.refCount() > 0) {
        LOG.warn("Model {} still has {} request(s) in flight after {}; leaving it open", s, s.refCount(), timeout);
      }
    }
  }

  @Override
  public void close() {
    close(config.drainTimeout());
  }
}
