package io.aebridge.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads numeric CSV: one sample per row, comma-separated, no quoting.
 *
 * <p>The first non-blank row is a header, and skipped, when none of its cells is a number; a row that mixes numbers
 * and text is data, and its text cells are errors. Blank lines are skipped. Every row must have as many cells as the
 * first. An optional label column holds integer class labels (e.g. {@code 7} or {@code 7.0}); the other cells are
 * the sample's values, parsed with {@link Float#parseFloat}. Text is UTF-8. Line and column numbers in errors count
 * from 1.
 * Stateless and thread-safe.
 */
public final class CsvFiles {

  /** The {@code labelColumn} that means the file has no label column. */
  public static final int NO_LABEL = -1;

  private static final char SEPARATOR = ',';

  private CsvFiles() {}

  /** Reads every cell as a feature: {@code N} samples of {@code 1×D×1}, no labels. */
  public static Dataset read(Path file) throws IOException {
    return readRows(file, NO_LABEL, 0, 0);
  }

  /**
   * Reads {@code N} samples of {@code 1×D×1}, {@code D} being the number of cells per row less the label column.
   *
   * @param labelColumn the 0-based index of the label column, or {@link #NO_LABEL}
   * @throws DataFormatException on a ragged row, a cell that is not a number, or a file without data rows
   * @throws IllegalArgumentException when {@code labelColumn} is below {@link #NO_LABEL}
   */
  public static Dataset read(Path file, int labelColumn) throws IOException {
    return readRows(file, labelColumn, 0, 0);
  }

  /**
   * Reads {@code N} grey images of {@code height×width×1}, each row holding {@code height × width} values in
   * row-major order (plus the label column, if any).
   *
   * @param labelColumn the 0-based index of the label column, or {@link #NO_LABEL}
   * @throws DataFormatException as {@link #read(Path, int)}, and when a row does not hold {@code height × width}
   *     values
   * @throws IllegalArgumentException when {@code height} or {@code width} is not positive, or {@code labelColumn}
   *     is below {@link #NO_LABEL}
   */
  public static Dataset read(Path file, int labelColumn, int height, int width) throws IOException {
    if (height <= 0 || width <= 0) {
      throw new IllegalArgumentException("image height and width must be positive, found " + height + "×" + width);
    }
    return readRows(file, labelColumn, height, width);
  }

  /** {@code height == 0} means flat vectors. */
  private static Dataset readRows(Path file, int labelColumn, int height, int width) throws IOException {
    if (labelColumn < NO_LABEL) {
      throw new IllegalArgumentException("labelColumn must be a 0-based column index or -1 (none), found "
          + labelColumn);
    }
    boolean labelled = labelColumn != NO_LABEL;
    int columns = -1;
    int firstLine = 0;
    int features = 0;
    int count = 0;
    float[] values = new float[0];
    int[] labels = new int[labelled ? 16 : 0];
    int lineNumber = 0;
    // Bytes that are not UTF-8 decode to U+FFFD: harmless in a skipped header, a non-number error in a data cell.
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8))) {
      for (String line; (line = reader.readLine()) != null; ) {
        lineNumber++;
        if (lineNumber == 1 && line.startsWith("\uFEFF")) {
          line = line.substring(1);
        }
        if (line.isBlank()) {
          continue;
        }
        String[] cells = split(line);
        if (columns < 0) {
          columns = cells.length;
          firstLine = lineNumber;
          features = columns - (labelled ? 1 : 0);
          checkFirstRow(file, lineNumber, labelColumn, columns, features, height, width);
          values = new float[(int) Math.min(BinaryInput.MAX_ELEMENTS, 16L * features)];
          if (isHeader(cells)) {
            continue;
          }
        } else if (cells.length != columns) {
          throw new DataFormatException(file, "line " + lineNumber,
              columns + " values (as on line " + firstLine + ")", Integer.toString(cells.length));
        }
        if ((long) (count + 1) * features > BinaryInput.MAX_ELEMENTS) {
          throw new DataFormatException(file, "line " + lineNumber,
              "at most " + BinaryInput.MAX_ELEMENTS + " values in all (one Java array)", "more");
        }
        if ((count + 1) * features > values.length) {
          values = Arrays.copyOf(values, (int) Math.min(BinaryInput.MAX_ELEMENTS, 2L * values.length));
        }
        if (labelled && count == labels.length) {
          labels = Arrays.copyOf(labels, 2 * labels.length);
        }
        int at = count * features;
        for (int c = 0; c < columns; c++) {
          if (c == labelColumn) {
            labels[count] = parseLabel(file, lineNumber, c, cells[c]);
          } else {
            values[at++] = parseValue(file, lineNumber, c, cells[c]);
          }
        }
        count++;
      }
    }
    if (count == 0) {
      throw new DataFormatException(file, "line " + Math.max(1, lineNumber), "at least one row of numbers",
          columns < 0 ? "an empty file" : "only a header");
    }
    float[] data = Arrays.copyOf(values, count * features);
    int[] rowLabels = labelled ? Arrays.copyOf(labels, count) : null;
    return height == 0
        ? new Dataset(data, count, 1, features, 1, rowLabels, file.toString())
        : new Dataset(data, count, height, width, 1, rowLabels, file.toString());
  }

  private static void checkFirstRow(Path file, int line, int labelColumn, int columns, int features, int height,
      int width) throws DataFormatException {
    if (labelColumn >= columns) {
      throw new DataFormatException(file, "line " + line,
          "a label column " + (labelColumn + 1) + " (labelColumn " + labelColumn + ")", columns + " columns");
    }
    if (features == 0) {
      throw new DataFormatException(file, "line " + line, "at least one value besides the label column",
          columns + " column");
    }
    if (height > 0 && (long) height * width != features) {
      throw new DataFormatException(file, "line " + line,
          (long) height * width + " values per row for " + height + "×" + width + " images"
              + (labelColumn == NO_LABEL ? "" : " besides the label column"),
          Integer.toString(features));
    }
  }

  private static String[] split(String line) {
    return line.split(String.valueOf(SEPARATOR), -1);
  }

  private static boolean isHeader(String[] cells) {
    for (String cell : cells) {
      try {
        Float.parseFloat(cell);
        return false;
      } catch (NumberFormatException e) {
        // text: a header cell
      }
    }
    return true;
  }

  private static float parseValue(Path file, int line, int column, String cell) throws DataFormatException {
    try {
      return Float.parseFloat(cell);
    } catch (NumberFormatException e) {
      throw new DataFormatException(file, "line " + line + ", column " + (column + 1), "a number", "'" + cell + "'");
    }
  }

  private static int parseLabel(Path file, int line, int column, String cell) throws DataFormatException {
    String text = cell.strip();
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      try {
        double value = Double.parseDouble(text);
        if (value == Math.rint(value) && Math.abs(value) <= Integer.MAX_VALUE) {
          return (int) value;
        }
      } catch (NumberFormatException notANumber) {
        // reported below
      }
    }
    throw new DataFormatException(file, "line " + line + ", column " + (column + 1), "an integer label",
        "'" + cell + "'");
  }
}
