package io.aebridge.cli;

import io.aebridge.load.LoadedModel;
import io.aebridge.load.ModelLayout;
import io.aebridge.load.SignatureInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "inspect",
    description = {
        "Print every signature of a SavedModel (keys, input/output names, dtypes, shapes) in the layout of "
            + "`saved_model_cli show --all`, and its model card when it has one. Works on any SavedModel, Java- "
            + "or Python-made.",
        "",
        "Examples:",
        "  aebridge inspect saved-models/dense-784-32        # the latest version",
        "  aebridge inspect saved-models/dense-784-32/1"})
final class InspectCommand implements Callable<Integer> {
  @Parameters(paramLabel = "DIR", description = "A version folder, or a model folder (its latest version is used).")
  Path dir;

  @Override
  public Integer call() throws Exception {
    Path version = resolveVersion(dir);
    System.out.println("SavedModel: " + version);
    System.out.println("MetaGraphDef with tag-set: 'serve' contains the following SignatureDefs:");
    System.out.println();
    try (LoadedModel model = LoadedModel.load(version)) {
      for (SignatureInfo s : model.signatures()) {
        System.out.println(s.describe());
      }
    }
    Path card = version.resolve(ModelLayout.MODEL_CARD_FILE);
    if (Files.isRegularFile(card)) {
      System.out.println("Model card (" + card + "):");
      System.out.println(Files.readString(card));
    } else {
      System.out.println("No model card (" + ModelLayout.MODEL_CARD_FILE + ") in this folder.");
    }
    return 0;
  }

  static Path resolveVersion(Path dir) throws java.io.IOException {
    if (Files.isRegularFile(dir.resolve(ModelLayout.SAVED_MODEL_FILE))) {
      return dir;
    }
    return ModelLayout.latestVersionFolder(dir).orElseThrow(() -> new java.nio.file.NoSuchFileException(
        dir.toString(), null, "neither a SavedModel (no saved_model.pb) nor a model folder with numbered versions"));
  }
}
