package io.aebridge.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class FingerprintsTest {

  private static final float[] VALUES = {0f, 0.5f, 1f, -2f, 3.25f, 1e-3f};

  @Test
  void matchesTheDocumentedLayoutAsPythonComputesIt() {
    // python3: hashlib.sha256(struct.pack('<4i', 2, 1, 3, 1) + struct.pack('<6f', *VALUES)).hexdigest()
    assertEquals("88f701c8dd26b70435351ed5a989991c99a58e66772c612c69773ab72b182c8c",
        Fingerprints.sha256(new Dataset(VALUES.clone(), 2, 1, 3, 1, null, "a")));
    // the same values as 2 × 3×1×1
    assertEquals("516c401c5a2838525524a905d3293d6cbc49faa2d44de443aa16036b8f992a7e",
        Fingerprints.sha256(new Dataset(VALUES.clone(), 2, 3, 1, 1, null, "a")));
  }

  @Test
  void ignoresLabelsAndSourceButNotOneValue() {
    String base = Fingerprints.sha256(new Dataset(VALUES.clone(), 2, 1, 3, 1, null, "a"));
    float[] changed = VALUES.clone();
    changed[4] = Math.nextUp(changed[4]);

    assertEquals(base, Fingerprints.sha256(new Dataset(VALUES.clone(), 2, 1, 3, 1, new int[] {1, 2}, "b")));
    assertNotEquals(base, Fingerprints.sha256(new Dataset(changed, 2, 1, 3, 1, null, "a")));
  }

  @Test
  void largeDatasetsHashAcrossChunkBoundaries() throws NoSuchAlgorithmException {
    int n = 40_000; // 160 kB of values: several 64 kB chunks, the last one partial
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = (float) Math.sin(i);
    }
    ByteBuffer all = ByteBuffer.allocate(16 + 4 * n).order(ByteOrder.LITTLE_ENDIAN);
    all.putInt(n / 100).putInt(10).putInt(10).putInt(1);
    all.asFloatBuffer().put(values);
    String whole = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(all.array()));

    assertEquals(whole, Fingerprints.sha256(new Dataset(values, n / 100, 10, 10, 1, null, "sin")));
  }
}
