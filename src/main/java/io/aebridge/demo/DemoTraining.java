package io.aebridge.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.aebridge.export.ModelCard;
import io.aebridge.export.SavedModelExporter;
import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.train.TrainedModel;
import io.aebridge.train.Trainer;
import io.aebridge.train.TrainingData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Trains a demo's model and exports it with a model card that names the data's origin. */
final class DemoTraining {
  private DemoTraining() {}

  /**
   * Trains {@code spec} on {@code data}.
   *
   * @return the trained model; the caller owns it and must close it
   */
  static TrainedModel train(AutoencoderSpec spec, TrainingData data, DemoSettings settings) {
    return new Trainer().train(spec, data, settings.progress());
  }

  /**
   * Exports {@code model} into {@code settings.models()} with a card whose {@code data} block also names the
   * fetched package ({@code provenance}) and whose {@code evaluation} holds the demo's figures.
   */
  static Path export(TrainedModel model, TrainingData data, DemoSettings settings, Map<String, Object> provenance,
      JsonNode evaluation) throws IOException {
    AutoencoderSpec spec = model.spec();
    ModelCard card = ModelCard.create(spec, model.loss().jsonName(), model.weights().parameterCount(),
        model.history(), data.inputs());
    Map<String, Object> dataBlock = new LinkedHashMap<>(card.data());
    dataBlock.putAll(provenance);
    card = new ModelCard(card.schemaVersion(), card.name(), card.createdAt(), card.spec(), card.loss(),
        card.parameterCount(), card.history(), dataBlock, evaluation, card.versions(), card.signatures());
    return SavedModelExporter.export(settings.models(), spec, model.weights(), card).directory();
  }
}
