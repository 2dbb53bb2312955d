package io.aebridge.data;

import static io.aebridge.data.TestBytes.assertFormatError;
import static io.aebridge.data.TestBytes.bytes;
import static io.aebridge.data.TestBytes.concat;
import static io.aebridge.data.TestBytes.doubles;
import static io.aebridge.data.TestBytes.floats;
import static io.aebridge.data.TestBytes.idx;
import static io.aebridge.data.TestBytes.ints;
import static java.nio.ByteOrder.BIG_ENDIAN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxFilesTest {

  private static final byte[] IMAGES =
      idx(0x08, new int[] {2, 2, 3}, bytes(0, 51, 102, 153, 204, 255, 255, 0, 0, 0, 0, 1));
  private static final byte[] LABELS = idx(0x08, new int[] {3}, bytes(7, 0, 9));

  @TempDir Path dir;

  private Path file(String name, byte[] content) throws IOException {
    return Files.write(dir.resolve(name), content);
  }

  private static byte[] gzip(byte[] content) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(content);
    }
    return out.toByteArray();
  }

  @Test
  void readsUbyteImagesScaledToUnitInterval() throws IOException {
    Path f = file("train-images-idx3-ubyte", IMAGES);

    Dataset d = IdxFiles.readImages(f);

    assertEquals(2, d.count());
    assertEquals(2, d.height());
    assertEquals(3, d.width());
    assertEquals(1, d.channels());
    assertArrayEquals(new float[] {0f, 0.2f, 0.4f, 0.6f, 0.8f, 1f, 1f, 0f, 0f, 0f, 0f, 1 / 255f}, d.values(), 1e-7f);
    assertEquals(f.toString(), d.source());
  }

  @Test
  void readsUbyteLabels() throws IOException {
    assertArrayEquals(new int[] {7, 0, 9}, IdxFiles.readLabels(file("train-labels-idx1-ubyte", LABELS)));
  }

  @Test
  void readsGzipTransparently() throws IOException {
    Path plain = file("images.idx", IMAGES);
    Path gz = file("images.idx3-ubyte.gz", gzip(IMAGES));

    assertEquals(IdxFiles.readImages(plain), IdxFiles.readImages(gz));
    assertArrayEquals(new int[] {7, 0, 9}, IdxFiles.readLabels(file("labels.GZ", gzip(LABELS))));
  }

  @Test
  void readsOtherTypesAsStored() throws IOException {
    Dataset f4 = IdxFiles.readImages(file("f.idx", idx(0x0D, new int[] {1, 1, 2}, floats(BIG_ENDIAN, 0.5f, -3f))));
    Dataset f8 = IdxFiles.readImages(file("d.idx", idx(0x0E, new int[] {1, 2}, doubles(BIG_ENDIAN, 1.25, 7))));
    Dataset i1 = IdxFiles.readImages(file("b.idx", idx(0x09, new int[] {1, 1, 2}, bytes(-2, 100))));
    Dataset i2 = IdxFiles.readImages(file("s.idx", idx(0x0B, new int[] {1, 1, 1}, bytes(0x01, 0x02))));
    int[] i4 = IdxFiles.readLabels(file("i.idx", idx(0x0C, new int[] {2}, ints(BIG_ENDIAN, 70000, -1))));

    assertArrayEquals(new float[] {0.5f, -3f}, f4.values());
    assertEquals(new Dataset(new float[] {1.25f, 7f}, 1, 1, 2, 1, null, "-"), f8);
    assertArrayEquals(new float[] {-2f, 100f}, i1.values());
    assertArrayEquals(new float[] {258f}, i2.values());
    assertArrayEquals(new int[] {70000, -1}, i4);
  }

  @Test
  void wrongMagicGivesTheExpectedAndFoundMagic() throws IOException {
    Path f = file("mnist.idx", concat(bytes(0x12, 0x34, 0x56, 0x78), new byte[16]));

    DataFormatException e = assertThrows(DataFormatException.class, () -> IdxFiles.readImages(f));

    assertEquals(f + ": byte 0: expected IDX magic 0x00000803 or 0x00000801 (first two bytes zero, type code, "
        + "rank), found 0x12345678", e.getMessage());
    assertEquals(f, e.getPath());
    assertEquals("byte 0", e.getLocation());
  }

  @Test
  void unknownTypeCodeIsABadMagic() throws IOException {
    Path f = file("t.idx", idx(0x0A, new int[] {1, 1, 1}, new byte[1]));

    assertFormatError(f, "byte 0", () -> IdxFiles.readImages(f), "IDX magic", "found 0x00000a03");
  }

  @Test
  void truncatedDataGivesTheOffsetWhereItRanOutAndTheBytesExpected() throws IOException {
    byte[] full = idx(0x08, new int[] {4, 28, 28}, new byte[4 * 28 * 28]);
    Path f = file("t10k-images-idx3-ubyte", Arrays.copyOf(full, 16 + 100));

    assertFormatError(f, "byte 116", () -> IdxFiles.readImages(f),
        "3136 bytes of uint8 data for shape [4, 28, 28] from byte 16", "found 100 before the end");
  }

  @Test
  void truncatedDimensionsGiveTheOffset() throws IOException {
    Path f = file("dims.idx", Arrays.copyOf(IMAGES, 10));

    assertFormatError(f, "byte 10", () -> IdxFiles.readImages(f), "12 bytes of 3 IDX dimensions from byte 4",
        "found 6");
  }

  @Test
  void truncatedGzipContentCountsDecompressedBytes() throws IOException {
    Path f = file("short.idx.gz", gzip(Arrays.copyOf(IMAGES, 20)));

    assertFormatError(f, "byte 20 of the decompressed data", () -> IdxFiles.readImages(f),
        "12 bytes of uint8 data for shape [2, 2, 3] from byte 16", "found 4");
  }

  @Test
  void cutGzipStreamIsAFormatError() throws IOException {
    byte[] big = idx(0x08, new int[] {64, 28, 28}, new byte[64 * 28 * 28]);
    Arrays.fill(big, 16, big.length, (byte) 7);
    byte[] gz = gzip(big);
    Path f = file("cut.idx.gz", Arrays.copyOf(gz, gz.length - 12));

    DataFormatException e = assertThrows(DataFormatException.class, () -> IdxFiles.readImages(f));

    assertEquals(f, e.getPath());
    assertTrue(e.getLocation().matches("byte \\d+ of the decompressed data"), e.getLocation());
    assertTrue(e.getMessage().contains("expected complete gzip data"), e.getMessage());
    assertInstanceOf(EOFException.class, e.getCause());
  }

  @Test
  void gzNameWithoutGzipDataIsNamed() throws IOException {
    Path f = file("plain.gz", IMAGES);

    assertFormatError(f, "byte 0", () -> IdxFiles.readImages(f), "gzip data (the name ends in .gz)");
  }

  @Test
  void emptyGzFileIsNamed() throws IOException {
    Path f = file("empty.gz", new byte[0]);

    assertFormatError(f, "byte 0", () -> IdxFiles.readLabels(f), "gzip data (the name ends in .gz)");
  }

  @Test
  void extraBytesAreAShapeMismatch() throws IOException {
    Path f = file("long.idx", concat(LABELS, bytes(1)));

    assertFormatError(f, "byte " + LABELS.length, () -> IdxFiles.readLabels(f), "the end of the file", "more bytes");
  }

  @Test
  void labelsAndImagesAreNotInterchangeable() throws IOException {
    Path images = file("images.idx", IMAGES);
    Path labels = file("labels.idx", LABELS);
    Path floatLabels = file("fl.idx", idx(0x0D, new int[] {1}, floats(BIG_ENDIAN, 1f)));

    assertFormatError(images, "byte 3", () -> IdxFiles.readLabels(images), "shape [N] or [N, 1]", "[2, 2, 3]");
    assertFormatError(labels, "byte 3", () -> IdxFiles.readImages(labels), "[N, H, W]", "shape [3] (rank 1)");
    assertFormatError(floatLabels, "byte 2", () -> IdxFiles.readLabels(floatLabels), "integer type code",
        "found 0x0d (float32)");
  }
}
