package io.aebridge.keras;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A Keras file that cannot be imported: not a Keras file, damaged, or using something the importer does not
 * support. The message names the file and, where one is at fault, the layer, its class and what was expected.
 */
public final class KerasImportException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;

  public KerasImportException(Path file, String message) {
    this(file, message, null);
  }

  public KerasImportException(Path file, String message, Throwable cause) {
    super((file == null ? "" : file + ": ") + message, cause);
    this.file = file;
  }

  /** The file being imported, or {@code null} when the input had no file. */
  public Path file() {
    return file;
  }
}
