package io.aebridge.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The document is written from one run of every demo, and only when every check held. */
class ApplicationsDocTest {
  @TempDir Path dir;

  private static final ApplicationsDoc.Run RUN = new ApplicationsDoc.Run(Instant.parse("2026-12-02T10:00:00Z"),
      Instant.parse("2026-12-02T10:30:00Z"), false, "1.00 2.00 3.00 1/100 5", "4.00 5.00 6.00 1/100 9", 2);

  /** A report folder per demo, as DemoReport writes it, with one picture each. */
  private Map<String, Path> reports() throws Exception {
    Map<String, Path> reports = new LinkedHashMap<>();
    for (Demo demo : Demos.all()) {
      Path out = dir.resolve("reports").resolve(demo.name());
      Files.createDirectories(out);
      Files.write(out.resolve("grid.png"), Pictures.png(new float[4], 2, 2, 1));
      DemoResult result = new DemoResult(demo.name(), "Title of " + demo.name(), "What " + demo.name() + " did.",
          Map.of("figure of " + demo.name(), 0.25), List.of(DemoResult.Check.below("it works", 1, 2),
              DemoResult.Check.goalBelow("a stretch goal", 3, 2)),
          Map.of("grid.png", "a picture"), dir.resolve("models").resolve(demo.name()).resolve("1"));
      DemoReport.write(result, new DemoSettings(dir, out, dir.resolve("models"), false, 0, io.aebridge.train.ProgressListener.NONE), 12);
      reports.put(demo.name(), out);
    }
    return reports;
  }

  @Test
  void everySectionAndTheRunRecordComeFromTheRun() throws Exception {
    Path docs = dir.resolve("docs");
    Files.createDirectories(docs.resolve("applications/colour"));
    Files.writeString(docs.resolve("applications/colour/stale.png"), "from an earlier run");
    Path doc = ApplicationsDoc.write(docs, reports(), true, RUN);
    String md = Files.readString(doc);
    for (Demo demo : Demos.all()) {
      assertTrue(md.contains("## `" + demo.name() + "`: Title of " + demo.name()), demo.name());
      assertTrue(md.contains("| figure of " + demo.name() + " | 0.2500 |"), demo.name());
      assertTrue(Files.isRegularFile(docs.resolve("applications").resolve(demo.name()).resolve("grid.png")));
    }
    assertTrue(md.contains("started 2026-12-02T10:00:00Z and ended 2026-12-02T10:30:00Z (1800 s on 2 cores"), md);
    assertTrue(md.contains("load average 1.00 2.00 3.00 1/100 5 at the start, 4.00 5.00 6.00 1/100 9 at the end"), md);
    assertFalse(Files.exists(docs.resolve("applications/colour/stale.png")), "an earlier run's picture is gone");
    assertTrue(md.contains("- ❌ goal: a stretch goal: 3.0000 < 2.0000 — **goal not met**"), "a missed goal is shown");
    Map<String, Object> run = ApplicationsDoc.read(docs.resolve("applications/run.json"));
    assertEquals(1800.0, ((Number) run.get("seconds")).doubleValue());
  }

  @Test
  void aFailedCheckOrAMissingDemoLeavesTheDocumentAsItWas() throws Exception {
    Path docs = dir.resolve("docs");
    Files.createDirectories(docs);
    Files.writeString(docs.resolve(ApplicationsDoc.DOC), "the last good run");
    Map<String, Path> reports = reports();
    var failed = assertThrows(IllegalStateException.class, () -> ApplicationsDoc.write(docs, reports, false, RUN));
    assertTrue(failed.getMessage().contains("missed a check"), failed.getMessage());
    reports.remove("anomaly");
    var missing = assertThrows(IllegalStateException.class, () -> ApplicationsDoc.write(docs, reports, true, RUN));
    assertTrue(missing.getMessage().contains("[anomaly]"), missing.getMessage());
    assertEquals("the last good run", Files.readString(docs.resolve(ApplicationsDoc.DOC)));
    assertFalse(Files.exists(docs.resolve("applications")));
  }
}
