package io.aebridge.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aebridge.data.Dataset;
import io.aebridge.data.Mnist;
import io.aebridge.train.TrainingData;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The quick start validates on part of the training digits; the test digits are left for the evaluation. */
class QuickstartCommandTest {

  /** One value per sample, {@code first, first + 1, …}: each sample says where it came from. */
  private static Dataset numbered(int first, int count, String source) {
    float[] v = new float[count];
    for (int i = 0; i < count; i++) {
      v[i] = first + i;
    }
    return Dataset.ofVectors(v, count, 1, source);
  }

  private static Set<Float> values(Dataset d) {
    Set<Float> out = new HashSet<>();
    for (float f : d.values()) {
      out.add(f);
    }
    return out;
  }

  @Test
  void validationIsASplitOfTheTrainingDigitsNeverTheTestDigits() {
    Mnist.Split mnist = new Mnist.Split(numbered(0, 8000, "train"), numbered(100_000, 2000, "test"));
    TrainingData data = QuickstartCommand.trainingData(mnist, 42);
    Set<Float> train = values(data.inputs());
    Set<Float> validation = values(data.validationInputs());
    assertEquals(800, validation.size(), "10% of the training digits validate");
    assertEquals(7200, train.size());
    assertTrue(validation.stream().allMatch(v -> v < 8000), "validation digits come from the training set");
    Set<Float> both = new HashSet<>(train);
    both.retainAll(validation);
    assertEquals(Set.of(), both, "no digit both trains and validates");
    assertTrue(train.stream().noneMatch(v -> v >= 100_000), "no test digit is trained on");
    assertArrayEquals(data.validationInputs().values(),
        QuickstartCommand.trainingData(mnist, 42).validationInputs().values(), "same seed, same split");
  }
}
