package io.aebridge.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a demo's report folder: {@code figures.json} (figures, checks, run settings, machine load) and
 * {@code README.md} (the Markdown section built from them). Every number in the Markdown comes from the result,
 * none is typed by hand. Stateless.
 */
public final class DemoReport {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private DemoReport() {}

  /** Writes {@code figures.json} and {@code README.md} into {@code settings.out()}. */
  public static void write(DemoResult result, DemoSettings settings, double seconds) throws IOException {
    Files.createDirectories(settings.out());
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("demo", result.demo());
    json.put("title", result.title());
    json.put("quick", settings.quick());
    json.put("started", Instant.now().minusMillis((long) (seconds * 1000)).toString());
    json.put("seconds", seconds);
    json.put("machine", Map.of("nproc", Runtime.getRuntime().availableProcessors(), "loadavg", loadavg()));
    json.put("model", settings.home().toAbsolutePath().normalize().relativize(
        result.model().toAbsolutePath().normalize()).toString());
    json.put("text", result.text());
    json.put("figures", result.figures());
    List<Map<String, Object>> checks = new ArrayList<>();
    for (DemoResult.Check c : result.checks()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("check", c.what());
      m.put("value", c.value());
      m.put("bound", c.bound());
      m.put("direction", c.lowerIsBetter() ? "below" : "above");
      m.put("passed", c.passed());
      m.put("goal", c.goal());
      checks.add(m);
    }
    json.put("checks", checks);
    json.put("passed", result.passed());
    json.put("pictures", result.pictures());
    JSON.writeValue(settings.out().resolve("figures.json").toFile(), json);
    Files.writeString(settings.out().resolve("README.md"), section(json, ""));
  }

  /**
   * The Markdown section of one demo, from its {@code figures.json} tree.
   *
   * @param pictureDir prefix for picture links ("" when the section sits beside its pictures)
   */
  @SuppressWarnings("unchecked")
  static String section(Map<String, Object> json, String pictureDir) {
    StringBuilder md = new StringBuilder();
    md.append("## `").append(json.get("demo")).append("`: ").append(json.get("title")).append("\n\n");
    md.append(json.get("text")).append("\n\n");
    md.append("| figure | value |\n|---|---|\n");
    ((Map<String, Object>) json.get("figures")).forEach((k, v) ->
        md.append("| ").append(k).append(" | ").append(format(v)).append(" |\n"));
    md.append("\n");
    for (Map<String, Object> c : (List<Map<String, Object>>) json.get("checks")) {
      boolean passed = Boolean.TRUE.equals(c.get("passed"));
      boolean goal = Boolean.TRUE.equals(c.get("goal"));
      md.append("- ").append(passed ? "✅ " : "❌ ").append(goal ? "goal: " : "").append(c.get("check")).append(": ")
          .append(format(c.get("value"))).append("below".equals(c.get("direction")) ? " < " : " > ")
          .append(format(c.get("bound"))).append(passed ? "" : goal ? " — **goal not met**" : " — **not met**")
          .append("\n");
    }
    md.append("\n");
    ((Map<String, Object>) json.get("pictures")).forEach((file, caption) ->
        md.append("![").append(caption).append("](").append(pictureDir).append(file).append(")\n\n"));
    Map<String, Object> machine = (Map<String, Object>) json.get("machine");
    md.append(String.format(Locale.ROOT, "<sub>%s run of `aebridge demo %s`, started %s, %.0f s on %s cores, load "
        + "average %s at the end (the machine was shared with other jobs). Model: `%s`.</sub>%n%n",
        Boolean.TRUE.equals(json.get("quick")) ? "Quick" : "Full", json.get("demo"), json.get("started"),
        ((Number) json.get("seconds")).doubleValue(), machine.get("nproc"), machine.get("loadavg"),
        json.get("model")));
    return md.toString();
  }

  static String format(Object v) {
    if (v instanceof Float f) {
      return format(f.doubleValue());
    }
    if (v instanceof Double d) {
      double a = Math.abs(d);
      if (a != 0 && (a < 0.001 || a >= 100000)) {
        return String.format(Locale.ROOT, "%.3e", d);
      }
      return String.format(Locale.ROOT, a >= 100 ? "%,.0f" : "%.4f", d);
    }
    if (v instanceof Integer || v instanceof Long) {
      return String.format(Locale.ROOT, "%,d", ((Number) v).longValue());
    }
    return String.valueOf(v);
  }

  static String loadavg() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }
}
