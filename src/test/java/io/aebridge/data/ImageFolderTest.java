package io.aebridge.data;

import static io.aebridge.data.TestBytes.assertFormatError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.aebridge.data.ImageFolder.Mode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderTest {

  private static final float LEVEL = 1f / 255;

  @TempDir Path dir;

  /** What every reader makes of the 8-bit value {@code v}. */
  private static float level(int v) {
    return v / 255f;
  }

  /** A grey image whose pixels are all {@code value}. */
  private Path grey(String name, int height, int width, float value) throws IOException {
    float[] pixels = new float[height * width];
    Arrays.fill(pixels, value);
    Path file = dir.resolve(name);
    ImageFolder.writePng(file, pixels, height, width, 1);
    return file;
  }

  @Test
  void greyPngRoundTripsWithinOneLevelAndClamps() throws IOException {
    float[] values = {0f, 0.1f, 0.5f, 0.999f, 1f, 0.3333f, -0.5f, 1.5f, Float.NaN, 0.0042f, 0.77f, 0.2f};
    Path file = dir.resolve("grey.png");

    ImageFolder.writePng(file, values, 3, 4, 1);
    Dataset back = ImageFolder.readPng(file);

    assertEquals(1, back.count());
    assertEquals(3, back.height());
    assertEquals(4, back.width());
    assertEquals(1, back.channels());
    float[] clamped = {0f, 0.1f, 0.5f, 0.999f, 1f, 0.3333f, 0f, 1f, 0f, 0.0042f, 0.77f, 0.2f};
    assertArrayEquals(clamped, back.values(), LEVEL / 2 + 1e-6f);
    assertEquals(BufferedImage.TYPE_BYTE_GRAY, ImageIO.read(file.toFile()).getType());
  }

  @Test
  void rgbPngRoundTripsWithinOneLevel() throws IOException {
    float[] values = new float[2 * 3 * 3];
    for (int i = 0; i < values.length; i++) {
      values[i] = (i * 37 % 101) / 100f;
    }
    Path file = dir.resolve("rgb.png");

    ImageFolder.writePng(file, values, 2, 3, 3);
    Dataset back = ImageFolder.readPng(file);

    assertEquals(3, back.channels());
    assertArrayEquals(values, back.values(), LEVEL / 2 + 1e-6f);
  }

  @Test
  void readsFolderSortedByNameWithAutoMode() throws IOException {
    grey("b.png", 2, 2, 0.2f);
    grey("c.png", 2, 2, 0.4f);
    grey("a.png", 2, 2, 1f);
    Files.writeString(dir.resolve(".DS_Store"), "not an image, hidden");
    Files.createDirectory(dir.resolve("sub"));
    grey("sub/z.png", 3, 3, 0f);

    Dataset auto = ImageFolder.read(dir, Mode.AUTO);
    Dataset rgb = ImageFolder.read(dir, Mode.RGB);

    assertEquals(new Dataset(new float[] {1, 1, 1, 1, level(51), level(51), level(51), level(51),
        level(102), level(102), level(102), level(102)}, 3, 2, 2, 1, null, "-"), auto);
    assertEquals(dir.toString(), auto.source());
    assertEquals(3, rgb.channels());
    assertEquals(auto.values()[4], rgb.values()[12]);
    assertEquals(auto.values()[4], rgb.values()[14]);
  }

  @Test
  void oneColourImageMakesAutoRgbAndGreyModeUsesLuma() throws IOException {
    grey("a.png", 1, 1, 0.6f);
    ImageFolder.writePng(dir.resolve("b.png"), new float[] {1f, 0.2f, 0f}, 1, 1, 3);

    Dataset auto = ImageFolder.read(dir, Mode.AUTO);
    Dataset greyMode = ImageFolder.read(dir, Mode.GREY);

    assertEquals(3, auto.channels());
    assertArrayEquals(new float[] {level(153), level(153), level(153), 1f, level(51), 0f}, auto.values());
    assertEquals(1, greyMode.channels());
    assertArrayEquals(new float[] {level(153), 0.299f + 0.587f * level(51)}, greyMode.values(), 1e-6f);
  }

  @Test
  void rgbFileWithGreyPixelsIsGreyInAutoMode() throws IOException {
    ImageFolder.writePng(dir.resolve("g.png"), new float[] {0.2f, 0.2f, 0.2f, 1f, 1f, 1f}, 1, 2, 3);

    Dataset d = ImageFolder.readPng(dir.resolve("g.png"));

    assertEquals(1, d.channels());
    assertArrayEquals(new float[] {level(51), 1f}, d.values());
  }

  @Test
  void readsSixteenBitGreyAndPaletteImages() throws IOException {
    BufferedImage deep = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
    deep.getRaster().setSample(0, 0, 0, 65535);
    deep.getRaster().setSample(1, 0, 0, 1000);
    ImageIO.write(deep, "png", dir.resolve("deep.png").toFile());
    BufferedImage binary = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_BINARY);
    binary.getRaster().setSample(1, 0, 0, 1);
    ImageIO.write(binary, "png", dir.resolve("binary.png").toFile());

    Dataset d16 = ImageFolder.readPng(dir.resolve("deep.png"));
    Dataset d1 = ImageFolder.readPng(dir.resolve("binary.png"));

    assertArrayEquals(new float[] {1f, 1000f / 65535}, d16.values(), 1e-7f);
    assertEquals(1, d1.channels());
    assertArrayEquals(new float[] {0f, 1f}, d1.values());
  }

  @Test
  void mixedSizesNameBothFilesAndBothSizes() throws IOException {
    grey("a.png", 4, 4, 0f);
    grey("b.png", 4, 4, 0f);
    Path odd = grey("c.png", 5, 3, 0f);

    assertFormatError(odd, "image 3 of 3", () -> ImageFolder.read(dir, Mode.AUTO),
        "4×4 (height×width) in a.png", "found 5×3");
  }

  @Test
  void nonImageFileIsNamed() throws IOException {
    grey("a.png", 2, 2, 0f);
    Path notes = Files.writeString(dir.resolve("notes.txt"), "these are not pixels");

    assertFormatError(notes, "byte 0", () -> ImageFolder.read(dir, Mode.GREY), "javax.imageio reads (", "png",
        "found a file no image reader recognises");
  }

  @Test
  void corruptPngIsNamed() throws IOException {
    Path full = grey("a.png", 16, 16, 0.5f);
    byte[] bytes = Files.readAllBytes(full);
    Path cut = Files.write(dir.resolve("b.png"), Arrays.copyOf(bytes, bytes.length / 2));

    assertFormatError(cut, "image data", () -> ImageFolder.read(dir, Mode.GREY), "an image javax.imageio can decode");
  }

  @Test
  void emptyFolderAndNonFolderAreErrors() throws IOException {
    Path empty = Files.createDirectory(dir.resolve("empty"));
    Path file = grey("a.png", 1, 1, 0f);

    assertFormatError(empty, "folder", () -> ImageFolder.read(empty, Mode.AUTO), "at least one image file");
    assertThrows(NotDirectoryException.class, () -> ImageFolder.read(file, Mode.AUTO));
  }

  @Test
  void writePngRejectsBadArguments() {
    Path out = dir.resolve("never.png");

    IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
        () -> ImageFolder.writePng(out, new float[5], 2, 3, 1));
    IllegalArgumentException channels = assertThrows(IllegalArgumentException.class,
        () -> ImageFolder.writePng(out, new float[8], 2, 2, 2));

    assertEquals("a 2×3×1 image needs 6 values, found 5", size.getMessage());
    assertEquals("PNG channels must be 1 (grey) or 3 (RGB), found 2", channels.getMessage());
  }
}
