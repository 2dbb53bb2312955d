package io.aebridge.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * The TF Serving model layout: {@code <root>/<name>/<version>/saved_model.pb}, versions being positive integers.
 * Anything else in a model folder (temporary {@code .tmp-*} folders of an export in progress, stray files) is not a
 * version. Stateless; safe from any thread.
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
    List<Long> versions = new ArrayList<>();
    if (!Files.isDirectory(modelDir)) {
      return versions;
    }
    try (Stream<Path> children = Files.list(modelDir)) {
      for (Path child : (Iterable<Path>) children::iterator) {
        OptionalLong v = parseVersion(child.getFileName().toString());
        if (v.isPresent() && (Files.isRegularFile(child.resolve(SAVED_MODEL_FILE))
            || KERAS_FILES.stream().anyMatch(k -> Files.isRegularFile(child.resolve(k))))) {
          versions.add(v.getAsLong());
        }
      }
    }
    versions.sort(null);
    return versions;
  }

  /** The highest version under {@code modelDir}, if any. */
  public static OptionalLong latestVersion(Path modelDir) throws IOException {
    List<Long> versions = versions(modelDir);
    return versions.isEmpty() ? OptionalLong.empty() : OptionalLong.of(versions.get(versions.size() - 1));
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

  /** A positive decimal version number, or empty for any other name. */
  public static OptionalLong parseVersion(String folderName) {
    if (folderName.isEmpty() || folderName.length() > 18 || !folderName.chars().allMatch(Character::isDigit)) {
      return OptionalLong.empty();
    }
    long v = Long.parseLong(folderName);
    return v > 0 ? OptionalLong.of(v) : OptionalLong.empty();
  }
}
