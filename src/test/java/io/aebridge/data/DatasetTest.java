package io.aebridge.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class DatasetTest {
  @Test
  void concatKeepsOrderAndLabels() {
    Dataset a = new Dataset(new float[] {1, 2, 3, 4}, 2, 1, 2, 1, new int[] {7, 8}, "a");
    Dataset b = new Dataset(new float[] {5, 6}, 1, 1, 2, 1, new int[] {9}, "b");
    Dataset joined = Dataset.concat(List.of(a, b, a), "a+b+a");
    assertEquals(5, joined.count());
    assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, 1, 2, 3, 4}, joined.values());
    assertArrayEquals(new int[] {7, 8, 9, 7, 8}, joined.labels());
    assertEquals("a+b+a", joined.source());
  }

  @Test
  void concatDropsLabelsUnlessEveryPartHasThem() {
    Dataset a = new Dataset(new float[] {1, 2}, 1, 1, 2, 1, new int[] {7}, "a");
    Dataset b = new Dataset(new float[] {5, 6}, 1, 1, 2, 1, null, "b");
    assertNull(Dataset.concat(List.of(a, b), "a+b").labels());
  }

  @Test
  void concatRefusesMixedShapesAndNothing() {
    Dataset a = new Dataset(new float[] {1, 2}, 1, 1, 2, 1, null, "a");
    Dataset b = new Dataset(new float[] {1, 2}, 1, 2, 1, 1, null, "b");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Dataset.concat(List.of(a, b), "x"));
    assertTrue(e.getMessage().contains("1×2×1 (a), found 2×1×1 (b)"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Dataset.concat(List.of(), "x"));
  }
}
