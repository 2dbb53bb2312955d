package io.aebridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo command's surface; the demos themselves run in tests/e2e/60-demos.sh (real data, minutes). */
class DemoCommandTest {
  @TempDir Path dir;

  private static String[] run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = Main.run(args);
      return new String[] {Integer.toString(code), out.toString(StandardCharsets.UTF_8),
          err.toString(StandardCharsets.UTF_8)};
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void helpListsTheSevenDemos() {
    String[] r = run("demo", "--help");
    assertEquals("0", r[0]);
    for (String demo : new String[] {"compress", "denoise", "colour", "watermark", "features", "reduce", "anomaly"}) {
      assertTrue(r[1].contains("  " + demo + " "), demo + " missing from:\n" + r[1]);
    }
  }

  @Test
  void anUnknownDemoIsAUsageErrorNamingTheDemos() {
    String[] r = run("demo", "colours");
    assertEquals("2", r[0]);
    assertTrue(r[2].contains("no demo named 'colours'") && r[2].contains("colour"), r[2]);
  }

  @Test
  void missingColourImagesNameTheFetchScript() {
    String[] r = run("--home", dir.toString(), "demo", "colour", "--quick", "--models", dir.resolve("m").toString());
    assertEquals("2", r[0]);
    assertTrue(r[2].contains("scripts/fetch-emoji.sh"), r[2]);
  }

  @Test
  void writeNeedsEveryDemoOfOneRun() {
    String[] r = run("--home", dir.toString(), "demo", "colour", "--write", "--models", dir.resolve("m").toString());
    assertEquals("2", r[0]);
    assertTrue(r[2].contains("demo all --write"), r[2]);
  }

  @Test
  void aQuickWriteMustNameAScratchDocsFolder() {
    String[] r = run("--home", dir.toString(), "demo", "all", "--quick", "--write", "--models",
        dir.resolve("m").toString());
    assertEquals("2", r[0]);
    assertTrue(r[2].contains("--docs"), r[2]);
  }
}
