package io.aebridge.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/** Picks a reader by the form of a path: the one entry point a command line needs. Stateless and thread-safe. */
public final class DataSources {

  /** The forms {@link #read(Path)} accepts, as its error message lists them. */
  public static final String SUPPORTED_FORMS = "a .npy file; an IDX file (.idx, .idx3-ubyte or any name ending in "
      + "-ubyte, optionally gzip-compressed with .gz); a .csv file; or a directory of images";

  private DataSources() {}

  /**
   * Reads {@code path} with the reader its form calls for, without labels:
   *
   * <ul>
   *   <li>a directory: {@link ImageFolder#read(Path, ImageFolder.Mode)} in {@link ImageFolder.Mode#AUTO};
   *   <li>{@code *.npy}: {@link NpyFiles#readImages(Path)};
   *   <li>{@code *.idx}, {@code *-ubyte} (such as {@code train-images.idx3-ubyte}) or {@code *.gz}:
   *       {@link IdxFiles#readImages(Path)};
   *   <li>{@code *.csv}: {@link CsvFiles#read(Path)}.
   * </ul>
   *
   * Extensions match in any case.
   *
   * @throws NoSuchFileException when nothing is at {@code path}
   * @throws DataFormatException when the form is none of these (the message lists them), or the reader fails
   */
  public static Dataset read(Path path) throws IOException {
    if (Files.isDirectory(path)) {
      return ImageFolder.read(path, ImageFolder.Mode.AUTO);
    }
    if (!Files.exists(path)) {
      throw new NoSuchFileException(path.toString());
    }
    String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".npy")) {
      return NpyFiles.readImages(path);
    }
    if (name.endsWith(".csv")) {
      return CsvFiles.read(path);
    }
    if (name.endsWith(".idx") || name.endsWith("-ubyte") || name.endsWith(".gz")) {
      return IdxFiles.readImages(path);
    }
    throw new DataFormatException(path, "file name", "one of: " + SUPPORTED_FORMS,
        "'" + path.getFileName() + "'");
  }
}
