package io.aebridge.demo;

import io.aebridge.train.TrainedModel;
import io.aebridge.train.TrainingHistory;
import java.util.Map;

/** Pieces every demo shares: figures about training, picks of samples for pictures. Stateless. */
final class DemoRuns {
  private DemoRuns() {}

  /**
   * Adds the split's sizes, epochs, the final losses and the steady training speed. The held-out loss is the
   * validation set's, which only the learning curve uses; the report's other figures come from the test set.
   */
  static void trainingFigures(Map<String, Object> figures, TrainedModel model, int trainSamples, int validation,
      int test) {
    TrainingHistory h = model.history();
    figures.put("training samples", trainSamples);
    figures.put("validation samples (val_loss only)", validation);
    figures.put("test samples (the figures above)", test);
    figures.put("epochs", h.epochs().size());
    figures.put("final training loss (" + h.loss() + ")", h.last().loss());
    if (h.last().hasValidation()) {
      figures.put("final validation loss (" + h.loss() + ")", h.last().valLoss());
    }
    figures.put("training seconds", h.epochs().stream().mapToDouble(e -> e.seconds()).sum());
    figures.put("training samples/s (steady)", h.steadySamplesPerSecond());
  }

  /**
   * {@code evaluation} (an object) with {@code examples}: the picked held-out inputs as base64 PNGs, for the web
   * page's gallery to offer as "pick a held-out example".
   */
  static com.fasterxml.jackson.databind.node.ObjectNode withExamples(com.fasterxml.jackson.databind.JsonNode evaluation,
      float[] values, int h, int w, int c, int[] picks) throws java.io.IOException {
    var node = (com.fasterxml.jackson.databind.node.ObjectNode) evaluation;
    var array = node.has("examples") ? (com.fasterxml.jackson.databind.node.ArrayNode) node.get("examples")
        : node.putArray("examples");
    int size = h * w * c;
    for (int p : picks) {
      float[] one = new float[size];
      System.arraycopy(values, p * size, one, 0, size);
      array.add(java.util.Base64.getEncoder().encodeToString(Pictures.png(one, h, w, c)));
    }
    return node;
  }

  /** {@code n} sample indices spread evenly over {@code count}. */
  static int[] spread(int count, int n) {
    int[] picks = new int[Math.min(n, count)];
    for (int i = 0; i < picks.length; i++) {
      picks[i] = (int) ((long) i * count / picks.length);
    }
    return picks;
  }

  /** The samples at {@code picks}, concatenated. */
  static float[] pick(float[] values, int size, int[] picks) {
    float[] out = new float[picks.length * size];
    for (int i = 0; i < picks.length; i++) {
      System.arraycopy(values, picks[i] * size, out, i * size, size);
    }
    return out;
  }
}
