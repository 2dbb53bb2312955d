package io.aebridge.demo;

import java.util.List;
import java.util.Optional;

/** The seven demos, in report order. */
public final class Demos {
  private static final List<Demo> ALL = List.of(new CompressDemo(), new DenoiseDemo(), new ColourDemo(),
      new WatermarkDemo(), new FeaturesDemo(), new ReduceDemo(), new AnomalyDemo());

  private Demos() {}

  public static List<Demo> all() {
    return ALL;
  }

  public static Optional<Demo> named(String name) {
    return ALL.stream().filter(d -> d.name().equals(name)).findFirst();
  }

  /** "name — summary" lines for help texts. */
  public static List<String> menu() {
    return ALL.stream().map(d -> String.format("  %-10s %s", d.name(), d.summary())).toList();
  }
}
