package io.aebridge.serve.repository;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The version table, the second of the repository's three parts: every model the repository knows and the state of
 * each of its versions, as requests see it. Written by the loading side (the loader thread, or the start-up workers
 * — one model per worker), read by request threads without locks: the maps are concurrent and a slot's fields are
 * volatile. Finished (unloaded or failed) versions are kept {@link #KEPT_FINISHED_VERSIONS} per model for the
 * status list only; whether a failed version is tried again is {@link FailedVersions}' business, not this list's.
 */
final class VersionTable {
  /** Finished (unloaded or failed) versions kept in a model's status. */
  static final int KEPT_FINISHED_VERSIONS = 8;

  private final Map<String, Entry> models = new ConcurrentHashMap<>();

  /** One model: its versions by number, and what the scanner saw of the versions not loaded yet. */
  static final class Entry {
    final String name;
    final NavigableMap<Long, Slot> slots = new ConcurrentSkipListMap<>();
    /** Fingerprints seen at the previous scan of versions not yet loaded, to tell when a copy has settled. */
    final Map<Long, ModelFolders.Fingerprint> lastSeen = new ConcurrentHashMap<>();
    /** Versions the last scan found but did not trust yet (files changed within the settle time). */
    final Set<Long> unsettled = ConcurrentHashMap.newKeySet();
    /** Whether this model's first scan (at start-up, or since it was found) has finished. */
    volatile boolean scanned;

    Entry(String name) {
      this.name = name;
    }

    /** Whether every version of this model is settled and none is still loading. */
    boolean ready() {
      if (!scanned || !unsettled.isEmpty()) {
        return false;
      }
      for (Slot s : slots.values()) {
        if (s.state == VersionStatus.State.LOADING || s.state == VersionStatus.State.START) {
          return false;
        }
      }
      return true;
    }

    boolean anyAvailable() {
      return slots.values().stream().anyMatch(s -> s.state == VersionStatus.State.AVAILABLE);
    }

    String statusText() {
      List<String> parts = new ArrayList<>();
      for (Slot s : slots.values()) {
        parts.add(s.version + " " + s.state + (s.failed() ? " (" + s.errorMessage + ")" : ""));
      }
      return parts.isEmpty() ? "none" : String.join(", ", parts);
    }
  }

  /** One version's state. Fields are written by the loading side (and the closing thread), read by anyone. */
  static final class Slot {
    final long version;
    /** The folder's own name ({@code 00000123} for version 123). */
    final String folder;
    volatile VersionStatus.State state = VersionStatus.State.START;
    volatile String errorCode = "OK";
    volatile String errorMessage = "";
    volatile Servable servable;

    Slot(long version, String folder) {
      this.version = version;
      this.folder = folder;
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

  Entry entry(String name) {
    return name == null ? null : models.get(name);
  }

  Entry entryOrNew(String name) {
    return models.computeIfAbsent(name, Entry::new);
  }

  void remove(String name) {
    models.remove(name);
  }

  Iterable<Entry> entries() {
    return models.values();
  }

  /** Keeps the newest {@link #KEPT_FINISHED_VERSIONS} finished versions of {@code entry} in its status. */
  static void pruneFinished(Entry entry) {
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

  /** The slot a request for {@code wanted} (or the latest when negative) would use now, or {@code null}. */
  static Slot pick(Entry entry, long wanted, boolean latest) {
    if (latest) {
      for (Slot s : entry.slots.descendingMap().values()) {
        if (s.state == VersionStatus.State.AVAILABLE) {
          return s;
        }
      }
      return null;
    }
    Slot s = entry.slots.get(wanted);
    return s != null && (s.state == VersionStatus.State.AVAILABLE || s.state == VersionStatus.State.UNLOADING)
        ? s : null;
  }

  /** Names of models with at least one available version, sorted. */
  List<String> servedModels() {
    List<String> out = new ArrayList<>();
    for (Entry e : models.values()) {
      if (e.anyAvailable()) {
        out.add(e.name);
      }
    }
    Collections.sort(out);
    return out;
  }

  /** Names of every model known (served, failed or unloaded), sorted. */
  List<String> knownModels() {
    List<String> out = new ArrayList<>(models.keySet());
    Collections.sort(out);
    return out;
  }

  boolean anyUnsettled() {
    for (Entry e : models.values()) {
      if (!e.unsettled.isEmpty()) {
        return true;
      }
    }
    return false;
  }

  boolean allReady() {
    for (Entry e : models.values()) {
      if (!e.ready()) {
        return false;
      }
    }
    return true;
  }

  int count(java.util.function.Predicate<Slot> which) {
    int n = 0;
    for (Entry e : models.values()) {
      for (Slot s : e.slots.values()) {
        n += which.test(s) ? 1 : 0;
      }
    }
    return n;
  }
}
