package io.aebridge.cli;

import io.aebridge.demo.ApplicationsDoc;
import io.aebridge.demo.Demo;
import io.aebridge.demo.DemoReport;
import io.aebridge.demo.DemoResult;
import io.aebridge.demo.DemoSettings;
import io.aebridge.demo.Demos;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
        "  aebridge demo all --write            # every demo, then docs/applications.md from the results",
        "",
        "The exit status is 0 only when every check of the figure against its baseline holds."})
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
      description = "Keep the results under docs/applications/<name>/ and regenerate docs/applications.md.")
  boolean write;

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
    Path home = main.home();
    List<String> lines = new ArrayList<>();
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
      if (write) {
        ApplicationsDoc.keep(home, demo.name(), report);
      }
      System.out.printf(Locale.ROOT, "demo %s: %.0f s, model %s, report %s%n", demo.name(), seconds,
          result.model(), report.resolve("README.md"));
      for (DemoResult.Check check : result.checks()) {
        String line = check.line(demo.name());
        System.out.println(line);
        lines.add(line);
      }
      passed &= result.passed();
    }
    if (write) {
      System.out.println("wrote " + ApplicationsDoc.write(home));
    }
    if (demos.size() > 1) {
      System.out.println("== checks");
      lines.forEach(System.out::println);
    }
    return passed ? 0 : 1;
  }
}
