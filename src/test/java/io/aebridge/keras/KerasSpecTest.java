package io.aebridge.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aebridge.data.Dataset;
import io.aebridge.data.NpyFiles;
import io.aebridge.export.ModelCard;
import io.aebridge.export.SavedModelExporter;
import io.aebridge.graph.ModelWeights;
import io.aebridge.load.HostTensor;
import io.aebridge.load.LoadedModel;
import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.spec.ConvSpec;
import io.aebridge.spec.DecoderMode;
import io.aebridge.spec.ModelKind;
import io.aebridge.spec.TrainingSpec;
import io.aebridge.train.ProgressListener;
import io.aebridge.train.TrainedModel;
import io.aebridge.train.Trainer;
import io.aebridge.train.TrainingData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code train --from}: reference Keras files mapped onto specs, trained one epoch by the usual trainer from their
 * weights. The loss of the first step (computed before the step changes anything) must equal the loss of Keras'
 * own outputs on the same batch (the goldens Python wrote), which holds only if every weight was carried over;
 * the trained model is then exported and loaded back. Python loading that export is checked by
 * tests/e2e/40-keras-import.sh.
 */
class KerasSpecTest {
  /** Keras' BCE clips probabilities to [ε, 1−ε]; the trainer works from logits. Both are float32 means. */
  private static final float KERAS_EPSILON = 1e-7f;

  @TempDir
  Path models;

  @ParameterizedTest(name = "{0}.{1}")
  @CsvSource({"demo, keras", "demo, h5", "deep, keras", "deep, h5", "sparse, keras", "sparse, h5",
      "contractive, keras", "contractive, h5", "denoising, keras", "denoising, h5", "conv, keras", "conv, h5"})
  void firstStepLossIsKerasLossThenTrainsAndExports(String model, String format) throws Exception {
    Path file = KerasZoo.fixtures().resolve(model + "." + format);
    Path goldens = KerasZoo.goldens(file);
    KerasSpec keras = KerasSpec.read(file, model + "-" + format);
    AutoencoderSpec spec = keras.spec();
    assertEquals(model.equals("denoising") || model.equals("conv") ? ModelKind.CONVOLUTIONAL
        : model.equals("sparse") ? ModelKind.SPARSE : ModelKind.DENSE, spec.kind());
    assertEquals(format, keras.source().get("format"));

    NpyFiles.NpyArray x = NpyFiles.readFloatArray(goldens.resolve("input_0.npy"));
    NpyFiles.NpyArray kerasOut = NpyFiles.readFloatArray(goldens.resolve("output_0.npy"));
    int n = (int) x.shape()[0];
    Dataset batch = spec.kind() == ModelKind.CONVOLUTIONAL
        ? new Dataset(x.data(), n, spec.height(), spec.width(), spec.channels(), null, "goldens")
        : Dataset.ofVectors(x.data(), n, spec.inputSize(), "goldens");
    double want = bce(kerasOut.data(), x.data());
    if (spec.sparsity() != null) {
      float[] code = NpyFiles.readFloatArray(goldens.resolve("encode__output.npy")).data();
      double sum = 0;
      for (float c : code) {
        sum += Math.abs(c);
      }
      want += spec.sparsity().l1() * sum / n;
    }

    // One epoch, one batch of all the samples: the first step's loss is the loss of the starting weights.
    spec = spec.toBuilder().training(new TrainingSpec(TrainingSpec.defaults().optimizer(), 1e-3, 1, n, 0, 7, 0))
        .build();
    List<Double> firstLoss = new ArrayList<>();
    ProgressListener listener = new ProgressListener() {
      @Override
      public void onBatch(int epoch, int b, int batches, double runningLoss, double elapsedSeconds) {
        firstLoss.add(runningLoss);
      }
    };
    ModelWeights initial = weights(keras);
    try (TrainedModel trained = new Trainer().train(spec, TrainingData.autoencoding(batch, null), listener,
        initial)) {
      assertEquals(1, firstLoss.size());
      assertEquals(want, firstLoss.get(0), 1e-5 * Math.max(1, want),
          "first-step loss (Java, from the file's weights) vs Keras' loss on the same batch");

      ModelWeights after = trained.weights();
      assertEquals(initial.byName().keySet(), after.byName().keySet());
      assertTrue(changed(initial, after), "one Adam step changes the weights");

      float[] javaOut = trained.reconstruct(batch);
      ModelCard card = ModelCard.create(spec, trained.loss().jsonName(), after.parameterCount(), trained.history(),
          batch).withData("initialWeights", keras.source());
      SavedModelExporter.Exported exported = SavedModelExporter.export(models, spec, after, card);
      try (LoadedModel loaded = LoadedModel.load(exported.directory())) {
        long[] shape = spec.kind() == ModelKind.CONVOLUTIONAL
            ? new long[] {n, spec.height(), spec.width(), spec.channels()} : new long[] {n, spec.inputSize()};
        Map<String, HostTensor> out = loaded.run("serving_default", Map.of("x", HostTensor.ofFloats(shape,
            x.data())));
        float[] got = out.values().iterator().next().floats();
        double worst = 0;
        for (int i = 0; i < got.length; i++) {
          worst = Math.max(worst, Math.abs(got[i] - javaOut[i]));
        }
        assertTrue(worst <= 1e-5, "exported SavedModel vs the trained model in memory: " + worst);
      }
    }
  }

  @Test
  void mapsTheReferenceArchitectures() throws Exception {
    AutoencoderSpec deep = KerasSpec.read(KerasZoo.fixtures().resolve("deep.keras"), "deep").spec();
    assertEquals(List.of(128, 64), deep.encoderLayers());
    assertEquals(List.of(64, 128), deep.resolvedDecoderLayers());
    assertEquals(32, deep.codeSize());
    AutoencoderSpec sparse = KerasSpec.read(KerasZoo.fixtures().resolve("sparse.h5"), "sparse").spec();
    assertEquals(1e-4, sparse.sparsity().l1(), 1e-9);
    KerasSpec denoising = KerasSpec.read(KerasZoo.fixtures().resolve("denoising.keras"), "denoising");
    assertEquals(List.of(32, 32), denoising.spec().conv().filters());
    assertEquals(List.of(7, 7, 32), denoising.spec().codeShape());
    assertEquals(List.of("encoder_conv0_kernel", "encoder_conv0_bias", "decoder_stage0_kernel",
        "decoder_stage0_bias", "encoder_conv1_kernel", "encoder_conv1_bias", "decoder_stage1_kernel",
        "decoder_stage1_bias", "decoder_output_kernel", "decoder_output_bias"),
        new ArrayList<>(denoising.weights().keySet()));
  }

  /**
   * Before any training, the spec's graph holding the mapped weights computes Keras' own outputs, every signature:
   * for the tutorial's conv model this is where its {@code valid} decoder convolution meets the spec's same
   * convolution and centre crop (shapes and values).
   */
  @ParameterizedTest(name = "{0}.{1}")
  @CsvSource({"conv, keras", "conv, h5", "denoising, keras", "denoising, h5", "deep, keras", "deep, h5"})
  void mappedSpecComputesKerasOutputsEverySignature(String model, String format) throws Exception {
    Path file = KerasZoo.fixtures().resolve(model + "." + format);
    Path goldens = KerasZoo.goldens(file);
    KerasSpec keras = KerasSpec.read(file, model);
    Path dir = models.resolve("untrained");
    SavedModelExporter.writeSavedModel(dir, keras.spec(), weights(keras));
    Map<String, String[]> cases = Map.of(
        "serving_default", new String[] {"x", "input_0.npy", "output_0.npy"},
        "encode", new String[] {"x", "input_0.npy", "encode__output.npy"},
        "decode", new String[] {"code", "code.npy", "decode__output.npy"});
    try (LoadedModel loaded = LoadedModel.load(dir)) {
      for (Map.Entry<String, String[]> c : cases.entrySet()) {
        NpyFiles.NpyArray in = NpyFiles.readFloatArray(goldens.resolve(c.getValue()[1]));
        NpyFiles.NpyArray want = NpyFiles.readFloatArray(goldens.resolve(c.getValue()[2]));
        HostTensor got = loaded.run(c.getKey(), Map.of(c.getValue()[0], HostTensor.ofFloats(in.shape(), in.data())))
            .values().iterator().next();
        assertArrayEquals(want.shape(), got.shape(), c.getKey() + " shape");
        float[] g = got.floats();
        double worst = 0;
        for (int i = 0; i < g.length; i++) {
          worst = Math.max(worst, Math.abs(g[i] - want.data()[i]));
        }
        assertTrue(worst <= KerasZoo.TOLERANCE, model + "." + format + " " + c.getKey() + ": " + worst);
      }
    }
  }

  @Test
  void mapsTheTutorialConvModelsValidConvolutionOntoTheCrop() throws Exception {
    for (String format : List.of("keras", "h5")) {
      KerasSpec conv = KerasSpec.read(KerasZoo.fixtures().resolve("conv." + format), "conv");
      AutoencoderSpec spec = conv.spec();
      assertEquals(new ConvSpec(List.of(16, 8, 8), 3, 2, DecoderMode.UPSAMPLE), spec.conv());
      assertEquals(List.of(4, 4, 8), spec.codeShape());
      assertEquals(List.of(28, 28, 1), List.of(spec.height(), spec.width(), spec.channels()));
      // The valid Conv16 is the spec's last decoder stage: same kernel shape, its map cropped instead.
      assertArrayEquals(new long[] {3, 3, 8, 16}, conv.weights().get("decoder_stage2_kernel").shape());
      assertArrayEquals(new long[] {3, 3, 16, 1}, conv.weights().get("decoder_output_kernel").shape());
      assertEquals(14, conv.weights().size());
    }
  }

  @Test
  void refusesValidDecoderConvolutionsThatAreNotTheCrop() throws Exception {
    KerasImportException early = assertThrows(KerasImportException.class,
        () -> KerasSpec.read(KerasZoo.zoo().resolve("conv_valid_early.keras"), "early"));
    assertTrue(early.getMessage().contains("cannot train from this model: layer 'decoder_conv1' (class Conv2D) uses "
        + "padding 'valid' in decoder stage 1 of 3; a 'valid' decoder convolution maps onto the spec only in the "
        + "last Conv2D + UpSampling2D stage, where it is the spec's centre crop"), early.getMessage());
    KerasImportException offsize = assertThrows(KerasImportException.class,
        () -> KerasSpec.read(KerasZoo.zoo().resolve("conv_valid_offsize.keras"), "offsize"));
    assertTrue(offsize.getMessage().contains("layer 'decoder_conv2' (class Conv2D) uses padding 'valid': its 3×3 "
        + "kernel trims the 16×16 map to 14×14, which UpSampling2D(2) grows to 28×28, not the input's 32×32"),
        offsize.getMessage());
    // Both are ordinary Keras models: the importer serves them.
    KerasModel.read(KerasZoo.zoo().resolve("conv_valid_offsize.keras")).close();
  }

  @Test
  void trainerRefusesWeightsOfAnotherArchitecture() throws Exception {
    KerasSpec deep = KerasSpec.read(KerasZoo.fixtures().resolve("deep.h5"), "deep");
    AutoencoderSpec other = deep.spec().toBuilder().encoderLayers(128).build();
    Dataset data = Dataset.ofVectors(new float[784 * 2], 2, 784, "zeros");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Trainer()
        .train(other, TrainingData.autoencoding(data, null), ProgressListener.NONE, weights(deep)).close());
    assertTrue(e.getMessage().contains("encoder_code_kernel"), e.getMessage());
  }

  private static ModelWeights weights(KerasSpec keras) {
    Map<String, ModelWeights.Tensor> m = new LinkedHashMap<>();
    keras.weights().forEach((k, v) -> m.put(k, new ModelWeights.Tensor(v.shape(), v.floats())));
    return new ModelWeights(m);
  }

  private static boolean changed(ModelWeights a, ModelWeights b) {
    for (String k : a.byName().keySet()) {
      float[] x = a.get(k).values();
      float[] y = b.get(k).values();
      for (int i = 0; i < x.length; i++) {
        if (x[i] != y[i]) {
          return true;
        }
      }
    }
    return false;
  }

  /** Keras' binary cross-entropy of probabilities {@code p} against {@code y}, averaged over every value. */
  private static double bce(float[] p, float[] y) {
    double sum = 0;
    for (int i = 0; i < p.length; i++) {
      float q = Math.min(Math.max(p[i], KERAS_EPSILON), 1 - KERAS_EPSILON);
      sum += -(y[i] * Math.log(q) + (1 - y[i]) * Math.log(1 - q));
    }
    return sum / p.length;
  }
}
