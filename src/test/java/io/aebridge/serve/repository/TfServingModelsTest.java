package io.aebridge.serve.repository;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aebridge.serve.ServerConfig;
import io.aebridge.serve.ServerConfig.ModelSettings;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tensorflow.serving.FileSystemStoragePathSource.FileSystemStoragePathSourceConfig.ServableVersionPolicy;
import tensorflow.serving.ModelServerConfigOuterClass.ModelConfig;
import tensorflow.serving.ModelServerConfigOuterClass.ModelConfigList;
import tensorflow.serving.ModelServerConfigOuterClass.ModelServerConfig;

/**
 * The reload side of the conversion (the file side is covered through {@code aebridge tfserving} in
 * TfServingCommandTest): base paths as TF Serving requires them, the root shorthand, batching kept by name.
 */
class TfServingModelsTest {
  private static final Path ROOT = Path.of("/srv/models").toAbsolutePath();
  private static final ServerConfig.Batching OWN = new ServerConfig.Batching(true, 8, 100, 64, 2);
  private static final ServerConfig WITH_ROOT = ServerConfig.builder(ROOT)
      .model("a", new ModelSettings(null, Map.of(), OWN)).build();
  private static final ServerConfig WITHOUT_ROOT = ServerConfig.builder(null)
      .model("a", new ModelSettings(null, Map.of(), OWN, ROOT.resolve("a"))).build();

  private static ModelServerConfig config(ModelConfig.Builder... models) {
    ModelConfigList.Builder list = ModelConfigList.newBuilder();
    for (ModelConfig.Builder m : models) {
      list.addConfig(m);
    }
    return ModelServerConfig.newBuilder().setModelConfigList(list).build();
  }

  @Test
  void reloadKeepsBatchingByNameAndReadsPoliciesAndLabels() {
    Path elsewhere = ROOT.resolveSibling("elsewhere").resolve("b");
    Map<String, ModelSettings> m = TfServingModels.forReload(config(
        ModelConfig.newBuilder().setName("a"),
        ModelConfig.newBuilder().setName("b").setBasePath(elsewhere.toString())
            .setModelVersionPolicy(ServableVersionPolicy.newBuilder().setSpecific(
                ServableVersionPolicy.Specific.newBuilder().addVersions(3).addVersions(1)))
            .putVersionLabels("stable", 1)), WITH_ROOT);
    assertEquals(new ModelSettings(VersionPolicy.latest(), Map.of(), OWN, null), m.get("a"),
        "empty base_path on a server with a root: <root>/a, with a's own batching");
    assertEquals(new ModelSettings(VersionPolicy.specific(1, 3), Map.of("stable", 1L), null, elsewhere),
        m.get("b"));
  }

  @Test
  void reloadRefusesWhatTfServingRefuses() {
    var empty = assertThrows(IllegalArgumentException.class, () -> TfServingModels.forReload(config(
        ModelConfig.newBuilder().setName("a")), WITHOUT_ROOT));
    assertTrue(empty.getMessage().contains("config #1 ('a'): base_path is required"), empty.getMessage());
    var relative = assertThrows(IllegalArgumentException.class, () -> TfServingModels.forReload(config(
        ModelConfig.newBuilder().setName("a").setBasePath("models/a")), WITH_ROOT));
    assertTrue(relative.getMessage().contains("base_path must be an absolute path, as TF Serving requires, found "
        + "'models/a' (leave it empty for <models root>/a)"), relative.getMessage());
    var none = assertThrows(IllegalArgumentException.class, () -> TfServingModels.forReload(
        ModelServerConfig.getDefaultInstance(), WITH_ROOT));
    assertTrue(none.getMessage().startsWith("ReloadConfigRequest.config: lists no model"), none.getMessage());
  }

  @Test
  void fileTakesRelativePathsAsTfServingDoesForItsConfigFile() {
    Map<String, ModelSettings> m = TfServingModels.fromFile(config(
        ModelConfig.newBuilder().setName("c").setBasePath("relative/c")), "models.config");
    assertEquals(Path.of("relative/c"), m.get("c").basePath());
    assertNull(m.get("c").batching());
  }
}
