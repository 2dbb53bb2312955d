package io.aebridge.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aebridge.ProjectPaths;
import io.aebridge.data.Dataset;
import io.aebridge.data.Mnist;
import io.aebridge.spec.Activation;
import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.spec.ContractiveSpec;
import io.aebridge.spec.CorruptionSpec;
import io.aebridge.spec.SparsitySpec;
import io.aebridge.spec.TrainingSpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Each penalty does what it claims, measured against the same model trained without it on real MNIST digits
 * (2,000 train / 500 held-out; a few epochs, so the margins are smaller than in the full quality run).
 */
@Tag("slow")
class PenaltyEffectTest {
  static Dataset train;
  static Dataset heldOut;

  @BeforeAll
  static void mnist() throws Exception {
    Mnist.Split split = Mnist.load(ProjectPaths.root());
    train = split.train().head(2000);
    heldOut = split.test().head(500);
  }

  private static AutoencoderSpec.Builder base(String name, int code, Activation codeActivation) {
    return AutoencoderSpec.builder(name).codeSize(code).codeActivation(codeActivation)
        .training(TrainingSpec.defaults().withEpochs(8).withBatchSize(128));
  }

  private static TrainedModel fit(AutoencoderSpec spec) {
    return new Trainer().train(spec, TrainingData.autoencoding(train, null), ProgressListener.NONE);
  }

  @Test
  void shortTrainingOnAnMnistSubsetLowersTheHeldOutLoss() {
    AutoencoderSpec spec = base("mnist", 32, Activation.RELU).build();
    try (TrainedModel m = new Trainer().train(spec, TrainingData.autoencoding(train, heldOut), ProgressListener.NONE)) {
      var epochs = m.history().epochs();
      assertTrue(epochs.get(epochs.size() - 1).valLoss() < 0.8 * epochs.get(0).valLoss(), "val_loss " + epochs);
      assertTrue(epochs.get(epochs.size() - 1).valLoss() < 0.3, "held-out BCE after 8 epochs " + epochs);
    }
  }

  @Test
  void l1SparsityLowersTheMeanCodeActivation() {
    double plain;
    double sparse;
    try (TrainedModel m = fit(base("plain", 32, Activation.RELU).build())) {
      plain = meanAbs(m.encode(heldOut));
    }
    try (TrainedModel m = fit(base("sparse", 32, Activation.RELU).sparse(SparsitySpec.l1(1e-3)).build())) {
      sparse = meanAbs(m.encode(heldOut));
    }
    assertTrue(sparse < 0.7 * plain, "mean |code| sparse " + sparse + " vs plain " + plain);
  }

  @Test
  void klSparsityPullsTheMeanActivationTowardsTheTarget() {
    double plain;
    double sparse;
    try (TrainedModel m = fit(base("plain-sigmoid", 32, Activation.SIGMOID).build())) {
      plain = meanAbs(m.encode(heldOut));
    }
    try (TrainedModel m = fit(base("kl", 32, Activation.SIGMOID).sparse(SparsitySpec.kl(0.05, 3)).build())) {
      sparse = meanAbs(m.encode(heldOut));
    }
    assertTrue(Math.abs(sparse - 0.05) < Math.abs(plain - 0.05) / 2,
        "mean activation with KL(0.05) " + sparse + " vs without " + plain);
  }

  @Test
  void contractivePenaltyLowersTheJacobianNorm() {
    double plain;
    double contractive;
    try (TrainedModel m = fit(base("plain64", 64, Activation.SIGMOID).build())) {
      plain = meanJacobianNorm(m);
    }
    try (TrainedModel m = fit(base("cae", 64, Activation.SIGMOID).contractive(new ContractiveSpec(0.3)).build())) {
      contractive = meanJacobianNorm(m);
    }
    assertTrue(contractive < 0.85 * plain, "mean ‖J‖_F contractive " + contractive + " vs plain " + plain);
  }

  @Test
  void denoisingModelCleansNoisyDigits() {
    CorruptionSpec noise = CorruptionSpec.gaussian(0.5);
    float[] noisy = heldOut.values().clone();
    new Corruptor(noise, 0f, 1f, 99).apply(noisy, noisy.length);
    Dataset noisyHeldOut = new Dataset(noisy, heldOut.count(), 28, 28, 1, null, "noisy held-out");
    try (TrainedModel m = fit(base("denoise", 64, Activation.RELU).encoderLayers(256).corruption(noise).build())) {
      double before = mse(noisy, heldOut.values());
      double after = mse(m.reconstruct(noisyHeldOut), heldOut.values());
      assertTrue(after < 0.5 * before, "MSE to clean: denoised " + after + " vs noisy input " + before);
    }
  }

  private static double meanAbs(float[] values) {
    double sum = 0;
    for (float v : values) {
      sum += Math.abs(v);
    }
    return sum / values.length;
  }

  private static double mse(float[] a, float[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += (a[i] - b[i]) * (double) (a[i] - b[i]);
    }
    return sum / a.length;
  }

  /** Mean over held-out samples of ‖∂h/∂x‖_F for a one-layer sigmoid code, from the trained weights. */
  private static double meanJacobianNorm(TrainedModel m) {
    float[] kernel = m.weights().get("encoder_code_kernel").values();
    int code = m.spec().codeSize();
    double[] columnNorms = new double[code];
    for (int i = 0; i < kernel.length; i++) {
      columnNorms[i % code] += kernel[i] * (double) kernel[i];
    }
    float[] h = m.encode(heldOut);
    double total = 0;
    for (int n = 0; n < heldOut.count(); n++) {
      double squared = 0;
      for (int j = 0; j < code; j++) {
        double gain = h[n * code + j] * (1.0 - h[n * code + j]);
        squared += gain * gain * columnNorms[j];
      }
      total += Math.sqrt(squared);
    }
    return total / heldOut.count();
  }
}
