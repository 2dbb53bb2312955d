package io.aebridge.data;

import java.util.Arrays;
import java.util.Objects;
import java.util.Random;

/** Deterministic train/validation splits. Stateless and thread-safe. */
public final class Splits {

  private Splits() {}

  /**
   * A dataset split in two.
   *
   * @param train the samples to train on
   * @param validation the held-out samples
   */
  public record TrainValidation(Dataset train, Dataset validation) {

    public TrainValidation {
      Objects.requireNonNull(train, "train");
      Objects.requireNonNull(validation, "validation");
    }
  }

  /**
   * Shuffles the samples with {@code seed} and holds out {@code round(count × fraction)} of them (at least one,
   * and at least one left to train on) as the validation set. The same data and seed give the same split on every
   * run and JVM ({@link Random}'s sequence is specified). Both parts are new datasets in shuffled order, labels
   * kept; {@code data} is not modified.
   *
   * @throws IllegalArgumentException when {@code fraction} is not strictly between 0 and 1, or {@code data} has
   *     fewer than 2 samples
   */
  public static TrainValidation validationSplit(Dataset data, double fraction, long seed) {
    if (!(fraction > 0 && fraction < 1)) {
      throw new IllegalArgumentException("validation fraction must be strictly between 0 and 1, found " + fraction);
    }
    int count = data.count();
    if (count < 2) {
      throw new IllegalArgumentException(
          "a validation split needs at least 2 samples, found " + count + " in " + data.source());
    }
    int[] order = new int[count];
    Arrays.setAll(order, i -> i);
    Random random = new Random(seed);
    for (int i = count - 1; i > 0; i--) { // Fisher–Yates
      int j = random.nextInt(i + 1);
      int swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
    int held = (int) Math.max(1, Math.min(count - 1, Math.round(count * fraction)));
    String tag = " (seed " + seed + ", validation fraction " + fraction + ")";
    return new TrainValidation(
        data.select(Arrays.copyOfRange(order, held, count), data.source() + " train" + tag),
        data.select(Arrays.copyOfRange(order, 0, held), data.source() + " validation" + tag));
  }
}
