package io.aebridge.evaluate;

import io.aebridge.spec.CorruptionSpec;
import java.util.List;
import java.util.Locale;

/**
 * Held-out figures of one autoencoder next to PCA with as many components as the code has values. Plain data:
 * serialisable with Jackson (it is the model card's {@code evaluation} field, see
 * {@code ModelCard.withEvaluation(ModelCard.toJson(report))}); a figure that was not computed is {@code NaN}, which
 * Jackson writes as the string {@code "NaN"} and reads back, and {@link #notes} says why.
 *
 * <p>All means are per value (pixel and channel) over the held-out set, so they compare with Keras's losses and
 * with Hinton &amp; Salakhutdinov's squared error per pixel.
 *
 * @param model the evaluated SavedModel's folder
 * @param heldOut source of the held-out data
 * @param heldOutSamples held-out samples
 * @param train source of the data PCA was fitted on
 * @param trainSamples samples PCA was fitted on
 * @param codeShape the code's shape per sample, from the {@code encode} signature's output
 * @param codeSize values per code: the product of {@code codeShape}
 * @param aeBce the autoencoder's mean binary cross-entropy per value (predictions clipped to [ε, 1−ε]); NaN when
 *     the held-out data is not in [0,1]
 * @param aeMse the autoencoder's mean squared error per value
 * @param pcaComponents PCA components k (the code size, unless a fitted PCA was given)
 * @param pcaExplainedVariance fraction of the training variance the k components explain
 * @param pcaBce PCA's mean BCE per value, its reconstructions clipped to [ε, 1−ε] for this figure only
 * @param pcaMse PCA's mean squared error per value, from unclipped reconstructions
 * @param mseRatio {@code aeMse / pcaMse}: below 1 when the autoencoder beats the linear baseline
 * @param meanCodeActivation {@code mean|h|} over held-out codes (Keras tutorial: 7.3 plain, 3.3 sparse)
 * @param jacobianFrobeniusNorm mean over samples of the exact {@code ‖∂h/∂x‖_F} of the encoder; NaN when skipped
 *     (convolutional input or more than {@link Evaluator#JACOBIAN_MAX_CODE_SIZE} code values)
 * @param jacobianSamples held-out samples the Jacobian norm was averaged over (0 when skipped)
 * @param denoising noisy and denoised errors, or {@code null} when no corruption applied
 * @param notes what was skipped or clipped, and why
 */
public record EvaluationReport(
    String model,
    String heldOut,
    int heldOutSamples,
    String train,
    int trainSamples,
    List<Integer> codeShape,
    int codeSize,
    double aeBce,
    double aeMse,
    int pcaComponents,
    double pcaExplainedVariance,
    double pcaBce,
    double pcaMse,
    double mseRatio,
    double meanCodeActivation,
    double jacobianFrobeniusNorm,
    int jacobianSamples,
    Denoising denoising,
    List<String> notes) {

  public EvaluationReport {
    codeShape = List.copyOf(codeShape);
    notes = notes == null ? List.of() : List.copyOf(notes);
  }

  /**
   * Denoising figures on the held-out set: the clean samples corrupted once with a seeded
   * {@link io.aebridge.train.Corruptor}, then reconstructed.
   *
   * @param corruption the corruption applied (the spec's, unless overridden)
   * @param seed the corruption's seed
   * @param noisyMse corrupted vs clean, per value: the error before the model
   * @param denoisedMse reconstruction of the corrupted input vs clean, per value
   */
  public record Denoising(CorruptionSpec corruption, long seed, double noisyMse, double denoisedMse) {}

  /** The report as an aligned console table. */
  public String toText() {
    StringBuilder b = new StringBuilder();
    b.append("Evaluation of ").append(model).append('\n');
    b.append("  held-out: ").append(heldOut).append(" (").append(heldOutSamples).append(" samples)\n");
    b.append("  PCA fitted on: ").append(train).append(" (").append(trainSamples).append(" samples)\n");
    b.append("  code shape ").append(codeShape).append(" = ").append(codeSize).append(" values\n\n");
    row(b, "metric", "autoencoder", "PCA (k=" + pcaComponents + ")");
    row(b, "-".repeat(30), "-".repeat(14), "-".repeat(14));
    row(b, "BCE per value", number(aeBce), number(pcaBce));
    row(b, "MSE per value", number(aeMse), number(pcaMse));
    row(b, "MSE ratio AE / PCA", number(mseRatio), "");
    row(b, "PCA explained variance", "", Double.isNaN(pcaExplainedVariance) ? "n/a"
        : String.format(Locale.ROOT, "%.1f%%", 100 * pcaExplainedVariance));
    row(b, "mean |code| activation", number(meanCodeActivation), "");
    row(b, "Jacobian ‖∂h/∂x‖_F, mean of " + jacobianSamples,
        Double.isNaN(jacobianFrobeniusNorm) ? "skipped" : number(jacobianFrobeniusNorm), "");
    if (denoising != null) {
      b.append("denoising, ").append(denoising.corruption().type().jsonName()).append(' ')
          .append(number(denoising.corruption().amount())).append(", seed ").append(denoising.seed()).append(":\n");
      row(b, "  noisy vs clean MSE", number(denoising.noisyMse()), "");
      row(b, "  denoised vs clean MSE", number(denoising.denoisedMse()), "");
    }
    if (!notes.isEmpty()) {
      b.append("notes:\n");
      for (String note : notes) {
        b.append("  - ").append(note).append('\n');
      }
    }
    return b.toString();
  }

  private static void row(StringBuilder b, String label, String first, String second) {
    b.append(String.format(Locale.ROOT, "%-30s %14s %14s", label, first, second).stripTrailing()).append('\n');
  }

  private static String number(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.5g", v);
  }
}
