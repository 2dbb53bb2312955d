package io.aebridge.serve;

import io.aebridge.serve.core.VersionSelector;
import io.javalin.http.Context;
import java.util.Map;

/**
 * The model and version a REST path names, read the same way by every front-end: {@code {m}} the model,
 * {@code {v}} a version number ({@link VersionSelector#parseNumber}, one 404 text), {@code {l}} a label; neither
 * means the latest. Stateless.
 */
final class PathParams {
  private PathParams() {}

  static String model(Context ctx) {
    return ctx.pathParam("m");
  }

  /** The version the path names. */
  static VersionSelector version(Context ctx) {
    Map<String, String> params = ctx.pathParamMap();
    String v = params.get("v");
    if (v != null) {
      return VersionSelector.parseNumber(params.get("m"), v);
    }
    String l = params.get("l");
    return l == null ? VersionSelector.LATEST : new VersionSelector.Label(l);
  }
}
