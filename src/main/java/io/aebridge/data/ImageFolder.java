package io.aebridge.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.TreeSet;
import java.util.stream.Stream;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Reads folders of images (PNG and every other format {@link ImageIO} reads) and writes PNGs.
 *
 * <p>Pixel values are scaled to [0,1] by the format's bit depth: an 8-bit value {@code v} becomes {@code v / 255f},
 * the same float the NPY and IDX readers give. Grey values are read as stored, with no gamma conversion. Stateless
 * and thread-safe.
 */
public final class ImageFolder {

  /** How many channels the images are read into. */
  public enum Mode {
    /** One channel; colour pixels become luma {@code 0.299 R + 0.587 G + 0.114 B} (as PIL's {@code "L"}). */
    GREY,
    /** Three channels, R G B; grey pixels are repeated into all three. */
    RGB,
    /** {@link #RGB} when any pixel of any image has {@code R != G} or {@code G != B}, else {@link #GREY}. */
    AUTO
  }

  private static final double LUMA_R = 0.299;
  private static final double LUMA_G = 0.587;
  private static final double LUMA_B = 0.114;

  private ImageFolder() {}

  /**
   * Reads every image file directly in {@code dir}, sorted by file name, into one dataset of {@code N ×
   * height×width×channels} with no labels; its source is {@code dir} as given. Subfolders and hidden files (names
   * starting with {@code .}) are skipped.
   *
   * @throws DataFormatException when a file is not an image {@link ImageIO} reads, when an image's size differs from
   *     the first one's (naming both files and sizes), or when there is no image
   * @throws NotDirectoryException when {@code dir} is not a folder
   */
  public static Dataset read(Path dir, Mode mode) throws IOException {
    Objects.requireNonNull(mode, "mode");
    if (!Files.isDirectory(dir)) {
      throw new NotDirectoryException(dir.toString());
    }
    List<Path> files;
    try (Stream<Path> entries = Files.list(dir)) {
      files = entries
          .filter(Files::isRegularFile)
          .filter(f -> !f.getFileName().toString().startsWith("."))
          .sorted(Comparator.comparing(f -> f.getFileName().toString()))
          .toList();
    }
    if (files.isEmpty()) {
      throw new DataFormatException(dir, "folder", "at least one image file (subfolders are not read)", "none");
    }
    List<Pixels> images = new ArrayList<>(files.size());
    boolean colour = false;
    for (Path file : files) {
      Pixels image = decode(file);
      if (!images.isEmpty()) {
        Pixels first = images.get(0);
        if (image.height != first.height || image.width != first.width) {
          throw new DataFormatException(file, "image " + (images.size() + 1) + " of " + files.size(),
              "the size of the first image, " + first.height + "×" + first.width + " (height×width) in "
                  + first.file.getFileName(),
              image.height + "×" + image.width);
        }
      }
      colour |= image.hasColour;
      images.add(image);
    }
    int channels = channels(mode, colour);
    Pixels first = images.get(0);
    int size = first.height * first.width * channels;
    if ((long) size * images.size() > BinaryInput.MAX_ELEMENTS) {
      throw new DataFormatException(dir, "folder", "at most " + BinaryInput.MAX_ELEMENTS + " values in all",
          images.size() + " images of " + size);
    }
    float[] values = new float[size * images.size()];
    for (int i = 0; i < images.size(); i++) {
      images.get(i).copyTo(values, i * size, channels);
    }
    return new Dataset(values, images.size(), first.height, first.width, channels, null, dir.toString());
  }

  /**
   * Reads one image (PNG or any format {@link ImageIO} reads) as a dataset of one {@code height×width×channels}
   * sample, in {@link Mode#AUTO}: 1 channel unless a pixel has colour, then 3.
   *
   * @throws DataFormatException when the file is not an image {@link ImageIO} reads
   */
  public static Dataset readPng(Path file) throws IOException {
    Pixels image = decode(file);
    int channels = channels(Mode.AUTO, image.hasColour);
    float[] values = new float[image.height * image.width * channels];
    image.copyTo(values, 0, channels);
    return new Dataset(values, 1, image.height, image.width, channels, null, file.toString());
  }

  /**
   * Writes one image as an 8-bit grey ({@code channels == 1}) or RGB ({@code channels == 3}) PNG. Values are
   * clamped to [0,1] and rounded to the nearest of 256 levels; NaN is written as 0.
   *
   * @param values {@code height × width × channels} values, row-major, channels last; not modified
   * @throws IllegalArgumentException when the dimensions are not positive, {@code channels} is not 1 or 3, or
   *     {@code values} does not hold {@code height × width × channels} values
   */
  public static void writePng(Path file, float[] values, int height, int width, int channels) throws IOException {
    Objects.requireNonNull(values, "values");
    if (height <= 0 || width <= 0) {
      throw new IllegalArgumentException("PNG height and width must be positive, found " + height + "×" + width);
    }
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("PNG channels must be 1 (grey) or 3 (RGB), found " + channels);
    }
    if ((long) height * width * channels != values.length) {
      throw new IllegalArgumentException("a " + height + "×" + width + "×" + channels + " image needs "
          + (long) height * width * channels + " values, found " + values.length);
    }
    BufferedImage image =
        new BufferedImage(width, height, channels == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
    WritableRaster raster = image.getRaster();
    for (int y = 0, i = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        for (int b = 0; b < channels; b++) {
          raster.setSample(x, y, b, Math.round(Math.min(1f, Math.max(0f, values[i++])) * 255f));
        }
      }
    }
    try (OutputStream out = Files.newOutputStream(file);
        ImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
      if (!ImageIO.write(image, "png", stream)) {
        throw new IOException(file + ": no PNG writer in javax.imageio");
      }
    }
  }

  private static int channels(Mode mode, boolean colour) {
    return switch (mode) {
      case GREY -> 1;
      case RGB -> 3;
      case AUTO -> colour ? 3 : 1;
    };
  }

  /** A decoded image: 1 (grey) or 3 (RGB) channels of [0,1] values, row-major, channels last. */
  private record Pixels(Path file, int height, int width, int channels, float[] values, boolean hasColour) {

    /** Copies into {@code dest} at {@code offset} as {@code targetChannels} channels. */
    void copyTo(float[] dest, int offset, int targetChannels) {
      int pixels = height * width;
      if (targetChannels == channels) {
        System.arraycopy(values, 0, dest, offset, values.length);
      } else if (targetChannels == 3) {
        for (int p = 0; p < pixels; p++) {
          Arrays.fill(dest, offset + 3 * p, offset + 3 * p + 3, values[p]);
        }
      } else if (!hasColour) {
        for (int p = 0; p < pixels; p++) {
          dest[offset + p] = values[3 * p];
        }
      } else {
        for (int p = 0; p < pixels; p++) {
          dest[offset + p] =
              (float) (LUMA_R * values[3 * p] + LUMA_G * values[3 * p + 1] + LUMA_B * values[3 * p + 2]);
        }
      }
    }
  }

  private static Pixels decode(Path file) throws IOException {
    BufferedImage image;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
      // ImageIO.read closes the stream it was given once it has decoded an image; the file stream is ours.
      image = ImageIO.read(new MemoryCacheImageInputStream(in));
    } catch (IIOException e) {
      throw new DataFormatException(file, "image data", "an image javax.imageio can decode", e.getMessage(), e);
    }
    if (image == null) {
      throw new DataFormatException(file, "byte 0",
          "an image format javax.imageio reads (" + String.join(", ", readableFormats()) + ")",
          "a file no image reader recognises");
    }
    int height = image.getHeight();
    int width = image.getWidth();
    if ((long) height * width * 3 > BinaryInput.MAX_ELEMENTS) {
      throw new DataFormatException(file, "image header", "an image of at most " + BinaryInput.MAX_ELEMENTS / 3
          + " pixels", height + "×" + width);
    }
    ColorModel model = image.getColorModel();
    Raster raster = image.getRaster();
    int type = model.getColorSpace().getType();
    boolean components = !(model instanceof IndexColorModel) && !model.isAlphaPremultiplied()
        && Arrays.stream(model.getComponentSize()).allMatch(bits -> bits <= 16);
    if (components && type == ColorSpace.TYPE_GRAY) {
      float[] values = new float[height * width];
      float max = (1 << model.getComponentSize(0)) - 1;
      for (int y = 0, i = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
          values[i++] = raster.getSample(x, y, 0) / max;
        }
      }
      return new Pixels(file, height, width, 1, values, false);
    }
    float[] values = new float[height * width * 3];
    if (components && model.getColorSpace().isCS_sRGB() && model.getNumColorComponents() == 3) {
      float[] max = new float[3];
      for (int b = 0; b < 3; b++) {
        max[b] = (1 << model.getComponentSize(b)) - 1;
      }
      for (int y = 0, i = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
          for (int b = 0; b < 3; b++) {
            values[i++] = raster.getSample(x, y, b) / max[b];
          }
        }
      }
    } else { // palette, premultiplied or other colour spaces: let the colour model convert to 8-bit sRGB
      for (int y = 0, i = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
          int rgb = image.getRGB(x, y);
          values[i++] = ((rgb >> 16) & 0xFF) / 255f;
          values[i++] = ((rgb >> 8) & 0xFF) / 255f;
          values[i++] = (rgb & 0xFF) / 255f;
        }
      }
    }
    boolean colour = false;
    for (int p = 0; p < values.length && !colour; p += 3) {
      colour = values[p] != values[p + 1] || values[p + 1] != values[p + 2];
    }
    return new Pixels(file, height, width, 3, values, colour);
  }

  private static List<String> readableFormats() {
    TreeSet<String> names = new TreeSet<>();
    for (String suffix : ImageIO.getReaderFileSuffixes()) {
      names.add(suffix.toLowerCase(Locale.ROOT));
    }
    return List.copyOf(names);
  }
}
