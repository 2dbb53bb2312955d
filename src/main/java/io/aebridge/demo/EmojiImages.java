package io.aebridge.demo;

import io.aebridge.data.DataFormatException;
import io.aebridge.data.Dataset;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * The real colour images of {@value #FETCH_SCRIPT}: 64×64 RGBA emoji PNGs from npm's {@code emoji-datasource-google},
 * composited on white and scaled with area averaging.
 *
 * <p>The split is by emoji, not by file: skin-tone variants of one emoji are near copies, so every file whose name
 * differs only in skin-tone modifiers (U+1F3FB–U+1F3FF) and variation selectors goes to the same side. A fixed hash
 * of that key sends about {@value #TEST_PERCENT}% of the emoji to the held-out (test) side and
 * {@value #VALIDATION_PERCENT}% more (a tenth of the rest) to the validation side, which gives {@code val_loss}
 * only; the split does not depend on the order or number of files. Stateless.
 */
final class EmojiImages {
  static final String DATA_DIR = "data/emoji";
  static final String IMAGE_DIR = DATA_DIR + "/png-64";
  static final String FETCH_SCRIPT = "scripts/fetch-emoji.sh";
  static final int TEST_PERCENT = 20;
  static final int VALIDATION_PERCENT = 8;
  /** Side of the packaged images. */
  static final int SIDE = 64;

  /** How images become samples. */
  enum Form {
    /** RGB, 3 channels. */
    RGB,
    /** Luma repeated into 3 channels: what the colouring model sees. */
    GREY_AS_RGB,
    /** One channel, {@code 1 − luma}: a dark background like MNIST's. */
    INVERTED_GREY
  }

  /** Where an emoji goes. */
  enum Side { TRAIN, VALIDATION, TEST }

  /**
   * The three sides of the split, in file-name order.
   *
   * @param train the training emoji
   * @param validation the emoji that give {@code val_loss}, never trained on, never in a figure
   * @param test the held-out emoji every figure comes from
   * @param provenance package, version, npm integrity and file count from {@code data/emoji/SOURCE.txt}
   */
  record Split(List<float[]> train, List<float[]> validation, List<float[]> test, Map<String, Object> provenance) {}

  private EmojiImages() {}

  /**
   * Reads every PNG, each composited on white as 64×64 RGB values in [0,1].
   *
   * @throws NoSuchFileException when the images were not fetched; the message names the script
   */
  static Split load(Path home) throws IOException {
    Path key = home.toAbsolutePath().normalize();
    Split cached = LOADED.get(key);
    if (cached == null) {
      cached = read(home);
      LOADED.put(key, cached);
    }
    return cached;
  }

  /** Decoded sets per project folder: `demo all` reads the 3,786 PNGs once, not once per demo. */
  private static final Map<Path, Split> LOADED = new java.util.concurrent.ConcurrentHashMap<>();

  private static Split read(Path home) throws IOException {
    Path dir = home.resolve(IMAGE_DIR);
    Path source = home.resolve(DATA_DIR).resolve("SOURCE.txt");
    if (!Files.isDirectory(dir) || !Files.isRegularFile(source)) {
      throw new NoSuchFileException(dir.toString(), null,
          "colour images missing; run " + FETCH_SCRIPT + " in " + home + " to fetch them through npm");
    }
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.getFileName().toString().endsWith(".png")).sorted().toList();
    }
    List<float[]> train = new ArrayList<>();
    List<float[]> validation = new ArrayList<>();
    List<float[]> test = new ArrayList<>();
    for (Path file : files) {
      BufferedImage image = ImageIO.read(file.toFile());
      if (image == null) {
        throw new DataFormatException(file, "file", "a PNG image", "bytes ImageIO cannot decode");
      }
      switch (side(file.getFileName().toString())) {
        case TRAIN -> train.add(onWhite(image));
        case VALIDATION -> validation.add(onWhite(image));
        case TEST -> test.add(onWhite(image));
      }
    }
    Map<String, Object> provenance = new LinkedHashMap<>();
    for (String line : Files.readAllLines(source)) {
      int space = line.indexOf(' ');
      if (space > 0) {
        provenance.put("package." + line.substring(0, space), line.substring(space + 1));
      }
    }
    provenance.put("split", "by emoji (skin tones together), " + TEST_PERCENT + "% held out for the figures, "
        + VALIDATION_PERCENT + "% for val_loss: " + train.size() + " train / " + validation.size() + " validation / "
        + test.size() + " held-out images");
    return new Split(train, validation, test, provenance);
  }

  /** One sentence for a report: where training, validation and figures come from. */
  static String splitSentence(int train, int validation, int test) {
    return String.format(java.util.Locale.ROOT, "Split by emoji (skin-tone variants on one side): %d training "
        + "images, `val_loss` on %d validation emoji, every figure on %d held-out emoji that no training or "
        + "validation step saw.", train, validation, test);
  }

  /** Whether a file's emoji belongs to the held-out (test) side. */
  static boolean heldOut(String fileName) {
    return side(fileName) == Side.TEST;
  }

  /** The side of the split a file's emoji belongs to. */
  static Side side(String fileName) {
    String stem = fileName.replaceFirst("\\.png$", "");
    StringBuilder key = new StringBuilder();
    for (String part : stem.split("-")) {
      if (part.matches("1f3f[b-f]|fe0f|fe0e")) {
        continue;
      }
      key.append(part).append('-');
    }
    // String.hashCode is specified by the JLS, so the split is the same on every JVM.
    int bucket = Math.floorMod(key.toString().hashCode() * 0x9E3779B1, 100);
    return bucket < TEST_PERCENT ? Side.TEST : bucket < TEST_PERCENT + VALIDATION_PERCENT ? Side.VALIDATION
        : Side.TRAIN;
  }

  /** The first {@code limit} images as one dataset of {@code side × side} samples (area-averaged). */
  static Dataset dataset(List<float[]> images, int limit, int side, Form form, String source) {
    int n = Math.min(limit, images.size());
    int channels = form == Form.INVERTED_GREY ? 1 : 3;
    int size = side * side * channels;
    float[] values = new float[n * size];
    for (int i = 0; i < n; i++) {
      float[] rgb = resized(images.get(i), side);
      for (int p = 0, at = i * size; p < side * side; p++) {
        float l = ImageMath.luma(rgb[3 * p], rgb[3 * p + 1], rgb[3 * p + 2]);
        switch (form) {
          case RGB -> {
            values[at++] = rgb[3 * p];
            values[at++] = rgb[3 * p + 1];
            values[at++] = rgb[3 * p + 2];
          }
          case GREY_AS_RGB -> {
            values[at++] = l;
            values[at++] = l;
            values[at++] = l;
          }
          case INVERTED_GREY -> values[at++] = 1f - l;
        }
      }
    }
    return new Dataset(values, n, side, side, channels, null,
        source + " (" + side + "×" + side + ", " + form.name().toLowerCase(java.util.Locale.ROOT) + ")");
  }

  /** Resized copies, kept because every demo asks for the same few sizes of the same images several times. */
  private static final Map<float[], Map<Integer, float[]>> RESIZED =
      java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());

  private static float[] resized(float[] image, int side) {
    return RESIZED.computeIfAbsent(image, k -> new java.util.concurrent.ConcurrentHashMap<>())
        .computeIfAbsent(side, s -> ImageMath.resize(image, SIDE, SIDE, 3, s, s));
  }

  /** RGBA composited on white: {@code a·c + (1 − a)·1} per channel. */
  private static float[] onWhite(BufferedImage rgba) throws DataFormatException {
    float[] out = new float[SIDE * SIDE * 3];
    int w = Math.min(SIDE, rgba.getWidth());
    int h = Math.min(SIDE, rgba.getHeight());
    java.util.Arrays.fill(out, 1f);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int argb = rgba.getRGB(x, y);
        float a = (argb >>> 24) / 255f;
        int at = 3 * (y * SIDE + x);
        out[at] = a * ((argb >> 16) & 0xff) / 255f + 1f - a;
        out[at + 1] = a * ((argb >> 8) & 0xff) / 255f + 1f - a;
        out[at + 2] = a * (argb & 0xff) / 255f + 1f - a;
      }
    }
    return out;
  }
}
