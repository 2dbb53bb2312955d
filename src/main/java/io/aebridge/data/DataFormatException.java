package io.aebridge.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A data file whose content does not match its format, with the place it went wrong.
 *
 * <p>The message reads {@code <path>: <location>: expected <what the format needs>, found <what the file has>}, for
 * example {@code mnist.idx: byte 0: expected IDX magic 0x00000803 or 0x00000801 (first two bytes zero, type code,
 * rank), found 0x12345678}. The location is a byte offset ({@code "byte 16"}), a line ({@code "line 7"}, {@code
 * "line 7, column 3"}) or another place a reader can name.
 */
public class DataFormatException extends IOException {

  private static final long serialVersionUID = 1L;

  private final transient Path path;
  private final String location;

  /**
   * @param path the file (or folder) that holds the bad data
   * @param location where in it, e.g. {@code "byte 16"} or {@code "line 7"}
   * @param expected what the format requires there
   * @param found what the file has instead
   */
  public DataFormatException(Path path, String location, String expected, String found) {
    this(path, location, expected, found, null);
  }

  /** As {@link #DataFormatException(Path, String, String, String)}, keeping the lower-level failure as cause. */
  public DataFormatException(Path path, String location, String expected, String found, Throwable cause) {
    super(path + ": " + location + ": expected " + expected + ", found " + found, cause);
    this.path = Objects.requireNonNull(path, "path");
    this.location = Objects.requireNonNull(location, "location");
  }

  /** The file (or folder) with the bad data. */
  public Path getPath() {
    return path;
  }

  /** Where in the file: {@code "byte 16"}, {@code "line 7"}, {@code "line 7, column 3"}, ... */
  public String getLocation() {
    return location;
  }
}
