package io.aebridge.serve.core;

import io.aebridge.load.ModelLayout;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Which version of a model a request wants: the version policy's latest, a number, or a configured label. The one
 * place where a version given as text (a URL segment, a gRPC field) becomes a selector.
 */
public sealed interface VersionSelector {

  /** The newest available version. */
  record Latest() implements VersionSelector {
    @Override
    public String toString() {
      return "latest";
    }
  }

  /** One version number, at least 1. */
  record Number(long version) implements VersionSelector {
    public Number {
      if (version < 1) {
        throw new IllegalArgumentException("A version number is at least 1, found " + version);
      }
    }

    @Override
    public String toString() {
      return "version " + version;
    }
  }

  /** A label the configuration maps to a version ({@code stable}, {@code canary}). */
  record Label(String label) implements VersionSelector {
    public Label {
      Objects.requireNonNull(label, "label");
    }

    @Override
    public String toString() {
      return "label '" + label + "'";
    }
  }

  VersionSelector LATEST = new Latest();

  /**
   * The version {@code text} names: a positive decimal integer, read as the repository reads version folder
   * names ({@link ModelLayout#parseVersion}).
   *
   * @param model the model the version is of (for the message)
   * @throws ServingException NOT_FOUND when {@code text} is not such a number
   */
  static Number parseNumber(String model, String text) {
    OptionalLong v = text == null ? OptionalLong.empty() : ModelLayout.parseVersion(text);
    if (v.isPresent()) {
      return new Number(v.getAsLong());
    }
    throw ServingException.notFound("Version '" + Texts.abbreviate(String.valueOf(text)) + "' of model '"
        + Texts.abbreviate(String.valueOf(model)) + "' is not a version number (a positive integer such as 1 or "
        + "20240101)");
  }
}
