package io.aebridge.demo;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a demo measured.
 *
 * @param demo the demo's name
 * @param title a heading for the report
 * @param text one paragraph saying what was trained on what, written from the run's own settings
 * @param figures named figures (numbers or short strings), in report order
 * @param checks the figure against its baseline (a quick run uses a looser bound than a full one), and any goal the
 *     issue sets beyond the baseline ({@link Check#goal}), which is reported met or not but gates nothing
 * @param pictures picture file names inside the report folder, each with a caption
 * @param model the exported SavedModel version folder
 */
public record DemoResult(String demo, String title, String text, Map<String, Object> figures, List<Check> checks,
    Map<String, String> pictures, Path model) {
  public DemoResult {
    Objects.requireNonNull(demo, "demo");
    figures = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(figures));
    checks = List.copyOf(checks);
    pictures = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(pictures));
  }

  /** Whether every check against a baseline held (goals are reported, not required). */
  public boolean passed() {
    return checks.stream().filter(c -> !c.goal()).allMatch(Check::passed);
  }

  /**
   * One comparison of a measured figure with a bound: {@code value < bound} ({@code lowerIsBetter}) or
   * {@code value > bound}.
   *
   * @param what what is compared, e.g. "model colour error < greyscale-as-RGB baseline"
   * @param value the measured figure
   * @param bound the baseline (possibly scaled)
   * @param lowerIsBetter direction of the comparison
   * @param goal a target beyond the baseline (e.g. the "restored ≤ 0.3× watermarked"): shown as met or not
   *     met in the report, but a run that misses it still passes, so the document can show how far off it is
   */
  public record Check(String what, double value, double bound, boolean lowerIsBetter, boolean goal) {
    public boolean passed() {
      return Double.isFinite(value) && (lowerIsBetter ? value < bound : value > bound);
    }

    /** {@code value < bound} */
    static Check below(String what, double value, double bound) {
      return new Check(what, value, bound, true, false);
    }

    /** {@code value > bound} */
    static Check above(String what, double value, double bound) {
      return new Check(what, value, bound, false, false);
    }

    /** A goal {@code value < bound}: reported, not required. */
    static Check goalBelow(String what, double value, double bound) {
      return new Check(what, value, bound, true, true);
    }

    /**
     * One line: {@code ok   …} or {@code FAIL …} for a check (the e2e contract), {@code goal met …} or
     * {@code goal missed …} for a goal.
     */
    public String line(String demo) {
      String mark = goal ? (passed() ? "goal met" : "goal missed") : passed() ? "ok  " : "FAIL";
      return String.format(java.util.Locale.ROOT, "%s demo %s: %s (%.4g %s %.4g)", mark, demo, what, value,
          lowerIsBetter ? "<" : ">", bound);
    }
  }
}
