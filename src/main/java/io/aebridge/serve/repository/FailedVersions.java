package io.aebridge.serve.repository;

import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The versions whose load failed, remembered apart from the status list (which keeps only the last few finished
 * versions), so that a failed version is loaded again only when its files change, and even then with back-off:
 * the first retry after a change is immediate, each further failed retry waits twice as long as the one before,
 * starting at the back-off base (the poll interval, at least 1 s) up to 5 minutes (or the base, if longer).
 * Bounded: at most {@code capacity} versions; the least recently failed are forgotten first (a forgotten version is
 * tried once more, then remembered again). Thread-safe.
 */
final class FailedVersions {
  static final long MIN_BASE_MILLIS = 1_000;
  static final long MAX_BACKOFF_MILLIS = 300_000;

  private record Key(String model, String folder) {}

  private record Failure(ModelFolders.Fingerprint fingerprint, int attempts, long notBeforeMillis) {}

  private final int capacity;
  private final long baseMillis;
  private final long maxMillis;
  private final Map<Key, Failure> failures;

  FailedVersions(int capacity, java.time.Duration base) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be ≥ 1, found " + capacity);
    }
    this.capacity = capacity;
    this.baseMillis = Math.max(MIN_BASE_MILLIS, base.toMillis());
    this.maxMillis = Math.max(MAX_BACKOFF_MILLIS, baseMillis);
    this.failures = new LinkedHashMap<>(16, 0.75f, true);
  }

  /**
   * Whether version folder {@code folder} of {@code model}, now looking like {@code now}, is to be left alone:
   * it failed before and its files have not changed, or they changed but its back-off has not passed.
   */
  synchronized boolean skip(String model, String folder, ModelFolders.Fingerprint now, long nowMillis) {
    Failure f = failures.get(new Key(model, folder));
    if (f == null) {
      return false;
    }
    return java.util.Objects.equals(f.fingerprint(), now) || nowMillis < f.notBeforeMillis();
  }

  /** Records a failed load of files that looked like {@code fingerprint}. */
  synchronized void failed(String model, String folder, ModelFolders.Fingerprint fingerprint, long nowMillis) {
    Key key = new Key(model, folder);
    Failure before = failures.get(key);
    int attempts = before == null ? 1 : before.attempts() + 1;
    long wait = 0;
    if (attempts > 1) {
      wait = Math.min(maxMillis, baseMillis);
      for (int i = 2; i < attempts && wait < maxMillis; i++) {
        wait = Math.min(maxMillis, wait * 2);
      }
    }
    failures.put(key, new Failure(fingerprint, attempts, nowMillis + wait));
    if (failures.size() > capacity) {
      Iterator<Key> eldest = failures.keySet().iterator();
      eldest.next();
      eldest.remove();
    }
  }

  /** Forgets a version (it loaded, or it left the disk). */
  synchronized void forget(String model, String folder) {
    failures.remove(new Key(model, folder));
  }

  /** Forgets every version of {@code model} except those in {@code keep} (the folders still on disk). */
  synchronized void retainOnly(String model, Collection<String> keep) {
    failures.keySet().removeIf(k -> k.model().equals(model) && !keep.contains(k.folder()));
  }

  /** Forgets every version of {@code model} (an operator asked to load it again). */
  synchronized void forgetModel(String model) {
    failures.keySet().removeIf(k -> k.model().equals(model));
  }

  synchronized int size() {
    return failures.size();
  }
}
