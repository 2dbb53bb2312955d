package io.aebridge.data;

import static io.aebridge.data.TestBytes.assertFormatError;
import static io.aebridge.data.TestBytes.bytes;
import static io.aebridge.data.TestBytes.concat;
import static io.aebridge.data.TestBytes.doubles;
import static io.aebridge.data.TestBytes.floats;
import static io.aebridge.data.TestBytes.ints;
import static io.aebridge.data.TestBytes.longs;
import static io.aebridge.data.TestBytes.npy;
import static io.aebridge.data.TestBytes.ramp;
import static java.nio.ByteOrder.LITTLE_ENDIAN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.aebridge.data.NpyFiles.NpyArray;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyFilesTest {

  @TempDir Path dir;

  private Path file(String name, byte[] content) throws IOException {
    return Files.write(dir.resolve(name), content);
  }

  // --- writing ---------------------------------------------------------------------------------------------------

  @Test
  void writesNumpyStyleVersion1HeaderPaddedTo64Bytes() throws IOException {
    float[] values = ramp(24, 0.25f, -3f);
    Path out = dir.resolve("x.npy");

    NpyFiles.write(out, values, new long[] {2, 3, 4});

    byte[] written = Files.readAllBytes(out);
    assertArrayEquals(npy("<f4", "(2, 3, 4)", floats(LITTLE_ENDIAN, values)), written);
    int dataStart = written.length - 4 * values.length;
    assertEquals(0, dataStart % 64);
    assertEquals('\n', written[dataStart - 1]);
  }

  @Test
  void writeThenReadRoundTripsEveryBit() throws IOException {
    float[] values = {0f, -0f, 1.5e-40f, Float.MAX_VALUE, Float.NaN, Float.NEGATIVE_INFINITY, 0.1f, -7.25f, 1f};
    Path out = dir.resolve("round.npy");

    NpyFiles.write(out, values, new long[] {3, 3});
    NpyArray back = NpyFiles.readFloatArray(out);

    assertArrayEquals(new long[] {3, 3}, back.shape());
    for (int i = 0; i < values.length; i++) {
      assertEquals(Float.floatToRawIntBits(values[i]), Float.floatToRawIntBits(back.data()[i]), "element " + i);
    }
    Dataset asImages = NpyFiles.readImages(out);
    assertEquals(new Dataset(values, 3, 1, 3, 1, null, "x"), asImages);
    assertEquals(out.toString(), asImages.source());
  }

  @Test
  void writesOneDimensionalShapeWithTrailingComma() throws IOException {
    Path out = dir.resolve("labels.npy");

    NpyFiles.writeLabels(out, new int[] {7, 0, -3});

    assertArrayEquals(npy("<i4", "(3,)", ints(LITTLE_ENDIAN, 7, 0, -3)), Files.readAllBytes(out));
    assertArrayEquals(new int[] {7, 0, -3}, NpyFiles.readLabels(out));
  }

  @Test
  void writesEmptyArray() throws IOException {
    Path out = dir.resolve("empty.npy");

    NpyFiles.write(out, new float[0], new long[] {0, 5});

    assertEquals(new NpyArray(new long[] {0, 5}, new float[0]), NpyFiles.readFloatArray(out));
    Dataset empty = NpyFiles.readImages(out);
    assertEquals(0, empty.count());
    assertEquals(5, empty.width());
  }

  @Test
  void writeRejectsShapeThatDoesNotHoldTheValues() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> NpyFiles.write(dir.resolve("bad.npy"), new float[5], new long[] {2, 3}));
    assertEquals("shape [2, 3] holds 6 elements, found 5 values", e.getMessage());
  }

  // --- reading ---------------------------------------------------------------------------------------------------

  @Test
  void readsImageShapesIntoNhwc() throws IOException {
    float[] v = ramp(12, 1f, 0f);

    Dataset hw = NpyFiles.readImages(file("hw.npy", npy("<f4", "(2, 3, 2)", floats(LITTLE_ENDIAN, v))));
    Dataset hwc = NpyFiles.readImages(file("hwc.npy", npy("<f4", "(1, 2, 2, 3)", floats(LITTLE_ENDIAN, v))));
    Dataset vectors = NpyFiles.readImages(file("nd.npy", npy("<f4", "(4, 3)", floats(LITTLE_ENDIAN, v))));

    assertEquals(new Dataset(v, 2, 3, 2, 1, null, "-"), hw);
    assertEquals(new Dataset(v, 1, 2, 2, 3, null, "-"), hwc);
    assertEquals(new Dataset(v, 4, 1, 3, 1, null, "-"), vectors);
    assertNull(hw.labels());
  }

  @Test
  void scalesUint8ImagesToUnitInterval() throws IOException {
    Path f = file("u8.npy", npy("|u1", "(1, 2, 2)", bytes(0, 51, 255, 128)));

    Dataset d = NpyFiles.readImages(f);

    assertArrayEquals(new float[] {0f, 0.2f, 1f, 128 / 255f}, d.values(), 1e-7f);
    assertArrayEquals(new float[] {0f, 51f, 255f, 128f}, NpyFiles.readFloatArray(f).data(), "as stored");
  }

  @Test
  void convertsFloat64AndIntegerDtypesAsStored() throws IOException {
    NpyArray f8 = NpyFiles.readFloatArray(file("f8.npy", npy("<f8", "(2,)", doubles(LITTLE_ENDIAN, 0.1, -2.5))));
    Dataset i4 = NpyFiles.readImages(file("i4.npy", npy("<i4", "(1, 2)", ints(LITTLE_ENDIAN, -4, 300))));
    Dataset i8 = NpyFiles.readImages(file("i8.npy", npy("<i8", "(1, 2)", longs(LITTLE_ENDIAN, 5L, -6L))));

    assertEquals(new NpyArray(new long[] {2}, new float[] {0.1f, -2.5f}), f8);
    assertArrayEquals(new float[] {-4f, 300f}, i4.values());
    assertArrayEquals(new float[] {5f, -6f}, i8.values());
  }

  @Test
  void readsVersion2And3Headers() throws IOException {
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }";
    byte[] data = floats(LITTLE_ENDIAN, 1f, 2f);

    for (int major : new int[] {2, 3}) {
      NpyArray read = NpyFiles.readFloatArray(file("v" + major + ".npy", npy(major, dict, data)));
      assertEquals(new NpyArray(new long[] {1, 2}, new float[] {1f, 2f}), read, "version " + major);
    }
  }

  @Test
  void readsHeaderKeysInAnyOrderWithDoubleQuotes() throws IOException {
    String dict = "{\"shape\": (2,), \"fortran_order\": False, \"descr\": \"<f4\"}";

    NpyArray read = NpyFiles.readFloatArray(file("q.npy", npy(1, dict, floats(LITTLE_ENDIAN, 3f, 4f))));

    assertEquals(new NpyArray(new long[] {2}, new float[] {3f, 4f}), read);
  }

  @Test
  void readsLabelsOfEveryIntegerDtype() throws IOException {
    assertArrayEquals(new int[] {9, 0, 255},
        NpyFiles.readLabels(file("u1.npy", npy("|u1", "(3,)", bytes(9, 0, 255)))));
    assertArrayEquals(new int[] {4, -1},
        NpyFiles.readLabels(file("i8.npy", npy("<i8", "(2,)", longs(LITTLE_ENDIAN, 4, -1)))));
    assertArrayEquals(new int[] {1, 2},
        NpyFiles.readLabels(file("col.npy", npy("<i4", "(2, 1)", ints(LITTLE_ENDIAN, 1, 2)))));
  }

  // --- errors ----------------------------------------------------------------------------------------------------

  @Test
  void truncatedDataNamesTheOffsetWhereItEnds() throws IOException {
    byte[] full = npy("<f4", "(2, 3)", floats(LITTLE_ENDIAN, new float[6]));
    int dataStart = full.length - 24;
    Path f = file("short.npy", Arrays.copyOf(full, dataStart + 10));

    assertFormatError(f, "byte " + (dataStart + 10), () -> NpyFiles.readImages(f),
        "24 bytes of '<f4' data for shape [2, 3] from byte " + dataStart, "found 10 before the end");
  }

  @Test
  void truncatedHeaderNamesTheOffsetWhereItEnds() throws IOException {
    Path f = file("cut.npy", Arrays.copyOf(npy("<f4", "(2,)", new byte[8]), 30));

    assertFormatError(f, "byte 30", () -> NpyFiles.readFloatArray(f), "bytes of NPY header from byte 10");
  }

  @Test
  void badMagicShowsTheBytesFound() throws IOException {
    Path f = file("zip.npy", bytes('P', 'K', 3, 4, 20, 0, 0, 0, 0, 0, 0, 0));

    assertFormatError(f, "byte 0", () -> NpyFiles.readImages(f), "NPY magic", "found 0x504b03041400");
  }

  @Test
  void unsupportedVersionIsNamed() throws IOException {
    byte[] content = npy("<f4", "(1,)", new byte[4]);
    content[6] = 4;
    Path f = file("v4.npy", content);

    assertFormatError(f, "byte 6", () -> NpyFiles.readImages(f), "found version 4.0");
  }

  @Test
  void headerThatDoesNotParseNamesTheOffset() throws IOException {
    String dict = "{'descr': '<f4' 'fortran_order': False, 'shape': (2,), }";
    Path f = file("syntax.npy", npy(1, dict, new byte[8]));

    assertFormatError(f, "byte " + (10 + dict.indexOf("'fortran")), () -> NpyFiles.readImages(f),
        "',' or '}' after the value of 'descr'", "found ''fortran_order");
  }

  @Test
  void badShapeTupleNamesTheOffset() throws IOException {
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }";
    Path f = file("tuple.npy", npy(1, dict, new byte[8]));

    assertFormatError(f, "byte " + (10 + dict.indexOf('x')), () -> NpyFiles.readImages(f),
        "non-negative integer or ')' in the shape tuple");
  }

  @Test
  void missingKeyIsNamed() throws IOException {
    Path f = file("noshape.npy", npy(1, "{'descr': '<f4', 'fortran_order': False}", new byte[8]));

    assertFormatError(f, "byte 10", () -> NpyFiles.readImages(f), "key 'shape' in the NPY header");
  }

  @Test
  void bigEndianIsRejectedWithAHint() throws IOException {
    String dict = "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }";
    Path f = file("be.npy", npy(1, dict, new byte[4]));

    assertFormatError(f, "byte " + (10 + dict.indexOf("'>f4'")), () -> NpyFiles.readImages(f),
        "little-endian dtype of <f4, <f8, |u1, <i4, <i8", "found '>f4' (big-endian; save with arr.astype('<f4'))");
  }

  @Test
  void fortranOrderIsRejected() throws IOException {
    String dict = "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }";
    Path f = file("f.npy", npy(1, dict, new byte[16]));

    assertFormatError(f, "byte " + (10 + dict.indexOf("True")), () -> NpyFiles.readImages(f),
        "fortran_order False (C order)");
  }

  @Test
  void bytesBeyondTheShapeAreAMismatch() throws IOException {
    byte[] content = concat(npy("<f4", "(2,)", floats(LITTLE_ENDIAN, 1f, 2f)), new byte[4]);
    Path f = file("long.npy", content);

    assertFormatError(f, "byte " + (content.length - 4), () -> NpyFiles.readFloatArray(f),
        "the end of the file after '<f4' data for shape [2]", "more bytes");
  }

  @Test
  void imagesOfRankOneAreRejected() throws IOException {
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }";
    Path f = file("r1.npy", npy(1, dict, new byte[12]));

    assertFormatError(f, "byte " + (10 + dict.indexOf("(3,)")), () -> NpyFiles.readImages(f),
        "[N, D], [N, H, W] or [N, H, W, C]", "shape [3] (rank 1)");
  }

  @Test
  void labelsMustBeIntegersThatFitAnInt() throws IOException {
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }";
    Path floatLabels = file("fl.npy", npy(1, dict, new byte[4]));
    byte[] big = npy("<i8", "(2,)", longs(LITTLE_ENDIAN, 1, 1L << 40));
    Path bigLabels = file("big.npy", big);

    assertFormatError(floatLabels, "byte " + (10 + dict.indexOf("'<f4'")), () -> NpyFiles.readLabels(floatLabels),
        "an integer dtype", "found '<f4'");
    assertFormatError(bigLabels, "byte " + (big.length - 8), () -> NpyFiles.readLabels(bigLabels),
        "in the int range", "found 1099511627776");
  }

  @Test
  void headerIsLatin1InVersion1() throws IOException {
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'note': '\u00e9'}";
    byte[] content = npy(1, dict, floats(LITTLE_ENDIAN, 5f));

    assertEquals(new String(content, 10, dict.length(), StandardCharsets.ISO_8859_1), dict);
    assertArrayEquals(new float[] {5f}, NpyFiles.readFloatArray(file("latin.npy", content)).data());
  }
}
