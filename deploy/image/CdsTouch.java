import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One request of each kind the server answers, so the classes that serve them are in the class-data-sharing
 * archive (deploy/image/cds-train.sh runs it in the image during the build). java.base only
 * ({@link HttpURLConnection}): the image's runtime has no java.net.http and no compiler, so build.sh compiles this
 * with the build machine's javac.
 *
 * <pre>java -cp DIR CdsTouch http://127.0.0.1:PORT</pre>
 */
public final class CdsTouch {
  private CdsTouch() {}

  public static void main(String[] args) throws IOException {
    String base = args[0];
    send("GET", base + "/v2/health/ready", null);
    String repo = send("POST", base + "/v2/repository/index", "");
    send("GET", base + "/metrics", null);
    send("GET", base + "/openapi.json", null);
    Matcher m = Pattern.compile("\"name\":\"([^\"]+)\"[^}]*\"state\":\"READY\"").matcher(repo);
    String zeros = "[" + "0.0,".repeat(783) + "0.0]";
    while (m.find()) {
      String model = base + "/v1/models/" + m.group(1);
      send("GET", model, null);
      send("GET", model + "/metadata", null);
      // Shapes differ between models; a refused request still runs the decoding and error paths.
      send("POST", model + ":predict", "{\"instances\": [" + zeros + "]}");
      send("POST", base + "/v2/models/" + m.group(1) + "/infer", "{\"inputs\": [{\"name\": \"x\", \"shape\": "
          + "[1, 784], \"datatype\": \"FP32\", \"data\": " + zeros + "}]}");
    }
  }

  private static String send(String method, String url, String body) throws IOException {
    HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
    c.setRequestMethod(method);
    if (body != null) {
      c.setDoOutput(true);
      c.setRequestProperty("Content-Type", "application/json");
      try (OutputStream out = c.getOutputStream()) {
        out.write(body.getBytes(StandardCharsets.UTF_8));
      }
    }
    int status = c.getResponseCode();
    try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
      return in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } finally {
      c.disconnect();
    }
  }
}
