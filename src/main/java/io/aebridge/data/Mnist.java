package io.aebridge.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The project's MNIST digits: {@code data/mnist/{train,test}-{images,labels}.npy}, written once by
 * {@value #FETCH_SCRIPT} (8,000 train and 2,000 test digits of 28×28 in [0,1], labels 0–9).
 */
public final class Mnist {

  /** Where the NPY files live, relative to the project directory. */
  public static final String DATA_DIR = "data/mnist";

  /** The script that writes them, relative to the project directory. */
  public static final String FETCH_SCRIPT = "scripts/fetch-mnist.sh";

  private Mnist() {}

  /**
   * The train and test sets, each with labels.
   *
   * @param train the training digits
   * @param test the held-out digits
   */
  public record Split(Dataset train, Dataset test) {

    public Split {
      Objects.requireNonNull(train, "train");
      Objects.requireNonNull(test, "test");
    }
  }

  /**
   * Reads both sets from {@code projectDir/data/mnist}. Each dataset's source is its images file relative to
   * {@code projectDir} (e.g. {@code data/mnist/train-images.npy}), so model cards do not carry machine paths.
   *
   * @throws NoSuchFileException when a file is missing; the message names them and says to run
   *     {@value #FETCH_SCRIPT}
   * @throws DataFormatException when a file is not the NPY array expected, or the label count differs from the
   *     image count
   */
  public static Split load(Path projectDir) throws IOException {
    Path dir = projectDir.resolve(DATA_DIR);
    List<String> missing = new ArrayList<>();
    for (String set : List.of("train", "test")) {
      for (String part : List.of("images", "labels")) {
        if (!Files.isRegularFile(dir.resolve(file(set, part)))) {
          missing.add(file(set, part));
        }
      }
    }
    if (!missing.isEmpty()) {
      throw new NoSuchFileException(dir.toString(), null, "MNIST files missing (" + String.join(", ", missing)
          + "); run " + FETCH_SCRIPT + " in " + projectDir + " to fetch them through npm");
    }
    return new Split(load(projectDir, "train"), load(projectDir, "test"));
  }

  private static Dataset load(Path projectDir, String set) throws IOException {
    Path dir = projectDir.resolve(DATA_DIR);
    Dataset images = NpyFiles.readImages(dir.resolve(file(set, "images")));
    Path labelsFile = dir.resolve(file(set, "labels"));
    int[] labels = NpyFiles.readLabels(labelsFile);
    if (labels.length != images.count()) {
      throw new DataFormatException(labelsFile, "header", images.count() + " labels, one per image in "
          + file(set, "images"), Integer.toString(labels.length));
    }
    return new Dataset(images.values(), images.count(), images.height(), images.width(), images.channels(), labels,
        DATA_DIR + "/" + file(set, "images"));
  }

  private static String file(String set, String part) {
    return set + "-" + part + ".npy";
  }
}
