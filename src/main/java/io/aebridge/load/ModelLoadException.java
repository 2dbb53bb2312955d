package io.aebridge.load;

import java.io.IOException;
import java.nio.file.Path;

/** A SavedModel folder that cannot be loaded: missing, corrupt, or rejected by the TensorFlow runtime. */
public final class ModelLoadException extends IOException {
  private final Path path;

  public ModelLoadException(Path path, String message, Throwable cause) {
    super(path + ": " + message, cause);
    this.path = path;
  }

  public Path path() {
    return path;
  }
}
