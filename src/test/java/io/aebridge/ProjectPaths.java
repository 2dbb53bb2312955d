package io.aebridge;

import java.nio.file.Path;

/** Where the project's committed fixtures live, whatever the test's working directory. */
public final class ProjectPaths {
  private ProjectPaths() {}

  /** The repository root (set by Surefire as {@code aebridge.projectDir}; the working directory otherwise). */
  public static Path root() {
    return Path.of(System.getProperty("aebridge.projectDir", ".")).toAbsolutePath().normalize();
  }
}
