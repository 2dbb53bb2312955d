package io.aebridge.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aebridge.ProjectPaths;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The Java entry points of bench/run.sh print the JSON the harness reads. No figure is asserted (timings on a test
 * machine prove nothing); only the shape of the output and the architecture (parameter counts equal Keras's, which
 * bench/keras_train.py reports: dense 50,992, deep 222,384, conv 4,385).
 */
class BenchMainTest {

  private static JsonNode run(String... args) throws Exception {
    StringWriter out = new StringWriter();
    CommandLine cli = BenchMain.commandLine();
    cli.setOut(new PrintWriter(out));
    assertEquals(0, cli.execute(args), () -> "exit code of " + String.join(" ", args));
    return new ObjectMapper().readTree(out.toString());
  }

  @Test
  void trainPrintsThroughputHeldOutLossAndExports(@TempDir Path models) throws Exception {
    JsonNode r = run("train", "--model", "dense", "--epochs", "2", "--limit", "512", "--home",
        ProjectPaths.root().toString(), "--export", models.toString());
    assertEquals("java", r.get("side").asText());
    assertEquals(50_992, r.get("parameters").asLong());
    assertEquals(512, r.get("train_samples").asInt());
    assertEquals(2000, r.get("heldout_samples").asInt());
    assertEquals(2, r.get("epoch_seconds").size());
    assertTrue(r.get("steady_samples_per_s").asDouble() > 0);
    assertTrue(Double.isFinite(r.get("heldout_loss").asDouble()));
    assertTrue(Files.isRegularFile(models.resolve("dense/1/saved_model.pb")), "exported SavedModel");
  }

  @Test
  void deepAndConvHaveKerasParameterCounts() throws Exception {
    String home = ProjectPaths.root().toString();
    assertEquals(222_384, run("train", "--model", "deep", "--epochs", "1", "--limit", "64", "--home", home)
        .get("parameters").asLong());
    assertEquals(4_385, run("train", "--model", "conv", "--epochs", "1", "--limit", "64", "--home", home)
        .get("parameters").asLong());
  }

  @Test
  void matmulPrintsGflops() throws Exception {
    JsonNode r = run("matmul", "--size", "128", "--seconds", "0.1");
    assertEquals(128, r.get("size").asInt());
    assertTrue(r.get("runs").asInt() >= 2);
    assertTrue(r.get("gflops_best").asDouble() > 0);
  }

  @Test
  void jsonTimesBothFloatRoutinesOnTheSameNumbers() throws Exception {
    JsonNode r = run("json", "--values", "100", "--seconds", "0.05");
    assertEquals(100, r.get("values").asInt());
    for (String k : new String[] {"jdk_write_us", "jdk_parse_us", "fast_write_us", "fast_parse_us"}) {
      assertTrue(r.get(k).asDouble() > 0, k + " in " + r);
    }
    float[] v = {0.1f, 1e-7f, 3.4028235e38f, -0f, 0.47079685f, 1.4e-45f};
    assertArrayEquals(v, BenchMain.Json.readFloats(BenchMain.Json.FAST, BenchMain.Json.writeFloats(
        BenchMain.Json.FAST, v)), "round trip, extremes included");
  }

  @Test
  void unknownModelIsRefusedWithTheChoices() {
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> BenchModels.spec("wide", 1, null, 1));
    assertEquals("--model must be dense, deep or conv, found 'wide'", e.getMessage());
  }
}
