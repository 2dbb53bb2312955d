package io.aebridge.keras;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import io.aebridge.ProjectPaths;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Coverage-guided fuzzing (Jazzer) of the importer, a parser of untrusted files: zip headers and entries, HDF5
 * superblocks, object headers and attributes, and the JSON configs inside. Seeds (a Keras 3 zip with Dense, one
 * with Conv2D + BatchNormalization, a tf.keras HDF5) are under
 * {@code src/test/resources/io/aebridge/keras/KerasImportFuzzTestInputs/quick/}. Properties on every input: the
 * result is a model or a {@link KerasImportException} (any other exception or error is a finding), within
 * {@link #PER_INPUT_MILLIS}; with small limits, declared sizes cannot make it allocate more than they allow.
 *
 * <p>Plain {@code mvn test} replays the seeds; {@code JAZZER_FUZZ=1 mvn test -Dtest='KerasImportFuzzTest#quick'}
 * fuzzes for 15 s.
 */
class KerasImportFuzzTest {
  /**
   * Hostile headers are refused in milliseconds since HDF5 is read from a memory map; 1.4 s was the slowest input
   * seen while fuzzing on the loaded 2-core machine (TensorFlow building an accepted model).
   */
  static final long PER_INPUT_MILLIS = 5_000;
  static final KerasModel.Limits LIMITS = new KerasModel.Limits(1 << 20, 4 << 20, 1 << 20);
  static final AtomicLong inputs = new AtomicLong();
  static final AtomicLong accepted = new AtomicLong();
  static final AtomicLong slowest = new AtomicLong();

  /**
   * Loads and (under Jazzer) instruments every class an import touches before the clock starts: the first import
   * in a JVM loads TensorFlow's natives, which is not the input's doing.
   */
  @BeforeAll
  static void warmUp() throws Exception {
    Path seeds = ProjectPaths.root().resolve("src/test/resources/io/aebridge/keras/KerasImportFuzzTestInputs/quick");
    try (Stream<Path> files = Files.list(seeds)) {
      for (Path seed : files.filter(p -> p.getFileName().toString().startsWith("seed-")).toList()) {
        KerasModel.read(seed, null, LIMITS).close();
      }
    }
  }

  @FuzzTest(maxDuration = "15s")
  void quick(byte[] data) throws Exception {
    Path file = Files.createTempFile("aebridge-keras-fuzz-", ".bin");
    try {
      Files.write(file, data);
      long t0 = System.nanoTime();
      try (KerasModel model = KerasModel.read(file, null, LIMITS)) {
        assertTrue(!model.signatures().isEmpty());
        accepted.incrementAndGet();
      } catch (KerasImportException expected) {
        assertTrue(expected.getMessage() != null && !expected.getMessage().isBlank());
      }
      long ms = (System.nanoTime() - t0) / 1_000_000;
      slowest.accumulateAndGet(ms, Math::max);
      assertTrue(ms < PER_INPUT_MILLIS, "one input (" + data.length + " bytes, sha256 "
          + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(data))
          + ") took " + ms + " ms");
      inputs.incrementAndGet();
    } finally {
      Files.deleteIfExists(file);
    }
  }

  @AfterAll
  static void summary() {
    System.out.println("KerasImportFuzzTest: " + inputs.get() + " inputs (" + accepted.get()
        + " imported, slowest " + slowest.get() + " ms), no crash, no hang");
  }
}
