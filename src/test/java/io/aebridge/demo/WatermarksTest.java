package io.aebridge.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aebridge.data.Dataset;
import java.util.Collections;
import java.util.HashSet;
import org.junit.jupiter.api.Test;

class WatermarksTest {
  private static final Dataset BLACK = new Dataset(new float[20 * 28 * 28], 20, 28, 28, 1, null, "black");

  @Test
  void everyImageGetsAWatermarkAndTheSameSeedDrawsTheSameOnes() {
    Dataset a = Watermarks.apply(BLACK, Watermarks.Style.TRAINING, 1);
    Dataset b = Watermarks.apply(BLACK, Watermarks.Style.TRAINING, 1);
    assertArrayEquals(a.values(), b.values());
    for (int n = 0; n < a.count(); n++) {
      double ink = 0;
      for (int i = 0; i < 784; i++) {
        ink += a.values()[n * 784 + i];
      }
      assertTrue(ink > 3, "image " + n + " has a visible watermark, ink " + ink);
    }
    assertEquals(0f, BLACK.values()[0], "the clean images are not modified");
  }

  @Test
  void severalWatermarksPerImageCoverMorePixelsThanOne() {
    Dataset one = Watermarks.apply(BLACK, Watermarks.Style.TRAINING, 3);
    Dataset three = Watermarks.apply(BLACK, Watermarks.Style.TRAINING, 3, 3);
    int marked1 = 0;
    int marked3 = 0;
    for (int i = 0; i < one.values().length; i++) {
      marked1 += one.values()[i] > 0.05f ? 1 : 0;
      marked3 += three.values()[i] > 0.05f ? 1 : 0;
    }
    assertTrue(marked3 > 1.5 * marked1, "marked pixels: one per image " + marked1 + ", three " + marked3);
    assertTrue(three.source().contains("3 per sample"), three.source());
  }

  @Test
  void heldOutStyleSharesNoFontWordOrShapeWithTraining() {
    var train = Watermarks.Style.TRAINING;
    var held = Watermarks.Style.HELD_OUT;
    assertTrue(Collections.disjoint(train.words, held.words));
    assertTrue(Collections.disjoint(train.shapes, held.shapes));
    var trainFonts = new HashSet<String>();
    train.fonts.forEach(f -> trainFonts.add(f.getName() + f.getStyle()));
    held.fonts.forEach(f -> assertTrue(!trainFonts.contains(f.getName() + f.getStyle()), f.toString()));
  }
}
