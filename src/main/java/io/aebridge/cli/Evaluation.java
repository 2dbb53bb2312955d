package io.aebridge.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.aebridge.data.Dataset;
import io.aebridge.evaluate.EvaluationReport;
import io.aebridge.evaluate.Evaluator;
import io.aebridge.evaluate.Figures;
import io.aebridge.evaluate.Pca;
import io.aebridge.export.ModelCard;
import io.aebridge.load.LoadedModel;
import io.aebridge.load.ModelLayout;
import io.aebridge.train.TrainingHistory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Evaluates one exported version on held-out data against PCA at the same code size, writes the report, the
 * reconstruction grid and the loss curve under {@code out}, and records the figures in the version's model card.
 */
final class Evaluation {
  static final int GRID_SAMPLES = 10;
  private static final ObjectMapper JSON = new ObjectMapper();

  private Evaluation() {}

  static EvaluationReport run(Path version, Dataset train, Dataset heldOut, Path out) throws IOException {
    EvaluationReport report;
    try (LoadedModel model = LoadedModel.load(version)) {
      Dataset grid = heldOut.head(GRID_SAMPLES);
      int codeSize = Evaluator.encode(model, grid).length / grid.count();
      Pca pca = Pca.fit(train, Math.min(codeSize, train.sampleSize()));
      report = new Evaluator().evaluate(model, pca, heldOut);
      Files.createDirectories(out);
      Figures.reconstructionGrid(out.resolve("reconstructions.png"), grid, Evaluator.reconstruct(model, grid),
          pca.reconstruct(grid), GRID_SAMPLES);
    }
    Files.writeString(out.resolve("evaluation.json"),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(ModelCard.toJson(report)));
    Path cardFile = version.resolve(ModelLayout.MODEL_CARD_FILE);
    if (Files.isRegularFile(cardFile)) {
      ModelCard card = ModelCard.read(cardFile);
      if (card.history() != null && !card.history().isNull()) {
        Figures.lossCurve(out.resolve("loss.png"), JSON.treeToValue(card.history(), TrainingHistory.class));
      }
      card.withEvaluation(ModelCard.toJson(report)).write(cardFile);
    }
    return report;
  }

  /**
   * {@code reports/<model>/<version>} beside the models root ({@code saved-models/m/1} →
   * {@code reports/m/1}), so evaluating models kept elsewhere never overwrites the project's own reports.
   */
  static Path defaultOut(Path version) {
    Path absolute = version.toAbsolutePath().normalize();
    Path modelDir = absolute.getParent();
    Path modelsRoot = modelDir.getParent();
    Path base = modelsRoot == null || modelsRoot.getParent() == null ? Path.of("") : modelsRoot.getParent();
    return base.resolve("reports").resolve(modelDir.getFileName().toString())
        .resolve(absolute.getFileName().toString());
  }
}
