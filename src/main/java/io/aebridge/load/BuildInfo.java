package io.aebridge.load;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import org.tensorflow.TensorFlow;

/** Versions of this project, TensorFlow Java and the TensorFlow runtime, for model cards and server metadata. */
public record BuildInfo(String projectVersion, String tensorflowJavaVersion, String tensorflowRuntimeVersion,
    String javaVersion) {

  private static final BuildInfo CURRENT = read();

  public static BuildInfo current() {
    return CURRENT;
  }

  private static BuildInfo read() {
    Properties p = new Properties();
    try (InputStream in = BuildInfo.class.getResourceAsStream("/aebridge-build.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Could not read aebridge-build.properties", e);
    }
    // The runtime reports its own version; the property is what the build expected.
    return new BuildInfo(p.getProperty("project.version", "unknown"),
        p.getProperty("tensorflow.java.version", "unknown"), TensorFlow.version(),
        System.getProperty("java.version"));
  }
}
