package io.aebridge.serve.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aebridge.load.BuildInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The OpenAPI 3.0 description served at {@code /openapi.json}: paths generated from the {@link Routes} registry
 * (so every endpoint is described), schemas from {@code openapi-base.json} beside this class.
 */
public final class OpenApi {
  private static final Pattern PARAM = Pattern.compile("\\{([^}]+)}");
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private OpenApi() {}

  public static ObjectNode document(Routes routes) {
    ObjectNode doc;
    try (InputStream in = OpenApi.class.getResourceAsStream("openapi-base.json")) {
      if (in == null) {
        throw new IllegalStateException("openapi-base.json is missing from the class path");
      }
      doc = (ObjectNode) MAPPER.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not read openapi-base.json", e);
    }
    doc.withObjectProperty("info").put("version", BuildInfo.current().projectVersion());
    ObjectNode paths = doc.putObject("paths");
    for (Routes.Doc d : routes.docs()) {
      ObjectNode op = paths.withObjectProperty(d.path()).putObject(d.method().name().toLowerCase(Locale.ROOT));
      op.putArray("tags").add(d.tag());
      op.put("summary", d.summary());
      if (!d.description().isEmpty()) {
        op.put("description", d.description());
      }
      op.put("operationId", operationId(d));
      ArrayNode params = op.putArray("parameters");
      Matcher m = PARAM.matcher(d.path());
      while (m.find()) {
        ObjectNode p = params.addObject();
        p.put("name", m.group(1));
        p.put("in", "path");
        p.put("required", true);
        p.put("description", paramDescription(m.group(1)));
        p.putObject("schema").put("type", "string");
      }
      if (d.requestSchema() != null) {
        ObjectNode body = op.putObject("requestBody");
        body.put("required", true);
        body.putObject("content").putObject(d.requestContentType()).set("schema", ref(d.requestSchema()));
      }
      ObjectNode responses = op.putObject("responses");
      ObjectNode ok = responses.putObject("200");
      ok.put("description", "Success");
      if (d.responseSchema() != null) {
        ok.putObject("content").putObject(d.responseContentType()).set("schema", ref(d.responseSchema()));
      } else if (d.responseContentType() != null) {
        ok.putObject("content").putObject(d.responseContentType()).putObject("schema").put("type", "string");
      }
      ObjectNode error = responses.putObject("default");
      error.put("description", "An error: 400 bad request, 401 no token, 404 unknown model/version/signature, "
          + "413 body too large, 415 unsupported encoding, 503 queue full, 504 deadline exceeded, 507 an upload could "
          + "not be stored");
      error.putObject("content").putObject("application/json").set("schema", ref("Error"));
      if (d.management()) {
        op.putArray("security").addObject().putArray("bearerAuth");
      }
    }
    return doc;
  }

  private static ObjectNode ref(String schema) {
    return MAPPER.createObjectNode().put("$ref", "#/components/schemas/" + schema);
  }

  private static String operationId(Routes.Doc d) {
    String p = d.path().replaceAll("[{}]", "").replaceAll("[^A-Za-z0-9]+", "_").replaceAll("^_|_$", "");
    return d.method().name().toLowerCase(Locale.ROOT) + "_" + p;
  }

  private static String paramDescription(String name) {
    return switch (name) {
      case "m" -> "Model name ([A-Za-z0-9._-])";
      case "v" -> "Version number";
      case "l" -> "Version label (configured per model)";
      case "file" -> "File of the web page";
      default -> name;
    };
  }
}
