package io.aebridge.serve.http;

import io.aebridge.serve.core.ServingException;
import io.aebridge.serve.core.VersionSelector;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The model and version a REST path names, read the same way by every front-end: {@code {m}} the model,
 * {@code {v}} a version number ({@link VersionSelector#parseNumber}, one 404 text), {@code {l}} a label; neither
 * means the latest; and the query parameters an endpoint accepts, refusing any other. Stateless.
 */
final class PathParams {
  private PathParams() {}

  static String model(Context ctx) {
    return ctx.pathParam("m");
  }

  /** TF Serving's POST-only verbs, which a GET path parameter must not end with. */
  private static final List<String> POST_VERBS = List.of(":predict", ":classify", ":regress");

  /**
   * Answers 405 with {@code Allow: POST} when a GET reached a status or metadata route only because its last path
   * parameter swallowed a POST verb ({@code GET /v1/models/m:predict} matches {@code /v1/models/{m}}).
   */
  static void refuseVerbOnGet(Context ctx) {
    for (String value : ctx.pathParamMap().values()) {
      for (String verb : POST_VERBS) {
        if (value.endsWith(verb)) {
          ctx.header("Allow", "POST");
          throw new HttpResponseException(405, verb.substring(1) + " takes POST with a JSON body, not "
              + ctx.method() + "; see /openapi.json");
        }
      }
    }
  }

  /**
   * Refuses a query parameter the endpoint does not read, rather than ignoring it silently.
   *
   * @param accepted the names it reads
   * @throws ServingException INVALID_ARGUMENT naming the unknown parameters and the accepted ones
   */
  static void onlyQuery(Context ctx, String... accepted) {
    Set<String> unknown = new TreeSet<>(ctx.queryParamMap().keySet());
    unknown.removeAll(List.of(accepted));
    if (!unknown.isEmpty()) {
      throw ServingException.invalid("Unknown query parameter" + (unknown.size() > 1 ? "s " : " ")
          + unknown.stream().map(n -> "'" + TensorJson.abbreviate(n) + "'").toList() + "; " + ctx.method() + " "
          + ctx.endpoint().path + " accepts " + (accepted.length == 0 ? "none"
              : String.join(", ", accepted)));
    }
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
