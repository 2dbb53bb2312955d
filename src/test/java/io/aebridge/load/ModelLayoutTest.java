package io.aebridge.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Version folder names as TF Serving reads them: the number is parsed, the folder keeps its own name. */
class ModelLayoutTest {
  @TempDir
  Path dir;

  private void version(String folder) throws IOException {
    Files.createDirectories(dir.resolve(folder));
    Files.write(dir.resolve(folder).resolve(ModelLayout.SAVED_MODEL_FILE), new byte[] {1});
  }

  @Test
  void versionNumbersAreNonNegative64BitDecimals() {
    assertEquals(OptionalLong.of(0), ModelLayout.parseVersion("0"));
    assertEquals(OptionalLong.of(123), ModelLayout.parseVersion("00000123"));
    assertEquals(OptionalLong.of(Long.MAX_VALUE), ModelLayout.parseVersion("9223372036854775807"));
    assertEquals(OptionalLong.of(7), ModelLayout.parseVersion("0000000000000000000000007"), "leading zeros only");
    for (String no : new String[] {"", "9223372036854775808", "-1", "+1", "1a", " 1", "1.0", "\u0661"}) {
      assertEquals(OptionalLong.empty(), ModelLayout.parseVersion(no), no);
    }
  }

  @Test
  void foldersKeepTheirOwnNames() throws IOException {
    version("00000123");
    version("0");
    version("007");
    version("7");
    version("0009");
    version("09");
    Files.createDirectories(dir.resolve("5"));   // no saved_model.pb: not a version
    Map<Long, String> expected = new TreeMap<>(Map.of(0L, "0", 7L, "7", 9L, "0009", 123L, "00000123"));
    assertEquals(expected, ModelLayout.versionFolders(dir), "the plain spelling wins, else the first by name");
    assertEquals(Optional.of(dir.resolve("00000123")), ModelLayout.latestVersionFolder(dir));
    assertEquals(124, ModelLayout.nextVersion(dir));
    version("9223372036854775807");
    assertThrows(IOException.class, () -> ModelLayout.nextVersion(dir), "no version after 2^63 - 1");
  }
}
