package io.aebridge.demo;

import java.util.Arrays;

/** Small pixel computations the demos' baselines and figures need. Stateless. */
final class ImageMath {
  private ImageMath() {}

  /** ITU-R BT.601 luma, as {@code io.aebridge.data.ImageFolder} and PIL's "L" mode. */
  static float luma(float r, float g, float b) {
    return 0.299f * r + 0.587f * g + 0.114f * b;
  }

  /**
   * Area-average resampling of one {@code h × w × c} image to {@code oh × ow × c}: each output pixel is the mean of
   * the input area it covers, partly covered pixels weighted by their covered fraction (no aliasing on shrinking).
   */
  static float[] resize(float[] image, int h, int w, int c, int oh, int ow) {
    if (h == oh && w == ow) {
      return image.clone();
    }
    float[] out = new float[oh * ow * c];
    double sy = (double) h / oh;
    double sx = (double) w / ow;
    for (int oy = 0; oy < oh; oy++) {
      double y0 = oy * sy;
      double y1 = y0 + sy;
      for (int ox = 0; ox < ow; ox++) {
        double x0 = ox * sx;
        double x1 = x0 + sx;
        double[] sum = new double[c];
        double total = 0;
        for (int y = (int) Math.floor(y0); y < Math.min(h, Math.ceil(y1)); y++) {
          double wy = Math.min(y + 1, y1) - Math.max(y, y0);
          for (int x = (int) Math.floor(x0); x < Math.min(w, Math.ceil(x1)); x++) {
            double weight = wy * (Math.min(x + 1, x1) - Math.max(x, x0));
            for (int k = 0; k < c; k++) {
              sum[k] += weight * image[(y * w + x) * c + k];
            }
            total += weight;
          }
        }
        for (int k = 0; k < c; k++) {
          out[(oy * ow + ox) * c + k] = (float) (sum[k] / total);
        }
      }
    }
    return out;
  }

  /** Each image of {@code images} mirrored left to right (same count and shape, no labels). */
  static io.aebridge.data.Dataset mirrored(io.aebridge.data.Dataset images) {
    int h = images.height();
    int w = images.width();
    int c = images.channels();
    float[] from = images.values();
    float[] to = new float[from.length];
    for (int n = 0; n < images.count(); n++) {
      for (int y = 0; y < h; y++) {
        int row = (n * h + y) * w;
        for (int x = 0; x < w; x++) {
          System.arraycopy(from, (row + w - 1 - x) * c, to, (row + x) * c, c);
        }
      }
    }
    return new io.aebridge.data.Dataset(to, images.count(), h, w, c, null, images.source() + " mirrored");
  }

  /**
   * The 3×3 median filter per channel (edges replicated): the classic baseline against impulse noise and thin
   * strokes, applied to {@code count} samples of {@code h × w × c}.
   */
  static float[] median3x3(float[] values, int count, int h, int w, int c) {
    float[] out = new float[values.length];
    float[] window = new float[9];
    int size = h * w * c;
    for (int n = 0; n < count; n++) {
      int base = n * size;
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          for (int k = 0; k < c; k++) {
            int i = 0;
            for (int dy = -1; dy <= 1; dy++) {
              int yy = Math.max(0, Math.min(h - 1, y + dy));
              for (int dx = -1; dx <= 1; dx++) {
                int xx = Math.max(0, Math.min(w - 1, x + dx));
                window[i++] = values[base + (yy * w + xx) * c + k];
              }
            }
            Arrays.sort(window);
            out[base + (y * w + x) * c + k] = window[4];
          }
        }
      }
    }
    return out;
  }

  /**
   * Mean per-pixel colour error: the Euclidean distance between two RGB pixels in 0–255 units, averaged over all
   * pixels of all samples ({@code values.length / 3} pixels). 0 is exact; 441.7 is black against white.
   */
  static double colourError(float[] a, float[] b) {
    if (a.length != b.length || a.length % 3 != 0) {
      throw new IllegalArgumentException("colour error needs two RGB arrays of one length, found " + a.length
          + " and " + b.length);
    }
    double sum = 0;
    for (int i = 0; i < a.length; i += 3) {
      double dr = clip(a[i]) - clip(b[i]);
      double dg = clip(a[i + 1]) - clip(b[i + 1]);
      double db = clip(a[i + 2]) - clip(b[i + 2]);
      sum += Math.sqrt(dr * dr + dg * dg + db * db);
    }
    return 255 * sum / (a.length / 3);
  }

  /** The per-value mean over samples: one sample of {@code size} values. */
  static float[] meanSample(float[] values, int count, int size) {
    double[] sum = new double[size];
    for (int n = 0; n < count; n++) {
      for (int i = 0; i < size; i++) {
        sum[i] += values[n * size + i];
      }
    }
    float[] mean = new float[size];
    for (int i = 0; i < size; i++) {
      mean[i] = (float) (sum[i] / count);
    }
    return mean;
  }

  /** {@code sample} repeated {@code count} times. */
  static float[] repeat(float[] sample, int count) {
    float[] out = new float[sample.length * count];
    for (int n = 0; n < count; n++) {
      System.arraycopy(sample, 0, out, n * sample.length, sample.length);
    }
    return out;
  }

  private static double clip(float v) {
    return Math.max(0, Math.min(1, v));
  }
}
