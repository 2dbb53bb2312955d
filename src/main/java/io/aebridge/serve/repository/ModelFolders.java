package io.aebridge.serve.repository;

import io.aebridge.load.ModelLayout;
import io.aebridge.serve.ServerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Scanning, the first of the repository's three parts: what the models folder holds now. Model folders the server
 * can serve, the ones it will not (with the reason), the version folders of a model (by number, each with its
 * folder's own name) and a cheap fingerprint of a version folder to notice a copy in progress or changed files.
 * Reads the file system only; keeps no state. Safe from any thread.
 */
final class ModelFolders {
  /** Files looked at per version when fingerprinting; a bigger folder is fingerprinted by its first ones. */
  static final int MAX_FILES_PER_VERSION = 100_000;

  private ModelFolders() {}

  /**
   * The model folders under a root.
   *
   * @param models names the server serves, sorted
   * @param rejected folder names it will not serve (not a valid model name), each with the reason, sorted
   */
  record Listing(SortedSet<String> models, SortedMap<String, String> rejected) {}

  /** What a version folder looks like on disk: enough to notice a copy in progress or replaced files. */
  record Fingerprint(long files, long bytes, long newestMillis) {}

  /**
   * The folders under {@code root}. Hidden names (starting with {@code .}, such as an export's temporary folder)
   * and plain files are neither models nor rejected.
   */
  static Listing list(Path root) throws IOException {
    return list(root, Map.of());
  }

  /**
   * As {@link #list(Path)}, plus the configured models given their own folder ({@code basePath}, TF Serving's model
   * config list) wherever it is, when that folder exists; {@code root} may be {@code null} when every model has one.
   */
  static Listing list(Path root, Map<String, ServerConfig.ModelSettings> configured) throws IOException {
    SortedSet<String> models = new TreeSet<>();
    SortedMap<String, String> rejected = new TreeMap<>();
    configured.forEach((name, settings) -> {
      if (settings.basePath() != null && Files.isDirectory(settings.basePath())) {
        models.add(name);
      }
    });
    if (root == null || !Files.isDirectory(root)) {
      return new Listing(models, rejected);
    }
    try (Stream<Path> children = Files.list(root)) {
      for (Path child : (Iterable<Path>) children::iterator) {
        String name = child.getFileName().toString();
        if (name.startsWith(".") || !Files.isDirectory(child)) {
          continue;
        }
        String why = whyNotServable(name);
        if (why == null) {
          models.add(name);
        } else {
          rejected.put(name, why);
        }
      }
    }
    return new Listing(models, rejected);
  }

  /** {@code null} when {@code name} is a model name the server serves, else why not (one sentence). */
  static String whyNotServable(String name) {
    if (ServerConfig.validModelName(name)) {
      return null;
    }
    if (name.length() > 100) {
      return "not served: a model name has at most 100 characters, this one " + name.length();
    }
    int bad = name.codePoints().filter(c -> !(c < 128 && (Character.isLetterOrDigit(c) || c == '.' || c == '_'
        || c == '-'))).findFirst().orElse('?');
    String shown = bad == ' ' ? "a space" : bad < 32 || bad == 127 ? String.format("U+%04X", bad)
        : "'" + new String(Character.toChars(bad)) + "'" + (bad >= 128 ? String.format(" (U+%04X)", bad) : "");
    return "not served: the name has " + shown + "; model names use only A-Z a-z 0-9 . _ - (they appear in URL "
        + "paths and metric labels)";
  }

  /** The complete versions of a model folder: version → the folder's own name (see {@link ModelLayout}). */
  static SortedMap<Long, String> versions(Path modelDir) throws IOException {
    return ModelLayout.versionFolders(modelDir);
  }

  /** Files, bytes and newest modification time under {@code dir}, or {@code null} if it cannot be read now. */
  static Fingerprint fingerprint(Path dir) {
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
}
