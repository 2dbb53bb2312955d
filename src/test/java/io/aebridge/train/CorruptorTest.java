package io.aebridge.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aebridge.spec.CorruptionSpec;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class CorruptorTest {
  private static float[] half(int n) {
    float[] v = new float[n];
    Arrays.fill(v, 0.5f);
    return v;
  }

  @Test
  void gaussianNoiseHasTheRequestedSpreadAndStaysInRange() {
    float[] v = half(100_000);
    new Corruptor(CorruptionSpec.gaussian(0.1), 0f, 1f, 1).apply(v, v.length);
    double mean = 0;
    double var = 0;
    for (float x : v) {
      assertTrue(x >= 0 && x <= 1);
      mean += x;
    }
    mean /= v.length;
    for (float x : v) {
      var += (x - mean) * (x - mean);
    }
    assertEquals(0.5, mean, 0.005);
    assertEquals(0.1, Math.sqrt(var / v.length), 0.005);
  }

  @Test
  void maskingZeroesTheRequestedFraction() {
    float[] v = half(100_000);
    new Corruptor(CorruptionSpec.masking(0.3), 0f, 1f, 2).apply(v, v.length);
    long zeros = 0;
    for (float x : v) {
      zeros += x == 0f ? 1 : 0;
    }
    assertEquals(0.3, zeros / (double) v.length, 0.01);
  }

  @Test
  void saltAndPepperSetsMinAndMaxInEqualShare() {
    float[] v = half(100_000);
    new Corruptor(CorruptionSpec.saltAndPepper(0.2), 0f, 1f, 3).apply(v, v.length);
    long salt = 0;
    long pepper = 0;
    for (float x : v) {
      salt += x == 1f ? 1 : 0;
      pepper += x == 0f ? 1 : 0;
    }
    assertEquals(0.1, salt / (double) v.length, 0.01);
    assertEquals(0.1, pepper / (double) v.length, 0.01);
  }

  @Test
  void sameSeedSameNoiseAndOnlyThePrefixIsTouched() {
    float[] a = half(1000);
    float[] b = half(1000);
    new Corruptor(CorruptionSpec.gaussian(0.5), 0f, 1f, 9).apply(a, 500);
    new Corruptor(CorruptionSpec.gaussian(0.5), 0f, 1f, 9).apply(b, 500);
    assertArrayEquals(a, b);
    assertEquals(0.5f, a[700]);
  }
}
