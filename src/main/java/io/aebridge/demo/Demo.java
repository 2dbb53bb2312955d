package io.aebridge.demo;

import java.io.IOException;

/**
 * One application of autoencoders, runnable end to end. Implementations are stateless; {@link #run} trains a fresh
 * model each call.
 */
public interface Demo {
  /** The command-line name, e.g. {@code colour}. */
  String name();

  /** One line for {@code --help} and the README. */
  String summary();

  /**
   * Trains, exports and measures; writes pictures into {@code settings.out()}.
   *
   * @return the figures and the checks of the figure against its baseline
   * @throws IOException when data cannot be read or results cannot be written
   */
  DemoResult run(DemoSettings settings) throws IOException;
}
