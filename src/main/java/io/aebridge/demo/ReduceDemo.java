package io.aebridge.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aebridge.data.Dataset;
import io.aebridge.evaluate.Figures;
import io.aebridge.evaluate.Pca;
import io.aebridge.export.ModelCard;
import io.aebridge.spec.Activation;
import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.spec.TrainingSpec;
import io.aebridge.train.TrainedModel;
import io.aebridge.train.TrainingData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Dimensionality reduction: a deep autoencoder with a 2-number linear code (784 → 256 → 64 → 2) against PCA with
 * 2 components; scatter plots of the held-out digits by label and the 5-nearest-neighbour accuracy in each 2-D map
 * (held-out points classified by the training points' labels). The model card keeps a sample of the held-out map
 * ({@code evaluation.map}) for the web page to place new points on.
 */
final class ReduceDemo implements Demo {
  static final String MODEL = "demo-reduce";
  static final int K = 5;
  static final int MAP_POINTS = 600;

  @Override
  public String name() {
    return "reduce";
  }

  @Override
  public String summary() {
    return "784 pixels → 2 numbers: a deep autoencoder's 2-D map of the digits vs PCA-2 (scatter, 5-NN accuracy)";
  }

  @Override
  public DemoResult run(DemoSettings settings) throws IOException {
    DemoData.Digits digits = DemoData.mnist(settings, 3000, 500);
    Dataset train = digits.train();
    Dataset test = digits.test();
    int epochs = settings.epochsOr(8, 40);
    AutoencoderSpec spec = AutoencoderSpec.builder(MODEL).encoderLayers(256, 64).codeSize(2)
        .codeActivation(Activation.LINEAR).training(TrainingSpec.defaults().withEpochs(epochs).withBatchSize(settings.sized(32, 128)))
        .build();
    TrainingData data = digits.autoencoding();
    try (TrainedModel model = DemoTraining.train(spec, data, settings)) {
      float[] aeTrain = model.encode(train);
      float[] aeTest = model.encode(test);
      Pca pca = Pca.fit(train, 2);
      float[] pcaTrain = pca.project(train);
      float[] pcaTest = pca.project(test);
      Classifiers.Score ae = Classifiers.knn(aeTrain, train.labels(), aeTest, test.labels(), 2, K);
      Classifiers.Score pc = Classifiers.knn(pcaTrain, train.labels(), pcaTest, test.labels(), 2, K);
      Map<String, Object> figures = new LinkedHashMap<>();
      figures.put("held-out 5-NN accuracy in 2-D, autoencoder code", ae.accuracy());
      figures.put("held-out 5-NN accuracy in 2-D, PCA-2", pc.accuracy());
      figures.put("PCA-2 explained variance ratio", pca.explainedVarianceRatio());
      DemoRuns.trainingFigures(figures, model, train.count(), digits.validation().count(), test.count());
      ObjectNode evaluation = (ObjectNode) ModelCard.toJson(figures);
      int points = Math.min(MAP_POINTS, test.count());
      var map = evaluation.putObject("map");
      map.put("what", "2-D codes of the first " + points + " held-out digits with their labels, for placing new "
          + "points");
      var xy = map.putArray("points");
      var labels = map.putArray("labels");
      for (int i = 0; i < points; i++) {
        xy.addArray().add(aeTest[2 * i]).add(aeTest[2 * i + 1]);
        labels.add(test.labels()[i]);
      }
      DemoRuns.withExamples(evaluation, test.values(), 28, 28, 1, DemoRuns.spread(test.count(), 10));
      Path dir = DemoTraining.export(model, data, settings, Map.of(), evaluation);
      Pictures.scatter(settings.out().resolve("map-autoencoder.png"), "Autoencoder code (2-D), held-out digits",
          aeTest, test.labels(), "code 1", "code 2");
      Pictures.scatter(settings.out().resolve("map-pca.png"), "PCA-2, held-out digits", pcaTest, test.labels(),
          "component 1", "component 2");
      Figures.lossCurve(settings.out().resolve("loss.png"), model.history());
      return new DemoResult(name(), "Dimensionality reduction: digits on a 2-D map",
          String.format(Locale.ROOT, "A deep autoencoder 784 → 256 → 64 → 2 (linear code) → 64 → 256 → 784 "
              + "(relu, sigmoid output, BCE, Adam) trained %d epochs on %d MNIST digits without labels, against "
              + "PCA with 2 components fitted on the same digits. Separation: each of %d held-out digits is "
              + "labelled by its %d nearest training digits in the 2-D map. %s", epochs, train.count(), test.count(),
              K, digits.splitSentence()),
          figures,
          List.of(DemoResult.Check.above("autoencoder 2-D 5-NN accuracy > PCA-2's", ae.accuracy(), pc.accuracy())),
          Map.of("map-autoencoder.png", "held-out digits in the autoencoder's 2-D code, coloured by label",
              "map-pca.png", "the same digits on PCA's first two components"),
          dir);
    }
  }
}
