package io.aebridge.serve.http;

import io.aebridge.serve.core.ErrorCode;
import io.aebridge.serve.core.ServingException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Turns an uploaded picture into an autoencoder's input and its output back into a PNG: decode (size checked from
 * the header first, so a file that lies about its size is refused before decoding), flatten transparency onto
 * white, convert to grey or RGB, resize (area averaging down, bilinear up), scale to [0,1], optionally invert and
 * add noise. Every step taken is recorded for the response. Stateless.
 */
final class Images {
  private Images() {}

  /** A picture as values in [0,1], row-major {@code height × width × channels}. */
  record Pixels(float[] values, int height, int width, int channels) {}

  /** The model input prepared from an upload, and what was done to get it. */
  record Prepared(Pixels pixels, List<String> steps) {}

  /** How to treat light-on-dark vs dark-on-light. */
  enum Invert { AUTO, TRUE, FALSE }

  /**
   * Decodes {@code bytes} and fits them to {@code height × width × channels}.
   *
   * @throws ServingException 400 for undecodable data or an image over {@code maxPixels}; 415 for non-images
   */
  static Prepared prepare(byte[] bytes, int height, int width, int channels, Invert invert, long maxPixels) {
    List<String> steps = new ArrayList<>();
    BufferedImage image = decode(bytes, maxPixels, steps);
    int w = image.getWidth();
    int h = image.getHeight();
    boolean alpha = image.getColorModel().hasAlpha();
    float[] rgb = new float[w * h * 3];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int argb = image.getRGB(x, y);
        float a = alpha ? ((argb >>> 24) & 0xff) / 255f : 1f;
        int i = (y * w + x) * 3;
        rgb[i] = a * (((argb >> 16) & 0xff) / 255f) + (1 - a);
        rgb[i + 1] = a * (((argb >> 8) & 0xff) / 255f) + (1 - a);
        rgb[i + 2] = a * ((argb & 0xff) / 255f) + (1 - a);
      }
    }
    if (alpha) {
      steps.add("flattened transparency onto white");
    }
    float[] values;
    if (channels == 1) {
      values = new float[w * h];
      for (int i = 0; i < values.length; i++) {
        values[i] = 0.299f * rgb[3 * i] + 0.587f * rgb[3 * i + 1] + 0.114f * rgb[3 * i + 2];
      }
      steps.add("converted to greyscale (ITU-R BT.601 luma)");
    } else if (channels == 3) {
      values = rgb;
    } else {
      throw ServingException.invalid("The model takes " + channels + "-channel images; the image endpoint handles 1 "
          + "(grey) or 3 (RGB)");
    }
    values = resize(values, h, w, channels, height, width);
    if (h != height || w != width) {
      steps.add("resized " + w + "×" + h + " → " + width + "×" + height + " (" + (width * height < w * h
          ? "area averaging" : "bilinear") + ")");
    }
    steps.add("scaled to [0, 1]");
    double mean = 0;
    for (float v : values) {
      mean += v;
    }
    mean /= values.length;
    boolean doInvert = invert == Invert.TRUE || (invert == Invert.AUTO && mean > 0.5);
    if (doInvert) {
      for (int i = 0; i < values.length; i++) {
        values[i] = 1f - values[i];
      }
      steps.add(invert == Invert.TRUE ? "inverted (invert=true)" : String.format(Locale.ROOT, "inverted (mean "
          + "brightness %.2f > 0.5: dark strokes on a light background, the model expects light on dark; "
          + "invert=false keeps it)", mean));
    }
    return new Prepared(new Pixels(values, height, width, channels), steps);
  }

  private static BufferedImage decode(byte[] bytes, long maxPixels, List<String> steps) {
    if (bytes.length == 0) {
      throw ServingException.invalid("The body is empty; POST the image bytes (image/png)");
    }
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new ServingException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "The body is not an image this server "
            + "reads (PNG, JPEG, GIF or BMP)");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        long w = reader.getWidth(0);
        long h = reader.getHeight(0);
        if (w <= 0 || h <= 0 || w * h > maxPixels) {
          throw ServingException.invalid("The image claims " + w + "×" + h + " pixels; the limit is " + maxPixels
              + " (limits.maxImagePixels)");
        }
        BufferedImage image = reader.read(0);
        steps.add("decoded " + reader.getFormatName().toUpperCase(Locale.ROOT) + " " + w + "×" + h + ", "
            + image.getColorModel().getNumComponents() + " channel(s)");
        return image;
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof ServingException a) {
        throw a;
      }
      throw ServingException.invalid("Could not decode the image: " + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + TensorJson.abbreviate(e.getMessage())));
    }
  }

  /** Resizes {@code h × w × c} values to {@code th × tw × c}: area averaging when shrinking, bilinear otherwise. */
  static float[] resize(float[] v, int h, int w, int c, int th, int tw) {
    if (h == th && w == tw) {
      return v;
    }
    float[] out = new float[th * tw * c];
    boolean shrink = (long) th * tw < (long) h * w;
    double sy = (double) h / th;
    double sx = (double) w / tw;
    for (int y = 0; y < th; y++) {
      for (int x = 0; x < tw; x++) {
        for (int k = 0; k < c; k++) {
          out[(y * tw + x) * c + k] = (float) (shrink ? area(v, h, w, c, k, y * sy, (y + 1) * sy, x * sx,
              (x + 1) * sx) : bilinear(v, h, w, c, k, (y + 0.5) * sy - 0.5, (x + 0.5) * sx - 0.5));
        }
      }
    }
    return out;
  }

  private static double area(float[] v, int h, int w, int c, int k, double y0, double y1, double x0, double x1) {
    double sum = 0;
    double weight = 0;
    for (int y = (int) Math.floor(y0); y < Math.min(h, (int) Math.ceil(y1)); y++) {
      double wy = Math.min(y1, y + 1) - Math.max(y0, y);
      for (int x = (int) Math.floor(x0); x < Math.min(w, (int) Math.ceil(x1)); x++) {
        double wx = Math.min(x1, x + 1) - Math.max(x0, x);
        sum += v[(y * w + x) * c + k] * wy * wx;
        weight += wy * wx;
      }
    }
    return weight == 0 ? 0 : sum / weight;
  }

  private static double bilinear(float[] v, int h, int w, int c, int k, double y, double x) {
    double cy = Math.max(0, Math.min(h - 1, y));
    double cx = Math.max(0, Math.min(w - 1, x));
    int y0 = (int) Math.floor(cy);
    int x0 = (int) Math.floor(cx);
    int y1 = Math.min(h - 1, y0 + 1);
    int x1 = Math.min(w - 1, x0 + 1);
    double fy = cy - y0;
    double fx = cx - x0;
    double top = v[(y0 * w + x0) * c + k] * (1 - fx) + v[(y0 * w + x1) * c + k] * fx;
    double bottom = v[(y1 * w + x0) * c + k] * (1 - fx) + v[(y1 * w + x1) * c + k] * fx;
    return top * (1 - fy) + bottom * fy;
  }

  /** {@code values} plus Gaussian noise of standard deviation {@code sigma}, clipped to [0,1]. */
  static float[] noisy(float[] values, double sigma, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] out = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      double g = gaussian(random);
      out[i] = (float) Math.max(0, Math.min(1, values[i] + sigma * g));
    }
    return out;
  }

  private static double gaussian(SplittableRandom r) {
    double u1 = Math.max(1e-12, r.nextDouble());
    double u2 = r.nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Encodes {@code h × w × c} values in [0,1] (clipped) as a grey or RGB PNG. */
  static byte[] png(float[] values, int h, int w, int c) {
    BufferedImage image = new BufferedImage(w, h, c == 1 ? BufferedImage.TYPE_BYTE_GRAY
        : BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int i = (y * w + x) * c;
        if (c == 1) {
          int g = byteOf(values[i]);
          image.getRaster().setSample(x, y, 0, g);
        } else {
          image.setRGB(x, y, (byteOf(values[i]) << 16) | (byteOf(values[i + 1]) << 8) | byteOf(values[i + 2]));
        }
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(image, "png", out);
    } catch (IOException e) {
      throw new IllegalStateException("PNG encoding failed", e);
    }
    return out.toByteArray();
  }

  private static int byteOf(float v) {
    if (Float.isNaN(v)) {
      return 0;
    }
    return Math.round(Math.max(0f, Math.min(1f, v)) * 255f);
  }
}
