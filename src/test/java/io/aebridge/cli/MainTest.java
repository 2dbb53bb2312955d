package io.aebridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aebridge.TestData;
import io.aebridge.data.Dataset;
import io.aebridge.data.NpyFiles;
import io.aebridge.export.ModelCard;
import io.aebridge.load.ModelLayout;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
  @TempDir Path dir;

  /** Runs the CLI in-process, returning exit code, stdout and stderr. */
  private record Outcome(int code, String out, String err) {}

  private static Outcome run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = Main.run(args);
      return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  private Path barsNpy(int count) throws Exception {
    Dataset bars = TestData.bars(count, 28, 1, 3);
    Path file = dir.resolve("bars.npy");
    NpyFiles.write(file, bars.values(), new long[] {count, 28, 28});
    return file;
  }

  @Test
  void trainWithTheFourHyperparametersThenInspect() throws Exception {
    Path data = barsNpy(128);
    Path models = dir.resolve("models");
    Outcome trained = run("train", "--data", data.toString(), "--models", models.toString(), "--name", "cli",
        "--code-size", "8", "--layers", "1", "--nodes-per-layer", "16", "--loss", "mse", "--epochs", "2",
        "--batch-size", "32");
    assertEquals(0, trained.code(), trained.err());
    assertTrue(trained.out().contains("Epoch 2/2") && trained.out().contains("Exported cli version 1"), trained.out());
    assertEquals(List.of(1L), ModelLayout.versions(models.resolve("cli")));
    ModelCard card = ModelCard.read(models.resolve("cli/1").resolve(ModelLayout.MODEL_CARD_FILE));
    assertEquals("mse", card.loss());
    assertEquals(16, card.spec().get("encoderLayers").get(0).asInt());
    assertEquals(128, card.data().get("samples"));
    assertEquals(64, ((String) card.data().get("sha256")).length());
    assertEquals(2, card.history().get("epochs").size());

    Outcome inspected = run("inspect", models.resolve("cli").toString());
    assertEquals(0, inspected.code(), inspected.err());
    assertTrue(inspected.out().contains("signature_def['encode']") && inspected.out().contains("shape: (-1, 8)")
        && inspected.out().contains("\"tensorflowRuntime\""), inspected.out());
  }

  @Test
  void versionNamesTheTensorFlowRuntimeAtTheTopAndInSubcommands() {
    for (String[] args : List.of(new String[] {"--version"}, new String[] {"serve", "--version"},
        new String[] {"tfserving", "--version"})) {
      Outcome v = run(args);
      assertEquals(0, v.code(), v.err());
      assertTrue(v.out().startsWith("aebridge ") && v.out().contains("TensorFlow runtime 2.18."), v.out());
    }
  }

  @Test
  void badInputGivesExitTwoAndAMessageNamingTheProblem() throws Exception {
    Outcome spec = run("train", "--data", barsNpy(16).toString(), "--models", dir.toString(), "--code-size", "0");
    assertEquals(2, spec.code());
    assertTrue(spec.err().contains("codeSize: must be positive, found 0"), spec.err());

    Path ragged = dir.resolve("ragged.csv");
    Files.writeString(ragged, "1,2,3\n4,5\n");
    Outcome data = run("train", "--data", ragged.toString(), "--models", dir.toString());
    assertEquals(2, data.code());
    assertTrue(data.err().contains("ragged.csv") && data.err().contains("line 2"), data.err());

    Outcome missing = run("inspect", dir.resolve("nothing-here").toString());
    assertEquals(2, missing.code());
    assertTrue(missing.err().contains("nothing-here"), missing.err());

    Outcome shape = run("train", "--data", ragged.getParent().resolve("bars.npy").toString(), "--models",
        dir.toString(), "--spec", writeSpec("{\"name\":\"c\",\"inputShape\":[10,10,1]}").toString(), "--epochs", "1");
    assertEquals(2, shape.code());
    assertTrue(shape.err().contains("10×10×1") && shape.err().contains("28×28×1"), shape.err());
  }

  @Test
  void helpExplainsEveryCommand() {
    Outcome help = run("--help");
    assertEquals(0, help.code());
    for (String command : List.of("quickstart", "train", "evaluate", "inspect", "goldens", "quality")) {
      assertTrue(help.out().contains(command), command + " missing from --help:\n" + help.out());
    }
    Outcome trainHelp = run("help", "train");
    assertTrue(trainHelp.out().contains("--code-size") && trainHelp.out().contains("--corruption"), trainHelp.out());
    // `aebridge COMMAND --help` prints that command's usage and does nothing else (quickstart must not start).
    for (String command : List.of("quickstart", "train", "evaluate", "inspect", "serve", "goldens", "quality")) {
      Outcome own = run(command, "--help");
      assertEquals(0, own.code(), command + " --help: " + own.err());
      assertTrue(own.out().startsWith("Usage: aebridge " + command), command + " --help:\n" + own.out());
    }
  }

  @Test
  void reportsGoBesideTheModelsFolderTheyCameFrom() {
    assertEquals(Path.of("/data/x/reports/m/3"), Evaluation.defaultOut(Path.of("/data/x/models/m/3")));
    assertEquals(Path.of("").toAbsolutePath().resolve("reports/dense-784-32/1"),
        Evaluation.defaultOut(Path.of("saved-models/dense-784-32/1")));
  }

  private Path writeSpec(String json) throws Exception {
    Path file = dir.resolve("spec.json");
    Files.writeString(file, json);
    return file;
  }
}
