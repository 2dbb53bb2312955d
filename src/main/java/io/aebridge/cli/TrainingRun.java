package io.aebridge.cli;

import io.aebridge.export.ModelCard;
import io.aebridge.export.SavedModelExporter;
import io.aebridge.graph.ModelWeights;
import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.train.ProgressListener;
import io.aebridge.train.TrainedModel;
import io.aebridge.train.Trainer;
import io.aebridge.train.TrainingCancelledException;
import io.aebridge.train.TrainingData;
import io.aebridge.train.TrainingHistory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Train → export with a model card, as one job. Ctrl-C (SIGINT/SIGTERM) cancels training after the current step;
 * the export only starts once training has finished, and is atomic, so an interrupted run leaves no version behind.
 */
final class TrainingRun {
  /** Where the model landed and how training went. */
  record Outcome(Path directory, long version, TrainingHistory history, String loss) {}

  private TrainingRun() {}

  /**
   * Weights to start from instead of fresh ones, and where they came from (recorded in the model card's
   * {@code data.initialWeights}).
   */
  record Start(ModelWeights weights, Map<String, String> source) {}

  static Outcome trainAndExport(AutoencoderSpec spec, TrainingData data, Path modelsRoot, ProgressListener progress)
      throws IOException {
    return trainAndExport(spec, data, modelsRoot, progress, null);
  }

  static Outcome trainAndExport(AutoencoderSpec spec, TrainingData data, Path modelsRoot, ProgressListener progress,
      Start start) throws IOException {
    Trainer trainer = new Trainer();
    CountDownLatch finished = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      trainer.cancel();
      try {
        // Let the training thread close its native handles before the JVM goes.
        finished.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "aebridge-cancel-training");
    Runtime.getRuntime().addShutdownHook(hook);
    try (TrainedModel model = trainer.train(spec, data, progress, start == null ? null : start.weights())) {
      ModelCard card = ModelCard.create(spec, model.loss().jsonName(), model.weights().parameterCount(),
          model.history(), data.inputs());
      if (start != null) {
        card = card.withData("initialWeights", start.source());
      }
      SavedModelExporter.Exported exported =
          SavedModelExporter.export(modelsRoot, spec, model.weights(), card);
      return new Outcome(exported.directory(), exported.version(), model.history(), model.loss().jsonName());
    } catch (TrainingCancelledException e) {
      // Said here, before the hook is released: once it returns the JVM may halt before any later handler runs.
      System.err.println(e.getMessage());
      throw e;
    } finally {
      finished.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // The JVM is already exiting (Ctrl-C): the hook is running and has been released above.
      }
    }
  }


}
