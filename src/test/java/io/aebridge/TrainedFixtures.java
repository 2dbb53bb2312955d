package io.aebridge;

import io.aebridge.data.Dataset;
import io.aebridge.export.ModelCard;
import io.aebridge.export.SavedModelExporter;
import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.spec.ConvSpec;
import io.aebridge.spec.TrainingSpec;
import io.aebridge.train.ProgressListener;
import io.aebridge.train.TrainedModel;
import io.aebridge.train.Trainer;
import io.aebridge.train.TrainingData;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/** Small models trained for a step or two on synthetic data, for tests that need real SavedModels. */
public final class TrainedFixtures {
  private TrainedFixtures() {}

  public static final Dataset BARS = TestData.bars(256, 28, 1, 5);

  public static AutoencoderSpec dense(String name) {
    return AutoencoderSpec.builder(name).codeSize(8)
        .training(TrainingSpec.defaults().withEpochs(1).withBatchSize(64)).build();
  }

  public static AutoencoderSpec conv(String name) {
    return AutoencoderSpec.builder(name).convolutional(ConvSpec.tutorial())
        .training(TrainingSpec.defaults().withEpochs(1).withBatchSize(64)).build();
  }

  public static TrainedModel train(AutoencoderSpec spec) {
    return new Trainer().train(spec, TrainingData.autoencoding(BARS, null), ProgressListener.NONE);
  }

  /** A minimal card; real exports fill every field. */
  public static ModelCard card(TrainedModel model) {
    return new ModelCard(ModelCard.SCHEMA_VERSION, model.spec().name(), Instant.now().toString(), null,
        model.loss().jsonName(), model.weights().parameterCount(), null, Map.of("source", BARS.source()), null,
        Map.of(), Map.of());
  }

  /** Trains {@code spec} briefly and exports it under {@code root}; returns the version folder. */
  public static Path exported(Path root, AutoencoderSpec spec) throws IOException {
    try (TrainedModel model = train(spec)) {
      return SavedModelExporter.export(root, spec, model.weights(), card(model)).directory();
    }
  }
}
