package io.aebridge.cli;

import io.aebridge.demo.ApplicationsDoc;
import io.aebridge.demo.Demo;
import io.aebridge.demo.DemoReport;
import io.aebridge.demo.DemoResult;
import io.aebridge.demo.DemoSettings;
import io.aebridge.demo.Demos;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "demo", sortOptions = false,
    description = {
        "Run one of the tutorial's applications end to end on real data: train through TensorFlow Java, export "
            + "the model into the models folder (served like any other), measure the figure against a plain "
            + "baseline, and write a report (pictures, loss curve, figures.json, README.md) into "
            + "reports/demo-<name>/.",
        "",
        "Demos (`all` runs every one, in this order):"},
    footer = {"",
        "Examples:",
        "  aebridge demo colour                 # the full run (a few minutes on 2 cores)",
        "  aebridge demo anomaly --quick        # small and fast: what the test command runs",
        "  aebridge demo all --write            # every demo in one run, then docs/applications.md from it",
        "  aebridge demo all --quick --write --docs /tmp/d   # the same plumbing, quick, into a scratch folder",
        "",
        "The exit status is 0 only when every check of the figure against its baseline holds; goals beyond the",
        "baseline (watermark: restored ≤ 0.3 × watermarked) are reported as met or missed and gate nothing."})
final class DemoCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Parameters(index = "0", paramLabel = "NAME", description = "A demo name (see above) or `all`.")
  String name;

  @Option(names = "--epochs", paramLabel = "N", description = "Epochs to train (default: each demo's own).")
  int epochs;

  @Option(names = "--quick", description = "A small, fast run with loose checks (what the test command runs).")
  boolean quick;

  @Option(names = "--out", paramLabel = "DIR",
      description = "Report folder (default reports/demo-<name>/; with `all`, DIR/<name>/).")
  Path out;

  @Option(names = "--models", paramLabel = "DIR", defaultValue = "saved-models",
      description = "Models root the demos export into (TF Serving layout). Default: ${DEFAULT-VALUE}.")
  Path models;

  @Option(names = "--write",
      description = "With `all` only: when every check of every demo holds, keep this run's results under "
          + "DOCS/applications/<name>/ with the run's record (start, end, load average) and regenerate "
          + "DOCS/applications.md; when any check fails, leave them as they were.")
  boolean write;

  @Option(names = "--docs", paramLabel = "DOCS",
      description = "Docs folder --write writes into (default: docs/ of the project; a --quick run must name "
          + "another, so quick figures never replace the full ones).")
  Path docs;

  /** Appends the demos (names and summaries, from {@link Demos}) to the command's help description. */
  static void listDemos(picocli.CommandLine demo) {
    var usage = demo.getCommandSpec().usageMessage();
    List<String> lines = new ArrayList<>(List.of(usage.description()));
    lines.addAll(Demos.menu());
    usage.description(lines.toArray(String[]::new));
  }

  @Override
  public Integer call() throws Exception {
    List<Demo> demos;
    if (name.equals("all")) {
      demos = Demos.all();
    } else {
      demos = List.of(Demos.named(name).orElseThrow(() -> new IllegalArgumentException("no demo named '" + name
          + "'; the demos are " + Demos.all().stream().map(Demo::name).toList() + " and all")));
    }
    if (write && demos.size() != Demos.all().size()) {
      throw new IllegalArgumentException("--write regenerates docs/applications.md from one run of every demo; "
          + "use `demo all --write` (found `demo " + name + " --write`)");
    }
    if (write && quick && docs == null) {
      throw new IllegalArgumentException("--quick --write needs --docs DIR: quick figures must not replace the "
          + "full run's in docs/");
    }
    Path home = main.home();
    Path docsDir = docs == null ? home.resolve("docs") : docs;
    List<String> lines = new ArrayList<>();
    Map<String, Path> reports = new LinkedHashMap<>();
    ApplicationsDoc.Run run = ApplicationsDoc.Run.start(quick);
    boolean passed = true;
    for (Demo demo : demos) {
      Path report = out == null ? home.resolve("reports").resolve("demo-" + demo.name())
          : demos.size() > 1 ? out.resolve(demo.name()) : out;
      DemoSettings settings = new DemoSettings(home, report, models, quick, epochs,
          ConsoleProgress.forSystemOut());
      System.out.println("== demo " + demo.name() + (quick ? " (quick)" : "") + ": " + demo.summary());
      long started = System.nanoTime();
      DemoResult result = demo.run(settings);
      double seconds = (System.nanoTime() - started) / 1e9;
      DemoReport.write(result, settings, seconds);
      reports.put(demo.name(), report);
      System.out.printf(Locale.ROOT, "demo %s: %.0f s, model %s, report %s%n", demo.name(), seconds,
          result.model(), report.resolve("README.md"));
      for (DemoResult.Check check : result.checks()) {
        String line = check.line(demo.name());
        System.out.println(line);
        lines.add(line);
      }
      passed &= result.passed();
    }
    run = run.end();
    if (demos.size() > 1) {
      System.out.println("== checks");
      lines.forEach(System.out::println);
    }
    if (write) {
      if (passed) {
        System.out.println("wrote " + ApplicationsDoc.write(docsDir, reports, true, run));
      } else {
        System.err.println("not written: a demo missed a check, so " + docsDir.resolve(ApplicationsDoc.DOC)
            + " and its results are left as they were");
      }
    }
    return passed ? 0 : 1;
  }
}
