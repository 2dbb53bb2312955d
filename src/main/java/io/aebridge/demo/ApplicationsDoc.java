package io.aebridge.demo;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * {@code docs/applications.md}: one section per demo, all from one run of every demo ({@code aebridge demo all
 * --write}), generated from the raw results kept under {@code docs/applications/<demo>/} ({@code figures.json} and
 * the pictures) and the run's record ({@code docs/applications/run.json}); no number is typed by hand. A run in
 * which any demo missed a check writes nothing. Stateless.
 */
public final class ApplicationsDoc {
  /** The document's file name inside the docs folder. */
  public static final String DOC = "applications.md";
  /** The folder of raw results inside the docs folder. */
  public static final String RESULTS = "applications";
  /** The run's record inside {@link #RESULTS}. */
  public static final String RUN = "run.json";

  private ApplicationsDoc() {}

  /**
   * The run that produced the results: when it started and ended and how loaded the machine was.
   *
   * @param started when the first demo started
   * @param ended when the last demo's report was written
   * @param quick whether it was a quick run
   * @param loadAtStart {@code /proc/loadavg} when the run started
   * @param loadAtEnd {@code /proc/loadavg} when it ended
   * @param cores the processors the JVM saw
   */
  public record Run(Instant started, Instant ended, boolean quick, String loadAtStart, String loadAtEnd, int cores) {
    public Run {
      Objects.requireNonNull(started, "started");
      Objects.requireNonNull(ended, "ended");
      if (ended.isBefore(started)) {
        throw new IllegalArgumentException("a run cannot end (" + ended + ") before it starts (" + started + ")");
      }
    }

    /** A run that started now on this machine, to be {@link #end}ed. */
    public static Run start(boolean quick) {
      Instant now = Instant.now();
      return new Run(now, now, quick, DemoReport.loadavg(), DemoReport.loadavg(),
          Runtime.getRuntime().availableProcessors());
    }

    /** This run, ended now. */
    public Run end() {
      return new Run(started, Instant.now(), quick, loadAtStart, DemoReport.loadavg(), cores);
    }
  }

  /**
   * Replaces the kept results of every demo with those of one run and regenerates the document from them.
   *
   * @param docs the docs folder ({@code docs/} of the project for a full run)
   * @param reports each demo's report folder (holding {@code figures.json} and its pictures), by demo name; must
   *     name every demo of {@link Demos#all()}
   * @param passed whether every check of every demo held; when false nothing is written
   * @return the document written
   * @throws IllegalStateException when a check failed or a demo is missing: the document is left as it was
   * @throws IOException when a report cannot be read or the docs cannot be written
   */
  public static Path write(Path docs, Map<String, Path> reports, boolean passed, Run run) throws IOException {
    if (!passed) {
      throw new IllegalStateException("a demo missed a check in this run; " + docs.resolve(DOC)
          + " is left as it was (the document shows one run in which every check held)");
    }
    List<String> missing = Demos.all().stream().map(Demo::name).filter(n -> !reports.containsKey(n)).toList();
    if (!missing.isEmpty()) {
      throw new IllegalStateException("the document needs every demo from one run; this run lacks " + missing);
    }
    Path results = docs.resolve(RESULTS);
    for (Demo demo : Demos.all()) {
      keep(results.resolve(demo.name()), reports.get(demo.name()));
    }
    Map<String, Object> record = new LinkedHashMap<>();
    record.put("command", "aebridge demo all" + (run.quick() ? " --quick" : "") + " --write");
    record.put("started", run.started().toString());
    record.put("ended", run.ended().toString());
    record.put("seconds", Duration.between(run.started(), run.ended()).toMillis() / 1000.0);
    record.put("quick", run.quick());
    record.put("cores", run.cores());
    record.put("loadavg at start", run.loadAtStart());
    record.put("loadavg at end", run.loadAtEnd());
    record.put("demos", Demos.all().stream().map(Demo::name).toList());
    DemoReport.JSON.writeValue(results.resolve(RUN).toFile(), record);
    return render(docs);
  }

  /** Rewrites {@value #DOC} in {@code docs} from the kept results and run record. */
  static Path render(Path docs) throws IOException {
    Map<String, Object> run = read(docs.resolve(RESULTS).resolve(RUN));
    StringBuilder md = new StringBuilder();
    md.append("# Applications of autoencoders, measured\n\n");
    md.append(String.format(Locale.ROOT, "Generated by one `%s` run, started %s and ended %s (%.0f s on %s cores; "
        + "load average %s at the start, %s at the end — the machine was shared with other jobs, so timings are "
        + "noisy), from the raw results in `%s/<demo>/figures.json` and `%s/%s`; no number here is typed by hand. "
        + "The document is written only when every demo's checks hold in that run. Each demo trains on real data "
        + "fetched through the project's scripts (`scripts/fetch-mnist.sh`, `scripts/fetch-emoji.sh`), exports its "
        + "model into `saved-models/` (served like any other) and compares its figure with a plain baseline. "
        + "Every figure comes from held-out test data that no training or validation step saw; `val_loss` comes "
        + "from a separate validation share of the training data, as `aebridge train` does.%n%n",
        run.get("command"), run.get("started"), run.get("ended"), ((Number) run.get("seconds")).doubleValue(),
        run.get("cores"), run.get("loadavg at start"), run.get("loadavg at end"), RESULTS, RESULTS, RUN));
    for (Demo demo : Demos.all()) {
      md.append("- [`").append(demo.name()).append("`](#").append(demo.name()).append(") — ")
          .append(demo.summary()).append("\n");
    }
    md.append("\n");
    for (Demo demo : Demos.all()) {
      md.append("<a id=\"").append(demo.name()).append("\"></a>\n\n");
      md.append(DemoReport.section(read(docs.resolve(RESULTS).resolve(demo.name()).resolve("figures.json")),
          RESULTS + "/" + demo.name() + "/"));
    }
    Path doc = docs.resolve(DOC);
    Files.writeString(doc, md.toString());
    return doc;
  }

  /** Replaces {@code target} with the report's {@code figures.json} and the pictures it names. */
  private static void keep(Path target, Path reportDir) throws IOException {
    Map<String, Object> json = read(reportDir.resolve("figures.json"));
    @SuppressWarnings("unchecked")
    Map<String, Object> pictures = (Map<String, Object>) json.get("pictures");
    if (Files.isDirectory(target)) {
      // A picture an earlier run kept and this one does not draw must not linger beside the new results.
      try (Stream<Path> old = Files.walk(target)) {
        old.sorted(Comparator.reverseOrder()).forEach(p -> {
          try {
            Files.delete(p);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
    }
    Files.createDirectories(target);
    for (String file : pictures.keySet()) {
      Files.copy(reportDir.resolve(file), target.resolve(file), StandardCopyOption.REPLACE_EXISTING);
    }
    Files.copy(reportDir.resolve("figures.json"), target.resolve("figures.json"),
        StandardCopyOption.REPLACE_EXISTING);
  }

  static Map<String, Object> read(Path json) throws IOException {
    return DemoReport.JSON.readValue(json.toFile(), new TypeReference<Map<String, Object>>() {});
  }
}
