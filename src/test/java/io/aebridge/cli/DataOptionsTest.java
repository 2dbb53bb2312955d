package io.aebridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.aebridge.ProjectPaths;
import io.aebridge.data.Dataset;
import io.aebridge.data.Mnist;
import io.aebridge.train.TrainingData;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** `aebridge train` on MNIST validates on part of the training digits, never on the test digits evaluation keeps. */
class DataOptionsTest {

  private static Set<Integer> rows(Dataset d) {
    Set<Integer> out = new HashSet<>();
    int n = d.sampleSize();
    for (int i = 0; i < d.count(); i++) {
      out.add(Arrays.hashCode(Arrays.copyOfRange(d.values(), i * n, (i + 1) * n)));
    }
    return out;
  }

  @Test
  void mnistValidationIsASeededShareOfTheTrainingDigits() throws Exception {
    Mnist.Split mnist = Mnist.load(ProjectPaths.root());
    TrainingData data = new DataOptions().load(ProjectPaths.root(), 7);
    assertEquals(mnist.train().count() / 10, data.validationInputs().count(), "10% of the training digits validate");
    assertEquals(mnist.train().count() - data.validationInputs().count(), data.inputs().count());
    Set<Integer> test = rows(mnist.test());
    Set<Integer> train = rows(mnist.train());
    for (Integer row : rows(data.validationInputs())) {
      assertFalse(test.contains(row) && !train.contains(row), "a validation digit came from the test digits");
    }
    assertEquals(Set.of(), intersection(rows(data.inputs()), rows(data.validationInputs())),
        "no digit both trains and validates");
  }

  private static Set<Integer> intersection(Set<Integer> a, Set<Integer> b) {
    Set<Integer> out = new HashSet<>(a);
    out.retainAll(b);
    return out;
  }
}
