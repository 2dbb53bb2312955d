package io.aebridge.serve.http;

import io.aebridge.serve.core.ErrorCode;
import io.aebridge.serve.core.ServingException;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Registers the server's endpoints on Javalin together with their documentation, from which {@link OpenApi}
 * writes {@code /openapi.json}. Every endpoint goes through here, so the description cannot omit one (a test
 * checks it against Javalin's own handler list). Endpoints are collected first and handed to Javalin's route
 * configuration by {@link #addTo} (Javalin 7 takes every route up front). Not thread-safe: used while the app is
 * built.
 */
public final class Routes {
  /** One documented endpoint. */
  record Doc(HandlerType method, String path, String tag, String summary, String description, String requestSchema,
      String requestContentType, String responseSchema, String responseContentType, boolean management) {}

  private record Entry(HandlerType method, String path, Handler handler) {}

  private final List<Doc> docs = new ArrayList<>();
  private final List<Entry> entries = new ArrayList<>();

  /** Registers every endpoint documented so far with Javalin. */
  public void addTo(RoutesConfig routes) {
    for (Entry e : entries) {
      routes.addHttpHandler(e.method(), e.path(), e.handler());
    }
  }

  /** Starts documenting an endpoint; {@link Builder#handle} registers it. */
  public Builder get(String path) {
    return new Builder(HandlerType.GET, path);
  }

  Builder post(String path) {
    return new Builder(HandlerType.POST, path);
  }

  Builder delete(String path) {
    return new Builder(HandlerType.DELETE, path);
  }

  List<Doc> docs() {
    return Collections.unmodifiableList(docs);
  }

  public final class Builder {
    private final HandlerType method;
    private final String path;
    private String tag = "server";
    private String summary = "";
    private String description = "";
    private String requestSchema;
    private String requestContentType = "application/json";
    private String responseSchema;
    private String responseContentType = "application/json";
    private boolean management;

    private Builder(HandlerType method, String path) {
      this.method = method;
      this.path = path;
    }

    public Builder tag(String v) {
      tag = v;
      return this;
    }

    public Builder summary(String v) {
      summary = v;
      return this;
    }

    public Builder description(String v) {
      description = v;
      return this;
    }

    /** The request body: a schema name under {@code components/schemas}, and its content type. */
    public Builder request(String schema, String contentType) {
      requestSchema = schema;
      requestContentType = contentType;
      return this;
    }

    public Builder request(String schema) {
      return request(schema, "application/json");
    }

    /** The 200 response: a schema name (or {@code null} for a plain body) and its content type. */
    public Builder response(String schema, String contentType) {
      responseSchema = schema;
      responseContentType = contentType;
      return this;
    }

    public Builder response(String schema) {
      return response(schema, "application/json");
    }

    /** Marks a management endpoint (bearer token required). */
    public Builder management() {
      management = true;
      return this;
    }

    public void handle(Handler handler) {
      if (summary.isEmpty()) {
        throw new IllegalStateException("Endpoint " + method + " " + path + " has no summary");
      }
      docs.add(new Doc(method, path, tag, summary, description, requestSchema, requestContentType, responseSchema,
          responseContentType, management));
      entries.add(new Entry(method, path, ctx -> {
        try {
          handler.handle(ctx);
        } catch (OutOfMemoryError e) {
          // Javalin answers an Error with an empty 500. A request whose data does not fit in the Java heap next to
          // its neighbours' is the one to refuse; what it allocated is garbage once it unwinds, so the server goes on.
          throw new ServingException(ErrorCode.UNAVAILABLE, "Not enough Java heap for this request next to the "
              + "others in flight (" + e.getMessage() + ", max heap " + (Runtime.getRuntime().maxMemory() >> 20)
              + " MiB); retry, send fewer samples per request, or give the server more heap (AEBRIDGE_HEAP)");
        }
      }));
    }
  }
}
