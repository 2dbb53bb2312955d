package io.aebridge.cli;

import io.aebridge.data.DataSources;
import io.aebridge.data.Dataset;
import io.aebridge.data.Mnist;
import io.aebridge.evaluate.EvaluationReport;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "evaluate",
    description = {
        "Evaluate a SavedModel on held-out data against PCA at the same code size. Prints BCE and per-pixel "
            + "MSE of the autoencoder and of PCA, the mean code activation, the mean Jacobian norm ||dh/dx||_F "
            + "(dense codes), and noisy vs denoised error for denoising models. Writes evaluation.json, "
            + "reconstructions.png (originals / autoencoder / PCA) and loss.png, and records the figures in the "
            + "version's model-card.json.",
        "",
        "Examples:",
        "  aebridge evaluate saved-models/dense-784-32",
        "  aebridge evaluate saved-models/denoise/2 --out /tmp/denoise-report"})
final class EvaluateCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Parameters(paramLabel = "DIR", description = "A version folder, or a model folder (its latest version).")
  Path dir;

  @Option(names = "--train", paramLabel = "PATH", description = "Data to fit PCA on. Default: MNIST train (8,000).")
  Path train;

  @Option(names = "--held-out", paramLabel = "PATH", description = "Data to evaluate on. Default: MNIST held-out.")
  Path heldOut;

  @Option(names = "--out", paramLabel = "DIR", description = "Where to write the report. Default: reports/<model>/<version> beside the models folder.")
  Path out;

  @Override
  public Integer call() throws Exception {
    Path version = InspectCommand.resolveVersion(dir);
    Dataset trainData;
    Dataset heldOutData;
    if (train == null || heldOut == null) {
      Mnist.Split mnist = Mnist.load(main.home());
      trainData = train == null ? mnist.train() : DataSources.read(train);
      heldOutData = heldOut == null ? mnist.test() : DataSources.read(heldOut);
    } else {
      trainData = DataSources.read(train);
      heldOutData = DataSources.read(heldOut);
    }
    Path target = out == null ? Evaluation.defaultOut(version) : out;
    EvaluationReport report = Evaluation.run(version, trainData, heldOutData, target);
    System.out.println(report.toText());
    System.out.println("Report, reconstructions.png and loss.png in " + target);
    return 0;
  }
}
