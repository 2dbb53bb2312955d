package io.aebridge.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ImageMathTest {
  @Test
  void mirroredFlipsEachRowAndKeepsPixelsWhole() {
    // two 2×3 RGB images; pixel value = 100·image + 10·column + channel, rows the same
    float[] values = new float[2 * 2 * 3 * 3];
    for (int n = 0; n < 2; n++) {
      for (int y = 0; y < 2; y++) {
        for (int x = 0; x < 3; x++) {
          for (int k = 0; k < 3; k++) {
            values[((n * 2 + y) * 3 + x) * 3 + k] = 100 * n + 10 * x + k;
          }
        }
      }
    }
    io.aebridge.data.Dataset images = new io.aebridge.data.Dataset(values, 2, 2, 3, 3, new int[] {4, 5}, "t");
    io.aebridge.data.Dataset flipped = ImageMath.mirrored(images);
    assertEquals(20f, flipped.values()[0]); // image 0, row 0, column 0 ← column 2, channel 0
    assertEquals(21f, flipped.values()[1]);
    assertEquals(120f, flipped.values()[2 * 3 * 3 + 3 * 3]); // image 1, row 1, column 0 ← column 2
    assertEquals(101f, flipped.values()[2 * 3 * 3 + 3 * 3 + 2 * 3 + 1]); // image 1, row 1, column 2 ← column 0
    assertArrayEquals(values, ImageMath.mirrored(flipped).values());
    assertEquals(2, flipped.count());
    assertEquals(null, flipped.labels());
  }

  @Test
  void medianRemovesAnIsolatedSpikeAndKeepsAFlatImage() {
    float[] image = new float[25];
    image[12] = 1f; // one bright pixel in a 5×5 black image
    assertArrayEquals(new float[25], ImageMath.median3x3(image, 1, 5, 5, 1));
    float[] flat = new float[2 * 3 * 3 * 3];
    java.util.Arrays.fill(flat, 0.4f);
    assertArrayEquals(flat, ImageMath.median3x3(flat, 2, 3, 3, 3));
  }

  @Test
  void areaResizeAveragesBlocksAndKeepsTheMean() {
    float[] image = {0, 1, 0, 1, 1, 1, 0, 0, 0.5f, 0.5f, 1, 1, 0.5f, 0.5f, 1, 1}; // 4×4 grey
    float[] half = ImageMath.resize(image, 4, 4, 1, 2, 2);
    assertArrayEquals(new float[] {0.75f, 0.25f, 0.5f, 1f}, half, 1e-6f);
    float[] odd = ImageMath.resize(image, 4, 4, 1, 3, 3);
    double sum = 0;
    for (float v : odd) {
      sum += v;
    }
    double mean = 0;
    for (float v : image) {
      mean += v;
    }
    assertEquals(mean / 16, sum / 9, 1e-6);
  }

  @Test
  void colourErrorIsTheMeanRgbDistanceIn255Units() {
    float[] white = {1, 1, 1, 1, 1, 1};
    float[] blackAndWhite = {0, 0, 0, 1, 1, 1};
    assertEquals(255 * Math.sqrt(3) / 2, ImageMath.colourError(white, blackAndWhite), 1e-9);
    assertEquals(0, ImageMath.colourError(white, white));
  }
}
