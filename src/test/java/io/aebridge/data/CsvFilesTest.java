package io.aebridge.data;

import static io.aebridge.data.TestBytes.assertFormatError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.StringJoiner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvFilesTest {

  @TempDir Path dir;

  private Path csv(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
  }

  private static String row(int values, float value) {
    StringJoiner row = new StringJoiner(",");
    for (int i = 0; i < values; i++) {
      row.add(Float.toString(value));
    }
    return row.toString();
  }

  @Test
  void skipsHeaderAndReadsLabelColumn() throws IOException {
    Path f = csv("train.csv", "label,a,b,c\n3,0.1,0.2,0.3\n7,1,-2,3e2\n");

    Dataset d = CsvFiles.read(f, 0);

    assertEquals(new Dataset(new float[] {0.1f, 0.2f, 0.3f, 1f, -2f, 300f}, 2, 1, 3, 1, new int[] {3, 7}, "-"), d);
    assertEquals(f.toString(), d.source());
  }

  @Test
  void readsWithoutHeaderOrLabelsAndSkipsBlankLines() throws IOException {
    Path f = csv("plain.csv", "\uFEFF1,2\r\n\r\n 3 , 4\r\n\n");

    Dataset d = CsvFiles.read(f);

    assertEquals(new Dataset(new float[] {1f, 2f, 3f, 4f}, 2, 1, 2, 1, null, "-"), d);
    assertNull(d.labels());
  }

  @Test
  void labelInLastColumnMayBeWrittenAsFloat() throws IOException {
    Path f = csv("last.csv", "0.5,0.25,4.0\n1,0,2\n");

    Dataset d = CsvFiles.read(f, 2);

    assertArrayEquals(new int[] {4, 2}, d.labels());
    assertArrayEquals(new float[] {0.5f, 0.25f, 1f, 0f}, d.values());
  }

  @Test
  void readsRowsAsImagesWhenGivenDimensions() throws IOException {
    Path f = csv("img.csv", "9,0,0.25,0.5,1\n1,1,1,1,1\n");

    Dataset d = CsvFiles.read(f, 0, 2, 2);

    assertEquals(new Dataset(new float[] {0f, 0.25f, 0.5f, 1f, 1f, 1f, 1f, 1f}, 2, 2, 2, 1, new int[] {9, 1}, "-"), d);
  }

  @Test
  void manyRowsGrowTheBuffers() throws IOException {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 100; i++) {
      text.append(i).append(',').append(i * 0.5f).append('\n');
    }

    Dataset d = CsvFiles.read(csv("many.csv", text.toString()), 0);

    assertEquals(100, d.count());
    assertEquals(99, d.labels()[99]);
    assertEquals(49.5f, d.values()[99]);
  }

  @Test
  void raggedRowNamesTheLineAndTheReferenceLine() throws IOException {
    StringBuilder text = new StringBuilder();
    for (int line = 1; line <= 6; line++) {
      text.append(row(784, 0.5f)).append('\n');
    }
    text.append(row(783, 0.5f)).append('\n');
    Path f = csv("ragged.csv", text.toString());

    DataFormatException e = assertThrows(DataFormatException.class, () -> CsvFiles.read(f));

    assertEquals(f + ": line 7: expected 784 values (as on line 1), found 783", e.getMessage());
    assertEquals("line 7", e.getLocation());
    assertEquals(f, e.getPath());
  }

  @Test
  void raggedRowAfterAHeaderCountsTheHeaderLine() throws IOException {
    Path f = csv("h.csv", "\nx,y\n1,2\n3\n");

    assertFormatError(f, "line 4", () -> CsvFiles.read(f), "2 values (as on line 2)", "found 1");
  }

  @Test
  void nonNumberNamesLineColumnAndText() throws IOException {
    Path f = csv("bad.csv", "a,b,c\n1,2,3\n4,x5,6\n");

    assertFormatError(f, "line 3, column 2", () -> CsvFiles.read(f), "expected a number, found 'x5'");
  }

  @Test
  void emptyCellIsNotANumber() throws IOException {
    Path f = csv("empty-cell.csv", "1,,3\n");

    assertFormatError(f, "line 1, column 2", () -> CsvFiles.read(f), "expected a number, found ''");
  }

  @Test
  void firstRowMixingNumbersAndTextIsDataNotAHeader() throws IOException {
    Path f = csv("typo.csv", "1,abc,3\n4,5,6\n");

    assertFormatError(f, "line 1, column 2", () -> CsvFiles.read(f), "found 'abc'");
  }

  @Test
  void labelMustBeAnInteger() throws IOException {
    Path f = csv("lab.csv", "1,2\n3.5,4\n");

    assertFormatError(f, "line 2, column 1", () -> CsvFiles.read(f, 0), "an integer label", "found '3.5'");
  }

  @Test
  void headerOnlyOrEmptyFileHasNoData() throws IOException {
    Path header = csv("header.csv", "a,b\n");
    Path empty = csv("empty.csv", "");

    assertFormatError(header, "line 1", () -> CsvFiles.read(header), "at least one row of numbers", "only a header");
    assertFormatError(empty, "line 1", () -> CsvFiles.read(empty), "at least one row of numbers", "an empty file");
  }

  @Test
  void labelColumnOutsideTheRowIsNamed() throws IOException {
    Path f = csv("narrow.csv", "1,2,3\n");

    assertFormatError(f, "line 1", () -> CsvFiles.read(f, 3), "a label column 4 (labelColumn 3)", "found 3 columns");
  }

  @Test
  void imageDimensionsMustMatchTheRow() throws IOException {
    Path f = csv("dims.csv", "5,1,2,3\n");

    assertFormatError(f, "line 1", () -> CsvFiles.read(f, 0, 2, 2),
        "4 values per row for 2×2 images besides the label column", "found 3");
  }

  @Test
  void badArgumentsAreRejectedBeforeReading() {
    Path missing = dir.resolve("never-read.csv");

    IllegalArgumentException column = assertThrows(IllegalArgumentException.class, () -> CsvFiles.read(missing, -2));
    IllegalArgumentException dims = assertThrows(IllegalArgumentException.class,
        () -> CsvFiles.read(missing, -1, 0, 28));

    assertEquals("labelColumn must be a 0-based column index or -1 (none), found -2", column.getMessage());
    assertEquals("image height and width must be positive, found 0×28", dims.getMessage());
  }

  @Test
  void bytesThatAreNotUtf8AreSkippedInTheHeaderAndNamedInData() throws IOException {
    Path f = Files.write(dir.resolve("latin1.csv"),
        "caf\u00e9,x\n1,2\n3,\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));

    assertFormatError(f, "line 3, column 2", () -> CsvFiles.read(f), "expected a number, found '\uFFFD'");
  }
}
