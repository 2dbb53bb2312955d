package io.aebridge.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aebridge.TestData;
import io.aebridge.data.Dataset;
import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.spec.TrainingSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * Every per-step tensor and result is closed, and the training set's tensors with the training: the process's
 * resident memory stops growing once training has warmed up. The run (400 steps) is long enough to train with XLA,
 * whose compiled steps must not grow it either.
 */
@Tag("slow")
@EnabledOnOs(value = OS.LINUX, disabledReason = "reads resident memory from /proc/self/status")
class NativeMemoryTest {

  @Test
  void residentMemoryIsFlatAcrossEpochs() {
    Dataset data = TestData.bars(640, 28, 1, 21);
    AutoencoderSpec spec = AutoencoderSpec.builder("rss").codeSize(32)
        .training(TrainingSpec.defaults().withEpochs(40).withBatchSize(64)).build();
    List<Long> rss = new ArrayList<>();
    ProgressListener sampler = new ProgressListener() {
      @Override
      public void onEpoch(EpochStats stats, int epochs) {
        rss.add(residentKilobytes());
      }
    };
    try (TrainedModel model = new Trainer().train(spec, TrainingData.autoencoding(data, null), sampler)) {
      long warm = rss.get(9);
      long end = rss.get(rss.size() - 1);
      assertTrue(end - warm < 40_000, "resident memory grew " + (end - warm) + " kB over epochs 10–40: " + rss);
    }
  }

  private static long residentKilobytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("Cannot read /proc/self/status", e);
    }
    throw new IllegalStateException("No VmRSS line in /proc/self/status");
  }
}
