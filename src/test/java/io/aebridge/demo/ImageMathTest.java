package io.aebridge.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ImageMathTest {
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
