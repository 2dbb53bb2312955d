package io.aebridge.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EmojiImagesTest {
  @Test
  void skinToneVariantsOfOneEmojiFallOnTheSameSideOfTheSplit() {
    String[] thumbs = {"1f44d.png", "1f44d-1f3fb.png", "1f44d-1f3fc.png", "1f44d-1f3fd.png", "1f44d-1f3fe.png",
        "1f44d-1f3ff.png"};
    for (String f : thumbs) {
      assertEquals(EmojiImages.side(thumbs[0]), EmojiImages.side(f), f);
    }
    assertEquals(EmojiImages.heldOut("2764-fe0f.png"), EmojiImages.heldOut("2764.png"));
  }

  @Test
  void aboutTheHeldOutShareOfManyNamesIsHeldOut() {
    int held = 0;
    for (int i = 0; i < 4000; i++) {
      held += EmojiImages.heldOut(Integer.toHexString(0x1f000 + i) + ".png") ? 1 : 0;
    }
    assertTrue(held > 600 && held < 1000, "held out " + held + " of 4000");
  }

  @Test
  void aboutATenthOfTheRestGoesToValidation() {
    int validation = 0;
    int train = 0;
    for (int i = 0; i < 4000; i++) {
      switch (EmojiImages.side(Integer.toHexString(0x1f000 + i) + ".png")) {
        case VALIDATION -> validation++;
        case TRAIN -> train++;
        case TEST -> { }
      }
    }
    double share = (double) validation / (validation + train);
    assertTrue(share > 0.07 && share < 0.13, "validation " + validation + " of " + (validation + train));
  }
}
