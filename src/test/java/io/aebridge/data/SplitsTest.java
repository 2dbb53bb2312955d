package io.aebridge.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.aebridge.data.Splits.TrainValidation;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SplitsTest {

  /** {@code n} samples of 1×2×1 whose values and label are the sample's index. */
  private static Dataset indexed(int n) {
    float[] values = new float[2 * n];
    for (int i = 0; i < values.length; i++) {
      values[i] = i / 2;
    }
    return new Dataset(values, n, 1, 2, 1, IntStream.range(0, n).toArray(), "indexed");
  }

  @Test
  void sameSeedGivesTheSameSplit() {
    TrainValidation a = Splits.validationSplit(indexed(100), 0.2, 42);
    TrainValidation b = Splits.validationSplit(indexed(100), 0.2, 42);

    assertEquals(a.train(), b.train());
    assertEquals(a.validation(), b.validation());
  }

  @Test
  void differentSeedGivesADifferentSplit() {
    TrainValidation a = Splits.validationSplit(indexed(100), 0.2, 42);
    TrainValidation b = Splits.validationSplit(indexed(100), 0.2, 43);

    assertNotEquals(a.validation(), b.validation());
  }

  @Test
  void partitionsTheSamplesAndKeepsLabelsWithThem() {
    Dataset data = indexed(100);

    TrainValidation split = Splits.validationSplit(data, 0.2, 7);

    assertEquals(80, split.train().count());
    assertEquals(20, split.validation().count());
    int[] seen = IntStream.concat(Arrays.stream(split.train().labels()), Arrays.stream(split.validation().labels()))
        .sorted().toArray();
    assertArrayEquals(IntStream.range(0, 100).toArray(), seen);
    for (Dataset part : new Dataset[] {split.train(), split.validation()}) {
      for (int i = 0; i < part.count(); i++) {
        assertEquals(part.labels()[i], part.values()[2 * i], part.source() + " sample " + i);
      }
    }
    assertNotEquals(IntStream.range(0, 80).boxed().toList(),
        Arrays.stream(split.train().labels()).boxed().toList(), "shuffled");
  }

  @Test
  void splitIsPinnedAcrossRunsAndJvms() {
    // java.util.Random's sequence is specified, so this split is the same everywhere; a change here changes
    // every model's validation set. [9, 0, 6] was also computed by a Python re-implementation of Random's LCG and
    // nextInt with the same backward Fisher–Yates shuffle.
    TrainValidation split = Splits.validationSplit(indexed(10), 0.3, 1234);

    assertArrayEquals(PINNED_VALIDATION, split.validation().labels());
  }

  private static final int[] PINNED_VALIDATION = {9, 0, 6};

  @Test
  void keepsAtLeastOneSampleOnEachSide() {
    TrainValidation tiny = Splits.validationSplit(indexed(2), 0.01, 1);
    TrainValidation most = Splits.validationSplit(indexed(3), 0.99, 1);

    assertEquals(1, tiny.validation().count());
    assertEquals(1, tiny.train().count());
    assertEquals(2, most.validation().count());
    assertEquals(1, most.train().count());
  }

  @Test
  void rejectsFractionOutsideTheOpenUnitIntervalNamingIt() {
    Dataset data = indexed(10);
    for (double bad : new double[] {0, 1, -0.1, 1.5, Double.NaN}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> Splits.validationSplit(data, bad, 1));
      assertEquals("validation fraction must be strictly between 0 and 1, found " + bad, e.getMessage());
    }
  }

  @Test
  void rejectsFewerThanTwoSamples() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Splits.validationSplit(indexed(1), 0.5, 1));
    assertEquals("a validation split needs at least 2 samples, found 1 in indexed", e.getMessage());
  }
}
