package io.aebridge.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aebridge.TestData;
import io.aebridge.data.Dataset;
import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.spec.LossKind;
import io.aebridge.spec.OptimizerKind;
import io.aebridge.spec.TrainingSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainerTest {
  private static final Dataset BARS = TestData.bars(384, 28, 1, 11);

  private static AutoencoderSpec spec(int epochs) {
    return AutoencoderSpec.builder("t").codeSize(16)
        .training(TrainingSpec.defaults().withEpochs(epochs).withBatchSize(64)).build();
  }

  @Test
  void lossFallsAndHistoryIsRecorded() {
    try (TrainedModel model = new Trainer().train(spec(5), TrainingData.autoencoding(BARS, null), ProgressListener.NONE)) {
      List<EpochStats> epochs = model.history().epochs();
      assertEquals(5, epochs.size());
      assertTrue(epochs.get(4).loss() < 0.7 * epochs.get(0).loss(), "loss " + epochs);
      assertEquals(LossKind.BCE, model.loss(), "auto picks BCE for data in [0,1]");
      assertEquals("bce", model.history().loss());
      assertTrue(epochs.get(0).samplesPerSecond() > 0);
      assertFalse(epochs.get(0).hasValidation());
    }
  }

  @Test
  void sameSeedGivesSameLossesAndWeightsAndAnotherSeedDoesNot() {
    float[] first;
    List<Double> firstLosses;
    try (TrainedModel a = new Trainer().train(spec(2), TrainingData.autoencoding(BARS, null), ProgressListener.NONE)) {
      first = a.weights().get("encoder_code_kernel").values();
      firstLosses = a.history().epochs().stream().map(EpochStats::loss).toList();
    }
    // Repeated, because an unordered optimizer update once made equal seeds differ only now and then.
    for (int repeat = 0; repeat < 3; repeat++) {
      try (TrainedModel b = new Trainer().train(spec(2), TrainingData.autoencoding(BARS, null), ProgressListener.NONE)) {
        assertArrayEquals(first, b.weights().get("encoder_code_kernel").values(), "repeat " + repeat);
        assertEquals(firstLosses, b.history().epochs().stream().map(EpochStats::loss).toList());
      }
    }
    AutoencoderSpec other = spec(2).toBuilder().training(spec(2).training().withSeed(7)).build();
    try (TrainedModel c = new Trainer().train(other, TrainingData.autoencoding(BARS, null), ProgressListener.NONE)) {
      assertFalse(java.util.Arrays.equals(first, c.weights().get("encoder_code_kernel").values()));
    }
  }

  @Test
  void xlaTrainingIsDeterministicAndMatchesTheUncompiledTraining() {
    float[] first;
    List<Double> xlaLosses;
    try (TrainedModel a = new Trainer(true).train(spec(2), TrainingData.autoencoding(BARS, null),
        ProgressListener.NONE)) {
      first = a.weights().get("encoder_code_kernel").values();
      xlaLosses = a.history().epochs().stream().map(EpochStats::loss).toList();
    }
    try (TrainedModel b = new Trainer(true).train(spec(2), TrainingData.autoencoding(BARS, null),
        ProgressListener.NONE)) {
      assertArrayEquals(first, b.weights().get("encoder_code_kernel").values());
    }
    // Same math: XLA fuses the element-wise ops and may round differently, never by more than float noise.
    try (TrainedModel c = new Trainer(false).train(spec(2), TrainingData.autoencoding(BARS, null),
        ProgressListener.NONE)) {
      List<Double> plain = c.history().epochs().stream().map(EpochStats::loss).toList();
      for (int i = 0; i < plain.size(); i++) {
        assertEquals(plain.get(i), xlaLosses.get(i), 1e-4 * plain.get(i), "epoch " + (i + 1));
      }
    }
  }

  @Test
  void xlaIsForLongDenseRunsOnly() {
    Trainer trainer = new Trainer();
    AutoencoderSpec dense = spec(1).toBuilder()
        .training(TrainingSpec.defaults().withEpochs(50).withBatchSize(256)).build();
    assertTrue(trainer.usesXla(dense, 8000), "50 epochs × 32 batches");
    assertFalse(trainer.usesXla(dense.toBuilder().training(dense.training().withEpochs(3)).build(), 8000));
    AutoencoderSpec conv = dense.toBuilder().convolutional(io.aebridge.spec.ConvSpec.tutorial()).build();
    assertFalse(trainer.usesXla(conv, 8000), "XLA's CPU convolutions are far slower than oneDNN's");
  }

  @Test
  void nanInTheDataStopsTrainingWithEpochBatchAndAHint() {
    float[] values = BARS.values().clone();
    values[100 * 784 + 5] = Float.NaN;
    Dataset broken = new Dataset(values, BARS.count(), 28, 28, 1, null, "broken");
    AutoencoderSpec mse = spec(1).toBuilder().loss(LossKind.MSE).build();
    TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
        () -> new Trainer().train(mse, TrainingData.autoencoding(broken, null), ProgressListener.NONE));
    assertEquals(1, e.epoch());
    assertTrue(e.batch() >= 1 && e.batch() <= 6);
    assertTrue(e.getMessage().contains("learning rate") && e.getMessage().contains("NaN"), e.getMessage());
  }

  @Test
  void cancelStopsAfterTheCurrentStep() {
    Trainer trainer = new Trainer();
    ProgressListener cancelOnThirdBatch = new ProgressListener() {
      @Override
      public void onBatch(int epoch, int batch, int batches, double loss, double seconds) {
        if (batch == 3) {
          trainer.cancel();
        }
      }
    };
    TrainingCancelledException e = assertThrows(TrainingCancelledException.class,
        () -> trainer.train(spec(3), TrainingData.autoencoding(BARS, null), cancelOnThirdBatch));
    assertTrue(e.getMessage().contains("epoch 1, batch 4"), e.getMessage());
  }

  @Test
  void validationSplitGivesValLossAndEarlyStoppingEndsAPlateau() {
    // SGD with a vanishing step cannot improve val_loss, so patience 2 stops at epoch 3 of 10.
    TrainingSpec frozen = new TrainingSpec(OptimizerKind.SGD, 1e-30, 10, 64, 0.25, 1, 2);
    AutoencoderSpec s = spec(1).toBuilder().training(frozen).build();
    try (TrainedModel model = new Trainer().train(s, TrainingData.autoencoding(BARS, null), ProgressListener.NONE)) {
      TrainingHistory h = model.history();
      assertTrue(h.stoppedEarly());
      assertEquals(3, h.epochs().size());
      assertEquals(96, h.validationSamples());
      assertEquals(288, h.trainSamples());
      assertTrue(h.last().hasValidation() && h.last().valLoss() > 0);
    }
  }

  @Test
  void pairedTrainingLearnsAMappingToADifferentTarget() {
    float[] inverted = BARS.values().clone();
    for (int i = 0; i < inverted.length; i++) {
      inverted[i] = 1f - inverted[i];
    }
    Dataset targets = new Dataset(inverted, BARS.count(), 28, 28, 1, null, "inverted bars");
    TrainingData paired = new TrainingData(BARS, targets, null, null);
    try (TrainedModel model = new Trainer().train(spec(6), paired, ProgressListener.NONE)) {
      float[] out = model.reconstruct(BARS.head(8));
      double toTarget = 0;
      double toInput = 0;
      for (int i = 0; i < out.length; i++) {
        toTarget += Math.abs(out[i] - inverted[i]);
        toInput += Math.abs(out[i] - BARS.values()[i]);
      }
      assertTrue(toTarget < 0.5 * toInput, "output nearer the target than the input: " + toTarget + " vs " + toInput);
    }
  }

  @Test
  void mismatchedDataIsRejectedBeforeTraining() {
    Dataset wrong = TestData.bars(10, 20, 1, 1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Trainer().train(spec(1), TrainingData.autoencoding(wrong, null), ProgressListener.NONE));
    assertTrue(e.getMessage().contains("28×28×1") && e.getMessage().contains("20×20×1"), e.getMessage());
    IllegalArgumentException pairs = assertThrows(IllegalArgumentException.class,
        () -> new TrainingData(BARS, BARS.head(10), null, null));
    assertTrue(pairs.getMessage().contains("384 inputs") && pairs.getMessage().contains("10 targets"));
    Dataset outside = new Dataset(new float[784 * 2], 2, 28, 28, 1, null, "negative");
    java.util.Arrays.fill(outside.values(), -3f);
    AutoencoderSpec bce = spec(1).toBuilder().loss(LossKind.BCE).build();
    IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
        () -> new Trainer().train(bce, TrainingData.autoencoding(outside, null), ProgressListener.NONE));
    assertTrue(range.getMessage().contains("[-3.0, -3.0]"), range.getMessage());
  }

  @Test
  void closedModelRefusesUse() {
    TrainedModel model = new Trainer().train(spec(1), TrainingData.autoencoding(BARS.head(64), null),
        ProgressListener.NONE);
    model.close();
    model.close();
    IllegalStateException e = assertThrows(IllegalStateException.class, model::weights);
    assertTrue(e.getMessage().contains("closed"));
    assertNotEquals(0, model.spec().codeSize());
  }
}
