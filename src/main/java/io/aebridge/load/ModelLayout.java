package io.aebridge.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The TF Serving model layout: {@code <root>/<name>/<version>/saved_model.pb}, a version folder being named by a
 * non-negative decimal integer that fits in 64 bits. As in TF Serving, the name is parsed for the number but the
 * folder is opened by its own name: {@code 00000123} is version 123 and is read from {@code 00000123/}, never from
 * {@code 123/} ({@link #versionFolders}). Anything else in a model folder (temporary {@code .tmp-*} folders of an
 * export in progress, stray files) is not a version. Stateless; safe from any thread.
 */
public final class ModelLayout {
  /** The file that makes a folder a SavedModel. */
  public static final String SAVED_MODEL_FILE = "saved_model.pb";
  /** The model card written beside the SavedModel inside each version folder. */
  public static final String MODEL_CARD_FILE = "model-card.json";
  /** Keras files that make a folder a version too (served through io.aebridge.keras.KerasServing). */
  public static final java.util.List<String> KERAS_FILES = java.util.List.of("model.keras", "model.h5");
  /** Prefix of the folders an export writes before renaming them into place. */
  public static final String TEMP_PREFIX = ".tmp-";

  private ModelLayout() {}

  /** The versions under {@code modelDir} that hold a {@code saved_model.pb} or a Keras file ({@link #KERAS_FILES}), ascending. */
  public static List<Long> versions(Path modelDir) throws IOException {
    return new ArrayList<>(versionFolders(modelDir).keySet());
  }

  /**
   * The versions under {@code modelDir} that hold a {@code saved_model.pb} or a Keras file ({@link #KERAS_FILES}), each with the name of its folder
   * ({@code 123 → "00000123"}), ascending by version. When two folders parse to the same number ({@code 7} and
   * {@code 007}) the one spelled plainly wins, else the first by name, so the choice never depends on listing order.
   */
  public static SortedMap<Long, String> versionFolders(Path modelDir) throws IOException {
    SortedMap<Long, String> versions = new TreeMap<>();
    if (!Files.isDirectory(modelDir)) {
      return versions;
    }
    try (Stream<Path> children = Files.list(modelDir)) {
      for (Path child : (Iterable<Path>) children::iterator) {
        String name = child.getFileName().toString();
        OptionalLong v = parseVersion(name);
        if (v.isPresent() && (Files.isRegularFile(child.resolve(SAVED_MODEL_FILE))
            || KERAS_FILES.stream().anyMatch(k -> Files.isRegularFile(child.resolve(k))))) {
          versions.merge(v.getAsLong(), name, (a, b) -> preferred(v.getAsLong(), a, b));
        }
      }
    }
    return versions;
  }

  private static String preferred(long version, String a, String b) {
    String plain = Long.toString(version);
    if (a.equals(plain) || b.equals(plain)) {
      return plain;
    }
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** The highest version under {@code modelDir}, if any. */
  public static OptionalLong latestVersion(Path modelDir) throws IOException {
    List<Long> versions = versions(modelDir);
    return versions.isEmpty() ? OptionalLong.empty() : OptionalLong.of(versions.get(versions.size() - 1));
  }

  /** The folder of the highest version under {@code modelDir} (by its own name, e.g. {@code 00000123}), if any. */
  public static java.util.Optional<Path> latestVersionFolder(Path modelDir) throws IOException {
    SortedMap<Long, String> versions = versionFolders(modelDir);
    return versions.isEmpty() ? java.util.Optional.empty()
        : java.util.Optional.of(modelDir.resolve(versions.get(versions.lastKey())));
  }

  /** One more than the highest integer-named folder under {@code modelDir} (complete or not), or 1. */
  public static long nextVersion(Path modelDir) throws IOException {
    long max = 0;
    if (Files.isDirectory(modelDir)) {
      try (Stream<Path> children = Files.list(modelDir)) {
        for (Path child : (Iterable<Path>) children::iterator) {
          OptionalLong v = parseVersion(child.getFileName().toString());
          if (v.isPresent()) {
            max = Math.max(max, v.getAsLong());
          }
        }
      }
    }
    if (max == Long.MAX_VALUE) {
      throw new IOException(modelDir + ": the highest version is already " + max + "; no next version exists");
    }
    return max + 1;
  }

  /** The model names under {@code root} (folders with at least one complete version), sorted. */
  public static List<String> modelNames(Path root) throws IOException {
    List<String> names = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return names;
    }
    try (Stream<Path> children = Files.list(root)) {
      for (Path child : (Iterable<Path>) children::iterator) {
        String name = child.getFileName().toString();
        if (!name.startsWith(".") && Files.isDirectory(child) && !versions(child).isEmpty()) {
          names.add(name);
        }
      }
    }
    names.sort(null);
    return names;
  }

  /**
   * Deletes {@code dir} and everything below it (deepest first); nothing when it does not exist. Used to remove the
   * temporary folders of failed exports and uploads.
   *
   * @throws IOException naming the first entry that could not be deleted
   */
  public static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }

  /**
   * The version a folder (or a request path) names: ASCII decimal digits, leading zeros allowed, at most
   * {@link Long#MAX_VALUE} ({@code 0}, {@code 00000123}, 19 digits); empty for any other text. TF Serving accepts
   * the same non-negative 64-bit numbers.
   */
  public static OptionalLong parseVersion(String folderName) {
    if (folderName == null || folderName.isEmpty() || !folderName.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(folderName));
    } catch (NumberFormatException tooBig) {
      return OptionalLong.empty();
    }
  }
}
