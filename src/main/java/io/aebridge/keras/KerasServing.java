package io.aebridge.keras;

import io.aebridge.load.LoadedModel;
import io.aebridge.load.ModelLayout;
import io.aebridge.load.ModelLoadException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Serving a Keras file found in a version folder ({@code <root>/<model>/<version>/model.keras} or
 * {@code model.h5}, no {@code saved_model.pb}): the file is rebuilt by {@link KerasModel}, written as a SavedModel
 * into a private temporary folder, loaded as a {@link LoadedModel} (weights go to memory) and the folder deleted.
 * The op allow-list does not apply to such a model: its graph is built here from the supported layer table, not
 * read from the file.
 */
public final class KerasServing {
  private KerasServing() {}

  /** The Keras file that makes {@code versionDir} a version, or {@code null} when it holds a SavedModel or none. */
  public static Path kerasFile(Path versionDir) {
    if (Files.isRegularFile(versionDir.resolve(ModelLayout.SAVED_MODEL_FILE))) {
      return null;
    }
    for (String name : ModelLayout.KERAS_FILES) {
      Path f = versionDir.resolve(name);
      if (Files.isRegularFile(f)) {
        return f;
      }
    }
    return null;
  }

  /**
   * Loads {@code file} for serving.
   *
   * @throws ModelLoadException naming the version folder and the importer's reason
   */
  public static LoadedModel load(Path file) throws ModelLoadException {
    Path versionDir = file.toAbsolutePath().getParent();
    Path temp = null;
    try (KerasModel model = KerasModel.read(file)) {
      temp = Files.createTempDirectory("aebridge-keras-serve-");
      Path saved = temp.resolve("1");
      model.writeSavedModel(saved);
      return LoadedModel.load(saved);
    } catch (KerasImportException e) {
      throw new ModelLoadException(versionDir, e.getMessage(), e);
    } catch (IOException e) {
      throw new ModelLoadException(versionDir, "could not rebuild " + file.getFileName() + ": " + e.getMessage(), e);
    } finally {
      if (temp != null) {
        try {
          ModelLayout.deleteRecursively(temp);
        } catch (IOException ignored) {
          // The loaded model no longer needs the folder; a leftover in the temp dir is harmless.
        }
      }
    }
  }
}
